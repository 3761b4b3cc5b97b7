/**
 * Who is an administrator (admission.administrators): listed users, members of listed groups, and
 * service accounts matching `namespace:name` patterns (`*` a wildcard within either part). Everyone
 * else is a user. Compiled once per decider.
 */
import type { AdmissionSettings } from '../core/types.js';

const SA_PREFIX = 'system:serviceaccount:';

function glob(pattern: string): (s: string) => boolean {
  if (!pattern.includes('*')) return (s) => s === pattern;
  if (/^\*+$/.test(pattern)) return () => true;
  const re = new RegExp('^' + pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('[^:]*') + '$');
  return (s) => re.test(s);
}

export interface RoleMatcher {
  isAdministrator(user: { username: string; groups: readonly string[] }): boolean;
}

export function compileAdministrators(admins: AdmissionSettings['administrators']): RoleMatcher {
  const users = new Set(admins.users);
  const groups = new Set(admins.groups);
  const exactSas = new Set<string>();
  const sas: { ns: (s: string) => boolean; name: (s: string) => boolean }[] = [];
  for (const sa of admins.serviceAccounts) {
    const i = sa.indexOf(':');
    if (i <= 0 || i === sa.length - 1) continue; // the schema rejects these; ignore rather than match everything
    const ns = sa.slice(0, i);
    const name = sa.slice(i + 1);
    if (!sa.includes('*')) exactSas.add(`${ns}:${name}`);
    else sas.push({ ns: glob(ns), name: glob(name) });
  }
  return {
    isAdministrator(user): boolean {
      if (users.has(user.username)) return true;
      for (const g of user.groups) if (groups.has(g)) return true;
      if (!user.username.startsWith(SA_PREFIX)) return false;
      const rest = user.username.slice(SA_PREFIX.length);
      const i = rest.indexOf(':');
      if (i <= 0 || i === rest.length - 1) return false;
      const ns = rest.slice(0, i);
      const name = rest.slice(i + 1);
      if (name.includes(':')) return false;
      // `rest` is `${ns}:${name}` (name has no colon).
      if (exactSas.has(rest)) return true;
      return sas.some((p) => p.ns(ns) && p.name(name));
    },
  };
}

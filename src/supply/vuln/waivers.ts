/**
 * Vulnerability waivers: a ComplianceException with `spec.vulnerabilities` (and optionally
 * `spec.match.packages`) turns matching vulnerability matches into `excepted` — shown, counted, never
 * hidden, and only while the exception is active (approved, justified, not expired).
 */
import { exceptionKey, exceptionRef, type ComplianceException, type ExceptionStatus } from '../../policy/exceptions.js';
import { parsePurl, formatPurl } from '../purl.js';
import type { VulnMatch } from './types.js';

function glob(pattern: string): (s: string) => boolean {
  if (!/[*?]/.test(pattern)) return (s) => s === pattern;
  const re = new RegExp('^' + pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.') + '$');
  return (s) => re.test(s);
}

/** The names a component answers to in `spec.match.packages`: its purl without version, and its name. */
function packageNames(m: VulnMatch): string[] {
  const out = [m.component.name];
  const p = parsePurl(m.component.purl);
  if (p) {
    out.push(formatPurl({ type: p.type, namespace: p.namespace, name: p.name, qualifiers: {} }));
    out.push(formatPurl({ type: p.type, namespace: p.namespace, name: p.name, version: p.version, qualifiers: {} }));
  }
  return out;
}

function covers(e: ComplianceException, m: VulnMatch): boolean {
  if (!e.vulnerabilities) return false;
  const ids = new Set([m.id, ...m.aliases].map((x) => x.toUpperCase()));
  if (!e.vulnerabilities.some((v) => ids.has(v.toUpperCase()))) return false;
  const packages = e.match.packages;
  if (!packages) return true;
  const names = packageNames(m);
  return packages.some((p) => {
    const g = glob(p);
    return names.some(g);
  });
}

/** Marks the matches an active waiver covers as excepted (new objects). `used` counts matches per exception key. */
export function applyVulnWaivers(matches: readonly VulnMatch[], statuses: readonly ExceptionStatus[]): { matches: VulnMatch[]; used: Map<string, number> } {
  const used = new Map<string, number>();
  const waivers = statuses.filter((s) => s.state === 'active' && s.exception.vulnerabilities !== undefined);
  const out = matches.map((m) => {
    const w = waivers.find((s) => covers(s.exception, m));
    if (!w) return m;
    const key = exceptionKey(w.exception);
    used.set(key, (used.get(key) ?? 0) + 1);
    return { ...m, status: 'excepted' as const, exception: exceptionRef(w.exception) };
  });
  return { matches: out, used };
}

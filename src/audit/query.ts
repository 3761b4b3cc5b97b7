/** "Who did what, where, when": filters over events, rows for a table or JSON, timelines per user or object. */
import { globToRegExp } from './conditions.js';
import { eventTime, resourcePath, sourceIP, type AuditEvent, type EventOrigin } from './types.js';

export interface QueryFilter {
  user?: string[];
  verb?: string[];
  resource?: string[];
  namespace?: string[];
  name?: string[];
  since?: number;
  until?: number;
  /** Only requests that failed (code ≥ 400) / succeeded. */
  outcome?: 'allowed' | 'denied';
}

export interface QueryRow {
  time: string;
  user: string;
  impersonatedUser?: string;
  verb: string;
  resource: string;
  namespace: string;
  name: string;
  code?: number;
  sourceIP: string;
  userAgent?: string;
  auditID: string;
  stage?: string;
  origin?: EventOrigin;
}

function globs(list: string[] | undefined): ((s: string) => boolean) | undefined {
  if (!list || list.length === 0) return undefined;
  const res = list.map(globToRegExp);
  return (s) => res.some((r) => r.test(s));
}

/** Parses --since/--until: RFC 3339, a date, or a duration back from `now` (30m, 2h, 7d). */
export function parseTimeArg(s: string, now: number = Date.now()): number {
  const d = /^(\d+)(s|m|h|d)$/.exec(s.trim());
  if (d) return now - Number(d[1]) * { s: 1e3, m: 60e3, h: 3600e3, d: 86400e3 }[d[2] as 's' | 'm' | 'h' | 'd'];
  const t = Date.parse(s);
  if (Number.isNaN(t)) throw new Error(`cannot read time "${s}": use RFC 3339 (2026-12-01T10:00:00Z), a date, or a duration such as 2h`);
  return t;
}

export function compileFilter(f: QueryFilter): (e: AuditEvent) => boolean {
  const user = globs(f.user);
  const verb = globs(f.verb);
  const resource = globs(f.resource);
  const ns = globs(f.namespace);
  const name = globs(f.name);
  return (e) => {
    if (e.stage === 'RequestReceived') return false;
    if (user && !user(e.user?.username ?? '') && !user(e.impersonatedUser?.username ?? '')) return false;
    if (verb && !verb(e.verb ?? '')) return false;
    if (resource && !resource(resourcePath(e))) return false;
    if (ns && !ns(e.objectRef?.namespace ?? '')) return false;
    if (name && !name(e.objectRef?.name ?? '')) return false;
    if (f.since !== undefined || f.until !== undefined) {
      const t = eventTime(e);
      if (!Number.isFinite(t)) return false;
      if (f.since !== undefined && t < f.since) return false;
      if (f.until !== undefined && t > f.until) return false;
    }
    if (f.outcome) {
      const c = e.responseStatus?.code ?? 0;
      if (f.outcome === 'denied' ? c < 400 : c >= 400) return false;
    }
    return true;
  };
}

export function rowOf(e: AuditEvent, origin?: EventOrigin): QueryRow {
  const t = eventTime(e);
  const r: QueryRow = {
    time: Number.isFinite(t) ? new Date(t).toISOString() : '',
    user: e.user?.username ?? '',
    verb: e.verb ?? '',
    resource: resourcePath(e) || (e.requestURI ?? ''),
    namespace: e.objectRef?.namespace ?? '',
    name: e.objectRef?.name ?? '',
    sourceIP: sourceIP(e),
    auditID: e.auditID ?? '',
  };
  if (e.impersonatedUser?.username) r.impersonatedUser = e.impersonatedUser.username;
  if (typeof e.responseStatus?.code === 'number') r.code = e.responseStatus.code;
  if (e.userAgent) r.userAgent = e.userAgent;
  if (e.stage) r.stage = e.stage;
  if (origin) r.origin = origin;
  return r;
}

export interface TimelineGroup {
  key: string;
  first: string;
  last: string;
  rows: QueryRow[];
}

/** Groups rows per user ("user") or per object ("object": resource namespace/name), each in time order. */
export function timeline(rows: QueryRow[], by: 'user' | 'object'): TimelineGroup[] {
  const groups = new Map<string, QueryRow[]>();
  for (const r of rows) {
    const key = by === 'user' ? (r.impersonatedUser ? `${r.user} (as ${r.impersonatedUser})` : r.user) : `${r.resource} ${r.namespace ? `${r.namespace}/` : ''}${r.name}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = []));
    g.push(r);
  }
  const out: TimelineGroup[] = [];
  for (const [key, g] of groups) {
    g.sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0));
    out.push({ key, first: g[0].time, last: g[g.length - 1].time, rows: g });
  }
  return out.sort((a, b) => (a.first < b.first ? -1 : a.first > b.first ? 1 : a.key < b.key ? -1 : 1));
}

/** A plain text table (no colour), columns padded. */
export function textTable(head: string[], rows: string[][]): string {
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const fmt = (r: string[]): string => r.map((c, i) => (i === r.length - 1 ? c : (c ?? '').padEnd(w[i]))).join('  ').trimEnd();
  return [fmt(head), ...rows.map(fmt)].join('\n') + '\n';
}

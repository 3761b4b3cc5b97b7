/** The detection engine: rules compiled once, indexed by verb and resource, evaluated per event. */
import { compileCondition, compileGetter, validateCondition, type Predicate } from './conditions.js';
import type { AuditRule } from './rules.js';
import { eventTime, resourcePath, sourceIP, SEVERITIES, type AuditEvent, type EventOrigin, type Severity } from './types.js';

export interface Detection {
  rule: string;
  title: string;
  severity: Severity;
  mitre: string[];
  explanation: string;
  remediation: string;
  /** RFC 3339 time of the (last) event. */
  time: string;
  user: string;
  impersonatedUser?: string;
  verb: string;
  resource: string;
  namespace: string;
  name: string;
  sourceIP: string;
  userAgent?: string;
  auditID: string;
  requestURI: string;
  code?: number;
  origin?: EventOrigin;
  /** Stateful rules: how many events made up the burst. */
  count?: number;
  source: 'audit' | 'falco';
}

interface Compiled {
  rule: AuditRule;
  resources: Set<string> | null;
  pred: Predicate | null;
  threshold?: { count: number; windowMs: number; key: (e: AuditEvent) => string; state: Map<string, number[]> };
}

/** Throws with every problem found in a rule (used for built-in and user rules alike). */
export function validateRule(r: unknown, at: string): string[] {
  if (r === null || typeof r !== 'object' || Array.isArray(r)) return [`${at}: expected a rule object`];
  const o = r as Record<string, unknown>;
  const errs: string[] = [];
  const known = new Set(['id', 'title', 'severity', 'mitre', 'explanation', 'remediation', 'verbs', 'resources', 'when', 'threshold', 'source']);
  for (const k of Object.keys(o)) if (!known.has(k)) errs.push(`${at}: unknown key "${k}" (known: ${[...known].filter((x) => x !== 'source').join(', ')})`);
  if (typeof o.id !== 'string' || !/^[a-z0-9][a-z0-9-]*$/.test(o.id)) errs.push(`${at}.id: expected a lower-case slug such as "my-rule"`);
  if (typeof o.title !== 'string' || o.title === '') errs.push(`${at}.title: expected a short title`);
  if (!SEVERITIES.includes(o.severity as Severity)) errs.push(`${at}.severity: expected one of ${SEVERITIES.join(', ')}`);
  if (o.mitre !== undefined && (!Array.isArray(o.mitre) || !o.mitre.every((m) => typeof m === 'string' && /^T\d{4}(\.\d{3})?$/.test(m))))
    errs.push(`${at}.mitre: expected a list of ATT&CK technique ids such as T1609 or T1552.007`);
  for (const k of ['explanation', 'remediation'] as const) if (o[k] !== undefined && typeof o[k] !== 'string') errs.push(`${at}.${k}: expected text`);
  for (const k of ['verbs', 'resources'] as const)
    if (o[k] !== undefined && (!Array.isArray(o[k]) || (o[k] as unknown[]).length === 0 || !(o[k] as unknown[]).every((x) => typeof x === 'string')))
      errs.push(`${at}.${k}: expected a non-empty list of strings`);
  if (o.when !== undefined) errs.push(...validateCondition(o.when, `${at}.when`));
  if (o.when === undefined && o.verbs === undefined && o.resources === undefined) errs.push(`${at}: a rule needs at least one of verbs, resources or when`);
  if (o.threshold !== undefined) {
    const t = o.threshold as Record<string, unknown>;
    if (t === null || typeof t !== 'object') errs.push(`${at}.threshold: expected {count, withinSeconds, groupBy}`);
    else {
      if (!Number.isInteger(t.count) || (t.count as number) < 2) errs.push(`${at}.threshold.count: expected an integer ≥ 2`);
      if (typeof t.withinSeconds !== 'number' || t.withinSeconds <= 0) errs.push(`${at}.threshold.withinSeconds: expected a positive number`);
      if (typeof t.groupBy !== 'string') errs.push(`${at}.threshold.groupBy: expected a field path such as $sourceIP or user.username`);
    }
  }
  return errs;
}

function str(x: unknown): string {
  return typeof x === 'string' ? x : '';
}

export function detectionOf(rule: AuditRule, e: AuditEvent, origin?: EventOrigin, count?: number): Detection {
  const t = eventTime(e);
  const d: Detection = {
    rule: rule.id,
    title: rule.title,
    severity: rule.severity,
    mitre: rule.mitre,
    explanation: rule.explanation,
    remediation: rule.remediation,
    time: Number.isFinite(t) ? new Date(t).toISOString() : '',
    user: str(e.user?.username),
    verb: str(e.verb),
    resource: resourcePath(e),
    namespace: str(e.objectRef?.namespace),
    name: str(e.objectRef?.name),
    sourceIP: sourceIP(e),
    auditID: str(e.auditID),
    requestURI: str(e.requestURI),
    source: 'audit',
  };
  if (e.impersonatedUser?.username) d.impersonatedUser = e.impersonatedUser.username;
  if (typeof e.userAgent === 'string') d.userAgent = e.userAgent;
  if (typeof e.responseStatus?.code === 'number') d.code = e.responseStatus.code;
  if (origin) d.origin = origin;
  if (count !== undefined) d.count = count;
  return d;
}

const MAX_GROUPS = 100_000;
const DEDUPE = 10_000;

export class DetectionEngine {
  private readonly byVerb = new Map<string, Compiled[]>();
  private readonly anyVerb: Compiled[] = [];
  private readonly cache = new Map<string, Compiled[]>();
  /** auditIDs that already fired, per rule (long-running requests log ResponseStarted and ResponseComplete). */
  private readonly fired = new Map<string, string>();
  readonly rules: AuditRule[];
  events = 0;

  constructor(rules: AuditRule[]) {
    this.rules = rules;
    const ids = new Set<string>();
    for (const rule of rules) {
      const errs = validateRule(rule, `rule ${rule.id}`);
      if (errs.length) throw new Error(errs.join('\n'));
      if (ids.has(rule.id)) throw new Error(`rule ${rule.id}: duplicate id`);
      ids.add(rule.id);
      const c: Compiled = { rule, resources: rule.resources ? new Set(rule.resources) : null, pred: rule.when ? compileCondition(rule.when) : null };
      if (rule.threshold) {
        const get = compileGetter(rule.threshold.groupBy);
        const buf: unknown[] = [];
        c.threshold = {
          count: rule.threshold.count,
          windowMs: rule.threshold.withinSeconds * 1000,
          key: (e) => {
            buf.length = 0;
            get(e, buf);
            return buf.length ? String(buf[0]) : '';
          },
          state: new Map(),
        };
      }
      if (rule.verbs) {
        for (const v of rule.verbs) {
          let l = this.byVerb.get(v);
          if (!l) this.byVerb.set(v, (l = []));
          l.push(c);
        }
      } else this.anyVerb.push(c);
    }
  }

  private candidates(verb: string): Compiled[] {
    let l = this.cache.get(verb);
    if (!l) {
      l = [...(this.byVerb.get(verb) ?? []), ...this.anyVerb];
      this.cache.set(verb, l);
    }
    return l;
  }

  /** Evaluates one event; pushes detections into `out` (returns how many). */
  evaluate(e: AuditEvent, origin: EventOrigin | undefined, out: Detection[]): number {
    this.events++;
    if (e.stage === 'RequestReceived') return 0;
    const verb = typeof e.verb === 'string' ? e.verb : '';
    const list = this.candidates(verb);
    if (list.length === 0) return 0;
    const ref = e.objectRef;
    let res = '';
    if (ref && ref.resource) res = ref.subresource ? `${ref.resource}/${ref.subresource}` : ref.resource;
    let n = 0;
    for (let i = 0; i < list.length; i++) {
      const c = list[i];
      if (c.resources !== null && !c.resources.has(res)) continue;
      if (c.pred !== null && !c.pred(e)) continue;
      if (c.threshold) {
        const th = c.threshold;
        const t = eventTime(e);
        if (!Number.isFinite(t)) continue;
        const key = th.key(e);
        let times = th.state.get(key);
        if (!times) {
          if (th.state.size >= MAX_GROUPS) th.state.clear();
          th.state.set(key, (times = []));
        }
        times.push(t);
        while (times.length && times[0] < t - th.windowMs) times.shift();
        if (times.length >= th.count) {
          out.push(detectionOf(c.rule, e, origin, times.length));
          th.state.delete(key);
          n++;
        }
        continue;
      }
      if (e.stage === 'ResponseStarted' || (verb === 'create' && res.indexOf('/') > 0)) {
        const id = e.auditID;
        if (typeof id === 'string' && id) {
          const k = `${c.rule.id}\u0000${id}`;
          if (this.fired.has(k)) continue;
          if (this.fired.size >= DEDUPE) this.fired.delete(this.fired.keys().next().value as string);
          this.fired.set(k, '');
        }
      }
      out.push(detectionOf(c.rule, e, origin));
      n++;
    }
    return n;
  }
}

export function severityAtLeast(s: Severity, min: Severity): boolean {
  return SEVERITIES.indexOf(s) <= SEVERITIES.indexOf(min);
}

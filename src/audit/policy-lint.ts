/**
 * Lints an audit Policy (audit.k8s.io/v1) against good design. Rules are evaluated as the API server does:
 * first match wins, a request matching no rule is not logged (k8s.io/apiserver pkg/audit/policy/checker.go).
 */
import yaml from 'js-yaml';
import { itemLines } from './user-rules.js';
import type { Severity } from './types.js';

export interface GroupResources {
  group?: string;
  resources?: string[];
  resourceNames?: string[];
}

export interface PolicyRule {
  level?: string;
  users?: string[];
  userGroups?: string[];
  verbs?: string[];
  resources?: GroupResources[];
  namespaces?: string[];
  nonResourceURLs?: string[];
  omitStages?: string[];
  omitManagedFields?: boolean;
}

export interface AuditPolicy {
  apiVersion?: string;
  kind?: string;
  rules?: PolicyRule[];
  omitStages?: string[];
  omitManagedFields?: boolean;
}

export interface PolicyFinding {
  check: string;
  severity: Severity;
  /** 0-based rule index, when the finding is about one rule. */
  rule?: number;
  line: number;
  message: string;
  explanation: string;
}

export interface Probe {
  user: string;
  groups: string[];
  verb: string;
  group?: string;
  resource?: string;
  subresource?: string;
  namespace?: string;
  name?: string;
  /** Non-resource request path (then group/resource are unset). */
  path?: string;
}

const LEVELS = ['None', 'Metadata', 'Request', 'RequestResponse'];
const STAGES = ['RequestReceived', 'ResponseStarted', 'ResponseComplete', 'Panic'];
const has = (l: string[] | undefined): l is string[] => Array.isArray(l) && l.length > 0;

function pathMatches(p: string, spec: string): boolean {
  return spec === '*' || spec === p || (spec.endsWith('*') && p.startsWith(spec.replace(/\*+$/, '')));
}

function resourceMatches(res: string, combined: string, sub: string | undefined): boolean {
  if (res === combined || res === '*') return true;
  if (sub && res === `*/${sub}`) return true;
  if (sub && res.endsWith('/*') && combined.startsWith(res.slice(0, -1))) return true;
  return false;
}

/** Does this rule match the request (every specified field must match)? */
export function ruleMatches(r: PolicyRule, p: Probe): boolean {
  if (has(r.users) && !r.users.includes(p.user)) return false;
  if (has(r.userGroups) && !r.userGroups.some((g) => p.groups.includes(g))) return false;
  if (has(r.verbs) && !r.verbs.includes(p.verb)) return false;
  const isResource = p.path === undefined;
  if (has(r.namespaces) || has(r.resources as string[] | undefined)) {
    if (!isResource) return false;
    if (has(r.namespaces) && !r.namespaces.includes(p.namespace ?? '')) return false;
    if (!has(r.resources as string[] | undefined)) return true;
    const combined = p.subresource ? `${p.resource}/${p.subresource}` : (p.resource ?? '');
    for (const gr of r.resources ?? []) {
      if ((gr.group ?? '') !== (p.group ?? '')) continue;
      if (!has(gr.resources)) return true;
      for (const res of gr.resources) {
        if (has(gr.resourceNames) && !gr.resourceNames.includes(p.name ?? '')) continue;
        if (resourceMatches(res, combined, p.subresource)) return true;
      }
    }
    return false;
  }
  if (has(r.nonResourceURLs)) return !isResource && r.nonResourceURLs.some((s) => pathMatches(p.path ?? '', s));
  return true;
}

/** The level the policy gives a request, and the deciding rule (-1: no rule, level None). */
export function levelFor(policy: AuditPolicy, p: Probe): { level: string; rule: number } {
  const rules = policy.rules ?? [];
  for (let i = 0; i < rules.length; i++) if (ruleMatches(rules[i], p)) return { level: rules[i].level ?? 'None', rule: i };
  return { level: 'None', rule: -1 };
}

const subset = (a: string[] | undefined, b: string[] | undefined): boolean => !has(b) || (has(a) && a.every((x) => b.includes(x)));

/** Does rule `a` (earlier) match every request rule `b` (later) matches? */
export function covers(a: PolicyRule, b: PolicyRule): boolean {
  if (!subset(b.users, a.users) || !subset(b.verbs, a.verbs)) return false;
  if (has(a.userGroups) && !(has(b.userGroups) && b.userGroups.every((g) => a.userGroups!.includes(g)))) return false;
  const aRes = has(a.namespaces) || has(a.resources as string[] | undefined);
  const bRes = has(b.namespaces) || has(b.resources as string[] | undefined);
  if (aRes) {
    if (!bRes) return false;
    if (!subset(b.namespaces, a.namespaces)) return false;
    if (!has(a.resources as string[] | undefined)) return true;
    if (!has(b.resources as string[] | undefined)) return false;
    return b.resources!.every((bg) =>
      a.resources!.some((ag) => {
        if ((ag.group ?? '') !== (bg.group ?? '')) return false;
        if (has(ag.resourceNames) && !(has(bg.resourceNames) && bg.resourceNames.every((n) => ag.resourceNames!.includes(n)))) return false;
        if (!has(ag.resources)) return true;
        if (!has(bg.resources)) return false;
        return bg.resources.every((br) => ag.resources!.some((ar) => ar === '*' || ar === br || (ar.endsWith('/*') && br.startsWith(ar.slice(0, -1)))));
      }),
    );
  }
  if (has(a.nonResourceURLs)) return !bRes && has(b.nonResourceURLs) && b.nonResourceURLs.every((u) => a.nonResourceURLs!.some((s) => pathMatches(u.replace(/\*+$/, ''), s) && (!u.endsWith('*') || s.endsWith('*'))));
  return true;
}

const GENERIC = { user: 'jane@example.com', groups: ['system:authenticated', 'developers'] };

/** Resources commonly listed under the wrong API group. */
const KNOWN_GROUPS: Record<string, string> = {
  deployments: 'apps', daemonsets: 'apps', statefulsets: 'apps', replicasets: 'apps', controllerrevisions: 'apps',
  roles: 'rbac.authorization.k8s.io', rolebindings: 'rbac.authorization.k8s.io', clusterroles: 'rbac.authorization.k8s.io',
  clusterrolebindings: 'rbac.authorization.k8s.io', networkpolicies: 'networking.k8s.io', ingresses: 'networking.k8s.io',
  tokenreviews: 'authentication.k8s.io', subjectaccessreviews: 'authorization.k8s.io', jobs: 'batch', cronjobs: 'batch',
  customresourcedefinitions: 'apiextensions.k8s.io', mutatingwebhookconfigurations: 'admissionregistration.k8s.io',
  validatingwebhookconfigurations: 'admissionregistration.k8s.io', certificatesigningrequests: 'certificates.k8s.io',
  leases: 'coordination.k8s.io', poddisruptionbudgets: 'policy',
};
const CORE = new Set(['pods', 'secrets', 'configmaps', 'services', 'serviceaccounts', 'namespaces', 'nodes', 'events', 'endpoints', 'persistentvolumes', 'persistentvolumeclaims']);

export function parsePolicy(text: string, file: string): { policy: AuditPolicy; lines: number[] } {
  const doc = yaml.load(text, { filename: file, schema: yaml.CORE_SCHEMA });
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) throw new Error(`${file}: expected an audit Policy document`);
  return { policy: doc as AuditPolicy, lines: itemLines(text) };
}

export function lintPolicy(policy: AuditPolicy, lines: number[] = []): PolicyFinding[] {
  const out: PolicyFinding[] = [];
  const lineOf = (i: number): number => lines[i] ?? 1;
  const add = (f: Omit<PolicyFinding, 'line'> & { line?: number }): void => {
    out.push({ ...f, line: f.line ?? (f.rule !== undefined ? lineOf(f.rule) : 1) });
  };
  if (policy.apiVersion !== 'audit.k8s.io/v1' || policy.kind !== 'Policy')
    add({ check: 'policy-kind', severity: 'high', message: `expected apiVersion audit.k8s.io/v1 and kind Policy, found ${policy.apiVersion ?? '(none)'} ${policy.kind ?? '(none)'}`, explanation: 'The API server only loads audit.k8s.io Policy documents (v1 is the current version).' });
  const rules = Array.isArray(policy.rules) ? policy.rules : [];
  if (rules.length === 0) {
    add({ check: 'no-rules', severity: 'critical', message: 'the policy has no rules: nothing is logged', explanation: 'Without rules every request gets the default level None.' });
    return out;
  }
  rules.forEach((r, i) => {
    if (!LEVELS.includes(r?.level ?? '')) add({ check: 'invalid-level', severity: 'high', rule: i, message: `rule ${i + 1}: level "${r?.level ?? ''}" is not one of ${LEVELS.join(', ')}`, explanation: 'The API server rejects a policy with an unknown or missing level.' });
    for (const s of [...(r?.omitStages ?? [])]) if (!STAGES.includes(s)) add({ check: 'invalid-stage', severity: 'medium', rule: i, message: `rule ${i + 1}: unknown stage "${s}"`, explanation: `Stages are ${STAGES.join(', ')}.` });
    for (const u of r?.nonResourceURLs ?? []) if (u.includes('*') && !u.endsWith('*')) add({ check: 'bad-nonresource-url', severity: 'medium', rule: i, message: `rule ${i + 1}: "${u}" uses * before the end`, explanation: 'A * is only honoured as the final character of a nonResourceURLs entry.' });
    for (const gr of r?.resources ?? []) {
      for (const res of gr.resources ?? []) {
        const base = res.split('/')[0];
        const want = KNOWN_GROUPS[base] ?? (CORE.has(base) ? '' : undefined);
        if (want !== undefined && want !== (gr.group ?? ''))
          add({ check: 'wrong-api-group', severity: 'medium', rule: i, message: `rule ${i + 1}: "${res}" is listed under group "${gr.group ?? ''}" but lives in ${want === '' ? 'the core group ""' : `"${want}"`}; this entry never matches`, explanation: 'Policy resources are matched by API group and resource together; a resource under the wrong group silently matches nothing, so those requests fall through to later rules.' });
      }
    }
  });
  // Catch-all.
  const catchAll = rules.findIndex((r) => !has(r.users) && !has(r.userGroups) && !has(r.verbs) && !has(r.resources as string[] | undefined) && !has(r.namespaces) && !has(r.nonResourceURLs));
  if (catchAll < 0)
    add({ check: 'no-catch-all', severity: 'high', line: lineOf(rules.length - 1), message: 'no catch-all rule: requests that match no rule are not logged at all', explanation: 'The default level is None. End the policy with a rule without selectors (e.g. "- level: Metadata") so that new resources, CRDs and unforeseen requests are still recorded.' });
  else {
    if (rules[catchAll].level === 'None') add({ check: 'catch-all-none', severity: 'high', rule: catchAll, message: `rule ${catchAll + 1} is a catch-all at level None: everything not matched earlier is unlogged`, explanation: 'A catch-all at None is the same as having no catch-all; use Metadata.' });
    if (rules[catchAll].level === 'Request' || rules[catchAll].level === 'RequestResponse') add({ check: 'catch-all-bodies', severity: 'medium', rule: catchAll, message: `rule ${catchAll + 1} logs bodies (${rules[catchAll].level}) for every request not matched earlier`, explanation: 'Bodies of arbitrary resources can contain secrets and personal data and multiply log volume; Metadata is the usual catch-all level.' });
  }
  // Shadowed rules.
  for (let j = 1; j < rules.length; j++) {
    for (let i = 0; i < j; i++) {
      if (covers(rules[i], rules[j])) {
        add({ check: 'shadowed-rule', severity: rules[i].level === rules[j].level ? 'low' : 'medium', rule: j, message: `rule ${j + 1} (${rules[j].level}) never applies: rule ${i + 1} (${rules[i].level}) matches every request it matches`, explanation: 'Audit policy rules are first-match: the earlier, broader rule decides. Move the narrower rule above it.' });
        break;
      }
    }
  }
  // Sensitive resources: Metadata only.
  const sensitive: { group: string; resource: string; why: string }[] = [
    { group: '', resource: 'secrets', why: 'secret values' },
    { group: '', resource: 'configmaps', why: 'configuration that often holds credentials or personal data' },
    { group: 'authentication.k8s.io', resource: 'tokenreviews', why: 'bearer tokens' },
  ];
  for (const s of sensitive) {
    for (let i = 0; i < rules.length; i++) {
      const r = rules[i];
      const matchesResource = (r.resources ?? []).some((gr) => (gr.group ?? '') === s.group && (!has(gr.resources) || gr.resources.some((x) => x === s.resource || x === '*' || x === `${s.resource}/*`)));
      const applies = has(r.resources as string[] | undefined) ? matchesResource : !has(r.nonResourceURLs);
      if (!applies) continue;
      if (r.level === 'Request' || r.level === 'RequestResponse')
        add({ check: 'sensitive-bodies-logged', severity: s.resource === 'configmaps' ? 'medium' : 'high', rule: i, message: `rule ${i + 1} logs ${s.resource} at ${r.level}: the audit log will contain ${s.why}`, explanation: `Log ${s.resource} at Metadata: who accessed which object and when is enough for forensics, and the log is then not a store of ${s.why} (GDPR data minimisation, PCI DSS 3.x).` });
      const unconditional = !has(r.users) && !has(r.userGroups) && !has(r.verbs) && !has(r.namespaces) && !(r.resources ?? []).some((gr) => has(gr.resourceNames));
      if (unconditional) break;
    }
    const d = levelFor(policy, { ...GENERIC, verb: 'get', group: s.group, resource: s.resource, namespace: 'default', name: 'x' });
    if (d.level === 'None' && s.resource === 'secrets')
      add({ check: 'secrets-not-logged', severity: 'high', rule: d.rule >= 0 ? d.rule : undefined, line: d.rule >= 0 ? lineOf(d.rule) : 1, message: 'reading a secret is not logged', explanation: 'Secret access is the most important credential-access signal; log it at Metadata.' });
  }
  // RBAC changes at RequestResponse.
  const rbac = ['roles', 'rolebindings', 'clusterroles', 'clusterrolebindings'];
  const weak = new Map<number, string[]>();
  for (const res of rbac)
    for (const verb of ['create', 'update', 'patch', 'delete']) {
      const d = levelFor(policy, { ...GENERIC, verb, group: 'rbac.authorization.k8s.io', resource: res, namespace: res.startsWith('cluster') ? '' : 'default', name: 'x' });
      if (d.level !== 'RequestResponse') {
        const l = weak.get(d.rule) ?? [];
        const item = `${res} (${d.level})`;
        if (!l.includes(item)) l.push(item);
        weak.set(d.rule, l);
      }
    }
  for (const [rule, what] of weak)
    add({ check: 'rbac-not-request-response', severity: 'medium', rule: rule >= 0 ? rule : undefined, line: rule >= 0 ? lineOf(rule) : 1, message: `changes to ${what.join(', ')} are not logged at RequestResponse${rule >= 0 ? ` (decided by rule ${rule + 1})` : ' (no rule matches)'}`, explanation: 'To reconstruct who was granted what, log the request and response bodies of role and binding changes (level RequestResponse, rbac.authorization.k8s.io).' });
  // exec / attach / port-forward logged.
  for (const sub of ['exec', 'attach', 'portforward']) {
    const d = levelFor(policy, { ...GENERIC, verb: 'create', group: '', resource: 'pods', subresource: sub, namespace: 'default', name: 'x' });
    if (d.level === 'None')
      add({ check: 'exec-not-logged', severity: 'high', rule: d.rule >= 0 ? d.rule : undefined, line: d.rule >= 0 ? lineOf(d.rule) : 1, message: `pods/${sub} is not logged${d.rule >= 0 ? ` (rule ${d.rule + 1} sets None)` : ' (no rule matches)'}`, explanation: 'Commands run in containers are a primary attack technique (MITRE T1609); they must appear in the audit log.' });
  }
  // RequestReceived omitted.
  if (!(policy.omitStages ?? []).includes('RequestReceived')) {
    const noisy = rules.map((r, i) => ({ r, i })).filter(({ r }) => r.level !== 'None' && !(r.omitStages ?? []).includes('RequestReceived'));
    if (noisy.length)
      add({ check: 'request-received-logged', severity: 'low', line: 1, message: `the RequestReceived stage is logged (rules ${noisy.map((x) => x.i + 1).join(', ')})`, explanation: 'Every request is then logged twice (RequestReceived and ResponseComplete) with no extra information; add "omitStages: [RequestReceived]" at the policy level.' });
  }
  if (policy.omitManagedFields !== true && !rules.every((r) => r.omitManagedFields === true || r.level === 'None' || r.level === 'Metadata'))
    add({ check: 'managed-fields-logged', severity: 'info', line: 1, message: 'managedFields are kept in logged bodies', explanation: 'Set "omitManagedFields: true": managedFields add bulk to every Request/RequestResponse event and carry no forensic value.' });
  return out.sort((a, b) => a.line - b.line || a.check.localeCompare(b.check));
}

/**
 * CIS 3.2.2: the audit Policy (audit.k8s.io/v1, kind Policy) covers the key security concerns.
 *
 * Rules are evaluated as kube-apiserver does (k8s.io/apiserver/pkg/audit/policy/checker.go): the
 * first rule whose users, userGroups, verbs, namespaces, resources (group, `res`, `res/sub`, `*`,
 * `*\/sub`, `res/*`, resourceNames) and nonResourceURLs all match decides the level; no match means
 * level None.
 *
 * Two questions are asked of it:
 *  - "is this logged?" for a typical request — an authenticated user (group system:authenticated)
 *    in an arbitrary namespace, on an arbitrary object name. Rules narrowed to particular users,
 *    groups, namespaces or object names are exceptions that do not decide it;
 *  - "can this be logged with its body?" for sensitive resources — here every rule that could match
 *    some such request, however narrow, counts until a rule that matches all of them.
 */
import { asArray, asObject, asString } from '../../core/podspec.js';
import type { Control, JsonObject, Resource, Violation } from '../../core/types.js';
import { NONE, push, resourceControl } from '../helpers.js';
import { DOCS, FAMILY } from './common.js';

const LEVELS = ['None', 'Metadata', 'Request', 'RequestResponse'] as const;
type Level = (typeof LEVELS)[number];
const RANK: Readonly<Record<Level, number>> = { None: 0, Metadata: 1, Request: 2, RequestResponse: 3 };

interface GroupResources {
  group: string;
  resources: string[];
  resourceNames: string[];
}

interface Rule {
  index: number;
  level: Level | undefined;
  users: string[];
  userGroups: string[];
  verbs: string[];
  namespaces: string[];
  resources: GroupResources[];
  nonResourceURLs: string[];
}

interface Req {
  group: string;
  resource: string;
  subresource: string;
  verb: string;
  clusterScoped: boolean;
}

function strings(v: unknown): string[] {
  return asArray(v).filter((x): x is string => typeof x === 'string');
}

function readRules(policy: JsonObject): Rule[] {
  const out: Rule[] = [];
  const rules = asArray(policy.rules);
  for (let i = 0; i < rules.length; i++) {
    const r = asObject(rules[i]);
    if (!r) continue;
    const level = asString(r.level);
    out.push({
      index: i,
      level: level !== undefined && (LEVELS as readonly string[]).includes(level) ? (level as Level) : undefined,
      users: strings(r.users),
      userGroups: strings(r.userGroups),
      verbs: strings(r.verbs),
      namespaces: strings(r.namespaces),
      resources: asArray(r.resources).map((g) => {
        const o = asObject(g);
        return { group: asString(o?.group) ?? '', resources: strings(o?.resources), resourceNames: strings(o?.resourceNames) };
      }),
      nonResourceURLs: strings(r.nonResourceURLs),
    });
  }
  return out;
}

/** Whether a policy resource pattern matches the request's resource (checker.go ruleMatchesResource). */
function resourceMatches(gr: GroupResources, req: Req): boolean {
  if (gr.group !== req.group) return false;
  if (gr.resources.length === 0) return true;
  const combined = req.subresource ? `${req.resource}/${req.subresource}` : req.resource;
  for (const res of gr.resources) {
    if (res === combined || res === '*') return true;
    if (req.subresource && res.startsWith('*/') && res.slice(2) === req.subresource) return true;
    if (res.endsWith('/*') && res.slice(0, -2) === req.resource) return true;
  }
  return false;
}

/**
 * Whether the rule matches the request. `every`: for every user, namespace and object name (a
 * typical request); otherwise for at least one.
 */
function matches(rule: Rule, req: Req, every: boolean): boolean {
  if (every) {
    if (rule.users.length > 0) return false;
    if (rule.userGroups.length > 0 && !rule.userGroups.includes('system:authenticated')) return false;
  }
  if (rule.verbs.length > 0 && !rule.verbs.includes(req.verb)) return false;
  if (rule.namespaces.length > 0 || rule.resources.length > 0) {
    if (rule.namespaces.length > 0) {
      // Cluster-scoped requests have the namespace "". A namespaced request matches a rule naming
      // namespaces only in those namespaces: never for every request, for some if any is named.
      if (req.clusterScoped ? !rule.namespaces.includes('') : every || !rule.namespaces.some((n) => n !== '')) return false;
    }
    if (rule.resources.length === 0) return true;
    return rule.resources.some((gr) => (!every || gr.resourceNames.length === 0) && resourceMatches(gr, req));
  }
  // nonResourceURLs only: never a resource request
  return rule.nonResourceURLs.length === 0;
}

/** The rule that decides a typical request, or undefined (level None by default). */
function decidingRule(rules: readonly Rule[], req: Req): Rule | undefined {
  return rules.find((r) => r.level !== undefined && matches(r, req, true));
}

const SUBJECT = 'audit Policy';

interface Coverage {
  what: string;
  group: string;
  resources: { resource: string; subresource?: string; clusterScoped?: boolean }[];
  verbs: string[];
}

/** Requests that must be logged at Metadata or more. */
const MUST_LOG: readonly Coverage[] = [
  { what: 'access to Secrets', group: '', resources: [{ resource: 'secrets' }], verbs: ['get', 'list', 'create', 'update', 'patch', 'delete'] },
  {
    what: 'exec, attach and port-forward into pods',
    group: '',
    resources: [{ resource: 'pods', subresource: 'exec' }, { resource: 'pods', subresource: 'attach' }, { resource: 'pods', subresource: 'portforward' }],
    verbs: ['create', 'get'],
  },
  { what: 'proxying to pods and services', group: '', resources: [{ resource: 'pods', subresource: 'proxy' }, { resource: 'services', subresource: 'proxy' }], verbs: ['get', 'create'] },
  {
    what: 'RBAC changes',
    group: 'rbac.authorization.k8s.io',
    resources: [{ resource: 'roles' }, { resource: 'rolebindings' }, { resource: 'clusterroles', clusterScoped: true }, { resource: 'clusterrolebindings', clusterScoped: true }],
    verbs: ['create', 'update', 'patch', 'delete'],
  },
  { what: 'changes to pods', group: '', resources: [{ resource: 'pods' }], verbs: ['create', 'update', 'patch', 'delete'] },
  { what: 'changes to Deployments', group: 'apps', resources: [{ resource: 'deployments' }], verbs: ['create', 'update', 'patch', 'delete'] },
];

/** Requests whose bodies hold credentials: the highest level they may be logged at. */
const SENSITIVE: readonly (Coverage & { max: Level; why: string })[] = [
  { what: 'secrets', group: '', resources: [{ resource: 'secrets' }], verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'], max: 'Metadata', why: 'Secret values end up in the audit log' },
  { what: 'configmaps', group: '', resources: [{ resource: 'configmaps' }], verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'], max: 'Metadata', why: 'ConfigMap contents (often credentials) end up in the audit log' },
  { what: 'tokenreviews', group: 'authentication.k8s.io', resources: [{ resource: 'tokenreviews', clusterScoped: true }], verbs: ['create'], max: 'Metadata', why: 'the bearer tokens being reviewed end up in the audit log' },
  { what: 'serviceaccounts/token', group: '', resources: [{ resource: 'serviceaccounts', subresource: 'token' }], verbs: ['create'], max: 'Request', why: 'issued service account tokens (in the responses) end up in the audit log' },
];

function requests(c: Coverage): Req[] {
  const out: Req[] = [];
  for (const r of c.resources) for (const verb of c.verbs) out.push({ group: c.group, resource: r.resource, subresource: r.subresource ?? '', verb, clusterScoped: r.clusterScoped === true });
  return out;
}

function describe(req: Req): string {
  return `${req.verb} ${req.subresource ? `${req.resource}/${req.subresource}` : req.resource}`;
}

export function checkAuditPolicy(policy: JsonObject): Violation[] {
  const rulesRaw = policy.rules;
  if (!Array.isArray(rulesRaw) || rulesRaw.length === 0) {
    return [{ path: 'rules', message: `${SUBJECT} has no rules: every request is logged at level None, i.e. not at all` }];
  }
  const rules = readRules(policy);
  let out = NONE;
  for (const r of rules) {
    if (r.level === undefined) {
      const raw = asObject(rulesRaw[r.index])?.level;
      out = push(out, `rules[${r.index}].level`, `${SUBJECT}: rules[${r.index}] has level ${JSON.stringify(raw ?? null)}, not None, Metadata, Request or RequestResponse: kube-apiserver rejects the policy`);
    }
  }
  // Sensitive resources must not be logged with bodies.
  for (const s of SENSITIVE) {
    const bad = new Set<number>();
    for (const req of requests(s)) {
      for (const r of rules) {
        if (r.level === undefined) continue;
        if (matches(r, req, false) && RANK[r.level] > RANK[s.max] && !bad.has(r.index)) {
          bad.add(r.index);
          out = push(out, `rules[${r.index}].level`, `${SUBJECT}: rules[${r.index}] logs ${s.what} at ${r.level}: ${s.why} (at most ${s.max})`);
        }
        if (matches(r, req, true)) break;
      }
    }
  }
  // Security-relevant requests must be logged.
  for (const c of MUST_LOG) {
    const missed: Req[] = [];
    let culprit: Rule | undefined;
    for (const req of requests(c)) {
      const rule = decidingRule(rules, req);
      if (rule === undefined || rule.level === 'None') {
        missed.push(req);
        culprit ??= rule;
      }
    }
    if (missed.length === 0) continue;
    const shown = missed.slice(0, 3).map(describe).join(', ') + (missed.length > 3 ? ', …' : '');
    out = culprit
      ? push(out, `rules[${culprit.index}].level`, `${SUBJECT}: rules[${culprit.index}] sets level None for ${c.what} (${shown})`)
      : push(out, 'rules', `${SUBJECT}: no rule logs ${c.what} (${shown}); unmatched requests get level None`);
  }
  // A catch-all rule at Metadata or above.
  const catchAll = rules.find(
    (r) => r.level !== undefined && r.users.length === 0 && r.userGroups.length === 0 && r.verbs.length === 0 && r.namespaces.length === 0 && r.resources.length === 0 && r.nonResourceURLs.length === 0,
  );
  if (catchAll === undefined) out = push(out, 'rules', `${SUBJECT} has no catch-all rule: requests that no rule matches are not logged`);
  else if (catchAll.level === 'None') out = push(out, `rules[${catchAll.index}].level`, `${SUBJECT}: the catch-all rules[${catchAll.index}] has level None: requests that no earlier rule matches are not logged`);
  return out;
}

function isAuditPolicy(r: Resource): boolean {
  return r.apiVersion.startsWith('audit.k8s.io/');
}

const auditPolicy: Control = resourceControl(
  {
    id: 'audit-policy-coverage',
    title: 'Audit policy misses key security events or logs secrets',
    severity: 'medium',
    family: FAMILY,
    appliesTo: ['Policy'],
    scope: 'resource',
    description:
      'An audit Policy (audit.k8s.io) must cover the key security concerns (CIS 3.2.2): Secrets, ConfigMaps and TokenReviews logged at Metadata at most (service account token requests at Request at most); access to Secrets, exec/attach/port-forward and proxying into pods and services, RBAC changes and changes to pods and Deployments logged at Metadata or more; and a catch-all rule at Metadata or more. ' +
      'Rules are evaluated in order, first match wins, as kube-apiserver does; narrow exceptions (particular users, namespaces or names) do not fail the "logged" test, but any rule that may log a sensitive body does fail the "at most" test. Other kinds named Policy (Kyverno, …) are ignored.',
    rationale:
      'The audit log is only as good as its policy: one that skips exec or RBAC changes misses the steps of an attack, and one that logs Secrets or token reviews with their bodies copies credentials into a log read by many more people than the Secrets.',
    remediation:
      'A minimal policy along the lines of the Kubernetes documentation:\n```yaml\napiVersion: audit.k8s.io/v1\nkind: Policy\nomitStages: ["RequestReceived"]\nrules:\n- level: Metadata\n  resources:\n  - group: ""\n    resources: ["secrets", "configmaps", "serviceaccounts/token"]\n  - group: authentication.k8s.io\n    resources: ["tokenreviews"]\n- level: RequestResponse\n  resources:\n  - group: ""\n    resources: ["pods/exec", "pods/attach", "pods/portforward", "pods/proxy", "services/proxy"]\n  - group: rbac.authorization.k8s.io\n- level: Request\n  verbs: ["create", "update", "patch", "delete"]\n  resources:\n  - group: ""\n    resources: ["pods"]\n  - group: apps\n    resources: ["deployments"]\n- level: Metadata\n```',
    references: [DOCS.auditing, DOCS.auditApi, DOCS.cis],
    mappings: {
      cis: ['3.2.2'],
      nsa: ['L1'],
      mitre: ['T1070'],
      stride: ['R', 'I'],
      pci: ['10.2.1', '10.2.1.2', '10.2.1.4', '10.2.1.5', '10.2.1.7', '10.2.2'],
      hipaa: ['164.312(b)', '164.308(a)(1)(ii)(D)'],
      gdpr: ['Art. 32', 'Art. 5(1)(f)'],
      soc2: ['CC7.1', 'CC7.2'],
      cra: ['I.2(l)'],
    },
  },
  (target) => (isAuditPolicy(target) ? checkAuditPolicy(target.object) : NONE),
);

/** Only audit.k8s.io Policies are judged (Kyverno and other kinds named Policy are not audit policies). */
export const auditPolicyCoverage: Control = { ...auditPolicy, inScope: isAuditPolicy };

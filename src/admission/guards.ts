/**
 * The safeguards: what users (everyone who is not an administrator) may not do, whatever the object
 * looks like. Each has a stable id, so deny messages, audit annotations and ComplianceExceptions name
 * it like a catalog control. They read only the request, never cluster state.
 */
import { ENFORCE_VERSION_LABEL, PSA_LABEL_PREFIX } from '../controls/pod-security/index.js';
import { idGlob } from '../controls/select.js';
import { compareVersions, formatVersion, parsePssVersion } from '../controls/pod-security/version.js';
import { ADMISSION_CONFIGURATION_KINDS } from '../core/kinds.js';
import { isObject } from '../core/inventory.js';
import { child } from '../core/path.js';
import type { AdmissionMode, AdmissionSettings, JsonObject, ScanConfig, Severity } from '../core/types.js';
import { labelsOf, metaOf } from './request.js';
import type { AdmissionRequest, AdmissionViolation } from './types.js';

export interface GuardInfo {
  id: string;
  title: string;
  severity: Severity;
  /** What it denies, precisely. */
  description: string;
  /** One-line remediation, shown after "fix:". */
  fix: string;
  /** Whether a ComplianceException may cover it. */
  exceptable: boolean;
}

export const GUARDS: readonly GuardInfo[] = [
  {
    id: 'admission-api-extension',
    title: 'Changes the Kubernetes API',
    severity: 'critical',
    description:
      'Creating, changing or deleting CustomResourceDefinitions, ValidatingWebhookConfigurations, MutatingWebhookConfigurations, ValidatingAdmissionPolicies and their Bindings, MutatingAdmissionPolicies and their Bindings, and APIServices.',
    fix: 'ask the platform administrators to install or change it',
    exceptable: true,
  },
  {
    id: 'admission-cluster-rbac',
    title: 'Changes cluster-wide RBAC',
    severity: 'critical',
    description: 'Creating, changing or deleting ClusterRoles and ClusterRoleBindings.',
    fix: 'use a Role and a RoleBinding in your namespace',
    exceptable: true,
  },
  {
    id: 'admission-rbac-ceiling',
    title: 'Grants more than users may grant',
    severity: 'high',
    description:
      'Roles with a wildcard in verbs, resources or apiGroups, or the escalate, bind or impersonate verbs; RoleBindings whose roleRef is a ClusterRole not in admission.bindableClusterRoles (default view, edit).',
    fix: 'grant explicit verbs, resources and API groups; bind a Role of your namespace or a bindable ClusterRole',
    exceptable: true,
  },
  {
    id: 'admission-admin-namespace',
    title: 'Touches a namespace reserved for administrators',
    severity: 'high',
    description:
      'Any request in admission.adminNamespaces — CREATE, UPDATE, DELETE, and CONNECT (pods/exec, pods/attach, pods/portforward, pods/proxy) — and creating, changing or deleting those Namespace objects.',
    fix: 'work in your own namespaces; ask an administrator for this one',
    exceptable: true,
  },
  {
    id: 'admission-system-component',
    title: 'Touches a system component',
    severity: 'high',
    description:
      'Creating, changing or deleting objects whose labels (the object; for UPDATE also the existing object, for DELETE the existing object) match an admission.systemComponents selector.',
    fix: 'leave system components to administrators; do not reuse their labels',
    exceptable: true,
  },
  {
    id: 'admission-node-access',
    title: 'Changes or connects to a node',
    severity: 'critical',
    description: 'Creating, changing (including nodes/status) or deleting Node objects, and CONNECT to nodes (nodes/proxy).',
    fix: 'leave nodes to administrators; debug your pods with kubectl debug',
    exceptable: true,
  },
  {
    id: 'admission-enforcement-labels',
    title: 'Weakens policy enforcement on a namespace',
    severity: 'high',
    description:
      "Adding, changing or removing a Namespace's mode label (admission.modeLabel) or pod-security.kubernetes.io/* labels; creating a Namespace whose mode label is weaker than its configured mode, or whose enforce-version is older than the required Pod Security version.",
    fix: 'ask an administrator to change enforcement labels',
    exceptable: true,
  },
  {
    id: 'admission-exception-objects',
    title: 'Writes a ComplianceException',
    severity: 'high',
    description: 'Creating, changing or deleting ComplianceExceptions (kubecomply.io): only administrators grant exceptions. No exception can cover this safeguard.',
    fix: 'send the ComplianceException to an administrator for approval',
    exceptable: false,
  },
];

export const ADMISSION_GUARD_IDS: readonly string[] = GUARDS.map((g) => g.id);

const byId = new Map(GUARDS.map((g) => [g.id, g]));

export function findGuard(id: string): GuardInfo | undefined {
  return byId.get(id);
}

/** Whether `id` names an admission safeguard, or a glob (`admission-*`) matches one (for ComplianceException validation). */
export function isAdmissionGuard(id: string): boolean {
  if (!id.includes('*')) return byId.has(id);
  return ADMISSION_GUARD_IDS.some(idGlob(id));
}

/** What the guards read about a request, computed once by the decider. */
export interface GuardInput {
  req: AdmissionRequest;
  /** The request's namespace (or the object's, for hand-written requests); undefined when cluster-scoped. */
  namespace: string | undefined;
  /** The name to report: the request's, else the object's. */
  name: string;
}

/** `group/name` pairs, by group: a lookup without building the pair's string per request. */
function byGroup(pairs: readonly string[]): ReadonlyMap<string, ReadonlySet<string>> {
  const m = new Map<string, Set<string>>();
  for (const p of pairs) {
    const i = p.indexOf('/');
    const g = p.slice(0, i);
    if (!m.has(g)) m.set(g, new Set());
    m.get(g)!.add(p.slice(i + 1));
  }
  return m;
}

const API_EXTENSION_RESOURCES = byGroup([
  'apiextensions.k8s.io/customresourcedefinitions',
  'admissionregistration.k8s.io/validatingwebhookconfigurations',
  'admissionregistration.k8s.io/mutatingwebhookconfigurations',
  'admissionregistration.k8s.io/validatingadmissionpolicies',
  'admissionregistration.k8s.io/validatingadmissionpolicybindings',
  'admissionregistration.k8s.io/mutatingadmissionpolicies',
  'admissionregistration.k8s.io/mutatingadmissionpolicybindings',
  'apiregistration.k8s.io/apiservices',
]);
const API_EXTENSION_KINDS = byGroup([
  'apiextensions.k8s.io/CustomResourceDefinition',
  ...ADMISSION_CONFIGURATION_KINDS.map((k) => `admissionregistration.k8s.io/${k}`),
  'apiregistration.k8s.io/APIService',
]);

const RBAC_GROUP = 'rbac.authorization.k8s.io';
const DANGEROUS_VERBS: Readonly<Record<string, string>> = {
  escalate: 'lets the holder grant permissions it does not have',
  bind: 'lets the holder bind any role, whatever it grants',
  impersonate: 'lets the holder act as other users and service accounts',
};
const MODE_RANK: Readonly<Record<AdmissionMode, number>> = { audit: 0, warn: 1, enforce: 2 };

function isMode(s: string): s is AdmissionMode {
  return s === 'enforce' || s === 'warn' || s === 'audit';
}

/** `ns/x` style reference for messages: `Deployment "web"`, with the subresource when there is one. */
function what(req: AdmissionRequest, name: string): string {
  const sub = req.subResource ? ` (${req.subResource})` : '';
  return `${req.operation} ${req.kind.kind}${name ? ` ${JSON.stringify(name)}` : ''}${sub}`;
}

const CONNECT_VERBS: Readonly<Record<string, string>> = { exec: 'exec into', attach: 'attach to', portforward: 'port-forward to', proxy: 'proxy to' };

function describeAction(req: AdmissionRequest, name: string): string {
  if (req.operation === 'CONNECT') {
    const verb = CONNECT_VERBS[req.subResource] ?? `connect (${req.resource.resource}/${req.subResource || '-'}) to`;
    const target = req.resource.resource === 'nodes' ? 'node' : req.resource.resource === 'pods' ? 'pod' : req.resource.resource;
    return `${verb} ${target} ${JSON.stringify(name)}`;
  }
  return what(req, name);
}

function strings(v: unknown): { value: string; index: number }[] {
  if (!Array.isArray(v)) return [];
  const out: { value: string; index: number }[] = [];
  v.forEach((x, index) => {
    if (typeof x === 'string') out.push({ value: x, index });
  });
  return out;
}

interface Selector {
  key: string;
  value: string | undefined;
  text: string;
}

function parseSelectors(list: readonly string[]): Selector[] {
  return list.map((text) => {
    const i = text.indexOf('=');
    return i < 0 ? { key: text, value: undefined, text } : { key: text.slice(0, i), value: text.slice(i + 1), text };
  });
}

function push(out: AdmissionViolation[] | undefined, id: string, path: string, message: string, fix?: string): AdmissionViolation[] {
  const g = byId.get(id)!;
  const list = out ?? [];
  list.push({ id, severity: g.severity, path, message, fix: fix ?? g.fix });
  return list;
}

const ROLE_FIX = 'list the verbs, resources and API groups explicitly, without escalate, bind or impersonate';

const NONE: readonly AdmissionViolation[] = Object.freeze([]);
const NO_OBJECTS: readonly (JsonObject | undefined)[] = Object.freeze([]);

/**
 * The safeguards compiled for one configuration. `check` returns what a user's request violates
 * (administrators are checked the same way; the decider decides what that means for them).
 */
export function compileGuards(admission: AdmissionSettings, config: ScanConfig): (input: GuardInput) => readonly AdmissionViolation[] {
  const adminNamespaces = new Set(admission.adminNamespaces);
  const bindable = new Set(admission.bindableClusterRoles);
  const bindableText = admission.bindableClusterRoles.length > 0 ? admission.bindableClusterRoles.join(', ') : 'none';
  const selectors = parseSelectors(admission.systemComponents);
  const modeLabel = admission.modeLabel;
  const requiredVersion = config.pss.version;

  const systemLabels = (o: JsonObject | undefined): { sel: Selector; path: string } | undefined => {
    if (!o || selectors.length === 0) return undefined;
    const labels = labelsOf(o);
    if (!labels) return undefined;
    for (const sel of selectors) {
      if (!Object.prototype.hasOwnProperty.call(labels, sel.key)) continue;
      if (sel.value === undefined || labels[sel.key] === sel.value) return { sel, path: child('metadata.labels', sel.key) };
    }
    return undefined;
  };

  return (input) => {
    const { req, namespace, name } = input;
    const kind = req.kind.kind;
    const group = req.kind.group;
    const resource = req.resource.resource;
    const op = req.operation;
    let out: AdmissionViolation[] | undefined;

    // 1. The Kubernetes API itself.
    if (API_EXTENSION_RESOURCES.get(req.resource.group)?.has(resource) || API_EXTENSION_KINDS.get(group)?.has(kind)) {
      out = push(out, 'admission-api-extension', '', `users may not change the Kubernetes API: ${what(req, name)}`);
    }

    // 3. RBAC.
    const rbac = group === RBAC_GROUP || req.resource.group === RBAC_GROUP;
    if (rbac && (kind === 'ClusterRole' || kind === 'ClusterRoleBinding' || resource === 'clusterroles' || resource === 'clusterrolebindings')) {
      out = push(out, 'admission-cluster-rbac', '', `users may not change cluster-wide RBAC: ${what(req, name)}`);
    }
    if (rbac && (op === 'CREATE' || op === 'UPDATE') && req.subResource === '' && req.object) {
      if (kind === 'Role') {
        const rules = Array.isArray(req.object.rules) ? req.object.rules : [];
        rules.forEach((rule, i) => {
          if (!isObject(rule)) return;
          const base = `rules[${i}]`;
          for (const v of strings(rule.verbs)) {
            if (v.value === '*') out = push(out, 'admission-rbac-ceiling', `${base}.verbs[${v.index}]`, `Role rule ${i} grants every verb ("*")`, ROLE_FIX);
            else if (DANGEROUS_VERBS[v.value.toLowerCase()]) {
              out = push(out, 'admission-rbac-ceiling', `${base}.verbs[${v.index}]`, `Role rule ${i} grants the ${v.value} verb, which ${DANGEROUS_VERBS[v.value.toLowerCase()]}`, ROLE_FIX);
            }
          }
          for (const r of strings(rule.resources)) {
            if (r.value.includes('*')) out = push(out, 'admission-rbac-ceiling', `${base}.resources[${r.index}]`, `Role rule ${i} grants ${r.value === '*' ? 'every resource ("*")' : `the wildcard resource ${JSON.stringify(r.value)}`}`, ROLE_FIX);
          }
          for (const g of strings(rule.apiGroups)) {
            if (g.value === '*') out = push(out, 'admission-rbac-ceiling', `${base}.apiGroups[${g.index}]`, `Role rule ${i} grants every API group ("*")`, ROLE_FIX);
          }
        });
      } else if (kind === 'RoleBinding') {
        const ref = isObject(req.object.roleRef) ? req.object.roleRef : undefined;
        if (ref && ref.kind === 'ClusterRole' && typeof ref.name === 'string' && !bindable.has(ref.name)) {
          const note = ref.name === 'cluster-admin' || ref.name === 'admin' ? ` (${ref.name === 'cluster-admin' ? 'full control of the namespace, including its RBAC' : 'control of the namespace, including its Roles and RoleBindings'})` : '';
          out = push(
            out,
            'admission-rbac-ceiling',
            'roleRef.name',
            `RoleBinding binds ClusterRole ${JSON.stringify(ref.name)}${note}; users may bind only ${bindableText} (admission.bindableClusterRoles)`,
            `bind a Role of your namespace, or one of ${bindableText}`,
          );
        }
      }
    }

    // 4. Namespaces reserved for administrators.
    const isNamespaceObject = group === '' && (kind === 'Namespace' || (resource === 'namespaces' && op !== 'CONNECT'));
    if (isNamespaceObject) {
      if (adminNamespaces.has(name)) out = push(out, 'admission-admin-namespace', '', `namespace ${JSON.stringify(name)} is reserved for administrators: ${what(req, name)}`);
    } else if (namespace !== undefined && adminNamespaces.has(namespace)) {
      out = push(out, 'admission-admin-namespace', '', `namespace ${JSON.stringify(namespace)} is reserved for administrators: ${describeAction(req, name)}`);
    }

    // 5. System components and nodes.
    const labelled = selectors.length === 0 ? NO_OBJECTS : op === 'DELETE' ? [req.oldObject] : op === 'UPDATE' ? [req.object, req.oldObject] : op === 'CREATE' ? [req.object] : NO_OBJECTS;
    for (const o of labelled) {
      const hit = systemLabels(o);
      if (hit) {
        const old = o === req.oldObject && op === 'UPDATE' ? 'the existing object is' : 'is';
        out = push(out, 'admission-system-component', hit.path, `${kind}${name ? ` ${JSON.stringify(name)}` : ''} ${old} labelled as a system component (${hit.sel.text}): ${op} is reserved for administrators`);
        break;
      }
    }
    if (req.kind.group === '' && (kind === 'Node' || resource === 'nodes')) {
      if (op === 'CONNECT') out = push(out, 'admission-node-access', '', `users may not connect to nodes: ${describeAction(req, name)} (${resource}/${req.subResource || '-'})`);
      else out = push(out, 'admission-node-access', '', `users may not change Node objects: ${what(req, name)}`);
    } else if (op === 'CONNECT' && req.resource.group === '' && resource === 'nodes') {
      out = push(out, 'admission-node-access', '', `users may not connect to nodes: ${describeAction(req, name)} (nodes/${req.subResource || '-'})`);
    }

    // 6. Enforcement labels of namespaces, and exceptions.
    if (group === '' && kind === 'Namespace' && (op === 'CREATE' || op === 'UPDATE')) {
      const labels = labelsOf(req.object) ?? {};
      if (op === 'UPDATE') {
        const old = labelsOf(req.oldObject) ?? {};
        const keys = new Set([...Object.keys(labels), ...Object.keys(old)]);
        for (const k of keys) {
          if (k !== modeLabel && !k.startsWith(PSA_LABEL_PREFIX)) continue;
          const a = old[k];
          const b = labels[k];
          if (a === b) continue;
          const change = a === undefined ? `adds label ${k}=${JSON.stringify(b)}` : b === undefined ? `removes label ${k} (was ${JSON.stringify(a)})` : `changes label ${k} from ${JSON.stringify(a)} to ${JSON.stringify(b)}`;
          out = push(out, 'admission-enforcement-labels', child('metadata.labels', k), `namespace ${JSON.stringify(name)}: ${change}; only administrators change enforcement labels`);
        }
      } else {
        const m = labels[modeLabel];
        if (m !== undefined) {
          const configured = admission.namespaceModes[name] ?? admission.mode;
          if (!isMode(m)) {
            out = push(out, 'admission-enforcement-labels', child('metadata.labels', modeLabel), `${modeLabel}=${JSON.stringify(m)} is not a mode (enforce, warn or audit)`);
          } else if (MODE_RANK[m] < MODE_RANK[configured]) {
            out = push(out, 'admission-enforcement-labels', child('metadata.labels', modeLabel), `${modeLabel}=${m} is weaker than the namespace's configured mode (${configured})`);
          }
        }
        const pinned = labels[ENFORCE_VERSION_LABEL];
        if (pinned !== undefined) {
          const p = parsePssVersion(pinned);
          if (typeof p !== 'string' && compareVersions(p.version, requiredVersion) < 0) {
            out = push(out, 'admission-enforcement-labels', child('metadata.labels', ENFORCE_VERSION_LABEL), `${ENFORCE_VERSION_LABEL}=${pinned} pins Pod Security rules older than the required ${formatVersion(requiredVersion)}`);
          }
        }
      }
    }
    if ((req.kind.group === 'kubecomply.io' && kind === 'ComplianceException') || (req.resource.group === 'kubecomply.io' && resource === 'complianceexceptions')) {
      out = push(out, 'admission-exception-objects', '', `only administrators may create, change or delete ComplianceExceptions: ${what(req, name)}`);
    }
    return out ?? NONE;
  };
}

/** The name a request is about: the request's, else the object's (generateName with `*`). */
export function requestName(req: AdmissionRequest): string {
  if (req.name) return req.name;
  const meta = metaOf(req.object ?? req.oldObject);
  if (typeof meta.name === 'string' && meta.name !== '') return meta.name;
  if (typeof meta.generateName === 'string' && meta.generateName !== '') return `${meta.generateName}*`;
  return '';
}

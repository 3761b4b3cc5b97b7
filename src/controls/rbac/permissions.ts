/**
 * Dangerous permissions granted through RBAC: each control is a set of probes (verb, API group,
 * resource) evaluated with the authorizer's rule semantics (see model.ts) against the rules a binding
 * grants.
 *
 * Where the finding goes: on the RoleBinding or ClusterRoleBinding that grants the permission, once
 * per binding, at `roleRef.name`, naming the subjects and the rule that grants it. A role is a
 * definition; the binding is what gives the permission to someone, and it carries the namespace that
 * limits it. This reports every grant exactly once (a role bound by two bindings is two grants),
 * treats built-in roles (system:*, admin, edit, view) like any other (the role itself is never a
 * finding, binding it to a person or workload is), and skips bindings whose only subjects are
 * Kubernetes components (see isSystemSubject).
 */
import { quote } from '../../core/podspec.js';
import type { CheckContext, Control, Mappings, Resource, Severity, Violation } from '../../core/types.js';
import { NONE, shortList } from '../helpers.js';
import {
  apiGroupMatches,
  BINDING_KINDS,
  describeRole,
  describeScope,
  describeSubjects,
  nonSystemSubjects,
  RBAC_DOC,
  RBAC_GOOD_PRACTICES,
  rbacModel,
  resourceMatchIndex,
  roleRefPath,
  type BindingInfo,
  type Rule,
  type SourcedRule,
} from './model.js';

export interface Probe {
  /** Any of these verbs gives the permission; empty: any verb. */
  verbs: readonly string[];
  /** API groups of the resource ("" is the core group). */
  groups: readonly string[];
  /** `secrets`, or `pods/exec` for a subresource. */
  resource: string;
  /** A cluster-scoped resource: only ClusterRoleBindings grant it. */
  cluster: boolean;
  /** Whether a rule restricted to these resourceNames still counts (default: it does, except where the verb cannot be restricted by name). */
  names?: (names: readonly string[]) => boolean;
}

/** The verbs of `rule` that give `probe` (as written in the rule: `*` stays `*`), or undefined. */
export function probeVerbs(rule: Rule, probe: Probe): string[] | undefined {
  if (!probe.groups.some((g) => apiGroupMatches(rule, g))) return undefined;
  if (resourceMatchIndex(rule, probe.resource) < 0) return undefined;
  const named = rule.resourceNames.length > 0;
  if (named && probe.names && !probe.names(rule.resourceNames)) return undefined;
  // create and deletecollection requests on a collection carry no name: a rule with resourceNames never allows them.
  const topLevel = !probe.resource.includes('/');
  const counts = (verb: string): boolean => !(named && topLevel && (verb === 'create' || verb === 'deletecollection'));
  const out: string[] = [];
  for (const v of rule.verbs) {
    if (v === '*') {
      if (probe.verbs.length === 0 || probe.verbs.some(counts)) out.push(v);
    } else if ((probe.verbs.length === 0 || probe.verbs.includes(v)) && counts(v)) out.push(v);
  }
  return out.length > 0 ? out : undefined;
}

export interface PermissionMatch {
  verbs: string[];
  resources: string[];
  rules: SourcedRule[];
}

/** What the binding grants of the probes, or undefined. */
export function grantedBy(b: BindingInfo, probes: readonly Probe[]): PermissionMatch | undefined {
  const role = b.role;
  if (!role || role.effective.length === 0) return undefined;
  const clusterWide = b.kind === 'ClusterRoleBinding';
  let m: PermissionMatch | undefined;
  for (const sr of role.effective) {
    let hit = false;
    for (const p of probes) {
      if (p.cluster && !clusterWide) continue;
      const verbs = probeVerbs(sr.rule, p);
      if (!verbs) continue;
      m ??= { verbs: [], resources: [], rules: [] };
      for (const v of verbs) if (!m.verbs.includes(v)) m.verbs.push(v);
      if (!m.resources.includes(p.resource)) m.resources.push(p.resource);
      hit = true;
    }
    if (hit) m!.rules.push(sr);
  }
  return m;
}

function describeRule(sr: SourcedRule): string {
  const names = sr.rule.resourceNames.length > 0 ? ` for ${shortList(sr.rule.resourceNames.map(quote))}` : '';
  return sr.role.resource ? ` rules[${sr.rule.index}]${names}` : ' (built-in)';
}

/** `ClusterRole "x" rules[0]`, or for aggregation `ClusterRole "agg" (aggregated from ClusterRole "leaf" rules[2])`. */
export function describeOrigin(b: BindingInfo, rules: readonly SourcedRule[]): string {
  const role = b.role!;
  const first = rules[0];
  const more = rules.length > 1 ? ` and ${rules.length - 1} more ${rules.length === 2 ? 'rule' : 'rules'}` : '';
  if (first.role === role) return `${describeRole(role)}${describeRule(first)}${more}`;
  return `${describeRole(role)} (aggregated from ${describeRole(first.role)}${describeRule(first)}${more})`;
}

export interface PermissionSpec {
  id: string;
  title: string;
  severity: Severity;
  /** What is checked; the common note on where findings go is appended. */
  description: string;
  rationale: string;
  remediation: string;
  references: readonly string[];
  mappings: Mappings;
  probes: readonly Probe[];
}

const WHERE =
  ' Reported on each RoleBinding or ClusterRoleBinding that grants it to at least one subject that is not a Kubernetes component (one finding per binding, at roleRef.name, naming those subjects and the rule), ' +
  'with roles resolved from the input — ClusterRole aggregation included — and cluster-admin known by name. A RoleBinding grants only inside its namespace, so it never grants cluster-scoped resources. ' +
  'The role itself is not reported, and a role nothing in the input binds grants nothing.';

export function permissionControl(s: PermissionSpec): Control {
  return {
    id: s.id,
    title: s.title,
    severity: s.severity,
    family: 'rbac',
    appliesTo: BINDING_KINDS,
    scope: 'inventory',
    description: s.description + WHERE,
    rationale: s.rationale,
    remediation: s.remediation,
    references: s.references,
    mappings: s.mappings,
    check(target: Resource, ctx: CheckContext): Violation[] {
      const b = rbacModel(ctx).bindingOf(target);
      if (!b || !b.role) return NONE;
      const subjects = nonSystemSubjects(b);
      if (subjects.length === 0) return NONE;
      const m = grantedBy(b, s.probes);
      if (!m) return NONE;
      return [
        {
          path: roleRefPath(b),
          message: `grants ${m.verbs.includes('*') ? 'every verb' : m.verbs.join(', ')} on ${m.resources.join(', ')} ${describeScope(b)} to ${describeSubjects(subjects)} through ${describeOrigin(b, m.rules)}`,
        },
      ];
    },
  };
}

// ---------------------------------------------------------------- probes

const CORE = [''];
const RBAC_GROUP = ['rbac.authorization.k8s.io'];
const CERTS = ['certificates.k8s.io'];
const ADMISSION = ['admissionregistration.k8s.io'];
const unscoped = (names: readonly string[]): boolean => names.length === 0;

const ns = (verbs: readonly string[], groups: readonly string[], resource: string, extra: Partial<Probe> = {}): Probe => ({ verbs, groups, resource, cluster: false, ...extra });
const cl = (verbs: readonly string[], groups: readonly string[], resource: string, extra: Partial<Probe> = {}): Probe => ({ verbs, groups, resource, cluster: true, ...extra });

const APPS_LEGACY = ['apps', 'extensions'];

export const SECRET_READ: readonly Probe[] = [ns(['get', 'list', 'watch'], CORE, 'secrets', { names: unscoped })];

export const POD_CREATE: readonly Probe[] = [
  ns(['create'], CORE, 'pods'),
  ns(['create'], APPS_LEGACY, 'deployments'),
  ns(['create'], APPS_LEGACY, 'daemonsets'),
  ns(['create'], ['apps'], 'statefulsets'),
  ns(['create'], APPS_LEGACY, 'replicasets'),
  ns(['create'], ['batch'], 'jobs'),
  ns(['create'], ['batch'], 'cronjobs'),
  ns(['create'], CORE, 'replicationcontrollers'),
];

export const ESCALATION: readonly Probe[] = [
  ns(['escalate'], RBAC_GROUP, 'roles'),
  cl(['escalate'], RBAC_GROUP, 'clusterroles'),
  // bind restricted to named roles is the documented way to delegate handing out specific roles.
  ns(['bind'], RBAC_GROUP, 'roles', { names: unscoped }),
  // The bind check runs in the namespace of the binding being written (BindingAuthorized), so a
  // RoleBinding that grants bind on clusterroles lets its subjects bind any ClusterRole — cluster-admin
  // included — in RoleBindings of that namespace: not cluster-only, unlike escalate on clusterroles.
  ns(['bind'], RBAC_GROUP, 'clusterroles', { names: unscoped }),
  cl(['impersonate'], CORE, 'users'),
  cl(['impersonate'], CORE, 'groups'),
  ns(['impersonate'], CORE, 'serviceaccounts'),
];

export const EXEC_ATTACH: readonly Probe[] = [
  ns(['create', 'get'], CORE, 'pods/exec'),
  ns(['create', 'get'], CORE, 'pods/attach'),
  ns(['update', 'patch'], CORE, 'pods/ephemeralcontainers'),
];

export const NODES_PROXY: readonly Probe[] = [cl([], CORE, 'nodes/proxy')];

export const PV_CREATE: readonly Probe[] = [cl(['create'], CORE, 'persistentvolumes')];

export const CSR_APPROVAL: readonly Probe[] = [
  cl(['update', 'patch'], CERTS, 'certificatesigningrequests/approval'),
  // Approving for a signer also needs `approve` on it; built-in (kubernetes.io/…) signers issue cluster credentials.
  cl(['approve'], CERTS, 'signers', { names: (names) => names.length === 0 || names.some((n) => n.startsWith('kubernetes.io/')) }),
];

export const SA_TOKEN: readonly Probe[] = [ns(['create'], CORE, 'serviceaccounts/token')];

export const WEBHOOK_CONFIG: readonly Probe[] = [
  // A controller managing its own, named configuration is the expected case.
  cl(['create', 'update', 'patch', 'delete', 'deletecollection'], ADMISSION, 'validatingwebhookconfigurations', { names: unscoped }),
  cl(['create', 'update', 'patch', 'delete', 'deletecollection'], ADMISSION, 'mutatingwebhookconfigurations', { names: unscoped }),
  // In-process admission policies (CEL) do what webhooks do, without a server: a binding decides
  // where a policy is enforced, so deleting or rebinding one switches enforcement off.
  cl(['create', 'update', 'patch', 'delete', 'deletecollection'], ADMISSION, 'validatingadmissionpolicies', { names: unscoped }),
  cl(['create', 'update', 'patch', 'delete', 'deletecollection'], ADMISSION, 'validatingadmissionpolicybindings', { names: unscoped }),
  cl(['create', 'update', 'patch', 'delete', 'deletecollection'], ADMISSION, 'mutatingadmissionpolicies', { names: unscoped }),
  cl(['create', 'update', 'patch', 'delete', 'deletecollection'], ADMISSION, 'mutatingadmissionpolicybindings', { names: unscoped }),
];

// ---------------------------------------------------------------- controls

const BINDING_FIX = (what: string): string =>
  `${what} Remove the rule from the role, or bind a narrower role; grant it only to the identities that need it, in their namespace with a RoleBinding rather than a ClusterRoleBinding:\n`;

export const secretRead = permissionControl({
  id: 'rbac-secret-read',
  title: 'Read access to Secrets',
  severity: 'high',
  description: 'Bindings must not grant get, list or watch on secrets (core API group) without restricting the rule to named Secrets (resourceNames).',
  rationale:
    'Secrets hold credentials: service account tokens, registry credentials, TLS keys, database passwords. list and watch return the content of every Secret, not only names, so read access to Secrets in a namespace is access to everything those credentials open, and is a common privilege-escalation path (a token of a more privileged service account).',
  remediation:
    BINDING_FIX('Give workloads the Secret they need as a volume or through resourceNames instead of read access to all Secrets.') +
    '```yaml\napiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata:\n  name: app-config-reader\n  namespace: team-a\nrules:\n- apiGroups: [""]\n  resources: ["secrets"]\n  resourceNames: ["app-config"]\n  verbs: ["get"]\n```',
  references: [RBAC_GOOD_PRACTICES, 'https://kubernetes.io/docs/concepts/security/secrets-good-practices/', RBAC_DOC],
  mappings: {
    cis: ['5.1.2'],
    nsa: ['A2'],
    nist80190: ['4.3.2'],
    mitre: ['T1552', 'T1552.007', 'T1528'],
    stride: ['I', 'E'],
    pci: ['7.2.1', '7.2.2', '7.2.5', '7.3.1', '8.6.3'],
    hipaa: ['164.312(a)(1)', '164.308(a)(4)(ii)(B)'],
    gdpr: ['Art. 32'],
    soc2: ['CC6.1', 'CC6.3'],
    cra: ['I.2(d)'],
  },
  probes: SECRET_READ,
});

export const podCreate = permissionControl({
  id: 'rbac-pod-create',
  title: 'Permission to create pods or workloads',
  severity: 'high',
  description:
    'Bindings must not grant create on pods, or on the controllers that create pods (deployments, daemonsets, statefulsets, replicasets, jobs, cronjobs, replicationcontrollers), beyond the identities that deploy workloads.',
  rationale:
    'Whoever can create a pod in a namespace can run any image with any service account, Secret, ConfigMap or volume of that namespace mounted, and — as far as Pod Security admission allows — privileged or host-namespace pods that escape to the node.',
  remediation:
    BINDING_FIX('Keep workload creation for the deployment pipeline (GitOps controller, CI service account); people get read access.') +
    '```yaml\napiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata:\n  name: developer\n  namespace: team-a\nrules:\n- apiGroups: ["", "apps", "batch"]\n  resources: ["pods", "deployments", "jobs"]\n  verbs: ["get", "list", "watch"]\n```',
  references: [RBAC_GOOD_PRACTICES, RBAC_DOC, 'https://kubernetes.io/docs/concepts/security/pod-security-admission/'],
  mappings: {
    cis: ['5.1.4'],
    nsa: ['A2'],
    nist80190: ['4.3.1', '4.4.5'],
    mitre: ['T1610'],
    stride: ['E', 'T'],
    pci: ['7.2.2', '7.2.5', '7.3.2'],
    hipaa: ['164.308(a)(4)(ii)(B)'],
    gdpr: ['Art. 32'],
    soc2: ['CC6.3'],
    cra: ['I.2(d)'],
  },
  probes: POD_CREATE,
});

export const escalateBindImpersonate = permissionControl({
  id: 'rbac-escalate-bind-impersonate',
  title: 'escalate, bind or impersonate permissions',
  severity: 'high',
  description:
    'Bindings must not grant escalate or bind on roles or clusterroles (rbac.authorization.k8s.io), or impersonate on users, groups or serviceaccounts. ' +
    'escalate and impersonate rules restricted to resourceNames are reported too (the names are shown): rewriting one role or impersonating one powerful identity is enough; bind restricted to named roles is the documented way to delegate handing out specific roles and is not reported.',
  rationale:
    'RBAC stops people from granting permissions they do not hold — unless they have escalate (edit a role beyond their own rights), bind (bind a role they do not hold) or impersonate (act as another user, group or service account, system:masters included). Each of these is a direct path to cluster-admin.',
  remediation:
    BINDING_FIX('If delegation is needed, allow bind only on the specific roles that may be handed out.') +
    '```yaml\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: namespace-delegator\nrules:\n- apiGroups: ["rbac.authorization.k8s.io"]\n  resources: ["rolebindings"]\n  verbs: ["create", "delete"]\n- apiGroups: ["rbac.authorization.k8s.io"]\n  resources: ["clusterroles"]\n  resourceNames: ["view"]\n  verbs: ["bind"]\n```',
  references: [`${RBAC_DOC}#privilege-escalation-prevention-and-bootstrapping`, 'https://kubernetes.io/docs/reference/access-authn-authz/authentication/#user-impersonation', RBAC_GOOD_PRACTICES],
  mappings: {
    cis: ['5.1.8'],
    nsa: ['A2'],
    nist80190: ['4.3.1'],
    mitre: ['T1098', 'T1098.006', 'T1078'],
    stride: ['E', 'S'],
    pci: ['7.2.1', '7.2.2', '7.3.2'],
    hipaa: ['164.308(a)(4)(ii)(B)', '164.308(a)(4)(ii)(C)'],
    gdpr: ['Art. 32'],
    soc2: ['CC6.1', 'CC6.3'],
    cra: ['I.2(d)'],
  },
  probes: ESCALATION,
});

export const podExecAttach = permissionControl({
  id: 'rbac-pod-exec-attach',
  title: 'Permission to exec or attach into pods',
  severity: 'high',
  description:
    'Bindings must not grant create or get on pods/exec or pods/attach (get is what WebSocket clients use), or update/patch on pods/ephemeralcontainers (kubectl debug), beyond break-glass and debugging roles. Port forwarding (pods/portforward) is not reported.',
  rationale:
    'exec and attach run commands inside running containers, with their service account token, mounted Secrets and network position; an ephemeral container does the same in any running pod. This bypasses image and admission controls that apply to new pods.',
  remediation:
    BINDING_FIX('Keep exec for a time-limited break-glass role.') +
    '```yaml\napiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata:\n  name: pod-viewer\n  namespace: team-a\nrules:\n- apiGroups: [""]\n  resources: ["pods", "pods/log"]\n  verbs: ["get", "list", "watch"]\n```',
  references: [RBAC_GOOD_PRACTICES, 'https://kubernetes.io/docs/tasks/debug/debug-application/get-shell-running-container/', 'https://kubernetes.io/docs/concepts/workloads/pods/ephemeral-containers/'],
  mappings: {
    nsa: ['A2'],
    nist80190: ['4.3.1'],
    mitre: ['T1609'],
    stride: ['E', 'T', 'I'],
    pci: ['7.2.2', '7.3.2'],
    hipaa: ['164.308(a)(4)(ii)(B)'],
    gdpr: ['Art. 32'],
    soc2: ['CC6.3'],
    cra: ['I.2(d)'],
  },
  probes: EXEC_ATTACH,
});

export const nodesProxy = permissionControl({
  id: 'rbac-nodes-proxy',
  title: 'Access to the nodes/proxy subresource',
  severity: 'high',
  description: 'ClusterRoleBindings must not grant any verb on nodes/proxy (the kubelet API through the API server).',
  rationale:
    'nodes/proxy reaches the kubelet API of every node: it can run commands in any container on the node (exec, run), read logs and inspect pods, and these calls go to the kubelet directly, bypassing admission control and mostly API server audit logging.',
  remediation:
    BINDING_FIX('Monitoring agents need nodes/metrics and nodes/stats, not nodes/proxy.') +
    '```yaml\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: node-metrics-reader\nrules:\n- apiGroups: [""]\n  resources: ["nodes/metrics", "nodes/stats"]\n  verbs: ["get"]\n```',
  references: [RBAC_GOOD_PRACTICES, 'https://kubernetes.io/docs/reference/access-authn-authz/kubelet-authn-authz/'],
  mappings: {
    cis: ['5.1.10'],
    nsa: ['A2'],
    nist80190: ['4.3.1'],
    mitre: ['T1609', 'T1613'],
    stride: ['E', 'I'],
    pci: ['7.2.2'],
    hipaa: ['164.308(a)(4)(ii)(B)'],
    soc2: ['CC6.3'],
    cra: ['I.2(d)'],
  },
  probes: NODES_PROXY,
});

export const persistentVolumeCreate = permissionControl({
  id: 'rbac-persistent-volume-create',
  title: 'Permission to create PersistentVolumes',
  severity: 'medium',
  description: 'ClusterRoleBindings must not grant create on persistentvolumes to identities other than storage provisioners.',
  rationale:
    'A PersistentVolume can be a hostPath volume: whoever creates one and claims it mounts any directory of a node into a pod, bypassing Pod Security admission (which checks pods, not volumes) — a path to the node\'s files and credentials.',
  remediation:
    BINDING_FIX('Users request storage through PersistentVolumeClaims and StorageClasses; only the CSI provisioner creates PersistentVolumes.') +
    '```yaml\napiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata:\n  name: storage-user\n  namespace: team-a\nrules:\n- apiGroups: [""]\n  resources: ["persistentvolumeclaims"]\n  verbs: ["get", "list", "create", "delete"]\n```',
  references: [RBAC_GOOD_PRACTICES, 'https://kubernetes.io/docs/concepts/storage/persistent-volumes/', 'https://kubernetes.io/docs/concepts/storage/volumes/#hostpath'],
  mappings: {
    cis: ['5.1.9'],
    nsa: ['A2'],
    nist80190: ['4.5.5'],
    mitre: ['T1611'],
    stride: ['E', 'T', 'I'],
    pci: ['7.2.2'],
    soc2: ['CC6.3'],
    cra: ['I.2(d)'],
  },
  probes: PV_CREATE,
});

export const csrApproval = permissionControl({
  id: 'rbac-csr-approval',
  title: 'Permission to approve certificate signing requests',
  severity: 'high',
  description:
    'ClusterRoleBindings must not grant update or patch on certificatesigningrequests/approval, or approve on signers (certificates.k8s.io) for every signer or for a built-in kubernetes.io/ signer.',
  rationale:
    'Approving a CSR for the kubernetes.io/kube-apiserver-client signer issues a client certificate for any user and group named in the request — system:masters included — and certificates cannot be revoked before they expire.',
  remediation:
    BINDING_FIX('Let the built-in approvers handle kubelet certificates; give other approvers only their own signer.') +
    '```yaml\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: example-signer-approver\nrules:\n- apiGroups: ["certificates.k8s.io"]\n  resources: ["signers"]\n  resourceNames: ["example.com/my-signer"]\n  verbs: ["approve"]\n```',
  references: ['https://kubernetes.io/docs/reference/access-authn-authz/certificate-signing-requests/', RBAC_GOOD_PRACTICES],
  mappings: {
    cis: ['5.1.11'],
    nsa: ['A1', 'A2'],
    nist80190: ['4.3.2'],
    mitre: ['T1078', 'T1550'],
    stride: ['S', 'E'],
    pci: ['7.2.2'],
    hipaa: ['164.308(a)(4)(ii)(C)'],
    soc2: ['CC6.3'],
    cra: ['I.2(d)'],
  },
  probes: CSR_APPROVAL,
});

export const saTokenCreate = permissionControl({
  id: 'rbac-sa-token-create',
  title: 'Permission to create service account tokens',
  severity: 'high',
  description: 'Bindings must not grant create on serviceaccounts/token (the TokenRequest API). Rules restricted to resourceNames are reported too (the names are shown).',
  rationale:
    'Creating a token for a service account is acting as that service account, from anywhere and for as long as the token lives; a token of a privileged controller\'s service account is that controller\'s power.',
  remediation:
    BINDING_FIX('Pods get their own token through the projected service account volume; nothing else needs TokenRequest.') +
    '```yaml\napiVersion: v1\nkind: Pod\nmetadata:\n  name: app\nspec:\n  serviceAccountName: app\n  containers:\n  - name: app\n    image: registry.example.com/app:1.0\n```',
  references: [RBAC_GOOD_PRACTICES, 'https://kubernetes.io/docs/reference/kubernetes-api/authentication-resources/token-request-v1/', 'https://kubernetes.io/docs/concepts/security/service-accounts/'],
  mappings: {
    cis: ['5.1.13'],
    nsa: ['A2'],
    nist80190: ['4.3.2'],
    mitre: ['T1528', 'T1550', 'T1550.001'],
    stride: ['S', 'E'],
    pci: ['7.2.5', '8.6.3'],
    hipaa: ['164.308(a)(4)(ii)(B)'],
    gdpr: ['Art. 32'],
    soc2: ['CC6.1', 'CC6.3'],
    cra: ['I.2(d)'],
  },
  probes: SA_TOKEN,
});

export const webhookConfig = permissionControl({
  id: 'rbac-webhook-config',
  title: 'Permission to change admission webhooks or policies',
  severity: 'high',
  description:
    'ClusterRoleBindings must not grant create, update, patch, delete or deletecollection on validatingwebhookconfigurations or mutatingwebhookconfigurations, nor on the in-process admission policies and their bindings (validatingadmissionpolicies, validatingadmissionpolicybindings, mutatingadmissionpolicies, mutatingadmissionpolicybindings; admissionregistration.k8s.io). ' +
    'A rule restricted to named configurations (resourceNames, which never allows create) is how a controller manages its own webhook and is not reported.',
  rationale:
    'A mutating webhook sees and can rewrite every object it matches — it can inject containers into every pod or read every Secret written; deleting or weakening a validating webhook switches off the policy engine that enforces security rules.',
  remediation:
    BINDING_FIX('Let only the policy engine\'s own service account manage its webhook configuration, with resourceNames.') +
    '```yaml\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: policy-engine-webhook\nrules:\n- apiGroups: ["admissionregistration.k8s.io"]\n  resources: ["validatingwebhookconfigurations"]\n  resourceNames: ["policy-engine"]\n  verbs: ["get", "update", "patch"]\n```',
  references: ['https://kubernetes.io/docs/reference/access-authn-authz/extensible-admission-controllers/', RBAC_GOOD_PRACTICES],
  mappings: {
    cis: ['5.1.12'],
    nsa: ['A2'],
    nist80190: ['4.3.1'],
    mitre: ['T1562', 'T1562.001'],
    stride: ['T', 'E', 'I'],
    pci: ['7.2.2'],
    hipaa: ['164.308(a)(4)(ii)(B)'],
    soc2: ['CC6.3'],
    cra: ['I.2(d)', 'I.2(f)'],
  },
  probes: WEBHOOK_CONFIG,
});

/**
 * Built-in audit detection rules, as data. MITRE ATT&CK ids are from ATT&CK Enterprise v18.1 techniques with
 * platform "Containers" and the Microsoft Threat Matrix for Kubernetes mappings (docs: regulations.md §9).
 */
import type { Condition } from './conditions.js';
import type { Severity } from './types.js';

export interface Threshold {
  /** Fire when this many matching events … */
  count: number;
  /** … fall within this many seconds … */
  withinSeconds: number;
  /** … for one value of this field (e.g. $sourceIP, user.username). */
  groupBy: string;
}

export interface AuditRule {
  id: string;
  title: string;
  severity: Severity;
  /** ATT&CK technique ids, e.g. T1609. */
  mitre: string[];
  explanation: string;
  remediation: string;
  /** The event's verb is one of these (omitted: any verb). */
  verbs?: string[];
  /** resource or resource/subresource is one of these (omitted: any, including non-resource requests). */
  resources?: string[];
  /** A further condition over event fields. */
  when?: Condition;
  /** Stateful: fire once per burst of matching events. */
  threshold?: Threshold;
  /** "builtin" or the file the rule came from. */
  source?: string;
}

const WRITE = ['create', 'update', 'patch'];
/** Control-plane identities: system:* users other than service accounts and anonymous, and kube-system service accounts. */
const CONTROL_PLANE = '^system:(?!serviceaccount:|anonymous$)|^system:serviceaccount:kube-system:';
const notSystem: Condition = { not: { field: 'user.username', regex: CONTROL_PLANE } };
const notAdmin: Condition = {
  all: [notSystem, { not: { field: 'user.groups[]', equals: 'system:masters' } }],
};
const succeeded: Condition = { field: '$code', lt: 400 };
const podSpecs = ['requestObject.spec', 'requestObject.spec.template.spec', 'requestObject.spec.jobTemplate.spec.template.spec'];
const anyPodSpec = (suffix: string, op: Omit<Condition & { field: string }, 'field'>): Condition => ({
  any: podSpecs.map((p) => ({ field: `${p}.${suffix}`, ...op }) as Condition),
});
const WORKLOADS = ['pods', 'deployments', 'daemonsets', 'statefulsets', 'replicasets', 'jobs', 'cronjobs', 'replicationcontrollers'];
const SECURITY_COMPONENT_NAMES = [
  '*falco*', '*fluent*', '*audit*', '*logging*', '*monitoring*', '*prometheus*', '*alertmanager*', '*grafana*',
  '*loki*', '*promtail*', '*vector*', '*datadog*', '*sysdig*', '*splunk*', '*elastic*', '*filebeat*', '*otel*',
  '*opentelemetry*', '*tetragon*', '*tracee*', '*kyverno*', '*gatekeeper*', '*kubecomply*', '*node-exporter*',
];
const securityName: Condition = {
  any: [
    { field: 'objectRef.name', glob: SECURITY_COMPONENT_NAMES },
    { field: 'objectRef.namespace', glob: SECURITY_COMPONENT_NAMES },
  ],
};
const roleRules = (suffix: string, op: Omit<Condition & { field: string }, 'field'>): Condition => ({ field: `requestObject.rules[].${suffix}`, ...op });
const SENSITIVE_HOST_PATHS = [
  '/', '/etc', '/etc/*', '/root', '/root/*', '/proc', '/proc/*', '/var/run/docker.sock', '/run/containerd/containerd.sock',
  '/var/run/crio/crio.sock', '/run/containerd', '/var/run', '/var/lib/kubelet', '/var/lib/kubelet/*', '/etc/kubernetes',
  '/etc/kubernetes/*', '/var/lib/etcd', '/var/lib/etcd/*', '/dev', '/sys', '/boot', '/home', '/home/*',
];
const CREDENTIAL_PATTERN =
  '(aws[_-]?(s3[_-]?)?(access[_-]?key[_-]?id|secret[_-]?access[_-]?key)|password|passwd|passphrase|secret[_-]?key|api[_-]?key|private[_-]?key|client[_-]?secret|BEGIN [A-Z ]*PRIVATE KEY|token\\s*[=:])';

export const BUILTIN_RULES: AuditRule[] = [
  // ── Execution ────────────────────────────────────────────────────────────────────────────────────────────
  {
    id: 'audit-pod-exec',
    title: 'Command executed in a container (pods/exec)',
    severity: 'high',
    mitre: ['T1609'],
    verbs: ['create', 'get'],
    resources: ['pods/exec'],
    explanation: 'Someone opened an interactive or one-off command inside a running container. Attackers use exec to run tools, read mounted secrets and pivot; in production it should be rare and attributable.',
    remediation: 'Confirm the user and purpose. Restrict the pods/exec permission to break-glass roles and prefer debugging with ephemeral containers in non-production.',
  },
  {
    id: 'audit-pod-attach',
    title: 'Attached to a running container (pods/attach)',
    severity: 'high',
    mitre: ['T1609'],
    verbs: ['create', 'get'],
    resources: ['pods/attach'],
    explanation: 'Attaching gives the caller the container\'s stdin/stdout, i.e. the same control as exec over the main process.',
    remediation: 'Confirm the user and purpose; restrict pods/attach like pods/exec.',
  },
  {
    id: 'audit-pod-port-forward',
    title: 'Port forwarded into a pod (pods/portforward)',
    severity: 'medium',
    mitre: ['T1609'],
    verbs: ['create', 'get'],
    resources: ['pods/portforward'],
    explanation: 'Port-forwarding tunnels traffic from the caller straight into a pod, bypassing Services, Ingress and NetworkPolicies.',
    remediation: 'Limit pods/portforward to operators who need it; prefer authenticated Services for routine access.',
  },
  {
    id: 'audit-ephemeral-container',
    title: 'Ephemeral (debug) container added to a pod',
    severity: 'high',
    mitre: ['T1609', 'T1610'],
    verbs: ['update', 'patch'],
    resources: ['pods/ephemeralcontainers'],
    explanation: 'An ephemeral container runs an arbitrary image inside an existing pod, sharing its namespaces and often its process table.',
    remediation: 'Confirm the debugging session; restrict the pods/ephemeralcontainers permission.',
  },
  // ── Risky workloads ──────────────────────────────────────────────────────────────────────────────────────
  {
    id: 'audit-privileged-pod',
    title: 'Privileged container created',
    severity: 'critical',
    mitre: ['T1610', 'T1611'],
    verbs: ['create', 'update', 'patch'],
    resources: WORKLOADS,
    when: {
      any: [
        anyPodSpec('containers[].securityContext.privileged', { equals: true }),
        anyPodSpec('initContainers[].securityContext.privileged', { equals: true }),
        anyPodSpec('ephemeralContainers[].securityContext.privileged', { equals: true }),
      ],
    },
    explanation: 'A privileged container has every capability and all host devices; escaping to the node is trivial.',
    remediation: 'Remove securityContext.privileged; enforce the Pod Security "baseline" or "restricted" level on the namespace.',
  },
  {
    id: 'audit-host-network-pod',
    title: 'Pod using the host network created',
    severity: 'high',
    mitre: ['T1611'],
    verbs: ['create', 'update', 'patch'],
    resources: WORKLOADS,
    when: anyPodSpec('hostNetwork', { equals: true }),
    explanation: 'hostNetwork puts the pod on the node\'s network stack: it can reach node-local services (kubelet, metadata endpoints) and sniff node traffic.',
    remediation: 'Remove hostNetwork unless the workload is a vetted node agent; enforce Pod Security "baseline".',
  },
  {
    id: 'audit-host-pid-ipc-pod',
    title: 'Pod sharing the host PID or IPC namespace created',
    severity: 'high',
    mitre: ['T1611'],
    verbs: ['create', 'update', 'patch'],
    resources: WORKLOADS,
    when: { any: [anyPodSpec('hostPID', { equals: true }), anyPodSpec('hostIPC', { equals: true })] },
    explanation: 'With hostPID or hostIPC a container sees and can signal or inspect every process on the node.',
    remediation: 'Remove hostPID/hostIPC; enforce Pod Security "baseline".',
  },
  {
    id: 'audit-hostpath-pod',
    title: 'Pod mounting a hostPath volume created',
    severity: 'medium',
    mitre: ['T1611'],
    verbs: ['create', 'update', 'patch'],
    resources: WORKLOADS,
    when: anyPodSpec('volumes[].hostPath.path', { exists: true }),
    explanation: 'A hostPath volume exposes part of the node\'s file system to the container (Microsoft matrix: writable hostPath mount).',
    remediation: 'Use emptyDir, a PersistentVolume or a CSI driver instead; allow hostPath only for vetted node agents.',
  },
  {
    id: 'audit-sensitive-hostpath-pod',
    title: 'Pod mounting a sensitive host directory created',
    severity: 'critical',
    mitre: ['T1611', 'T1552.001'],
    verbs: ['create', 'update', 'patch'],
    resources: WORKLOADS,
    when: anyPodSpec('volumes[].hostPath.path', { glob: SENSITIVE_HOST_PATHS }),
    explanation: 'The pod mounts a host directory that holds node credentials, the container runtime socket or the root file system; that is enough to take over the node.',
    remediation: 'Remove the mount; if a node agent truly needs it, run it in a dedicated, locked-down namespace.',
  },
  {
    id: 'audit-pod-in-kube-system-by-user',
    title: 'Workload created in kube-system by a non-system user',
    severity: 'medium',
    mitre: ['T1610', 'T1036.005'],
    verbs: ['create'],
    resources: WORKLOADS,
    when: { all: [{ field: 'objectRef.namespace', in: ['kube-system', 'kube-public'] }, notSystem] },
    explanation: 'kube-system is populated by the control plane and add-on installers; a person creating workloads there may be hiding a backdoor among legitimate components.',
    remediation: 'Check the workload and who created it; deploy applications to their own namespaces.',
  },
  {
    id: 'audit-psa-violation',
    title: 'Pod Security violation recorded by admission',
    severity: 'medium',
    mitre: ['T1610'],
    when: { field: 'annotations["pod-security.kubernetes.io/audit-violations"]', exists: true },
    explanation: 'Pod Security Admission annotated this request with an audit violation: a workload that breaks the namespace\'s Pod Security level was submitted.',
    remediation: 'Fix the workload, or enforce (not just audit) the level on the namespace.',
  },
  {
    id: 'audit-cronjob-created',
    title: 'CronJob created or changed',
    severity: 'low',
    mitre: ['T1053.007'],
    verbs: WRITE,
    resources: ['cronjobs'],
    when: notSystem,
    explanation: 'CronJobs run containers on a schedule; attackers use them for persistence that survives pod deletion.',
    remediation: 'Confirm the schedule, image and owner of the CronJob.',
  },
  {
    id: 'audit-nodeport-service',
    title: 'NodePort Service created',
    severity: 'low',
    mitre: ['T1133'],
    verbs: ['create', 'update', 'patch'],
    resources: ['services'],
    when: { field: 'requestObject.spec.type', equals: 'NodePort' },
    explanation: 'A NodePort opens the same port on every node, often reachable from outside the cluster and bypassing the ingress controls.',
    remediation: 'Use a ClusterIP Service behind an Ingress or a LoadBalancer with source ranges.',
  },
  // ── RBAC and privilege escalation ───────────────────────────────────────────────────────────────────────
  {
    id: 'audit-cluster-admin-binding',
    title: 'Binding to cluster-admin created',
    severity: 'critical',
    mitre: ['T1078.003', 'T1098.006'],
    verbs: WRITE,
    resources: ['clusterrolebindings', 'rolebindings'],
    when: { all: [{ field: 'requestObject.roleRef.name', equals: 'cluster-admin' }, succeeded] },
    explanation: 'Someone granted the cluster-admin role: whoever is bound now controls every object in the cluster (Microsoft matrix: cluster-admin binding).',
    remediation: 'Remove the binding unless it is an approved break-glass grant; bind narrowly-scoped roles instead.',
  },
  {
    id: 'audit-binding-to-anonymous',
    title: 'Role bound to anonymous or all-authenticated users',
    severity: 'critical',
    mitre: ['T1098.006', 'T1078.001'],
    verbs: WRITE,
    resources: ['clusterrolebindings', 'rolebindings'],
    when: { field: 'requestObject.subjects[].name', in: ['system:anonymous', 'system:unauthenticated', 'system:authenticated'] },
    explanation: 'The binding gives its permissions to everyone who can reach the API server (or everyone with any credential).',
    remediation: 'Remove these subjects; bind named users, groups or service accounts.',
  },
  {
    id: 'audit-wildcard-role',
    title: 'Role with wildcard verbs or resources created',
    severity: 'high',
    mitre: ['T1098.006'],
    verbs: WRITE,
    resources: ['clusterroles', 'roles'],
    when: { any: [roleRules('verbs[]', { equals: '*' }), roleRules('resources[]', { equals: '*' }), roleRules('apiGroups[]', { equals: '*' })] },
    explanation: 'A "*" in a role grants every verb or resource, including ones added to the API later; it is admin in disguise.',
    remediation: 'List the verbs and resources the subject needs.',
  },
  {
    id: 'audit-role-grants-exec',
    title: 'Role granting exec/attach into pods created',
    severity: 'medium',
    mitre: ['T1098.006', 'T1609'],
    verbs: WRITE,
    resources: ['clusterroles', 'roles'],
    when: roleRules('resources[]', { in: ['pods/exec', 'pods/attach', 'pods/*'] }),
    explanation: 'The role lets its holders run commands in containers, which exposes every secret the pods can read.',
    remediation: 'Grant exec only to break-glass roles.',
  },
  {
    id: 'audit-role-grants-escalation-verbs',
    title: 'Role granting escalate, bind or impersonate created',
    severity: 'high',
    mitre: ['T1098.006'],
    verbs: WRITE,
    resources: ['clusterroles', 'roles'],
    when: roleRules('verbs[]', { in: ['escalate', 'bind', 'impersonate'] }),
    explanation: 'escalate and bind let a subject grant itself permissions it does not have; impersonate lets it act as anyone.',
    remediation: 'Reserve these verbs for the control plane and a few administrators.',
  },
  {
    id: 'audit-system-role-modified',
    title: 'Built-in system ClusterRole or binding modified or deleted by a user',
    severity: 'high',
    mitre: ['T1098.006', 'T1562.001'],
    verbs: ['update', 'patch', 'delete'],
    resources: ['clusterroles', 'clusterrolebindings'],
    when: { all: [{ field: 'objectRef.name', startsWith: 'system:' }, notSystem] },
    explanation: 'system:* roles are maintained by the API server; changing them quietly alters what components and users may do.',
    remediation: 'Revert the change (the API server reconciles roles with rbac.authorization.kubernetes.io/autoupdate) and find out why it was made.',
  },
  // ── Credential access ───────────────────────────────────────────────────────────────────────────────────
  {
    id: 'audit-secrets-listed-cluster-wide',
    title: 'Secrets listed across all namespaces',
    severity: 'high',
    mitre: ['T1552.007', 'T1613'],
    verbs: ['list', 'watch'],
    resources: ['secrets'],
    when: { all: [{ field: 'objectRef.namespace', exists: false }, notSystem, succeeded] },
    explanation: 'Listing secrets cluster-wide returns every credential in the cluster (Microsoft matrix: list K8s secrets).',
    remediation: 'Find out why this identity lists all secrets; remove cluster-wide secret read permissions from people and apps.',
  },
  {
    id: 'audit-secrets-listed-by-user',
    title: 'Secrets listed in a namespace by a person',
    severity: 'medium',
    mitre: ['T1552.007'],
    verbs: ['list', 'watch'],
    resources: ['secrets'],
    when: { all: [{ field: 'objectRef.namespace', exists: true }, notSystem, succeeded] },
    explanation: 'Listing secrets returns their contents. People rarely need that; applications read their own secrets by name.',
    remediation: 'Confirm the purpose; grant get on named secrets instead of list.',
  },
  {
    id: 'audit-secret-read-cross-namespace-sa',
    title: 'Secret read by a service account from another namespace',
    severity: 'high',
    mitre: ['T1552.007', 'T1528'],
    verbs: ['get', 'list', 'watch'],
    resources: ['secrets'],
    when: {
      all: [
        { field: '$saNamespace', exists: true },
        { field: 'objectRef.namespace', exists: true },
        { not: { field: '$saNamespace', equalsField: 'objectRef.namespace' } },
        { not: { field: '$saNamespace', in: ['kube-system'] } },
        succeeded,
      ],
    },
    explanation: 'A workload\'s service account read a secret outside its own namespace: unexpected for applications and typical of a stolen token being used to collect credentials.',
    remediation: 'Check which pod uses the service account; narrow its RBAC to its own namespace.',
  },
  {
    id: 'audit-secret-read-by-anonymous',
    title: 'Secret accessed without authentication',
    severity: 'critical',
    mitre: ['T1552.007', 'T1078.001'],
    resources: ['secrets'],
    when: { all: [{ field: 'user.username', equals: 'system:anonymous' }, succeeded] },
    explanation: 'An unauthenticated caller was allowed to read or change secrets.',
    remediation: 'Disable anonymous auth (--anonymous-auth=false) or remove RBAC grants to system:anonymous / system:unauthenticated.',
  },
  {
    id: 'audit-sa-token-requested',
    title: 'Service-account token requested by a user',
    severity: 'medium',
    mitre: ['T1528', 'T1550.001'],
    verbs: ['create'],
    resources: ['serviceaccounts/token'],
    when: notSystem,
    explanation: 'A person minted a token for a service account (TokenRequest API): they can now act as that workload, outside the pod.',
    remediation: 'Confirm the need; restrict create on serviceaccounts/token.',
  },
  {
    id: 'audit-sa-token-secret-created',
    title: 'Long-lived service-account token secret created',
    severity: 'medium',
    mitre: ['T1528'],
    verbs: ['create', 'update'],
    resources: ['secrets'],
    when: { all: [{ field: 'requestObject.type', equals: 'kubernetes.io/service-account-token' }, notSystem] },
    explanation: 'A secret of type service-account-token gets a token that never expires, usable from anywhere.',
    remediation: 'Use short-lived tokens (TokenRequest / projected volumes) and delete the secret.',
  },
  {
    id: 'audit-configmap-credentials',
    title: 'ConfigMap carrying credentials',
    severity: 'medium',
    mitre: ['T1552.001', 'T1552'],
    verbs: WRITE,
    resources: ['configmaps'],
    when: { any: [{ field: 'requestObject.data.*', iregex: CREDENTIAL_PATTERN }, { field: 'requestObject.data.$keys', iregex: CREDENTIAL_PATTERN }] },
    explanation: 'The ConfigMap contains what looks like a password, key or token. ConfigMaps are not secret: they are readable by many roles, logged and copied around (Microsoft matrix: application credentials in configuration files).',
    remediation: 'Move the value to a Secret (or an external secret store) and rotate the credential.',
  },
  {
    id: 'audit-secret-created-in-kube-system-by-user',
    title: 'Secret created or changed in kube-system by a person',
    severity: 'low',
    mitre: ['T1552.007'],
    verbs: WRITE,
    resources: ['secrets'],
    when: { all: [{ field: 'objectRef.namespace', equals: 'kube-system' }, notSystem] },
    explanation: 'kube-system secrets hold control-plane and add-on credentials; a person changing them is unusual.',
    remediation: 'Check the secret and the change.',
  },
  // ── Initial access / authentication ─────────────────────────────────────────────────────────────────────
  {
    id: 'audit-anonymous-allowed',
    title: 'Anonymous request allowed',
    severity: 'high',
    mitre: ['T1078.001', 'T1133'],
    when: {
      all: [
        { any: [{ field: 'user.username', equals: 'system:anonymous' }, { field: 'user.groups[]', equals: 'system:unauthenticated' }] },
        { not: { field: 'requestURI', regex: '^/(healthz|livez|readyz|version)(/|\\?|$)' } },
        { any: [{ field: 'annotations["authorization.k8s.io/decision"]', equals: 'allow' }, { field: '$code', lt: 400 }] },
      ],
    },
    explanation: 'An unauthenticated caller was allowed to do something other than a health check. Anyone who can reach the API server can do the same.',
    remediation: 'Disable anonymous authentication or remove every RBAC binding to system:anonymous / system:unauthenticated.',
  },
  {
    id: 'audit-auth-failures-burst',
    title: 'Repeated authentication failures from one source',
    severity: 'high',
    mitre: ['T1110'],
    when: { field: '$code', equals: 401 },
    threshold: { count: 5, withinSeconds: 60, groupBy: '$sourceIP' },
    explanation: 'Many requests from one address failed authentication within a minute: password guessing, a token-spraying attempt or a stolen, revoked credential.',
    remediation: 'Identify the source; block it at the network edge and check whether any attempt succeeded.',
  },
  {
    id: 'audit-forbidden-burst',
    title: 'Repeated authorization denials for one identity',
    severity: 'medium',
    mitre: ['T1613', 'T1069'],
    when: { field: '$code', equals: 403 },
    threshold: { count: 10, withinSeconds: 60, groupBy: 'user.username' },
    explanation: 'One identity was denied many times in a minute: typical of someone probing what a stolen credential can do.',
    remediation: 'Find out which workload or person uses the identity; rotate its credentials if unexplained.',
  },
  {
    id: 'audit-permission-discovery',
    title: 'Service account enumerated its own permissions',
    severity: 'low',
    mitre: ['T1069', 'T1613'],
    verbs: ['create'],
    resources: ['selfsubjectrulesreviews', 'selfsubjectaccessreviews'],
    when: { field: '$saNamespace', exists: true },
    explanation: 'A workload asked the API server what it is allowed to do (kubectl auth can-i --list). Applications almost never do that; intruders do it right after stealing a token.',
    remediation: 'Check the pod behind the service account.',
  },
  // ── Impersonation and node access ───────────────────────────────────────────────────────────────────────
  {
    id: 'audit-impersonation',
    title: 'Request made by impersonating another identity',
    severity: 'medium',
    mitre: ['T1078'],
    when: { field: 'impersonatedUser.username', exists: true },
    explanation: 'The caller acted as another user or service account (Impersonate-User header). Legitimate for a few tools, otherwise a way to borrow permissions and muddy the trail.',
    remediation: 'Restrict the impersonate verb; review who can use it.',
  },
  {
    id: 'audit-impersonation-privileged',
    title: 'Impersonation of a privileged identity',
    severity: 'critical',
    mitre: ['T1078', 'T1078.003'],
    when: {
      any: [
        { field: 'impersonatedUser.groups[]', equals: 'system:masters' },
        { field: 'impersonatedUser.username', in: ['system:admin', 'kubernetes-admin', 'admin'] },
        { field: 'impersonatedUser.username', startsWith: 'system:serviceaccount:kube-system:' },
      ],
    },
    explanation: 'The caller impersonated a cluster administrator or a control-plane identity.',
    remediation: 'Treat as a privilege escalation until explained; remove the impersonate grant.',
  },
  {
    id: 'audit-node-proxy',
    title: 'Kubelet API reached through the node proxy',
    severity: 'high',
    mitre: ['T1613'],
    resources: ['nodes/proxy'],
    when: notSystem,
    explanation: 'nodes/proxy forwards requests to the kubelet API, which can list pods and run commands in any container on that node without going through pods/exec authorization or its audit trail (Microsoft matrix: access Kubelet API).',
    remediation: 'Remove nodes/proxy from roles held by people and applications.',
  },
  {
    id: 'audit-service-proxy',
    title: 'Service or pod reached through the API server proxy',
    severity: 'low',
    mitre: ['T1613'],
    resources: ['services/proxy', 'pods/proxy'],
    when: notSystem,
    explanation: 'The API server proxied a request into a Service or pod, bypassing ingress and network policy.',
    remediation: 'Confirm the purpose; prefer regular, authenticated ingress.',
  },
  // ── Persistence / defense evasion via the control plane ─────────────────────────────────────────────────
  {
    id: 'audit-admission-webhook-changed',
    title: 'Admission webhook configuration changed by a non-administrator',
    severity: 'high',
    mitre: ['T1546', 'T1562.001'],
    verbs: [...WRITE, 'delete'],
    resources: ['mutatingwebhookconfigurations', 'validatingwebhookconfigurations', 'validatingadmissionpolicies', 'validatingadmissionpolicybindings'],
    when: notAdmin,
    explanation: 'Admission webhooks see and can rewrite every object; a malicious one steals secrets or injects containers, and a deleted one switches off policy enforcement (Microsoft matrix: malicious admission controller).',
    remediation: 'Check the webhook\'s service and rules; only cluster administrators should manage admission configuration.',
  },
  {
    id: 'audit-admission-webhook-deleted',
    title: 'Admission webhook configuration deleted',
    severity: 'high',
    mitre: ['T1562.001'],
    verbs: ['delete', 'deletecollection'],
    resources: ['mutatingwebhookconfigurations', 'validatingwebhookconfigurations'],
    explanation: 'Deleting a webhook configuration turns off whatever policy it enforced.',
    remediation: 'Restore it from version control and find out who deleted it and why.',
  },
  {
    id: 'audit-crd-changed',
    title: 'CustomResourceDefinition changed by a non-administrator',
    severity: 'medium',
    mitre: ['T1562.001'],
    verbs: [...WRITE, 'delete'],
    resources: ['customresourcedefinitions'],
    when: notAdmin,
    explanation: 'CRDs extend the API; deleting one deletes every object of that type (e.g. a policy engine\'s policies), changing one can break the controllers that rely on it.',
    remediation: 'Manage CRDs through reviewed deployments by administrators.',
  },
  {
    id: 'audit-security-component-deleted',
    title: 'Audit, logging or monitoring component deleted',
    severity: 'high',
    mitre: ['T1562.001'],
    verbs: ['delete', 'deletecollection'],
    resources: ['daemonsets', 'deployments', 'statefulsets', 'namespaces', 'pods', 'services', 'configmaps'],
    when: { all: [securityName, { not: { field: 'user.username', startsWith: ['system:serviceaccount:kube-system:', 'system:kube-controller-manager', 'system:node:'] } }] },
    explanation: 'A security or observability component (Falco, log shippers, Prometheus, policy engines …) was deleted: the classic first step of an intruder blinding the defenders.',
    remediation: 'Restore the component and review what happened while it was down.',
  },
  {
    id: 'audit-security-component-scaled-down',
    title: 'Audit, logging or monitoring component scaled down',
    severity: 'high',
    mitre: ['T1562.001'],
    verbs: ['update', 'patch'],
    resources: ['deployments', 'statefulsets', 'deployments/scale', 'statefulsets/scale', 'daemonsets'],
    when: {
      all: [
        securityName,
        {
          any: [
            { field: 'requestObject.spec.replicas', equals: 0 },
            { field: 'requestObject.spec.template.spec.nodeSelector.*', exists: true },
          ],
        },
      ],
    },
    explanation: 'A security or observability component was scaled to zero (or its DaemonSet restricted to no nodes), which silences it without deleting it.',
    remediation: 'Restore the replica count; alert on availability of security components.',
  },
  {
    id: 'audit-networkpolicy-deleted',
    title: 'NetworkPolicy deleted',
    severity: 'medium',
    mitre: ['T1562'],
    verbs: ['delete', 'deletecollection'],
    resources: ['networkpolicies'],
    when: notSystem,
    explanation: 'Deleting a NetworkPolicy opens traffic that was deliberately blocked, e.g. to reach a database or exfiltrate data.',
    remediation: 'Restore the policy from version control; manage NetworkPolicies through GitOps.',
  },
  {
    id: 'audit-pod-security-relaxed',
    title: 'Namespace Pod Security level set to privileged',
    severity: 'high',
    mitre: ['T1562.001', 'T1610'],
    verbs: WRITE,
    resources: ['namespaces'],
    when: { field: 'requestObject.metadata.labels["pod-security.kubernetes.io/enforce"]', equals: 'privileged' },
    explanation: 'The namespace no longer enforces Pod Security: privileged and host-namespace pods will be admitted there.',
    remediation: 'Restore the "baseline" or "restricted" level.',
  },
  {
    id: 'audit-events-deleted',
    title: 'Kubernetes events deleted',
    severity: 'medium',
    mitre: ['T1070'],
    verbs: ['delete', 'deletecollection'],
    resources: ['events'],
    when: notSystem,
    explanation: 'Deleting events removes the cluster\'s own record of what happened (Microsoft matrix: delete K8s events).',
    remediation: 'Find out who deleted the events and why; ship events to external storage.',
  },
  // ── Impact ──────────────────────────────────────────────────────────────────────────────────────────────
  {
    id: 'audit-namespace-deleted',
    title: 'Namespace deleted',
    severity: 'high',
    mitre: ['T1485'],
    verbs: ['delete'],
    resources: ['namespaces'],
    when: notSystem,
    explanation: 'Deleting a namespace deletes everything in it: workloads, secrets, volumes claims, policies.',
    remediation: 'Confirm it was planned; protect important namespaces with an admission policy.',
  },
  {
    id: 'audit-deletecollection',
    title: 'Bulk deletion (deletecollection)',
    severity: 'medium',
    mitre: ['T1485'],
    verbs: ['deletecollection'],
    when: notSystem,
    explanation: 'A single request deleted every object of a type in a namespace.',
    remediation: 'Confirm it was planned.',
  },
];

for (const r of BUILTIN_RULES) r.source = 'builtin';

/**
 * The ValidatingWebhookConfiguration: which API requests the API server sends to `kubecomply serve`,
 * on which path, and what it does when the webhook cannot answer.
 *
 * The server reads no namespaces from the cluster (its only API access, with cluster exceptions, is to
 * ComplianceExceptions), so it cannot look up a namespace's mode label. The API
 * server can: each mode gets its own webhook entry whose namespaceSelector picks the namespaces
 * labelled for it, and whose URL path (/validate/{enforce,warn,audit}) tells the server the mode.
 *
 * Two API server rules shape the entries (k8s.io/apiserver, webhook/predicates/namespace):
 *  - a namespaceSelector never excludes a cluster-scoped object other than a Namespace, so the warn
 *    and audit entries are limited to namespaced resources (`scope: Namespaced`), or they would judge
 *    every cluster-scoped object a second time;
 *  - for a Namespace object itself the selector is matched against the Namespace's own (new) labels,
 *    so a namespace relabelled `kubecomply.io/mode: audit` would leave the enforce entry in the same
 *    request that downgrades it. Namespaces therefore have an entry of their own that does not look
 *    at the mode label.
 *
 * Requests for ValidatingWebhookConfiguration, MutatingWebhookConfiguration and the admission
 * policies and their bindings are never sent to webhooks (rules.IsExemptAdmissionConfigurationResource:
 * a webhook must not be able to lock out its own repair), so no rule names them; who may change them
 * is an RBAC question (`kubecomply scan`'s rbac-webhook-config).
 */
import type { AdmissionSettings } from '../core/types.js';
import { CRD_GROUP, CRD_PLURAL } from './crd.js';
import type { FailurePolicy } from './options.js';

type Json = Record<string, unknown>;
type Operation = 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';

export interface RuleSpec {
  /** Why the rule is there (a comment in the YAML output). */
  why: string;
  apiGroups: string[];
  resources: string[];
  operations: Operation[];
  /** Whether every resource of the rule is namespaced. */
  namespaced: boolean;
}

const WRITE: Operation[] = ['CREATE', 'UPDATE'];
const WRITE_DELETE: Operation[] = ['CREATE', 'UPDATE', 'DELETE'];

/**
 * The requests the safeguards judge. Deliberately bounded: every rule is a request the API server
 * holds for at most timeoutSeconds and, with failurePolicy Fail, rejects while the webhook is down.
 * Not listed, on purpose: leases, events, endpoints and the status subresources (the control plane
 * writes them every few seconds; gating them would turn a webhook outage into failed leader elections
 * and NotReady nodes), and `*` in the administrator namespaces (the same reason: kube-node-lease and
 * kube-system hold exactly those). Deleting workloads is not judged (controllers delete pods all the
 * time, and a delete cannot make a workload less compliant); deleting RBAC, CRDs, API services,
 * namespaces, nodes and exceptions is.
 */
export const WEBHOOK_RULES: readonly RuleSpec[] = [
  {
    why: 'workloads: the pod-security, image and workload controls judge every pod template',
    apiGroups: [''],
    resources: ['pods', 'pods/ephemeralcontainers', 'replicationcontrollers', 'podtemplates'],
    operations: WRITE,
    namespaced: true,
  },
  { why: 'workload controllers', apiGroups: ['apps'], resources: ['deployments', 'replicasets', 'statefulsets', 'daemonsets'], operations: WRITE, namespaced: true },
  { why: 'batch workloads', apiGroups: ['batch'], resources: ['jobs', 'cronjobs'], operations: WRITE, namespaced: true },
  {
    why: 'interactive access to running pods (kubectl exec, attach, port-forward, the API server proxy)',
    apiGroups: [''],
    resources: ['pods/exec', 'pods/attach', 'pods/portforward', 'pods/proxy'],
    operations: ['CONNECT'],
    namespaced: true,
  },
  { why: 'namespaced RBAC: who may bind which roles', apiGroups: ['rbac.authorization.k8s.io'], resources: ['roles', 'rolebindings'], operations: WRITE_DELETE, namespaced: true },
  { why: 'exceptions kept in the cluster', apiGroups: [CRD_GROUP], resources: [CRD_PLURAL], operations: WRITE_DELETE, namespaced: true },
  { why: 'cluster-wide RBAC', apiGroups: ['rbac.authorization.k8s.io'], resources: ['clusterroles', 'clusterrolebindings'], operations: WRITE_DELETE, namespaced: false },
  {
    why: 'extensions of the API: new resource types',
    apiGroups: ['apiextensions.k8s.io'],
    resources: ['customresourcedefinitions'],
    operations: WRITE_DELETE,
    namespaced: false,
  },
  { why: 'aggregated API servers', apiGroups: ['apiregistration.k8s.io'], resources: ['apiservices'], operations: WRITE_DELETE, namespaced: false },
  {
    why: 'nodes: labels and taints steer workloads (not nodes/status: every kubelet writes it, and only nodes may)',
    apiGroups: [''],
    resources: ['nodes'],
    operations: WRITE_DELETE,
    namespaced: false,
  },
  { why: 'the kubelet API through the API server proxy', apiGroups: [''], resources: ['nodes/proxy'], operations: ['CONNECT'], namespaced: false },
];

/** Namespaces: their own webhook entry (see the module comment). */
export const NAMESPACE_RULE: RuleSpec = {
  why: 'namespaces, including their Pod Security and mode labels',
  apiGroups: [''],
  resources: ['namespaces'],
  operations: WRITE_DELETE,
  namespaced: false,
};

export type Scope = '*' | 'Namespaced' | 'Cluster';

/** admissionregistration.k8s.io/v1 rules for the given specs, all with one scope. */
export function rulesFor(specs: readonly RuleSpec[], scope: Scope): Json[] {
  return specs.map((r) => ({ apiGroups: [...r.apiGroups], apiVersions: ['*'], operations: [...r.operations], resources: [...r.resources], scope }));
}

export interface WebhookInput {
  /** Configuration object name. */
  name: string;
  namespace: string;
  service: string;
  servicePort: number;
  /** Base64 of the CA bundle PEM. */
  caBundle: string;
  admission: AdmissionSettings;
  failurePolicy: FailurePolicy;
  timeoutSeconds: number;
  /** Namespaces never sent to the webhook besides its own. */
  exemptNamespaces: string[];
  labels: Record<string, string>;
}

export interface WebhookEntryInfo {
  name: string;
  path: string;
  why: string;
}

/** Whether unlabelled namespaces need the configuration's own mode resolution (namespaceModes, mode). */
export function needsDefaultEntry(a: AdmissionSettings): boolean {
  return a.mode !== 'enforce' || Object.keys(a.namespaceModes).length > 0;
}

/**
 * The webhook entries. With the default settings (mode enforce, no namespaceModes) there are four:
 *   enforce.kubecomply.io     /validate/enforce  all scopes   mode label absent, enforce, or anything but warn/audit
 *   namespaces.kubecomply.io  /validate/enforce  Namespaces   every namespace but the exempt ones
 *   warn.kubecomply.io        /validate/warn     namespaced   mode label warn       (fails open)
 *   audit.kubecomply.io       /validate/audit    namespaced   mode label audit      (fails open)
 * When the configuration sets another default mode or namespaceModes, unlabelled namespaces and
 * cluster-scoped objects go to `default.kubecomply.io` on /validate, where the server applies
 * namespaceModes and mode; `enforce` then covers only namespaces explicitly labelled so.
 * An unknown label value (a typo) enforces: the selectors fail safe.
 */
export function webhookEntries(w: WebhookInput): { webhooks: Json[]; info: WebhookEntryInfo[] } {
  const label = w.admission.modeLabel;
  const exempt = { key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: [w.namespace, ...w.exemptNamespaces.filter((n) => n !== w.namespace)] };
  const notWarnAudit = { key: label, operator: 'NotIn', values: ['warn', 'audit'] };
  const split = needsDefaultEntry(w.admission);
  const defaultPath = split ? '/validate' : '/validate/enforce';
  const info: WebhookEntryInfo[] = [];
  const entry = (id: string, path: string, rules: Json[], expressions: Json[], failurePolicy: FailurePolicy, why: string): Json => {
    const name = `${id}.kubecomply.io`;
    info.push({ name, path, why });
    return {
      name,
      admissionReviewVersions: ['v1', 'v1beta1'],
      clientConfig: { service: { name: w.service, namespace: w.namespace, path, port: w.servicePort }, caBundle: w.caBundle },
      failurePolicy,
      matchPolicy: 'Equivalent',
      namespaceSelector: { matchExpressions: expressions },
      rules,
      sideEffects: 'None',
      timeoutSeconds: w.timeoutSeconds,
    };
  };
  const namespaced = WEBHOOK_RULES.filter((r) => r.namespaced);
  const webhooks: Json[] = [];
  if (split) {
    webhooks.push(
      entry('default', '/validate', rulesFor(WEBHOOK_RULES, '*'), [exempt, { key: label, operator: 'DoesNotExist' }], w.failurePolicy, `unlabelled namespaces and cluster-scoped objects: the configuration's namespaceModes, then mode (${w.admission.mode})`),
      entry('enforce', '/validate/enforce', rulesFor(namespaced, 'Namespaced'), [exempt, { key: label, operator: 'Exists' }, notWarnAudit], w.failurePolicy, `namespaces labelled ${label}=enforce (or an unknown value)`),
    );
  } else {
    webhooks.push(entry('enforce', '/validate/enforce', rulesFor(WEBHOOK_RULES, '*'), [exempt, notWarnAudit], w.failurePolicy, `cluster-scoped objects, and namespaces whose ${label} label is absent, enforce, or an unknown value`));
  }
  webhooks.push(
    entry('namespaces', defaultPath, rulesFor([NAMESPACE_RULE], 'Cluster'), [exempt], w.failurePolicy, 'Namespace objects, whatever their mode label says (so that a namespace cannot relabel itself out of enforcement)'),
    entry('warn', '/validate/warn', rulesFor(namespaced, 'Namespaced'), [exempt, { key: label, operator: 'In', values: ['warn'] }], 'Ignore', `namespaces labelled ${label}=warn: allowed with warnings; fails open (it never denies, so an outage must not deny either)`),
    entry('audit', '/validate/audit', rulesFor(namespaced, 'Namespaced'), [exempt, { key: label, operator: 'In', values: ['audit'] }], 'Ignore', `namespaces labelled ${label}=audit: allowed and recorded in audit annotations; fails open`),
  );
  return { webhooks, info };
}

export function validatingWebhookConfiguration(w: WebhookInput): { object: Json; info: WebhookEntryInfo[] } {
  const { webhooks, info } = webhookEntries(w);
  return {
    object: { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingWebhookConfiguration', metadata: { name: w.name, labels: w.labels }, webhooks },
    info,
  };
}

/**
 * AdmissionReviews shaped as the API server sends them (k8s.io/api/admission/v1 AdmissionRequest:
 * uid, kind, resource, subResource, requestKind, requestResource, requestSubResource, name,
 * namespace, operation, userInfo, object, oldObject, dryRun, options), and a decider with defaults.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createDecider, type Decider, type DeciderOptions, type ReviewResult } from '../../src/admission/index.js';
import { defaultAdmissionSettings } from '../../src/config/defaults.js';
import { LATEST_PSS_VERSION } from '../../src/controls/pod-security/version.js';
import type { AdmissionSettings, ScanConfig } from '../../src/core/types.js';

export const CONFIG: ScanConfig = { pss: { level: 'restricted', version: LATEST_PSS_VERSION }, defaultNamespace: 'default' };

export interface UserInfo {
  username: string;
  uid?: string;
  groups: string[];
  extra?: Record<string, string[]>;
}

export const ALICE: UserInfo = { username: 'alice@example.com', uid: '6c1d2c3e-0c2f-4d8e-9d55-1f5d0b4c7a11', groups: ['team-a', 'system:authenticated'] };
export const CI_SA: UserInfo = {
  username: 'system:serviceaccount:team-a:deployer',
  uid: 'a0c4b1e2-7d1f-4f53-b3d6-08b1e9f1d2aa',
  groups: ['system:serviceaccounts', 'system:serviceaccounts:team-a', 'system:authenticated'],
};
export const ADMIN: UserInfo = { username: 'kubernetes-admin', uid: 'b7f0c9a2-5a31-4b0e-9a53-0e7f1c2d3b44', groups: ['system:masters', 'system:authenticated'] };
export const CONTROLLER: UserInfo = {
  username: 'system:serviceaccount:kube-system:replicaset-controller',
  uid: 'f3a1d2c4-9b8e-4a7f-8c6d-5e4f3a2b1c0d',
  groups: ['system:serviceaccounts', 'system:serviceaccounts:kube-system', 'system:authenticated'],
};
export const KUBELET: UserInfo = { username: 'system:node:worker-1', groups: ['system:nodes', 'system:authenticated'] };

export type Op = 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';

interface Gvk {
  group: string;
  version: string;
  kind: string;
}

/** Kind → [group, version, resource] for the kinds the tests use. */
const TYPES: Record<string, [string, string, string]> = {
  Pod: ['', 'v1', 'pods'],
  Deployment: ['apps', 'v1', 'deployments'],
  ReplicaSet: ['apps', 'v1', 'replicasets'],
  StatefulSet: ['apps', 'v1', 'statefulsets'],
  DaemonSet: ['apps', 'v1', 'daemonsets'],
  Job: ['batch', 'v1', 'jobs'],
  CronJob: ['batch', 'v1', 'cronjobs'],
  ReplicationController: ['', 'v1', 'replicationcontrollers'],
  PodTemplate: ['', 'v1', 'podtemplates'],
  ConfigMap: ['', 'v1', 'configmaps'],
  Secret: ['', 'v1', 'secrets'],
  Service: ['', 'v1', 'services'],
  Namespace: ['', 'v1', 'namespaces'],
  Node: ['', 'v1', 'nodes'],
  Role: ['rbac.authorization.k8s.io', 'v1', 'roles'],
  RoleBinding: ['rbac.authorization.k8s.io', 'v1', 'rolebindings'],
  ClusterRole: ['rbac.authorization.k8s.io', 'v1', 'clusterroles'],
  ClusterRoleBinding: ['rbac.authorization.k8s.io', 'v1', 'clusterrolebindings'],
  CustomResourceDefinition: ['apiextensions.k8s.io', 'v1', 'customresourcedefinitions'],
  ValidatingWebhookConfiguration: ['admissionregistration.k8s.io', 'v1', 'validatingwebhookconfigurations'],
  MutatingWebhookConfiguration: ['admissionregistration.k8s.io', 'v1', 'mutatingwebhookconfigurations'],
  ValidatingAdmissionPolicy: ['admissionregistration.k8s.io', 'v1', 'validatingadmissionpolicies'],
  ValidatingAdmissionPolicyBinding: ['admissionregistration.k8s.io', 'v1', 'validatingadmissionpolicybindings'],
  MutatingAdmissionPolicy: ['admissionregistration.k8s.io', 'v1beta1', 'mutatingadmissionpolicies'],
  MutatingAdmissionPolicyBinding: ['admissionregistration.k8s.io', 'v1beta1', 'mutatingadmissionpolicybindings'],
  APIService: ['apiregistration.k8s.io', 'v1', 'apiservices'],
  ComplianceException: ['kubecomply.io', 'v1alpha1', 'complianceexceptions'],
  Ingress: ['networking.k8s.io', 'v1', 'ingresses'],
};

const OPTIONS_KIND: Record<Op, string> = { CREATE: 'CreateOptions', UPDATE: 'UpdateOptions', DELETE: 'DeleteOptions', CONNECT: '' };

export interface ReviewSpec {
  apiVersion?: 'admission.k8s.io/v1' | 'admission.k8s.io/v1beta1';
  operation: Op;
  /** The object (CREATE, UPDATE; the options object for CONNECT). Its kind names the request's kind. */
  object?: Record<string, unknown> | null;
  oldObject?: Record<string, unknown> | null;
  /** Overrides for kind/resource (e.g. CONNECT: PodExecOptions on pods/exec). */
  kind?: Gvk;
  resource?: { group: string; version: string; resource: string };
  subResource?: string;
  name?: string;
  namespace?: string;
  user?: UserInfo;
  dryRun?: boolean;
  uid?: string;
}

function gvkOf(o: Record<string, unknown>): Gvk {
  const kind = String(o.kind);
  const t = TYPES[kind];
  if (t) return { group: t[0], version: t[1], kind };
  const av = String(o.apiVersion ?? 'v1');
  const i = av.indexOf('/');
  return i < 0 ? { group: '', version: av, kind } : { group: av.slice(0, i), version: av.slice(i + 1), kind };
}

/** An AdmissionReview exactly as the API server sends it. */
export function admissionReview(spec: ReviewSpec): Record<string, unknown> {
  const subject = (spec.object ?? spec.oldObject ?? undefined) as Record<string, any> | undefined;
  const kind = spec.kind ?? gvkOf(subject!);
  const t = TYPES[kind.kind];
  const resource = spec.resource ?? { group: kind.group, version: kind.version, resource: t ? t[2] : `${kind.kind.toLowerCase()}s` };
  const meta = (subject?.metadata ?? {}) as Record<string, any>;
  const clusterScoped = ['Namespace', 'Node', 'ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition', 'ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration', 'ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding', 'MutatingAdmissionPolicy', 'MutatingAdmissionPolicyBinding', 'APIService'].includes(kind.kind);
  // The API server sets namespace to the Namespace's own name for namespaces (RequestInfo).
  const namespace = spec.namespace ?? (kind.kind === 'Namespace' ? (meta.name ?? '') : clusterScoped ? undefined : (meta.namespace ?? 'default'));
  const name = spec.name ?? meta.name ?? '';
  const request: Record<string, unknown> = {
    uid: spec.uid ?? randomUUID(),
    kind,
    resource,
    ...(spec.subResource ? { subResource: spec.subResource } : {}),
    requestKind: kind,
    requestResource: resource,
    ...(spec.subResource ? { requestSubResource: spec.subResource } : {}),
    ...(name ? { name } : {}),
    ...(namespace ? { namespace } : {}),
    operation: spec.operation,
    userInfo: spec.user ?? ALICE,
    object: spec.operation === 'DELETE' ? null : (spec.object ?? null),
    oldObject: spec.operation === 'CREATE' || spec.operation === 'CONNECT' ? null : (spec.oldObject ?? null),
    dryRun: spec.dryRun ?? false,
    ...(OPTIONS_KIND[spec.operation]
      ? { options: { kind: OPTIONS_KIND[spec.operation], apiVersion: 'meta.k8s.io/v1', ...(spec.operation === 'CREATE' || spec.operation === 'UPDATE' ? { fieldManager: 'kubectl-client-side-apply' } : {}) } }
      : {}),
  };
  return { apiVersion: spec.apiVersion ?? 'admission.k8s.io/v1', kind: 'AdmissionReview', request };
}

/** A pods/exec (attach, portforward) CONNECT, with the options object the API server sends. */
export function connect(sub: 'exec' | 'attach' | 'portforward' | 'proxy', namespace: string, pod: string, user: UserInfo = ALICE): Record<string, unknown> {
  const kinds = { exec: 'PodExecOptions', attach: 'PodAttachOptions', portforward: 'PodPortForwardOptions', proxy: 'PodProxyOptions' };
  const object: Record<string, unknown> =
    sub === 'exec'
      ? { kind: 'PodExecOptions', apiVersion: 'v1', stdin: true, stdout: true, tty: true, container: 'app', command: ['sh'] }
      : sub === 'attach'
        ? { kind: 'PodAttachOptions', apiVersion: 'v1', stdin: true, stdout: true, tty: true, container: 'app' }
        : sub === 'portforward'
          ? { kind: 'PodPortForwardOptions', apiVersion: 'v1', ports: [8080] }
          : { kind: 'PodProxyOptions', apiVersion: 'v1', path: '/' };
  return admissionReview({
    operation: 'CONNECT',
    kind: { group: '', version: 'v1', kind: kinds[sub] },
    resource: { group: '', version: 'v1', resource: 'pods' },
    subResource: sub,
    name: pod,
    namespace,
    object,
    user,
  });
}

export function decider(admission: Partial<AdmissionSettings> = {}, opts: Partial<DeciderOptions> = {}): Decider {
  return createDecider({ config: opts.config ?? CONFIG, admission: { ...defaultAdmissionSettings(), ...admission }, ...opts });
}

export interface Answer {
  uid: string;
  allowed: boolean;
  status?: { code: number; reason: string; message: string };
  warnings?: string[];
  auditAnnotations: Record<string, string>;
}

/** The response of a review, after checking the envelope every answer must have. */
export function answer(r: ReviewResult, review?: Record<string, any>): Answer {
  assert.equal(r.httpStatus, 200, JSON.stringify(r.body));
  const body = r.body as Record<string, any>;
  assert.equal(body.kind, 'AdmissionReview');
  if (review) {
    assert.equal(body.apiVersion, review.apiVersion);
    assert.equal(body.response.uid, review.request.uid);
  }
  assertWellFormed(body.response);
  return body.response as Answer;
}

const ANNOTATION_KEY = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

/** The API server's limits: warnings single-line and short; annotation keys qualified names without a prefix. */
export function assertWellFormed(resp: Record<string, any>): void {
  assert.equal(typeof resp.uid, 'string');
  assert.equal(typeof resp.allowed, 'boolean');
  if (!resp.allowed) {
    assert.ok(resp.status, 'a denial carries a status');
    assert.ok(resp.status.code >= 400, 'a denial has a 4xx/5xx code');
    assert.equal(typeof resp.status.message, 'string');
    assert.ok(resp.status.message.length <= 3100, `deny message too long: ${resp.status.message.length}`);
  }
  if (resp.warnings !== undefined) {
    assert.ok(Array.isArray(resp.warnings));
    assert.ok(resp.warnings.length <= 13, `too many warnings: ${resp.warnings.length}`);
    let total = 0;
    for (const w of resp.warnings as string[]) {
      assert.equal(typeof w, 'string');
      assert.ok([...w].length <= 256, `warning over 256 characters: ${w}`);
      assert.doesNotMatch(w, /[\r\n]/, 'warnings are single-line');
      total += [...w].length;
    }
    assert.ok(total <= 4096, 'warnings over 4 KiB are dropped by the API server');
  }
  assert.ok(resp.auditAnnotations && typeof resp.auditAnnotations === 'object');
  for (const [k, v] of Object.entries(resp.auditAnnotations as Record<string, unknown>)) {
    assert.match(k, ANNOTATION_KEY, `annotation key ${k} must be a qualified name without a prefix`);
    assert.ok(k.length <= 63);
    assert.equal(typeof v, 'string');
  }
}

/** Control and safeguard ids named in a deny message (one `[id]` line each). */
export function deniedIds(a: Answer): string[] {
  return [...(a.status?.message ?? '').matchAll(/^\[([a-z0-9-]+)\] /gm)].map((m) => m[1]);
}

// ------------------------------------------------------------------ objects

export const COMPLIANT_POD_SPEC = {
  securityContext: { runAsNonRoot: true, runAsUser: 10001, seccompProfile: { type: 'RuntimeDefault' } },
  containers: [
    {
      name: 'app',
      image: 'registry.example.com/shop/api:2.4.1@sha256:0f3e4c7a5b2d1e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f',
      imagePullPolicy: 'IfNotPresent',
      securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
      resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
    },
  ],
};

export function pod(name: string, namespace = 'team-a', spec: Record<string, unknown> = COMPLIANT_POD_SPEC, extra: Record<string, unknown> = {}): Record<string, any> {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace, uid: randomUUID(), labels: { app: name, owner: 'team-a' }, ...extra },
    spec: structuredClone(spec),
  };
}

export const PRIVILEGED_POD_SPEC = {
  containers: [{ name: 'app', image: 'nginx:1.27', securityContext: { privileged: true } }],
};

export function deployment(name: string, namespace = 'team-a', podSpec: Record<string, unknown> = COMPLIANT_POD_SPEC): Record<string, any> {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace, labels: { app: name, owner: 'team-a' }, generation: 1 },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name, owner: 'team-a' } }, spec: structuredClone(podSpec) },
    },
  };
}

/** Every workload kind, wrapping a pod spec. */
export function workloads(podSpec: Record<string, unknown>, namespace = 'team-a'): Record<string, any>[] {
  const labels = { app: 'w', owner: 'team-a' };
  const template = { metadata: { labels }, spec: structuredClone(podSpec) };
  const meta = (name: string): Record<string, unknown> => ({ name, namespace, labels });
  return [
    { apiVersion: 'v1', kind: 'Pod', metadata: meta('w-pod'), spec: structuredClone(podSpec) },
    { apiVersion: 'apps/v1', kind: 'Deployment', metadata: meta('w-deploy'), spec: { selector: { matchLabels: labels }, template } },
    { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: meta('w-rs'), spec: { selector: { matchLabels: labels }, template } },
    { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: meta('w-sts'), spec: { serviceName: 'w', selector: { matchLabels: labels }, template } },
    { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: meta('w-ds'), spec: { selector: { matchLabels: labels }, template } },
    { apiVersion: 'batch/v1', kind: 'Job', metadata: meta('w-job'), spec: { template: { ...template, spec: { ...structuredClone(podSpec), restartPolicy: 'Never' } } } },
    { apiVersion: 'batch/v1', kind: 'CronJob', metadata: meta('w-cron'), spec: { schedule: '*/5 * * * *', jobTemplate: { spec: { template: { ...template, spec: { ...structuredClone(podSpec), restartPolicy: 'Never' } } } } } },
    { apiVersion: 'v1', kind: 'ReplicationController', metadata: meta('w-rc'), spec: { selector: labels, template } },
    { apiVersion: 'v1', kind: 'PodTemplate', metadata: meta('w-pt'), template },
  ];
}

/** Facts about built-in Kubernetes kinds. */

/** The kinds of admissionregistration.k8s.io that configure admission: webhooks and admission policies, with their bindings. */
export const ADMISSION_CONFIGURATION_KINDS = [
  'ValidatingWebhookConfiguration',
  'MutatingWebhookConfiguration',
  'ValidatingAdmissionPolicy',
  'ValidatingAdmissionPolicyBinding',
  'MutatingAdmissionPolicy',
  'MutatingAdmissionPolicyBinding',
] as const;

/** Built-in (and very common add-on) kinds that are cluster-scoped. Anything else is assumed namespaced
 * unless a CustomResourceDefinition in the same input says `scope: Cluster`. */
export const CLUSTER_SCOPED_KINDS: ReadonlySet<string> = new Set([
  'Namespace',
  'Node',
  'PersistentVolume',
  'ClusterRole',
  'ClusterRoleBinding',
  'CustomResourceDefinition',
  'APIService',
  'StorageClass',
  'CSIDriver',
  'CSINode',
  'VolumeAttachment',
  'PriorityClass',
  'RuntimeClass',
  'IngressClass',
  'GatewayClass',
  ...ADMISSION_CONFIGURATION_KINDS,
  'PodSecurityPolicy',
  'CertificateSigningRequest',
  'ComponentStatus',
  'FlowSchema',
  'PriorityLevelConfiguration',
  'ClusterTrustBundle',
  'DeviceClass',
  'IPAddress',
  'ServiceCIDR',
  'TokenReview',
  'SelfSubjectReview',
  'SelfSubjectAccessReview',
  'SelfSubjectRulesReview',
  'SubjectAccessReview',
  // common add-ons
  'ClusterIssuer',
  'ClusterPolicy',
  'ClusterPolicyReport',
  'ClusterSecretStore',
  'ConstraintTemplate',
  'GlobalNetworkPolicy',
  'CiliumClusterwideNetworkPolicy',
]);

/**
 * Where each workload kind keeps its pod template: [pod spec path, pod metadata path].
 * Paths are relative to the resource root.
 */
export const POD_SPEC_LOCATIONS: Readonly<Record<string, readonly [readonly string[], readonly string[]]>> = {
  Pod: [['spec'], ['metadata']],
  PodTemplate: [['template', 'spec'], ['template', 'metadata']],
  Deployment: [['spec', 'template', 'spec'], ['spec', 'template', 'metadata']],
  ReplicaSet: [['spec', 'template', 'spec'], ['spec', 'template', 'metadata']],
  StatefulSet: [['spec', 'template', 'spec'], ['spec', 'template', 'metadata']],
  DaemonSet: [['spec', 'template', 'spec'], ['spec', 'template', 'metadata']],
  Job: [['spec', 'template', 'spec'], ['spec', 'template', 'metadata']],
  ReplicationController: [['spec', 'template', 'spec'], ['spec', 'template', 'metadata']],
  CronJob: [
    ['spec', 'jobTemplate', 'spec', 'template', 'spec'],
    ['spec', 'jobTemplate', 'spec', 'template', 'metadata'],
  ],
};

export const WORKLOAD_KINDS: readonly string[] = Object.keys(POD_SPEC_LOCATIONS);

export function isWorkloadKind(kind: string): boolean {
  return Object.prototype.hasOwnProperty.call(POD_SPEC_LOCATIONS, kind);
}

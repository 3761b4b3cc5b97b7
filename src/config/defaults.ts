import type { AdmissionSettings, ExceptionPolicy, ScanConfig, Settings } from '../core/types.js';

/** The settings a scan uses when kubecomply.yaml does not say otherwise. */
export function defaultSettings(): Settings {
  return {
    images: { allowedRegistries: [] },
    labels: { namespaces: ['owner', 'data-class'], workloads: ['owner'] },
    dataProtection: {
      dataClassLabel: 'data-class',
      regulatedClasses: ['personal', 'health', 'cardholder'],
      cardholderClasses: ['cardholder'],
      regionLabel: 'topology.kubernetes.io/region',
      allowedRegions: [],
    },
    runtime: {
      sandboxHandlers: ['runsc', 'gvisor', 'kata', 'kata-qemu', 'kata-clh', 'kata-fc', 'kata-dragonball'],
      highRiskLabels: { 'kubecomply.io/risk': 'high' },
    },
  };
}

const DEFAULTS = defaultSettings();

/** The settings of a scan configuration, defaults filled in. */
export function settingsOf(config: ScanConfig): Settings {
  return config.settings ?? DEFAULTS;
}

/** Exception governance when kubecomply.yaml does not say otherwise. */
export function defaultExceptionPolicy(): ExceptionPolicy {
  return { maxDays: 90, minJustificationLength: 20, files: [] };
}

/**
 * The controls evaluated at admission by default: those that judge a workload from the object alone,
 * so that the answer needs no cluster state and equals what `kubecomply scan` says of the same object.
 */
export const DEFAULT_ADMISSION_CONTROLS: readonly string[] = [
  'pss-*',
  'image-*',
  'workload-required-labels',
  'container-dangerous-capabilities',
  'container-runtime-socket-mount',
  'sensitive-host-path-mount',
  'share-process-namespace',
];

/** Admission settings when kubecomply.yaml does not say otherwise. */
export function defaultAdmissionSettings(): AdmissionSettings {
  return {
    mode: 'enforce',
    modeLabel: 'kubecomply.io/mode',
    namespaceModes: {},
    administrators: {
      users: ['system:kube-controller-manager', 'system:kube-scheduler', 'system:apiserver'],
      groups: ['system:masters', 'system:nodes'],
      serviceAccounts: ['kube-system:*'],
    },
    adminNamespaces: ['kube-system', 'kube-public', 'kube-node-lease'],
    systemComponents: [],
    controls: [...DEFAULT_ADMISSION_CONTROLS],
    bindableClusterRoles: ['view', 'edit'],
    failurePolicy: 'Fail',
    timeoutSeconds: 5,
  };
}

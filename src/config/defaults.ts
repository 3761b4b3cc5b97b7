import type { ScanConfig, Settings } from '../core/types.js';

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

/** High-risk workloads must run in a sandboxed runtime (gVisor, Kata Containers). */
import { settingsOf } from '../../config/defaults.js';
import { asObject, quote } from '../../core/podspec.js';
import type { Control, PodSpecRef, Resource } from '../../core/types.js';
import { NONE, push, spath, workloadControl } from '../helpers.js';

/** The first high-risk label (key=value) on the workload or its pod template, e.g. `kubecomply.io/risk=high`. */
function highRiskLabel(r: Resource, ref: PodSpecRef, wanted: Readonly<Record<string, string>>): string | undefined {
  const sources = [asObject(r.metadata.labels), ref.metaPath !== 'metadata' ? asObject(ref.meta.labels) : undefined];
  for (const [k, v] of Object.entries(wanted)) {
    for (const labels of sources) {
      const have = labels?.[k];
      if (have !== undefined && have !== null && String(have) === String(v)) return `${k}=${String(v)}`;
    }
  }
  return undefined;
}

const sandbox: Control = workloadControl(
  {
    id: 'sandbox-runtime-for-high-risk',
    title: 'High-risk workload not in a sandboxed runtime',
    severity: 'high',
    family: 'governance',
    scope: 'inventory',
    description:
      'A workload carrying one of settings.runtime.highRiskLabels (key=value, default kubecomply.io/risk=high) on its own metadata or its pod template must set spec.runtimeClassName to a RuntimeClass that is in the scanned input and whose handler is one of settings.runtime.sandboxHandlers (default runsc, gvisor, kata, kata-qemu, kata-clh, kata-fc, kata-dragonball). ' +
      'The finding says which part is missing: no runtimeClassName, a RuntimeClass not in the input (its handler cannot be verified), or a handler that is not a sandbox.',
    rationale:
      'Ordinary containers share the node\'s kernel: one kernel exploit from an untrusted or internet-facing workload (user-supplied code, document converters, build jobs) is a node compromise. A sandboxed runtime puts a user-space kernel (gVisor) or a lightweight VM (Kata) between the workload and the node kernel.',
    remediation:
      'Install a sandboxed runtime on (some) nodes, declare its RuntimeClass, and reference it from the high-risk workload:\n```yaml\napiVersion: node.k8s.io/v1\nkind: RuntimeClass\nmetadata:\n  name: gvisor\nhandler: runsc\n---\n# in the pod template of the workload\nspec:\n  runtimeClassName: gvisor\n```',
    references: ['https://kubernetes.io/docs/concepts/containers/runtime-class/', 'https://gvisor.dev/docs/', 'https://katacontainers.io/docs/'],
    mappings: {
      nist80190: ['4.5.2', '4.3.4'],
      mitre: ['T1611', 'T1068'],
      cra: ['I.2(k)'],
      stride: ['E'],
    },
    isActive: (config) => Object.keys(settingsOf(config).runtime.highRiskLabels).length > 0,
  },
  (ref, r, ctx) => {
    const rt = settingsOf(ctx.config).runtime;
    const label = highRiskLabel(r, ref, rt.highRiskLabels);
    if (label === undefined) return NONE;
    const path = spath(ref, 'runtimeClassName');
    const handlers = rt.sandboxHandlers.join(', ') || '(none configured)';
    const name = ref.spec.runtimeClassName;
    if (typeof name !== 'string' || name === '') {
      return push(NONE, path, `high-risk workload (${label}) sets no runtimeClassName; it must run in a sandboxed runtime (handler ${handlers})`);
    }
    const rc = ctx.inventory.get('RuntimeClass', undefined, name);
    if (!rc) {
      return push(NONE, path, `high-risk workload (${label}) uses RuntimeClass ${quote(name)}, which is not in the scanned input: its handler cannot be verified as a sandbox`);
    }
    const handler = rc.object.handler;
    if (typeof handler !== 'string' || handler === '') {
      return push(NONE, path, `high-risk workload (${label}) uses RuntimeClass ${quote(name)}, which names no handler`);
    }
    if (!rt.sandboxHandlers.includes(handler)) {
      return push(NONE, path, `high-risk workload (${label}) uses RuntimeClass ${quote(name)} with handler ${quote(handler)}, which is not a sandbox (expected one of ${handlers})`);
    }
    return NONE;
  },
);

/** Only high-risk workloads are judged. */
export const sandboxRuntimeForHighRisk: Control = {
  ...sandbox,
  inScope: (r, ctx) => {
    const labels = settingsOf(ctx.config).runtime.highRiskLabels;
    return ctx.inventory.podSpecsOf(r).some((ref) => highRiskLabel(r, ref, labels) !== undefined);
  },
};

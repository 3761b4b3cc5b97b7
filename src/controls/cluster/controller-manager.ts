/**
 * kube-controller-manager (CIS 1.3) and kube-scheduler (CIS 1.4) flags. Defaults from the component
 * references: --profiling true, --bind-address 0.0.0.0 (both components), --use-service-account-
 * credentials false, --terminated-pod-gc-threshold 12500 (<= 0 disables the collector), feature gate
 * RotateKubeletServerCertificate on. kube-scheduler ignores --profiling when --config is given; its
 * KubeSchedulerConfiguration `enableProfiling` defaults to true.
 */
import { quote } from '../../core/podspec.js';
import type { CheckContext, Control, Violation } from '../../core/types.js';
import { NONE } from '../helpers.js';
import { PROFILING_MAPPINGS } from './apiserver.js';
import type { ComponentRef } from './components.js';
import { componentControl, configsFor, DOCS, isLoopbackHost, manifestSnippet, requireBool, requireSet, setting, subject } from './common.js';
import { parseIntFlag } from './flags.js';

const KCM = 'kube-controller-manager';
const SCHED = 'kube-scheduler';

export const controllerManagerTerminatedPodGc: Control = componentControl(
  {
    id: 'controller-manager-terminated-pod-gc',
    title: 'Terminated pod garbage collection threshold not set',
    severity: 'low',
    description:
      'kube-controller-manager must set --terminated-pod-gc-threshold to a positive value suited to the cluster (CIS 1.3.1). Absent, the default of 12500 terminated pods applies, which CIS notes may be too high to sustain; a value <= 0 disables the collector.',
    rationale: 'Terminated pods accumulate in etcd and in every client\'s watch cache; thousands of them slow the API server and the controllers, and they keep logs and references to Secrets around.',
    remediation: `Set a threshold that fits the cluster's size:\n${manifestSnippet(KCM, '--terminated-pod-gc-threshold=1000')}`,
    references: [DOCS.controllerManager, `https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#pod-garbage-collection`],
    mappings: { cis: ['1.3.1'], stride: ['D'], pci: ['2.2.1'], cra: ['I.2(h)'] },
  },
  KCM,
  (comp) => {
    const s = setting(comp, 'terminated-pod-gc-threshold');
    const who = subject(comp);
    if (s === undefined) return [{ path: comp.c.base, message: `${who}: --terminated-pod-gc-threshold is not set: terminated pods are collected only beyond the default 12500` }];
    const n = parseIntFlag(s.raw);
    if (n === undefined) return [{ path: s.path, message: `${who}: ${s.text} is not an integer, so kube-controller-manager refuses to start` }];
    if (n <= 0) return [{ path: s.path, message: `${who}: ${s.text} disables the terminated pod garbage collector` }];
    return NONE;
  },
);

export const controllerManagerProfiling: Control = componentControl(
  {
    id: 'controller-manager-profiling',
    title: 'Controller manager profiling enabled',
    severity: 'low',
    description: 'kube-controller-manager must run with --profiling=false (the flag defaults to true).',
    rationale: 'The /debug/pprof handlers expose the program\'s internals (goroutine stacks, heap, CPU profiles) and are not needed in production.',
    remediation: `Turn profiling off:\n${manifestSnippet(KCM, '--profiling=false')}`,
    references: [DOCS.controllerManager],
    mappings: PROFILING_MAPPINGS('1.3.2'),
  },
  KCM,
  (comp) => requireBool(comp, 'profiling', false, true, 'profiling data is served at /debug/pprof'),
);

export const controllerManagerServiceAccountCredentials: Control = componentControl(
  {
    id: 'controller-manager-service-account-credentials',
    title: 'Controllers share the controller manager\'s credentials',
    severity: 'medium',
    description: 'kube-controller-manager must run with --use-service-account-credentials=true (CIS 1.3.3; the flag defaults to false).',
    rationale:
      'With individual service account credentials each controller acts as its own system:serviceaccount:kube-system:<controller> identity, bound to a role with only what that controller needs. Without them every controller acts with the controller manager\'s broad credentials, and audit logs cannot tell the controllers apart.',
    remediation: `Give each controller its own credentials:\n${manifestSnippet(KCM, '--use-service-account-credentials=true')}`,
    references: [DOCS.controllerManager, 'https://kubernetes.io/docs/reference/access-authn-authz/rbac/#controller-roles'],
    mappings: {
      cis: ['1.3.3'],
      nsa: ['A2'],
      nist80190: ['4.3.1'],
      stride: ['E', 'R'],
      pci: ['2.2.1', '7.2.5', '8.2.2'],
      hipaa: ['164.312(a)(2)(i)'],
      soc2: ['CC6.3'],
      cra: ['I.2(d)'],
    },
  },
  KCM,
  (comp) => requireBool(comp, 'use-service-account-credentials', true, false, 'every controller acts with the controller manager\'s own broad credentials'),
);

export const controllerManagerServiceAccountPrivateKey: Control = componentControl(
  {
    id: 'controller-manager-service-account-private-key',
    title: 'Service account token signing key not set',
    severity: 'medium',
    description: 'kube-controller-manager must set --service-account-private-key-file (CIS 1.3.4), the dedicated key that signs service account tokens.',
    rationale: 'A dedicated, separately rotatable key pair for service account tokens (its public half in the API server\'s --service-account-key-file) keeps token signing apart from TLS serving keys.',
    remediation: `Point the flag at the service account signing key:\n${manifestSnippet(KCM, '--service-account-private-key-file=/etc/kubernetes/pki/sa.key')}`,
    references: [DOCS.controllerManager, DOCS.serviceAccounts],
    mappings: { cis: ['1.3.4'], stride: ['S'], pci: ['2.2.1'], hipaa: ['164.312(d)'], soc2: ['CC6.1'], cra: ['I.2(d)'] },
  },
  KCM,
  (comp) => requireSet(comp, 'service-account-private-key-file', 'service account tokens are not signed with a dedicated, rotatable key'),
);

export const controllerManagerRootCaFile: Control = componentControl(
  {
    id: 'controller-manager-root-ca-file',
    title: 'Controller manager root CA file not set',
    severity: 'medium',
    description: 'kube-controller-manager must set --root-ca-file (CIS 1.3.5), the CA bundle it gives to pods with their service account credentials.',
    rationale: 'Pods verify the API server\'s serving certificate with the CA bundle they receive; set explicitly, it is the cluster CA, so a pod cannot be talked into trusting an impostor API server.',
    remediation: `Set the cluster CA bundle:\n${manifestSnippet(KCM, '--root-ca-file=/etc/kubernetes/pki/ca.crt')}`,
    references: [DOCS.controllerManager, DOCS.serviceAccounts],
    mappings: { cis: ['1.3.5'], nsa: ['N2'], stride: ['S', 'I'], pci: ['2.2.1'], hipaa: ['164.312(e)(1)'], soc2: ['CC6.7'], cra: ['I.2(e)'] },
  },
  KCM,
  (comp) => requireSet(comp, 'root-ca-file', 'the CA bundle given to pods for verifying the API server is not set explicitly'),
);

export const controllerManagerKubeletServerCertRotation: Control = componentControl(
  {
    id: 'controller-manager-kubelet-server-cert-rotation',
    title: 'Kubelet serving certificate rotation disabled in the controller manager',
    severity: 'medium',
    description: 'kube-controller-manager must not set the feature gate RotateKubeletServerCertificate=false (CIS 1.3.6; the gate is on by default).',
    rationale: 'Kubelet serving certificates that are not renewed through the certificates API expire or stay valid for the life of the node; rotation keeps them short-lived and signed by the cluster CA.',
    remediation: `Remove RotateKubeletServerCertificate=false from --feature-gates:\n${manifestSnippet(KCM, '--feature-gates=RotateKubeletServerCertificate=true')}`,
    references: [DOCS.certRotation, DOCS.controllerManager],
    mappings: { cis: ['1.3.6'], nsa: ['N2'], stride: ['S'], pci: ['2.2.1'], hipaa: ['164.312(e)(1)'], soc2: ['CC6.7'], cra: ['I.2(e)'] },
  },
  KCM,
  (comp) => {
    const gate = comp.flags.boolMap('feature-gates').get('RotateKubeletServerCertificate');
    if (gate === undefined || gate.value === true) return NONE;
    const who = subject(comp);
    if (gate.value === undefined) return [{ path: gate.occ.valuePath, message: `${who}: --feature-gates RotateKubeletServerCertificate=${gate.raw} is not a boolean, so kube-controller-manager refuses to start` }];
    return [{ path: gate.occ.valuePath, message: `${who}: --feature-gates sets RotateKubeletServerCertificate=false: kubelet serving certificates are not issued or rotated through the certificates API` }];
  },
);

/** --bind-address must be a loopback address (default 0.0.0.0). */
function requireLoopbackBind(comp: ComponentRef): Violation[] {
  const s = setting(comp, 'bind-address');
  const who = subject(comp);
  if (s === undefined) return [{ path: comp.c.base, message: `${who}: --bind-address is not set and defaults to 0.0.0.0: the secure port listens on every interface` }];
  const v = (s.raw ?? '').trim();
  if (isLoopbackHost(v)) return NONE;
  const where = v === '' || v === '0.0.0.0' || v === '::' ? 'every interface' : quote(v);
  return [{ path: s.path, message: `${who}: ${s.text} makes the secure port listen on ${where}, not on 127.0.0.1` }];
}

const BIND_MAPPINGS = (cis: string) => ({
  cis: [cis],
  nsa: ['N1'],
  stride: ['I' as const, 'E' as const],
  pci: ['2.2.1', '2.2.4'],
  soc2: ['CC6.6'],
  cra: ['I.2(j)'],
});

export const controllerManagerBindAddress: Control = componentControl(
  {
    id: 'controller-manager-bind-address',
    title: 'Controller manager listens on all interfaces',
    severity: 'medium',
    description: 'kube-controller-manager must run with --bind-address=127.0.0.1 (CIS 1.3.7). The flag defaults to 0.0.0.0, every interface.',
    rationale: 'The controller manager\'s port serves health, metrics and debugging endpoints that only local probes need; on every interface it is one more control plane service reachable from the network.',
    remediation: `Listen on loopback only:\n${manifestSnippet(KCM, '--bind-address=127.0.0.1')}`,
    references: [DOCS.controllerManager],
    mappings: BIND_MAPPINGS('1.3.7'),
  },
  KCM,
  requireLoopbackBind,
);

// ------------------------------------------------------------------------------------- scheduler

export const schedulerProfiling: Control = componentControl(
  {
    id: 'scheduler-profiling',
    title: 'Scheduler profiling enabled',
    severity: 'low',
    scope: 'inventory',
    description:
      'kube-scheduler must have profiling off (CIS 1.4.1): --profiling=false (default true), or — when it reads a --config file, which makes it ignore --profiling — `enableProfiling: false` in the KubeSchedulerConfiguration (default true), judged when the input holds that file.',
    rationale: 'The /debug/pprof handlers expose the program\'s internals (goroutine stacks, heap, CPU profiles) and are not needed in production.',
    remediation: `Turn profiling off, with the flag:\n${manifestSnippet(SCHED, '--profiling=false')}\nor, with a --config file:\n\`\`\`yaml\napiVersion: kubescheduler.config.k8s.io/v1\nkind: KubeSchedulerConfiguration\nenableProfiling: false\n\`\`\``,
    references: [DOCS.scheduler, DOCS.schedulerConfig],
    mappings: PROFILING_MAPPINGS('1.4.1'),
  },
  SCHED,
  (comp, ctx) => schedulerProfilingCheck(comp, ctx),
);

function schedulerProfilingCheck(comp: ComponentRef, ctx: CheckContext): Violation[] {
  const cfg = setting(comp, 'config');
  const file = cfg?.raw?.trim();
  if (cfg === undefined || !file) return requireBool(comp, 'profiling', false, true, 'profiling data is served at /debug/pprof');
  const who = subject(comp);
  const ignored = setting(comp, 'profiling') !== undefined ? ' (--profiling is ignored with --config)' : '';
  const configs = configsFor(ctx, 'KubeSchedulerConfiguration', 'kubescheduler.config.k8s.io/', file);
  if (configs.length === 0) {
    return [{ path: cfg.path, message: `${who}: profiling is set in the --config file ${quote(file)}, which is not in the input${ignored}: enableProfiling defaults to true unless that file sets it to false` }];
  }
  for (const c of configs) {
    const v = c.object.enableProfiling;
    if (v === false) continue;
    const state =
      v === undefined || v === null ? 'does not set enableProfiling (default true)' : typeof v === 'boolean' ? 'sets enableProfiling: true' : `sets enableProfiling to ${JSON.stringify(v)}, not a boolean (the scheduler cannot load it)`;
    return [{ path: cfg.path, message: `${who}: the KubeSchedulerConfiguration in ${c.origin.file} ${state}${ignored}: profiling data is served at /debug/pprof` }];
  }
  return NONE;
}

export const schedulerBindAddress: Control = componentControl(
  {
    id: 'scheduler-bind-address',
    title: 'Scheduler listens on all interfaces',
    severity: 'medium',
    description: 'kube-scheduler must run with --bind-address=127.0.0.1 (CIS 1.4.2). The flag defaults to 0.0.0.0, every interface.',
    rationale: 'The scheduler\'s port serves health, metrics and debugging endpoints that only local probes need; on every interface it is one more control plane service reachable from the network.',
    remediation: `Listen on loopback only:\n${manifestSnippet(SCHED, '--bind-address=127.0.0.1')}`,
    references: [DOCS.scheduler],
    mappings: BIND_MAPPINGS('1.4.2'),
  },
  SCHED,
  requireLoopbackBind,
);

/**
 * Container hardening beyond the Pod Security Standards: read-only root file systems, dangerous
 * added capabilities, and process namespace sharing.
 */
import { asArray, containersOf, get } from '../../core/podspec.js';
import type { Control } from '../../core/types.js';
import { cpath, NONE, push, spath, who, workloadControl } from '../helpers.js';

const SECURITY_CONTEXT_DOC = 'https://kubernetes.io/docs/tasks/configure-pod-container/security-context/';

const q = JSON.stringify;

export const readOnlyRootFs: Control = workloadControl(
  {
    id: 'container-readonly-root-fs',
    title: 'Root file system is writable',
    severity: 'medium',
    family: 'workload',
    description:
      'Every container (init, regular and ephemeral) must set securityContext.readOnlyRootFilesystem: true. Windows pods (spec.os.name: windows) are exempt: Windows does not support the setting and the API server rejects it there.',
    rationale:
      'A writable root file system lets an intruder drop tools, modify binaries and configuration, or persist in the container; with a read-only root, writes are confined to explicitly mounted volumes that can be watched.',
    remediation:
      'Make the root file system read-only and mount an emptyDir where the application must write:\n```yaml\nspec:\n  containers:\n  - name: app\n    securityContext:\n      readOnlyRootFilesystem: true\n    volumeMounts:\n    - name: tmp\n      mountPath: /tmp\n  volumes:\n  - name: tmp\n    emptyDir: {}\n```',
    references: [SECURITY_CONTEXT_DOC],
    mappings: { cis: ['5.6.3'], nsa: ['P2'], nist80190: ['4.4.3'], pci: ['2.2.1', '2.2.6'], soc2: ['CC6.8'], cra: ['I.2(f)'], stride: ['T'] },
  },
  (ref) => {
    if (get(ref.spec, 'os', 'name') === 'windows') return NONE;
    let out = NONE;
    for (const c of containersOf(ref)) {
      const v = get(c.sc, 'readOnlyRootFilesystem');
      if (v === true) continue;
      const path = cpath(c, 'securityContext.readOnlyRootFilesystem');
      if (v === undefined || v === null) out = push(out, path, `${who(c)} does not set securityContext.readOnlyRootFilesystem=true`);
      else if (v === false) out = push(out, path, `${who(c)} sets securityContext.readOnlyRootFilesystem=false`);
      else out = push(out, path, `${who(c)} has securityContext.readOnlyRootFilesystem ${q(v)}, which is not the boolean true`);
    }
    return out;
  },
);

/**
 * Capabilities that give a container power over the kernel, the host or other workloads, with the
 * reason shown in findings. Names are in canonical form (upper case, no CAP_ prefix).
 */
export const DANGEROUS_CAPABILITIES: ReadonlyMap<string, string> = new Map([
  ['ALL', 'every capability, including SYS_ADMIN'],
  ['SYS_ADMIN', 'mounts, namespaces, BPF and device administration; near-root on the node'],
  ['SYS_MODULE', 'loads kernel modules: arbitrary code in the host kernel'],
  ['SYS_RAWIO', 'raw I/O on devices and kernel memory'],
  ['SYS_PTRACE', 'traces and injects code into other processes'],
  ['SYS_BOOT', 'reboots the node or loads a new kernel'],
  ['SYS_TIME', 'sets the node clock'],
  ['SYS_RESOURCE', 'overrides resource limits and quotas'],
  ['SYS_PACCT', 'controls process accounting'],
  ['SYS_TTY_CONFIG', 'configures host terminals'],
  ['SYSLOG', 'reads and clears the kernel log, which leaks kernel addresses'],
  ['DAC_READ_SEARCH', 'bypasses file read permissions and opens files by handle (container escape)'],
  ['NET_ADMIN', 'reconfigures interfaces, routes and firewall rules'],
  ['NET_RAW', 'crafts raw packets: spoofing and ARP/DNS poisoning of neighbours'],
  ['BPF', 'loads BPF programs into the kernel'],
  ['PERFMON', 'kernel performance monitoring, which exposes kernel memory'],
  ['MAC_ADMIN', 'changes mandatory access control (AppArmor, SELinux, Smack) policy'],
  ['MAC_OVERRIDE', 'overrides mandatory access control'],
  ['LINUX_IMMUTABLE', 'changes immutable and append-only file attributes'],
  ['AUDIT_CONTROL', 'changes or disables kernel auditing'],
  ['CHECKPOINT_RESTORE', 'checkpoints and restores processes, reading their state'],
]);

/** `cap_sys_admin`, ` CAP_SYS_ADMIN `, `Sys_Admin` → `SYS_ADMIN`: the runtimes accept all of them. */
export function canonicalCapability(v: string): string {
  const u = v.trim().toUpperCase();
  return u.startsWith('CAP_') ? u.slice(4) : u;
}

export const dangerousCapabilities: Control = workloadControl(
  {
    id: 'container-dangerous-capabilities',
    title: 'Dangerous Linux capabilities added',
    severity: 'high',
    family: 'workload',
    description: `No container (init, regular or ephemeral) may add a dangerous capability in securityContext.capabilities.add: ${[...DANGEROUS_CAPABILITIES.keys()].join(', ')}. Names are compared in any case and with or without the CAP_ prefix, because container runtimes may normalise them that way (Pod Security admission compares them literally, so \`cap_sys_admin\` slips past it).`,
    rationale:
      'These capabilities hand kernel-level powers to the container: loading modules, mounting file systems, tracing other processes, rewriting network configuration or spoofing traffic. Each is a known route to escaping to the node or attacking neighbouring workloads.',
    remediation:
      'Drop all capabilities and add back only what the process needs (NET_BIND_SERVICE for ports below 1024):\n```yaml\nsecurityContext:\n  capabilities:\n    drop: ["ALL"]\n    add: ["NET_BIND_SERVICE"]\n```\nIf a node agent really needs such a capability, run it in a dedicated namespace with an exception.',
    references: [SECURITY_CONTEXT_DOC + '#set-capabilities-for-a-container', 'https://man7.org/linux/man-pages/man7/capabilities.7.html'],
    mappings: { cis: ['5.2.8', '5.2.9'], nsa: ['P8'], nist80190: ['4.4.3'], mitre: ['T1611', 'T1068', 'T1562.001'], pci: ['2.2.1', '2.2.4', '2.2.6'], cra: ['I.2(j)'], stride: ['E'] },
  },
  (ref) => {
    let out = NONE;
    for (const c of containersOf(ref)) {
      const add = asArray(get(c.sc, 'capabilities', 'add'));
      for (let i = 0; i < add.length; i++) {
        const raw = add[i];
        if (typeof raw !== 'string') continue;
        const cap = canonicalCapability(raw);
        const why = DANGEROUS_CAPABILITIES.get(cap);
        if (why === undefined) continue;
        const shown = raw === cap ? q(cap) : `${q(raw)} (${cap})`;
        out = push(out, cpath(c, `securityContext.capabilities.add[${i}]`), `${who(c)} adds capability ${shown}: ${why}`);
      }
    }
    return out;
  },
);

export const shareProcessNamespace: Control = workloadControl(
  {
    id: 'share-process-namespace',
    title: 'Containers share one process namespace',
    severity: 'medium',
    family: 'workload',
    description: 'spec.shareProcessNamespace must not be true.',
    rationale:
      'With a shared process namespace every container of the pod sees the others\' processes: it can signal them and, through /proc/<pid>/root and /proc/<pid>/environ, read their file systems and environment — secrets and tokens mounted only into a sidecar included.',
    remediation:
      'Remove the field (or set it to false); use an ephemeral debug container with `kubectl debug --target` when a process needs to be inspected:\n```yaml\nspec:\n  shareProcessNamespace: false\n```',
    references: ['https://kubernetes.io/docs/tasks/configure-pod-container/share-process-namespace/'],
    mappings: { nist80190: ['4.4.3'], mitre: ['T1552.001'], pci: ['2.2.6'], stride: ['I', 'E'] },
  },
  (ref) => {
    if (ref.spec.shareProcessNamespace !== true) return NONE;
    return push(NONE, spath(ref, 'shareProcessNamespace'), 'pod sets shareProcessNamespace=true: every container can see, signal and read the processes and files of the others');
  },
);

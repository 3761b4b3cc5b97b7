/**
 * The Pod Security Standards as controls: one control per pod-security-admission check, so a finding
 * says exactly which rule failed, plus a control for namespaces' `pod-security.kubernetes.io/enforce`
 * label. Levels, versions and overrides follow the upstream registry (regulations.md §10).
 */
import { WORKLOAD_KINDS } from '../../core/kinds.js';
import { asObject } from '../../core/podspec.js';
import type { CheckContext, Control, Mappings, PssLevel, PssVersion, Resource, ScanConfig, Severity, Violation } from '../../core/types.js';
import { PSS_LEVEL_RANK } from '../../core/types.js';
import * as checks from './checks.js';
import type { PodCheck } from './checks.js';
import { atLeast, formatVersion, isPssLevel, v } from './version.js';

const PSS_DOC = 'https://kubernetes.io/docs/concepts/security/pod-security-standards/';

export interface PssControl extends Control {
  pss: { level: Exclude<PssLevel, 'privileged'>; checkId: string; since: PssVersion; overrides?: string };
}

interface PssSpec {
  id: string;
  checkId: string;
  title: string;
  severity: Severity;
  level: 'baseline' | 'restricted';
  since: PssVersion;
  /** For restricted checks: the baseline control this one replaces (from `since`). */
  overrides?: string;
  description: string;
  rationale: string;
  remediation: string;
  mappings: Mappings;
  check: PodCheck;
}

function pssControl(s: PssSpec, all: () => readonly PssControl[]): PssControl {
  return {
    id: s.id,
    title: s.title,
    severity: s.severity,
    family: 'pod-security',
    appliesTo: WORKLOAD_KINDS,
    scope: 'resource',
    description: s.description,
    rationale: s.rationale,
    remediation: s.remediation,
    references: [PSS_DOC, `https://github.com/kubernetes/kubernetes/tree/master/staging/src/k8s.io/pod-security-admission/policy (check "${s.checkId}")`],
    mappings: s.mappings,
    pss: { level: s.level, checkId: s.checkId, since: s.since, ...(s.overrides ? { overrides: s.overrides } : {}) },
    isActive(config: ScanConfig): boolean {
      const { level, version } = config.pss;
      if (PSS_LEVEL_RANK[level] < PSS_LEVEL_RANK[s.level]) return false;
      if (!atLeast(version, s.since)) return false;
      // A baseline check is replaced by the restricted check that overrides it, once that one applies.
      if (level === 'restricted') {
        for (const other of all()) {
          if (other.pss.overrides === s.id && atLeast(version, other.pss.since)) return false;
        }
      }
      return true;
    },
    check(target: Resource, ctx: CheckContext): Violation[] {
      const refs = ctx.inventory.podSpecsOf(target);
      if (refs.length === 0) return [];
      if (refs.length === 1) return s.check(refs[0], ctx.config.pss.version);
      return refs.flatMap((r) => s.check(r, ctx.config.pss.version));
    },
  };
}

const CONTAINER_SC = (field: string): string =>
  `spec:\n  containers:\n  - name: app\n    securityContext:\n      ${field}`;

const specs: PssSpec[] = [
  {
    id: 'pss-host-process',
    checkId: 'windowsHostProcess',
    title: 'Windows HostProcess containers',
    severity: 'critical',
    level: 'baseline',
    since: v(1, 0),
    description: 'Pods and containers must not set securityContext.windowsOptions.hostProcess=true.',
    rationale: 'A Windows HostProcess container runs directly on the node with host-level privileges: it is equivalent to root on the node.',
    remediation: 'Remove `windowsOptions.hostProcess` (or set it to false) from the pod and every container:\n```yaml\nspec:\n  securityContext:\n    windowsOptions:\n      hostProcess: false\n```',
    mappings: { cis: ['5.2.10'], nsa: ['P6'], mitre: ['T1611'], stride: ['E'] },
    check: checks.hostProcess,
  },
  {
    id: 'pss-host-namespaces',
    checkId: 'hostNamespaces',
    title: 'Host namespaces (hostNetwork, hostPID, hostIPC)',
    severity: 'high',
    level: 'baseline',
    since: v(1, 0),
    description: 'Pods must not share the node\'s network, PID or IPC namespace.',
    rationale: 'Sharing host namespaces lets a container see and signal node processes, sniff node traffic and reach services bound to localhost on the node — a common first step of a container escape.',
    remediation: 'Remove `hostNetwork`, `hostPID` and `hostIPC` from the pod spec (or set them to false):\n```yaml\nspec:\n  hostNetwork: false\n  hostPID: false\n  hostIPC: false\n```',
    mappings: { cis: ['5.2.3', '5.2.4', '5.2.5'], nsa: ['P6'], mitre: ['T1611'], stride: ['E', 'I'] },
    check: checks.hostNamespaces,
  },
  {
    id: 'pss-privileged',
    checkId: 'privileged',
    title: 'Privileged containers',
    severity: 'critical',
    level: 'baseline',
    since: v(1, 0),
    description: 'Containers must not run privileged.',
    rationale: 'A privileged container has all capabilities and access to every host device; escaping to the node is trivial.',
    remediation: `Remove \`privileged: true\` from every container:\n\`\`\`yaml\n${CONTAINER_SC('privileged: false')}\n\`\`\``,
    mappings: { cis: ['5.2.2'], nsa: ['P5'], mitre: ['T1611', 'T1610'], stride: ['E'] },
    check: checks.privileged,
  },
  {
    id: 'pss-capabilities-baseline',
    checkId: 'capabilities_baseline',
    title: 'Added Linux capabilities beyond the baseline set',
    severity: 'high',
    level: 'baseline',
    since: v(1, 0),
    description: 'Containers may only add capabilities from the baseline allow-list (AUDIT_WRITE, CHOWN, DAC_OVERRIDE, FOWNER, FSETID, KILL, MKNOD, NET_BIND_SERVICE, SETFCAP, SETGID, SETPCAP, SETUID, SYS_CHROOT).',
    rationale: 'Capabilities such as SYS_ADMIN, NET_ADMIN, SYS_PTRACE or NET_RAW give a container kernel powers that enable escapes, traffic spoofing and reading other processes\' memory.',
    remediation: `Remove the capability from \`capabilities.add\`; drop what the process does not need:\n\`\`\`yaml\n${CONTAINER_SC('capabilities:\n        drop: ["ALL"]\n        add: ["NET_BIND_SERVICE"]   # only if it binds a port < 1024')}\n\`\`\``,
    mappings: { cis: ['5.2.8'], nsa: ['P8'], mitre: ['T1611'], stride: ['E'] },
    check: checks.capabilitiesBaseline,
  },
  {
    id: 'pss-host-path-volumes',
    checkId: 'hostPathVolumes',
    title: 'hostPath volumes',
    severity: 'high',
    level: 'baseline',
    since: v(1, 0),
    description: 'Pods must not mount hostPath volumes.',
    rationale: 'A hostPath volume exposes the node\'s file system to the container; a writable one is a direct path to node compromise and to other pods\' data.',
    remediation: 'Replace the hostPath volume with a persistentVolumeClaim, configMap, secret, emptyDir or CSI volume:\n```yaml\nspec:\n  volumes:\n  - name: data\n    persistentVolumeClaim:\n      claimName: data\n```',
    mappings: { cis: ['5.2.11'], nsa: ['P6'], mitre: ['T1611'], stride: ['E', 'T', 'I'] },
    check: checks.hostPathVolumes,
  },
  {
    id: 'pss-host-ports',
    checkId: 'hostPorts',
    title: 'Host ports',
    severity: 'medium',
    level: 'baseline',
    since: v(1, 0),
    description: 'Containers must not bind host ports (hostPort must be unset or 0).',
    rationale: 'A hostPort bypasses Services and NetworkPolicies and exposes the container on the node\'s network interfaces.',
    remediation: 'Remove `hostPort` and expose the container through a Service:\n```yaml\nports:\n- containerPort: 8080\n```',
    mappings: { cis: ['5.2.12'], nsa: ['P6'], mitre: ['T1133'], stride: ['I', 'T'] },
    check: checks.hostPorts,
  },
  {
    id: 'pss-apparmor',
    checkId: 'appArmorProfile',
    title: 'AppArmor profile overridden or disabled',
    severity: 'medium',
    level: 'baseline',
    since: v(1, 0),
    description: 'AppArmor profiles may only be RuntimeDefault or Localhost (annotation values runtime/default or localhost/*).',
    rationale: 'Setting the AppArmor profile to Unconfined removes the mandatory access control that limits what a compromised process can do.',
    remediation: `Use the runtime default profile (or a localhost profile):\n\`\`\`yaml\n${CONTAINER_SC('appArmorProfile:\n        type: RuntimeDefault')}\n\`\`\``,
    mappings: { cis: ['5.6.3'], nsa: ['P8'], mitre: ['T1611'], stride: ['E'] },
    check: checks.appArmor,
  },
  {
    id: 'pss-selinux',
    checkId: 'seLinuxOptions',
    title: 'SELinux type, user or role overridden',
    severity: 'medium',
    level: 'baseline',
    since: v(1, 0),
    description: 'seLinuxOptions.type may only be empty, container_t, container_init_t, container_kvm_t (or container_engine_t from v1.31); user and role must not be set.',
    rationale: 'A custom SELinux type, user or role can lift the confinement that keeps a container from the host and from other containers.',
    remediation: 'Remove `seLinuxOptions.user` and `seLinuxOptions.role`; use an allowed type or none:\n```yaml\nsecurityContext:\n  seLinuxOptions:\n    type: container_t\n```',
    mappings: { cis: ['5.6.3'], nsa: ['P8'], mitre: ['T1611'], stride: ['E'] },
    check: checks.seLinuxOptions,
  },
  {
    id: 'pss-proc-mount',
    checkId: 'procMount',
    title: 'Unmasked /proc mount',
    severity: 'medium',
    level: 'baseline',
    since: v(1, 0),
    description: 'securityContext.procMount must be unset or Default (from v1.35, user-namespaced pods with hostUsers: false are exempt at baseline).',
    rationale: 'The default /proc masks hide kernel interfaces; an Unmasked /proc exposes them to the container.',
    remediation: `Remove \`procMount\` or set it to Default:\n\`\`\`yaml\n${CONTAINER_SC('procMount: Default')}\n\`\`\``,
    mappings: { cis: ['5.6.3'], nsa: ['P6'], mitre: ['T1611'], stride: ['E', 'I'] },
    check: checks.procMount,
  },
  {
    id: 'pss-seccomp-baseline',
    checkId: 'seccompProfile_baseline',
    title: 'Seccomp profile set to Unconfined',
    severity: 'medium',
    level: 'baseline',
    since: v(1, 0),
    description: 'If a seccomp profile is set it must be RuntimeDefault or Localhost (before v1.19: the seccomp annotations must be runtime/default, docker/default or localhost/*).',
    rationale: 'An Unconfined seccomp profile exposes every system call of the kernel to the container, including the ones used in kernel exploits.',
    remediation: 'Set the runtime default seccomp profile on the pod:\n```yaml\nspec:\n  securityContext:\n    seccompProfile:\n      type: RuntimeDefault\n```',
    mappings: { cis: ['5.6.2'], nsa: ['P8'], mitre: ['T1611', 'T1068'], stride: ['E'] },
    check: checks.seccompBaseline,
  },
  {
    id: 'pss-sysctls',
    checkId: 'sysctls',
    title: 'Unsafe sysctls',
    severity: 'medium',
    level: 'baseline',
    since: v(1, 0),
    description: 'Pods may only set the namespaced, isolated "safe" sysctls of the policy version.',
    rationale: 'Unsafe sysctls change kernel parameters for the whole node and can disable security mechanisms or starve other workloads.',
    remediation: 'Remove the sysctl from `spec.securityContext.sysctls`, or set it on the node by the platform team.',
    mappings: { cis: ['5.6.3'], nsa: ['P6'], mitre: ['T1611'], stride: ['E', 'D'] },
    check: checks.sysctls,
  },
  {
    id: 'pss-host-probes-lifecycle',
    checkId: 'hostProbesAndHostLifecycle',
    title: 'Probes or lifecycle hooks aimed at other hosts',
    severity: 'medium',
    level: 'baseline',
    since: v(1, 34),
    description: 'Probes and lifecycle handlers (httpGet/tcpSocket) must not set `host` (policy v1.34 and later).',
    rationale: 'The kubelet performs probes from the node; a probe with a host lets a pod make the kubelet connect to arbitrary addresses (server-side request forgery from the node).',
    remediation: 'Remove `host` so the probe targets the pod IP:\n```yaml\nlivenessProbe:\n  httpGet:\n    path: /healthz\n    port: 8080\n```',
    mappings: { nsa: ['P6'], mitre: ['T1046'], stride: ['S', 'I'] },
    check: checks.hostProbesAndLifecycle,
  },
  {
    id: 'pss-restricted-volumes',
    checkId: 'restrictedVolumes',
    title: 'Volume types outside the restricted set',
    severity: 'medium',
    level: 'restricted',
    since: v(1, 0),
    overrides: 'pss-host-path-volumes',
    description: 'Only configMap, csi, downwardAPI, emptyDir, ephemeral, image, persistentVolumeClaim, projected and secret volumes are allowed.',
    rationale: 'Other volume types (hostPath, nfs, iscsi, gitRepo, …) reach outside the pod\'s storage abstraction, need node-level privileges or bypass storage access control.',
    remediation: 'Use a PersistentVolumeClaim (the storage class carries the backend) instead of an in-line volume source:\n```yaml\nvolumes:\n- name: data\n  persistentVolumeClaim:\n    claimName: data\n```',
    mappings: { cis: ['5.2.11'], nsa: ['P6'], mitre: ['T1611'], stride: ['E', 'T'] },
    check: checks.restrictedVolumes,
  },
  {
    id: 'pss-allow-privilege-escalation',
    checkId: 'allowPrivilegeEscalation',
    title: 'Privilege escalation allowed',
    severity: 'high',
    level: 'restricted',
    since: v(1, 8),
    description: 'Every container must set securityContext.allowPrivilegeEscalation=false (Windows pods exempt from v1.25).',
    rationale: 'Without no_new_privs a process can gain privileges through set-user-ID binaries or file capabilities.',
    remediation: `Set on every container (including init and ephemeral containers):\n\`\`\`yaml\n${CONTAINER_SC('allowPrivilegeEscalation: false')}\n\`\`\``,
    mappings: { cis: ['5.2.6'], nsa: ['P7'], mitre: ['T1068'], stride: ['E'] },
    check: checks.allowPrivilegeEscalation,
  },
  {
    id: 'pss-run-as-non-root',
    checkId: 'runAsNonRoot',
    title: 'Containers may run as root',
    severity: 'medium',
    level: 'restricted',
    since: v(1, 0),
    description: 'runAsNonRoot must be true on the pod or on every container (from v1.35, pods with hostUsers: false are exempt).',
    rationale: 'Root in a container is root on the node once any isolation layer fails; non-root makes most escapes and file-system tampering fail.',
    remediation: 'Require a non-root user on the pod:\n```yaml\nspec:\n  securityContext:\n    runAsNonRoot: true\n    runAsUser: 10001\n```',
    mappings: { cis: ['5.2.7'], nsa: ['P1'], nist80190: ['4.1.2', '4.4.3'], mitre: ['T1611', 'T1068'], stride: ['E'] },
    check: checks.runAsNonRoot,
  },
  {
    id: 'pss-run-as-user',
    checkId: 'runAsUser',
    title: 'Containers run as uid 0',
    severity: 'high',
    level: 'restricted',
    since: v(1, 23),
    description: 'runAsUser must not be 0 on the pod or any container (policy v1.23 and later; from v1.35 pods with hostUsers: false are exempt).',
    rationale: 'An explicit runAsUser: 0 runs the process as root regardless of the image\'s USER.',
    remediation: 'Use a non-zero uid:\n```yaml\nspec:\n  securityContext:\n    runAsUser: 10001\n```',
    mappings: { cis: ['5.2.7'], nsa: ['P1'], nist80190: ['4.1.2', '4.4.3'], mitre: ['T1611', 'T1068'], stride: ['E'] },
    check: checks.runAsUser,
  },
  {
    id: 'pss-seccomp-restricted',
    checkId: 'seccompProfile_restricted',
    title: 'Seccomp profile not set',
    severity: 'medium',
    level: 'restricted',
    since: v(1, 19),
    overrides: 'pss-seccomp-baseline',
    description: 'The seccomp profile must be RuntimeDefault or Localhost, set on the pod or on every container (policy v1.19 and later; Windows pods exempt from v1.25).',
    rationale: 'Without a seccomp profile every system call is reachable from the container, including those used by kernel exploits.',
    remediation: 'Set the runtime default profile on the pod:\n```yaml\nspec:\n  securityContext:\n    seccompProfile:\n      type: RuntimeDefault\n```',
    mappings: { cis: ['5.6.2'], nsa: ['P8'], mitre: ['T1611', 'T1068'], stride: ['E'] },
    check: checks.seccompRestricted,
  },
  {
    id: 'pss-capabilities-restricted',
    checkId: 'capabilities_restricted',
    title: 'Capabilities not dropped',
    severity: 'medium',
    level: 'restricted',
    since: v(1, 22),
    overrides: 'pss-capabilities-baseline',
    description: 'Every container must drop ALL capabilities and may add back only NET_BIND_SERVICE (policy v1.22 and later; Windows pods exempt from v1.25).',
    rationale: 'The default capability set includes NET_RAW, CHOWN, DAC_OVERRIDE and others that a compromised process can abuse; dropping all keeps only what is explicitly needed.',
    remediation: `Drop all capabilities:\n\`\`\`yaml\n${CONTAINER_SC('capabilities:\n        drop: ["ALL"]')}\n\`\`\``,
    mappings: { cis: ['5.2.8', '5.2.9'], nsa: ['P8'], mitre: ['T1611'], stride: ['E'] },
    check: checks.capabilitiesRestricted,
  },
  {
    id: 'pss-proc-mount-restricted',
    checkId: 'procMount_restricted',
    title: 'Unmasked /proc mount (restricted)',
    severity: 'medium',
    level: 'restricted',
    since: v(1, 35),
    overrides: 'pss-proc-mount',
    description: 'securityContext.procMount must be unset or Default, also for user-namespaced pods (policy v1.35 and later).',
    rationale: 'The restricted profile keeps the default /proc masks even where the baseline profile relaxes them for user-namespaced pods.',
    remediation: `Remove \`procMount\` or set it to Default:\n\`\`\`yaml\n${CONTAINER_SC('procMount: Default')}\n\`\`\``,
    mappings: { cis: ['5.6.3'], nsa: ['P6'], mitre: ['T1611'], stride: ['E', 'I'] },
    check: checks.procMountRestricted,
  },
];

export const PSS_CONTROLS: readonly PssControl[] = (() => {
  const list: PssControl[] = [];
  for (const s of specs) list.push(pssControl(s, () => list));
  return list;
})();

/** The prefix of Pod Security admission's namespace labels (enforce, warn, audit and their -version). */
export const PSA_LABEL_PREFIX = 'pod-security.kubernetes.io/';
export const ENFORCE_LABEL = `${PSA_LABEL_PREFIX}enforce`;
export const ENFORCE_VERSION_LABEL = 'pod-security.kubernetes.io/enforce-version';

/** Namespaces must enforce at least the required Pod Security level through the built-in admission controller. */
export const namespaceEnforceLabel: Control = {
  id: 'pss-namespace-enforce-label',
  title: 'Namespace does not enforce the required Pod Security level',
  severity: 'medium',
  family: 'pod-security',
  appliesTo: ['Namespace'],
  scope: 'resource',
  description: `Every namespace must carry the \`${ENFORCE_LABEL}\` label at the required level (the scan's --pss-level) or stricter.`,
  rationale: 'Without the enforce label, the built-in Pod Security admission controller does not reject non-compliant pods in that namespace; a scan in CI is then the only gate.',
  remediation: `Label the namespace:\n\`\`\`yaml\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: team-a\n  labels:\n    ${ENFORCE_LABEL}: restricted\n    ${ENFORCE_VERSION_LABEL}: latest\n\`\`\``,
  references: ['https://kubernetes.io/docs/concepts/security/pod-security-admission/', 'https://kubernetes.io/docs/tasks/configure-pod-container/enforce-standards-namespace-labels/'],
  mappings: { cis: ['5.2.1'], nsa: ['P4'], mitre: ['T1610'], stride: ['E'] },
  isActive: (config) => config.pss.level !== 'privileged',
  check(target: Resource, ctx: CheckContext): Violation[] {
    const required = ctx.config.pss.level;
    const labels = asObject(target.metadata.labels);
    const value = labels?.[ENFORCE_LABEL];
    const path = `metadata.labels[${JSON.stringify(ENFORCE_LABEL)}]`;
    if (value === undefined || value === null) {
      return [{ path: labels ? 'metadata.labels' : 'metadata', message: `namespace has no ${ENFORCE_LABEL} label; pods are not checked at admission (required: ${required})` }];
    }
    const s = String(value);
    if (!isPssLevel(s)) {
      return [{ path, message: `${ENFORCE_LABEL}=${JSON.stringify(s)} is not a valid Pod Security level (expected privileged, baseline or restricted)` }];
    }
    if (PSS_LEVEL_RANK[s] < PSS_LEVEL_RANK[required]) {
      return [{ path, message: `namespace enforces "${s}", weaker than the required "${required}" (at ${formatVersion(ctx.config.pss.version)})` }];
    }
    return [];
  },
};

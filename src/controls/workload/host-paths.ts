/**
 * hostPath volumes that reach the container runtime or sensitive parts of the node. Every hostPath
 * volume is checked whether or not a container mounts it: an unmounted volume can still be mounted by
 * an ephemeral debug container. Paths are compared in canonical form (`//`, `/./`, `..` and trailing
 * slashes removed; `/var/run` is `/run`).
 */
import type { Control, PodSpecRef, Violation } from '../../core/types.js';
import { NONE, push, shortList, spath, workloadControl } from '../helpers.js';
import { aliasVarRun, describeMounts, hostPathVolumes, isAtOrBelow, mountsByVolume, type MountUse } from './common.js';

const HOSTPATH_DOC = 'https://kubernetes.io/docs/concepts/storage/volumes/#hostpath';

const q = JSON.stringify;

/** Known container runtime API sockets (canonical, `/var/run` written as `/run`). */
export const RUNTIME_SOCKETS: readonly string[] = [
  '/run/docker.sock',
  '/run/containerd/containerd.sock',
  '/run/containerd/containerd.sock.ttrpc',
  '/run/crio/crio.sock',
  '/run/cri-dockerd.sock',
  '/run/dockershim.sock',
  '/run/docker/containerd/containerd.sock',
  '/run/k3s/containerd/containerd.sock',
  '/run/podman/podman.sock',
  '/run/buildkit/buildkitd.sock',
  '/var/snap/microk8s/common/run/containerd.sock',
];

/** Socket file names that are a runtime API wherever they live (e.g. rootless Docker under /run/user/<uid>). */
const SOCKET_NAME_RE = /^(?:docker|containerd|crio|cri-dockerd|dockershim|podman|buildkitd)\.sock(?:\.ttrpc)?$/;

/** Windows named pipes of Docker and containerd (`\\.\pipe\docker_engine`). */
const WINDOWS_PIPE_RE = /^[\\/]{2}\.[\\/]pipe[\\/](?:docker_engine|containerd-containerd)$/i;

/** Every strict ancestor directory of a canonical path: `/a/b/c` → `/`, `/a`, `/a/b`. */
function ancestors(p: string): string[] {
  const out = ['/'];
  for (let i = p.indexOf('/', 1); i > 0; i = p.indexOf('/', i + 1)) out.push(p.slice(0, i));
  return out;
}

/** For each directory that holds known items, the items below it. */
function ancestorIndex(items: Iterable<string>): ReadonlyMap<string, string[]> {
  const m = new Map<string, string[]>();
  for (const it of items) {
    for (const a of ancestors(it)) {
      let l = m.get(a);
      if (!l) m.set(a, (l = []));
      l.push(it);
    }
  }
  return m;
}

const SOCKET_SET: ReadonlySet<string> = new Set(RUNTIME_SOCKETS);
const SOCKET_HOLDERS = ancestorIndex(RUNTIME_SOCKETS);

/** What a canonical host path exposes of the runtime: the socket itself, or a directory holding sockets. */
export function runtimeSocketExposure(raw: string, path: string): { socket: true } | { socket: false; holds: string[] } | undefined {
  const aliased = aliasVarRun(path);
  const base = aliased.slice(aliased.lastIndexOf('/') + 1);
  if (base.includes('.sock') ? SOCKET_NAME_RE.test(base) : raw.includes('pipe') && WINDOWS_PIPE_RE.test(raw.trim())) return { socket: true };
  if (SOCKET_SET.has(aliased)) return { socket: true };
  const holds = SOCKET_HOLDERS.get(aliased) ?? SOCKET_HOLDERS.get(path);
  return holds ? { socket: false, holds } : undefined;
}

export const runtimeSocketMount: Control = workloadControl(
  {
    id: 'container-runtime-socket-mount',
    title: 'Container runtime socket mounted from the host',
    severity: 'critical',
    family: 'workload',
    description:
      'No hostPath volume may point at a container runtime API socket (docker.sock, containerd.sock, crio.sock, cri-dockerd.sock, dockershim.sock, podman.sock, buildkitd.sock, the Windows docker_engine/containerd pipes) or at a directory that holds one (/var/run, /run, /run/containerd, /run/crio, /run/k3s, …). Paths are compared after normalisation (`//`, `/./`, `..`, trailing slashes; /var/run is /run). Volumes are reported whether or not a container mounts them.',
    rationale:
      'The runtime socket is an unauthenticated root API on the node: whoever can reach it can start privileged containers, exec into any container, read every secret on the node and escape to the host. Kubernetes RBAC and admission control do not see any of it.',
    remediation:
      'Remove the volume. Build images with a daemonless builder (BuildKit rootless, kaniko, buildah) and read container metadata from the Kubernetes API or the kubelet instead:\n```yaml\nvolumes:\n- name: build-cache\n  emptyDir: {}\n```',
    references: [HOSTPATH_DOC, 'https://docs.docker.com/engine/security/#docker-daemon-attack-surface'],
    mappings: {
      cis: ['5.2.11'],
      nsa: ['P6'],
      nist80190: ['4.4.3', '4.4.5'],
      mitre: ['T1610', 'T1611', 'T1609', 'T1612', 'T1543', 'T1543.005'],
      pci: ['2.2.1'],
      cra: ['I.2(d)'],
      stride: ['E'],
    },
  },
  (ref) => {
    let out = NONE;
    for (const v of hostPathVolumes(ref)) {
      const hit = runtimeSocketExposure(v.raw, v.path);
      if (!hit) continue;
      const mounts = describeMounts(mountsByVolume(ref).get(v.name));
      const message = hit.socket
        ? `volume ${q(v.name)} exposes the container runtime socket ${v.raw}; ${mounts}`
        : `volume ${q(v.name)} exposes host directory ${v.raw}, which holds container runtime sockets such as ${hit.holds.slice(0, 2).join(', ')}; ${mounts}`;
      out = push(out, spath(ref, `volumes[${v.index}].hostPath.path`), message);
    }
    return out;
  },
);

/** Host directories that hold node credentials, configuration, binaries or kernel interfaces (canonical), and what they hold. */
export const SENSITIVE_HOST_PATHS: ReadonlyMap<string, string> = new Map([
  ['/bin', 'node binaries'],
  ['/boot', 'the kernel and boot loader'],
  ['/dev', 'host devices'],
  ['/etc', 'node configuration and credentials, including /etc/kubernetes'],
  ['/home', 'user home directories and their keys'],
  ['/lib', 'node libraries and kernel modules'],
  ['/lib32', 'node libraries'],
  ['/lib64', 'node libraries'],
  ['/libx32', 'node libraries'],
  ['/opt/cni', 'CNI plugin binaries'],
  ['/proc', 'kernel and process interfaces of the node'],
  ['/root', "root's home directory"],
  ['/run/dbus', 'the D-Bus system bus (control of systemd)'],
  ['/run/systemd', 'systemd runtime state and control sockets'],
  ['/sbin', 'node system binaries'],
  ['/sys', 'kernel interfaces of the node'],
  ['/usr', 'node binaries and libraries'],
  ['/var/lib/containerd', 'containerd state and image layers'],
  ['/var/lib/containers', 'CRI-O/Podman state and image layers'],
  ['/var/lib/docker', 'Docker state and image layers'],
  ['/var/lib/etcd', 'the etcd database, with every Secret of the cluster'],
  ['/var/lib/kubelet', 'kubelet state, credentials and every pod volume and Secret on the node'],
  ['/var/log', 'node and pod logs'],
]);

/** Files that are harmless to share read-only (time zone, CA bundles, machine id). Writable, they are still sensitive. */
export const BENIGN_READ_ONLY_PATHS: readonly string[] = [
  '/etc/localtime',
  '/etc/timezone',
  '/usr/share/zoneinfo',
  '/etc/ssl/certs',
  '/etc/pki/tls/certs',
  '/etc/pki/ca-trust/extracted',
  '/etc/ca-certificates',
  '/usr/share/ca-certificates',
  '/etc/machine-id',
];

const SENSITIVE_ENTRIES: readonly { path: string; below: string; what: string }[] = [...SENSITIVE_HOST_PATHS].map(([path, what]) => ({ path, below: path + '/', what }));
const SENSITIVE_HOLDERS = ancestorIndex(SENSITIVE_HOST_PATHS.keys());
/** First path segments under which something sensitive lives (`etc`, `var`, …): anything else is rejected at once. */
const SENSITIVE_TOPS: ReadonlySet<string> = new Set([...SENSITIVE_HOST_PATHS.keys()].map((p) => p.split('/')[1]));

/** Why a canonical host path is sensitive, or undefined. */
export function sensitivity(path: string): string | undefined {
  const p = aliasVarRun(path);
  if (p === '/') return 'the whole node file system';
  const slash = p.indexOf('/', 1);
  if (!SENSITIVE_TOPS.has(slash < 0 ? p.slice(1) : p.slice(1, slash))) return undefined;
  const holds = SENSITIVE_HOLDERS.get(p);
  if (holds) return `holds ${shortList(holds)}`;
  for (const e of SENSITIVE_ENTRIES) {
    if (p === e.path) return e.what;
    if (p.startsWith(e.below)) return `below ${e.path}: ${e.what}`;
  }
  return undefined;
}

function allReadOnly(mounts: readonly MountUse[] | undefined): boolean {
  return (mounts ?? []).every((m) => m.readOnly);
}

function sensitiveCheck(ref: PodSpecRef): Violation[] {
  let out = NONE;
  for (const v of hostPathVolumes(ref)) {
    const why = sensitivity(v.path);
    if (!why) continue;
    const mounts = mountsByVolume(ref).get(v.name);
    const readOnly = allReadOnly(mounts);
    if (readOnly && BENIGN_READ_ONLY_PATHS.some((b) => isAtOrBelow(aliasVarRun(v.path), b))) continue;
    const mode = !mounts || mounts.length === 0 ? '' : readOnly ? 'read-only, ' : 'writable, ';
    out = push(out, spath(ref, `volumes[${v.index}].hostPath.path`), `volume ${q(v.name)} mounts sensitive host path ${v.raw} (${why}); ${mode}${describeMounts(mounts)}`);
  }
  return out;
}

export const sensitiveHostPathMount: Control = workloadControl(
  {
    id: 'sensitive-host-path-mount',
    title: 'Sensitive host path mounted',
    severity: 'high',
    family: 'workload',
    description: `No hostPath volume may point at the node's root or at a sensitive directory, at or below: ${[...SENSITIVE_HOST_PATHS.keys()].join(', ')} (/var/run is /run), nor at a directory holding one (/var, /var/lib, /run, /opt). Findings say whether every mount of the volume is read-only. Read-only mounts of time-zone, CA-bundle and machine-id files (${BENIGN_READ_ONLY_PATHS.join(', ')}) pass. Paths are compared after normalisation (\`//\`, \`/./\`, \`..\`, trailing slashes).`,
    rationale:
      'These paths hold the node\'s credentials (kubelet and etcd data, /etc/kubernetes PKI, /root), its configuration and binaries, its logs and the kernel\'s interfaces (/proc, /sys, /dev). Writable, they give the container the node; read-only, they still leak secrets of the node and of every pod on it.',
    remediation:
      'Replace the hostPath with the narrowest alternative: a projected or secret volume for credentials, a PersistentVolumeClaim for data, the downward API for node information. A node agent that really must read host files belongs in a dedicated namespace with a recorded exception, mounting the narrowest path read-only.\n```yaml\nvolumes:\n- name: data\n  persistentVolumeClaim:\n    claimName: data\n- name: pod-info\n  downwardAPI:\n    items:\n    - path: labels\n      fieldRef:\n        fieldPath: metadata.labels\n```',
    references: [HOSTPATH_DOC, 'https://kubernetes.io/docs/concepts/security/pod-security-standards/'],
    mappings: {
      cis: ['5.2.11'],
      nsa: ['P6'],
      nist80190: ['4.5.5'],
      mitre: ['T1611', 'T1552.001', 'T1543', 'T1543.005', 'T1070'],
      pci: ['2.2.1'],
      cra: ['I.2(f)'],
      stride: ['E', 'T', 'I'],
    },
  },
  sensitiveCheck,
);

/**
 * The Pod Security Standards checks, with the semantics of the Kubernetes pod-security-admission
 * library (`staging/src/k8s.io/pod-security-admission/policy/check_*.go`) for every policy version.
 * Version facts are from ../shared/reference/regulations.md §10.
 *
 * Each check receives one pod spec (of a Pod or a workload's template) and returns one violation per
 * offending field, with the field's full JSON path in the resource.
 */
import { concat, internConcat } from '../../core/path.js';
import { asArray, asObject, containerSubject, containersOf, get, isObject, present, quote, type ContainerRef } from '../../core/podspec.js';
import type { JsonObject, PodSpecRef, PssVersion, Violation } from '../../core/types.js';
import { atLeast, v } from './version.js';

export type PodCheck = (ref: PodSpecRef, version: PssVersion) => Violation[];

const V1_19 = v(1, 19);
const V1_25 = v(1, 25);
const V1_27 = v(1, 27);
const V1_29 = v(1, 29);
const V1_31 = v(1, 31);
const V1_32 = v(1, 32);
const V1_35 = v(1, 35);
const V1_37 = v(1, 37);

const NONE: Violation[] = [];

/** Appends to a result that starts as the shared empty array: most checks find nothing. */
function push(out: Violation[], path: string, message: string): Violation[] {
  if (out === NONE) out = [];
  out.push({ path, message });
  return out;
}

function specPath(ref: PodSpecRef, rel: string): string {
  return internConcat(ref.specPath, rel);
}

function cpath(_ref: PodSpecRef, c: ContainerRef, rel: string): string {
  return internConcat(c.base, rel);
}

function who(c: ContainerRef): string {
  return containerSubject(c);
}

/** `spec.hostUsers: false` — a user-namespaced pod (KEP-127). */
function inUserNamespace(spec: JsonObject): boolean {
  return spec.hostUsers === false;
}

/** `spec.os.name: windows` exempts Linux-only restricted checks from policy v1.25. */
function isWindowsPod(spec: JsonObject): boolean {
  return get(spec, 'os', 'name') === 'windows';
}

// ---------------------------------------------------------------- baseline

/** windowsHostProcess (baseline, ≥1.0) */
export const hostProcess: PodCheck = (ref) => {
  let out = NONE;
  if (get(ref.spec, 'securityContext', 'windowsOptions', 'hostProcess') === true) {
    out = push(out, specPath(ref, 'securityContext.windowsOptions.hostProcess'), 'pod must not set securityContext.windowsOptions.hostProcess=true');
  }
  for (const c of containersOf(ref)) {
    if (get(c.sc, 'windowsOptions', 'hostProcess') === true) {
      out = push(out, cpath(ref, c, 'securityContext.windowsOptions.hostProcess'), `${who(c)} must not set securityContext.windowsOptions.hostProcess=true`);
    }
  }
  return out;
};

/** hostNamespaces (baseline, ≥1.0) */
export const hostNamespaces: PodCheck = (ref) => {
  let out = NONE;
  for (const f of ['hostNetwork', 'hostPID', 'hostIPC'] as const) {
    if (ref.spec[f] === true) {
      out = push(out, specPath(ref, f), `pod must not set ${f}=true`);
    }
  }
  return out;
};

/** privileged (baseline, ≥1.0) */
export const privileged: PodCheck = (ref) => {
  let out = NONE;
  for (const c of containersOf(ref)) {
    if (get(c.sc, 'privileged') === true) {
      out = push(out, cpath(ref, c, 'securityContext.privileged'), `${who(c)} must not set securityContext.privileged=true`);
    }
  }
  return out;
};

/** The baseline capability add allow-list, unchanged since policy v1.0. */
export const BASELINE_CAPABILITIES: ReadonlySet<string> = new Set([
  'AUDIT_WRITE', 'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'MKNOD',
  'NET_BIND_SERVICE', 'SETFCAP', 'SETGID', 'SETPCAP', 'SETUID', 'SYS_CHROOT',
]);

/** capabilities_baseline (baseline, ≥1.0) */
export const capabilitiesBaseline: PodCheck = (ref) => {
  let out = NONE;
  for (const c of containersOf(ref)) {
    const add = asArray(get(c.sc, 'capabilities', 'add'));
    for (let i = 0; i < add.length; i++) {
      const cap = String(add[i]);
      if (!BASELINE_CAPABILITIES.has(cap)) {
        out = push(out, cpath(ref, c, `securityContext.capabilities.add[${i}]`), `${who(c)} must not add capability ${quote(cap)}`);
      }
    }
  }
  return out;
};

/** hostPathVolumes (baseline, ≥1.0) */
export const hostPathVolumes: PodCheck = (ref) => {
  let out = NONE;
  const vols = asArray(ref.spec.volumes);
  for (let i = 0; i < vols.length; i++) {
    const vol = asObject(vols[i]);
    if (vol && present(vol.hostPath)) {
      const p = get(vol, 'hostPath', 'path');
      out = push(out, specPath(ref, `volumes[${i}].hostPath`), `volume ${quote(String(vol.name ?? i))} must not use hostPath${typeof p === 'string' ? ` (${p})` : ''}`);
    }
  }
  return out;
};

/** hostPorts (baseline, ≥1.0): every hostPort must be unset or 0. */
export const hostPorts: PodCheck = (ref) => {
  let out = NONE;
  for (const c of containersOf(ref)) {
    const ports = asArray(c.container.ports);
    for (let i = 0; i < ports.length; i++) {
      const hp = asObject(ports[i])?.hostPort;
      if (present(hp) && hp !== 0) {
        out = push(out, cpath(ref, c, `ports[${i}].hostPort`), `${who(c)} must not use hostPort ${String(hp)}`);
      }
    }
  }
  return out;
};

const APPARMOR_ANNOTATION_PREFIX = 'container.apparmor.security.beta.kubernetes.io/';

function allowedAppArmorAnnotation(value: string): boolean {
  return value === '' || value === 'runtime/default' || value.startsWith('localhost/');
}

function allowedAppArmorType(t: unknown): boolean {
  return t === 'RuntimeDefault' || t === 'Localhost';
}

/** appArmorProfile (baseline, ≥1.0): the beta annotations and, since K8s 1.30, the securityContext fields. */
export const appArmor: PodCheck = (ref) => {
  let out = NONE;
  const annotations = asObject(ref.meta.annotations);
  if (annotations) {
    for (const [k, val] of Object.entries(annotations)) {
      if (!k.startsWith(APPARMOR_ANNOTATION_PREFIX)) continue;
      const value = val === null || val === undefined ? '' : String(val);
      if (!allowedAppArmorAnnotation(value)) {
        out = push(out, concat(ref.metaPath, `annotations[${JSON.stringify(k)}]`), `forbidden AppArmor profile ${k}=${quote(value)}`);
      }
    }
  }
  const podProfile = get(ref.spec, 'securityContext', 'appArmorProfile');
  if (present(podProfile) && !allowedAppArmorType(get(podProfile, 'type'))) {
    out = push(out, specPath(ref, 'securityContext.appArmorProfile.type'), `pod must not set AppArmor profile type to ${quote(String(get(podProfile, 'type') ?? ''))}`);
  }
  for (const c of containersOf(ref)) {
    const prof = get(c.sc, 'appArmorProfile');
    if (present(prof) && !allowedAppArmorType(get(prof, 'type'))) {
      out = push(out, cpath(ref, c, 'securityContext.appArmorProfile.type'), `${who(c)} must not set AppArmor profile type to ${quote(String(get(prof, 'type') ?? ''))}`);
    }
  }
  return out;
};

const SELINUX_TYPES_1_0: ReadonlySet<string> = new Set(['', 'container_t', 'container_init_t', 'container_kvm_t']);
const SELINUX_TYPES_1_31: ReadonlySet<string> = new Set([...SELINUX_TYPES_1_0, 'container_engine_t']);

/** seLinuxOptions (baseline, ≥1.0; container_engine_t allowed from v1.31) */
export const seLinuxOptions: PodCheck = (ref, version) => {
  const allowed = atLeast(version, V1_31) ? SELINUX_TYPES_1_31 : SELINUX_TYPES_1_0;
  let out = NONE;
  const inspect = (opts: unknown, base: string, subject: string): void => {
    const o = asObject(opts);
    if (!o) return;
    const type = o.type === undefined || o.type === null ? '' : String(o.type);
    if (!allowed.has(type)) out = push(out, internConcat(base, 'type'), `${subject} must not set securityContext.seLinuxOptions.type to ${quote(type)}`);
    for (const f of ['user', 'role'] as const) {
      const val = o[f];
      if (val !== undefined && val !== null && String(val).length > 0) {
        out = push(out, internConcat(base, f), `${subject} must not set securityContext.seLinuxOptions.${f}`);
      }
    }
  };
  inspect(get(ref.spec, 'securityContext', 'seLinuxOptions'), specPath(ref, 'securityContext.seLinuxOptions'), 'pod');
  for (const c of containersOf(ref)) {
    inspect(get(c.sc, 'seLinuxOptions'), cpath(ref, c, 'securityContext.seLinuxOptions'), who(c));
  }
  return out;
};

function procMountStrict(ref: PodSpecRef): Violation[] {
  let out = NONE;
  for (const c of containersOf(ref)) {
    const pm = get(c.sc, 'procMount');
    if (present(pm) && pm !== 'Default') {
      out = push(out, cpath(ref, c, 'securityContext.procMount'), `${who(c)} must not set securityContext.procMount to ${quote(String(pm))}`);
    }
  }
  return out;
}

/** procMount (baseline, ≥1.0; from v1.35 user-namespaced pods may use any procMount) */
export const procMount: PodCheck = (ref, version) => {
  if (atLeast(version, V1_35) && inUserNamespace(ref.spec)) return NONE;
  return procMountStrict(ref);
};

/** procMount_restricted (restricted, ≥1.35): no user-namespace relaxation. */
export const procMountRestricted: PodCheck = (ref) => procMountStrict(ref);

const SECCOMP_POD_ANNOTATION = 'seccomp.security.alpha.kubernetes.io/pod';
const SECCOMP_CONTAINER_ANNOTATION_PREFIX = 'container.seccomp.security.alpha.kubernetes.io/';

function validSeccompAnnotation(value: string): boolean {
  return value === 'runtime/default' || value === 'docker/default' || value.startsWith('localhost/');
}

function validSeccompType(t: unknown): boolean {
  return t === 'RuntimeDefault' || t === 'Localhost';
}

/** seccompProfile_baseline: annotations before v1.19, the securityContext fields from v1.19. */
export const seccompBaseline: PodCheck = (ref, version) => {
  let out = NONE;
  if (!atLeast(version, V1_19)) {
    const ann = asObject(ref.meta.annotations) ?? {};
    if (Object.prototype.hasOwnProperty.call(ann, SECCOMP_POD_ANNOTATION)) {
      const val = String(ann[SECCOMP_POD_ANNOTATION] ?? '');
      if (!validSeccompAnnotation(val)) {
        out = push(out, concat(ref.metaPath, `annotations[${JSON.stringify(SECCOMP_POD_ANNOTATION)}]`), `forbidden annotation ${SECCOMP_POD_ANNOTATION}=${quote(val)}`);
      }
    }
    for (const c of containersOf(ref)) {
      const key = SECCOMP_CONTAINER_ANNOTATION_PREFIX + c.name;
      if (Object.prototype.hasOwnProperty.call(ann, key)) {
        const val = String(ann[key] ?? '');
        if (!validSeccompAnnotation(val)) {
          out = push(out, concat(ref.metaPath, `annotations[${JSON.stringify(key)}]`), `forbidden annotation ${key}=${quote(val)}`);
        }
      }
    }
    return out;
  }
  const pod = get(ref.spec, 'securityContext', 'seccompProfile');
  if (present(pod) && !validSeccompType(get(pod, 'type'))) {
    out = push(out, specPath(ref, 'securityContext.seccompProfile.type'), `pod must not set securityContext.seccompProfile.type to ${quote(String(get(pod, 'type') ?? ''))}`);
  }
  for (const c of containersOf(ref)) {
    const prof = get(c.sc, 'seccompProfile');
    if (present(prof) && !validSeccompType(get(prof, 'type'))) {
      out = push(out, cpath(ref, c, 'securityContext.seccompProfile.type'), `${who(c)} must not set securityContext.seccompProfile.type to ${quote(String(get(prof, 'type') ?? ''))}`);
    }
  }
  return out;
};

const SYSCTLS_1_0 = ['kernel.shm_rmid_forced', 'net.ipv4.ip_local_port_range', 'net.ipv4.tcp_syncookies', 'net.ipv4.ping_group_range', 'net.ipv4.ip_unprivileged_port_start'];
const SYSCTLS_1_27 = [...SYSCTLS_1_0, 'net.ipv4.ip_local_reserved_ports'];
const SYSCTLS_1_29 = [...SYSCTLS_1_27, 'net.ipv4.tcp_keepalive_time', 'net.ipv4.tcp_fin_timeout', 'net.ipv4.tcp_keepalive_intvl', 'net.ipv4.tcp_keepalive_probes'];
const SYSCTLS_1_32 = [...SYSCTLS_1_29, 'net.ipv4.tcp_rmem', 'net.ipv4.tcp_wmem'];
const SYSCTLS_1_37 = [...SYSCTLS_1_32, 'net.ipv4.tcp_slow_start_after_idle', 'net.ipv4.tcp_notsent_lowat'];

/** The safe sysctls at a policy version (regulations.md §10.1, "Safe sysctl set by policy version"). */
export function safeSysctls(version: PssVersion): ReadonlySet<string> {
  if (atLeast(version, V1_37)) return SYSCTL_SETS[4];
  if (atLeast(version, V1_32)) return SYSCTL_SETS[3];
  if (atLeast(version, V1_29)) return SYSCTL_SETS[2];
  if (atLeast(version, V1_27)) return SYSCTL_SETS[1];
  return SYSCTL_SETS[0];
}
const SYSCTL_SETS: readonly ReadonlySet<string>[] = [SYSCTLS_1_0, SYSCTLS_1_27, SYSCTLS_1_29, SYSCTLS_1_32, SYSCTLS_1_37].map((a) => new Set(a));

/** sysctls (baseline, ≥1.0; the safe set grows at v1.27, v1.29, v1.32, v1.37) */
export const sysctls: PodCheck = (ref, version) => {
  const allowed = safeSysctls(version);
  let out = NONE;
  const list = asArray(get(ref.spec, 'securityContext', 'sysctls'));
  for (let i = 0; i < list.length; i++) {
    const name = get(list[i], 'name');
    const n = name === undefined || name === null ? '' : String(name);
    if (!allowed.has(n)) {
      out = push(out, specPath(ref, `securityContext.sysctls[${i}].name`), `pod must not set unsafe sysctl ${quote(n)}`);
    }
  }
  return out;
};

/** hostProbesAndHostLifecycle (baseline, ≥1.34): probes and lifecycle handlers must not set `host`. */
const PROBES = ['livenessProbe', 'readinessProbe', 'startupProbe'] as const;
const HOOKS = ['postStart', 'preStop'] as const;
const ACTIONS = ['httpGet', 'tcpSocket'] as const;

export const hostProbesAndLifecycle: PodCheck = (ref) => {
  let out = NONE;
  const inspect = (c: ContainerRef, where: string, h: unknown): void => {
    if (!isObject(h)) return;
    for (const action of ACTIONS) {
      const host = get(h, action, 'host');
      if (present(host) && host !== '') {
        out = push(out, cpath(ref, c, `${where}.${action}.host`), `${who(c)} must not set ${where}.${action}.host (${quote(String(host))})`);
      }
    }
  };
  for (const c of containersOf(ref)) {
    for (const p of PROBES) inspect(c, p, c.container[p]);
    const lc = c.container.lifecycle;
    if (isObject(lc)) for (const hk of HOOKS) inspect(c, `lifecycle.${hk}`, lc[hk]);
  }
  return out;
};

// ---------------------------------------------------------------- restricted

const ALLOWED_VOLUME_SOURCES = ['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'image', 'persistentVolumeClaim', 'projected', 'secret'] as const;

/** Every other volume source in core/v1 Volume. */
const OTHER_VOLUME_SOURCES = [
  'hostPath', 'gcePersistentDisk', 'awsElasticBlockStore', 'gitRepo', 'nfs', 'iscsi', 'glusterfs', 'rbd',
  'flexVolume', 'cinder', 'cephfs', 'flocker', 'fc', 'azureFile', 'vsphereVolume', 'quobyte', 'azureDisk',
  'photonPersistentDisk', 'portworxVolume', 'scaleIO', 'storageos',
] as const;

/**
 * restrictedVolumes (restricted, ≥1.0): only configMap, csi, downwardAPI, emptyDir, ephemeral, image,
 * persistentVolumeClaim, projected and secret volumes. A volume that names no source is defaulted to
 * emptyDir by the API server before admission, so it is allowed.
 */
export const restrictedVolumes: PodCheck = (ref) => {
  let out = NONE;
  const vols = asArray(ref.spec.volumes);
  for (let i = 0; i < vols.length; i++) {
    const vol = asObject(vols[i]);
    if (!vol) continue;
    if (ALLOWED_VOLUME_SOURCES.some((s) => present(vol[s]))) continue;
    const bad = OTHER_VOLUME_SOURCES.find((s) => present(vol[s]));
    if (bad) {
      out = push(out, specPath(ref, `volumes[${i}].${bad}`), `volume ${quote(String(vol.name ?? i))} uses restricted volume type ${quote(bad)}`);
    }
  }
  return out;
};

/** allowPrivilegeEscalation (restricted, ≥1.8; Windows pods exempt from v1.25) */
export const allowPrivilegeEscalation: PodCheck = (ref, version) => {
  if (atLeast(version, V1_25) && isWindowsPod(ref.spec)) return NONE;
  let out = NONE;
  for (const c of containersOf(ref)) {
    if (get(c.sc, 'allowPrivilegeEscalation') !== false) {
      out = push(out, cpath(ref, c, 'securityContext.allowPrivilegeEscalation'), `${who(c)} must set securityContext.allowPrivilegeEscalation=false`);
    }
  }
  return out;
};

/** runAsNonRoot (restricted, ≥1.0; from v1.35 user-namespaced pods are exempt) */
export const runAsNonRoot: PodCheck = (ref, version) => {
  if (atLeast(version, V1_35) && inUserNamespace(ref.spec)) return NONE;
  let out = NONE;
  const podVal = get(ref.spec, 'securityContext', 'runAsNonRoot');
  let podNonRoot = false;
  if (present(podVal)) {
    if (podVal !== true) out = push(out, specPath(ref, 'securityContext.runAsNonRoot'), 'pod must not set securityContext.runAsNonRoot=false');
    else podNonRoot = true;
  }
  for (const c of containersOf(ref)) {
    const cv = get(c.sc, 'runAsNonRoot');
    if (present(cv)) {
      if (cv !== true) out = push(out, cpath(ref, c, 'securityContext.runAsNonRoot'), `${who(c)} must not set securityContext.runAsNonRoot=false`);
    } else if (!podNonRoot) {
      out = push(out, cpath(ref, c, 'securityContext.runAsNonRoot'), `pod or ${who(c)} must set securityContext.runAsNonRoot=true`);
    }
  }
  return out;
};

/** runAsUser (restricted, ≥1.23; from v1.35 user-namespaced pods are exempt): uid 0 is forbidden. */
export const runAsUser: PodCheck = (ref, version) => {
  if (atLeast(version, V1_35) && inUserNamespace(ref.spec)) return NONE;
  let out = NONE;
  if (get(ref.spec, 'securityContext', 'runAsUser') === 0) {
    out = push(out, specPath(ref, 'securityContext.runAsUser'), 'pod must not set securityContext.runAsUser=0');
  }
  for (const c of containersOf(ref)) {
    if (get(c.sc, 'runAsUser') === 0) {
      out = push(out, cpath(ref, c, 'securityContext.runAsUser'), `${who(c)} must not set securityContext.runAsUser=0`);
    }
  }
  return out;
};

/** seccompProfile_restricted (restricted, ≥1.19; Windows pods exempt from v1.25) */
export const seccompRestricted: PodCheck = (ref, version) => {
  if (atLeast(version, V1_25) && isWindowsPod(ref.spec)) return NONE;
  let out = NONE;
  const pod = get(ref.spec, 'securityContext', 'seccompProfile');
  let podSet = false;
  if (present(pod)) {
    if (!validSeccompType(get(pod, 'type'))) {
      out = push(out, specPath(ref, 'securityContext.seccompProfile.type'), `pod must not set securityContext.seccompProfile.type to ${quote(String(get(pod, 'type') ?? ''))}`);
    } else podSet = true;
  }
  for (const c of containersOf(ref)) {
    const prof = get(c.sc, 'seccompProfile');
    if (present(prof)) {
      if (!validSeccompType(get(prof, 'type'))) {
        out = push(out, cpath(ref, c, 'securityContext.seccompProfile.type'), `${who(c)} must not set securityContext.seccompProfile.type to ${quote(String(get(prof, 'type') ?? ''))}`);
      }
    } else if (!podSet) {
      out = push(out, cpath(ref, c, 'securityContext.seccompProfile'), `pod or ${who(c)} must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"`);
    }
  }
  return out;
};

/** capabilities_restricted (restricted, ≥1.22; Windows pods exempt from v1.25): drop ALL, add at most NET_BIND_SERVICE. */
export const capabilitiesRestricted: PodCheck = (ref, version) => {
  if (atLeast(version, V1_25) && isWindowsPod(ref.spec)) return NONE;
  let out = NONE;
  for (const c of containersOf(ref)) {
    const caps = asObject(get(c.sc, 'capabilities'));
    const drop = asArray(caps?.drop);
    if (!drop.includes('ALL')) {
      out = push(out, cpath(ref, c, 'securityContext.capabilities.drop'), `${who(c)} must set securityContext.capabilities.drop=["ALL"]`);
    }
    const add = asArray(caps?.add);
    for (let i = 0; i < add.length; i++) {
      if (add[i] !== 'NET_BIND_SERVICE') {
        out = push(out, cpath(ref, c, `securityContext.capabilities.add[${i}]`), `${who(c)} must not add capability ${quote(String(add[i]))} (only NET_BIND_SERVICE is allowed)`);
      }
    }
  }
  return out;
};

// The shared empty result must never be written to.
Object.freeze(NONE);

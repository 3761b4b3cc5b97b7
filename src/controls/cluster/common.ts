/**
 * Building blocks shared by the cluster controls: a control over one component's flags, and readers
 * for boolean, file and list flags that apply the component's documented default when a flag is
 * absent and say so in the message.
 */
import type { CheckContext, Control, Resource, Violation } from '../../core/types.js';
import { NONE, who, workloadControl, type ControlMeta } from '../helpers.js';
import { allComponents, componentsOf, type ComponentName, type ComponentRef } from './components.js';
import { parseBool, type FlagOccurrence } from './flags.js';

export const FAMILY = 'cluster';

/** Reference documentation (pages that exist on kubernetes.io and the projects' sites). */
export const DOCS = {
  apiserver: 'https://kubernetes.io/docs/reference/command-line-tools-reference/kube-apiserver/',
  controllerManager: 'https://kubernetes.io/docs/reference/command-line-tools-reference/kube-controller-manager/',
  scheduler: 'https://kubernetes.io/docs/reference/command-line-tools-reference/kube-scheduler/',
  schedulerConfig: 'https://kubernetes.io/docs/reference/config-api/kube-scheduler-config.v1/',
  kubeletConfig: 'https://kubernetes.io/docs/reference/config-api/kubelet-config.v1beta1/',
  kubeletAuth: 'https://kubernetes.io/docs/reference/access-authn-authz/kubelet-authn-authz/',
  kubeletTlsBootstrap: 'https://kubernetes.io/docs/reference/access-authn-authz/kubelet-tls-bootstrapping/',
  certRotation: 'https://kubernetes.io/docs/tasks/tls/certificate-rotation/',
  kubeProxyConfig: 'https://kubernetes.io/docs/reference/config-api/kube-proxy-config.v1alpha1/',
  kubeProxy: 'https://kubernetes.io/docs/reference/command-line-tools-reference/kube-proxy/',
  admission: 'https://kubernetes.io/docs/reference/access-authn-authz/admission-controllers/',
  authentication: 'https://kubernetes.io/docs/reference/access-authn-authz/authentication/',
  authorization: 'https://kubernetes.io/docs/reference/access-authn-authz/authorization/',
  nodeAuthz: 'https://kubernetes.io/docs/reference/access-authn-authz/node/',
  serviceAccounts: 'https://kubernetes.io/docs/reference/access-authn-authz/service-accounts-admin/',
  auditing: 'https://kubernetes.io/docs/tasks/debug/debug-cluster/audit/',
  auditApi: 'https://kubernetes.io/docs/reference/config-api/apiserver-audit.v1/',
  encryptData: 'https://kubernetes.io/docs/tasks/administer-cluster/encrypt-data/',
  encryptionApi: 'https://kubernetes.io/docs/reference/config-api/apiserver-encryption.v1/',
  etcdForK8s: 'https://kubernetes.io/docs/tasks/administer-cluster/configure-upgrade-etcd/',
  etcdSecurity: 'https://etcd.io/docs/v3.5/op-guide/security/',
  etcdConfig: 'https://etcd.io/docs/v3.5/op-guide/configuration/',
  pki: 'https://kubernetes.io/docs/setup/best-practices/certificates/',
  seccomp: 'https://kubernetes.io/docs/tutorials/security/seccomp/',
  pidLimiting: 'https://kubernetes.io/docs/concepts/policy/pid-limiting/',
  cis: 'https://www.cisecurity.org/benchmark/kubernetes',
} as const;

/** Metadata of a cluster control (family and scope filled in). */
export type ClusterMeta = Omit<ControlMeta, 'family'>;

/**
 * A control over one component's flags, evaluated on every workload kind (static pods, kube-system
 * Pods, self-hosted Deployments/DaemonSets). Scope defaults to 'resource'.
 */
export function componentControl(meta: ClusterMeta, component: ComponentName, check: (comp: ComponentRef, ctx: CheckContext, r: Resource) => Violation[]): Control {
  const control = workloadControl({ ...meta, family: FAMILY, scope: meta.scope ?? 'resource' }, (ref, r, ctx) => {
    const comps = componentsOf(ref, component);
    if (comps.length === 0) return NONE;
    if (comps.length === 1) return check(comps[0], ctx, r);
    return comps.flatMap((comp) => check(comp, ctx, r));
  });
  // Only workloads that run the component are judged: an application Deployment says nothing about the API server.
  return {
    ...control,
    inScope: (r, ctx) => {
      // Called for every workload by every component control: no closure, no filtered copy.
      for (const ref of ctx.inventory.podSpecsOf(r)) for (const x of allComponents(ref)) if (x.name === component) return true;
      return false;
    },
  };
}

/**
 * Remediation snippet: `flags` (one per line) on the command line of the component's static pod
 * manifest, /etc/kubernetes/manifests/<component>.yaml.
 */
export function manifestSnippet(component: ComponentName, flags: string, where = 'every control plane node'): string {
  const lines = flags
    .split('\n')
    .map((l) => `    - ${l}`)
    .join('\n');
  return `In /etc/kubernetes/manifests/${component}.yaml on ${where}:\n\`\`\`yaml\nspec:\n  containers:\n  - name: ${component}\n    command:\n    - ${component}\n${lines}\n\`\`\``;
}

/** `container "kube-apiserver"` — the part of the resource a message is about. */
export function subject(comp: ComponentRef): string {
  return who(comp.c);
}

/** Where a setting was found: a flag occurrence, or (etcd) an ETCD_* environment variable. */
export interface Setting {
  /** Path of the element (or env value) holding the value. */
  path: string;
  /** The value as written; undefined for a flag given alone, or an env value taken from valueFrom. */
  raw: string | undefined;
  /** For messages: `--profiling=true`, `ETCD_CLIENT_CERT_AUTH=true`. */
  text: string;
  /** The value comes from a ConfigMap/Secret reference the scan cannot read. */
  hidden?: boolean;
  occ?: FlagOccurrence;
}

/** etcd reads a flag not given on its command line from ETCD_<FLAG_NAME>. */
export function etcdEnvName(flag: string): string {
  return `ETCD_${flag.toUpperCase().replace(/-/g, '_')}`;
}

/** The effective occurrence of a flag (the last), or for etcd its ETCD_* variable; undefined when not set. */
export function setting(comp: ComponentRef, name: string): Setting | undefined {
  const occ = comp.flags.last(name);
  if (occ !== undefined) return { path: occ.valuePath, raw: occ.value, text: occ.text, occ };
  if (comp.name === 'etcd') {
    const env = comp.env.get(etcdEnvName(name));
    // etcd uses a variable only when its value is not empty (pkg/flags setFlagFromEnv: `if val != ""`).
    if (env !== undefined && env.value !== '') {
      return env.value === undefined
        ? { path: env.path, raw: undefined, text: `${env.name} (from valueFrom)`, hidden: true }
        : { path: env.path, raw: env.value, text: `${env.name}=${env.value}` };
    }
  }
  return undefined;
}

/** A boolean setting's value: a flag given alone is true; undefined when the text is not a Go boolean. */
export function boolValue(s: Setting): boolean | undefined {
  if (s.raw === undefined) return s.hidden ? undefined : true;
  return parseBool(s.raw.trim());
}

/**
 * Requires a boolean setting to be `want`. `dflt` is the documented default when it is not set;
 * `consequence` says what the wrong value does (appended to the message).
 */
export function requireBool(comp: ComponentRef, name: string, want: boolean, dflt: boolean, consequence: string): Violation[] {
  const s = setting(comp, name);
  const who = subject(comp);
  if (s === undefined) {
    if (dflt === want) return NONE;
    return [{ path: comp.c.base, message: `${who}: --${name} is not set and defaults to ${dflt}: ${consequence}` }];
  }
  if (s.hidden) return [{ path: s.path, message: `${who}: ${s.text} cannot be verified (the value is not in the input); it must be ${want}` }];
  const v = boolValue(s);
  if (v === undefined) return [{ path: s.path, message: `${who}: ${s.text} is not a boolean, so ${comp.name} refuses to start; set --${name}=${want}` }];
  if (v === want) return NONE;
  if (s.occ?.stray !== undefined) {
    return [{ path: s.path, message: `${who}: "${s.text} ${s.occ.stray}" sets --${name} to true (a boolean flag takes its value only as --${name}=${want}): ${consequence}` }];
  }
  return [{ path: s.path, message: `${who}: ${s.text}: ${consequence}` }];
}

/** Requires a file (or other string) flag to be set to a non-empty value. */
export function requireSet(comp: ComponentRef, name: string, consequence: string): Violation[] {
  const s = setting(comp, name);
  const who = subject(comp);
  if (s === undefined) return [{ path: comp.c.base, message: `${who}: --${name} is not set: ${consequence}` }];
  if (s.hidden) return NONE;
  if (s.raw === undefined) return [{ path: s.path, message: `${who}: --${name} is given without a value: ${consequence}` }];
  if (s.occ?.swallowed) return [{ path: s.path, message: `${who}: --${name} is followed by ${JSON.stringify(s.raw)}, which ${comp.name} takes as the value of --${name} (not as a flag): ${consequence}` }];
  if (s.raw.trim() === '' || s.raw.trim() === '""' || s.raw.trim() === "''") return [{ path: s.path, message: `${who}: --${name} is set to an empty value: ${consequence}` }];
  return NONE;
}

/** The non-empty string value of a flag, if any. */
export function stringValue(comp: ComponentRef, name: string): string | undefined {
  const s = setting(comp, name);
  if (s === undefined || s.raw === undefined || s.occ?.swallowed) return undefined;
  const v = s.raw.trim();
  return v === '' ? undefined : v;
}

export function concatAll(...lists: Violation[][]): Violation[] {
  let out = NONE;
  for (const l of lists) {
    if (l.length === 0) continue;
    if (out === NONE) out = l.slice();
    else out.push(...l);
  }
  return out;
}

/** Whether an address (host or host:port) is a loopback address. */
export function isLoopbackHost(host: string): boolean {
  const h = host.trim().toLowerCase().replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/** The host part of `host:port`, `[v6]:port`, `host` or `:port` (empty string: all interfaces). */
export function hostOf(addr: string): string {
  const a = addr.trim();
  if (a.startsWith('[')) {
    const end = a.indexOf(']');
    return end < 0 ? a.slice(1) : a.slice(1, end);
  }
  const colons = a.split(':').length - 1;
  if (colons === 1) return a.slice(0, a.indexOf(':'));
  return a; // a bare host, or a bare IPv6 address
}

/** Whether a bind address listens on every interface (empty, 0.0.0.0, ::). */
export function isUnspecifiedHost(host: string): boolean {
  const h = host.trim();
  return h === '' || h === '0.0.0.0' || h === '::' || h === '0:0:0:0:0:0:0:0';
}

/** Basename of a path (`/etc/kubernetes/authz.yaml` → `authz.yaml`). */
export function baseName(p: string): string {
  const i = Math.max(p.lastIndexOf('/'), p.lastIndexOf('\\'));
  return i >= 0 ? p.slice(i + 1) : p;
}

/**
 * Configuration objects of `kind` (apiVersion in `group`) in the input that a flag pointing at
 * `file` can mean: the only one, or those whose source file has the same name (all when none does).
 */
export function configsFor(ctx: CheckContext, kind: string, group: string, file: string): readonly Resource[] {
  const all = ctx.inventory.byKind(kind).filter((r) => r.apiVersion.startsWith(group));
  if (all.length <= 1) return all;
  const want = baseName(file);
  const same = all.filter((r) => baseName(r.origin.file) === want);
  return same.length > 0 ? same : all;
}

/**
 * Finds the control-plane components (kube-apiserver, kube-controller-manager, kube-scheduler,
 * etcd) and kube-proxy in pod specs — kubeadm static pod manifests (/etc/kubernetes/manifests), the
 * kube-system Pods of `kubectl get pods -n kube-system -o yaml`, or self-hosted Deployments and
 * DaemonSets — and parses their flags.
 *
 * A container is a component when its command line runs the component's binary: the first element
 * (`kube-apiserver`, `/usr/local/bin/kube-apiserver`), after a wrapper (`tini --`, `dumb-init`,
 * `hyperkube kube-apiserver`) or inside `sh -c "…"`. When no container does, the `component` label
 * kubeadm puts on its static pods (`k8s-app` for kube-proxy) names it, and the container of that
 * name (or the pod's only container) is taken, its whole command line being the component's flags
 * (the image's entrypoint being the binary).
 *
 * Only long-running containers count: regular containers and restartable init containers
 * (sidecars, `restartPolicy: Always`). Plain init containers and ephemeral debug containers that
 * happen to run the binary (`kube-apiserver --version`, a debugging shell) are not the component.
 *
 * Results are cached per pod spec object, so the thirty-odd cluster controls parse each command
 * line once.
 */
import { asArray, asObject, asString, containersOf, isObject, type ContainerRef } from '../../core/podspec.js';
import type { PodSpecRef } from '../../core/types.js';
import { cpath } from '../helpers.js';
import { findProgram, flagsOf, type ArgElement, type FlagSyntax, type ParsedFlags } from './flags.js';

export type ComponentName = 'kube-apiserver' | 'kube-controller-manager' | 'kube-scheduler' | 'etcd' | 'kube-proxy';

const BINARIES: ReadonlySet<string> = new Set<ComponentName>(['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'etcd', 'kube-proxy']);

/** `hyperkube <name>`: the short names hyperkube accepted besides the binary names. */
const HYPERKUBE_ALIASES: Readonly<Record<string, ComponentName>> = {
  apiserver: 'kube-apiserver',
  'controller-manager': 'kube-controller-manager',
  scheduler: 'kube-scheduler',
  proxy: 'kube-proxy',
};

/** Boolean flags (given alone they mean true; they never take the next element as value). */
const BOOLEANS: Readonly<Record<ComponentName, FlagSyntax>> = {
  'kube-apiserver': {
    booleans: new Set([
      'anonymous-auth', 'profiling', 'contention-profiling', 'service-account-lookup', 'service-account-extend-token-expiration',
      'allow-privileged', 'enable-bootstrap-token-auth', 'enable-aggregator-routing', 'enable-garbage-collector',
      'enable-priority-and-fairness', 'audit-log-compress', 'audit-log-truncate-enabled', 'audit-webhook-truncate-enabled',
      'audit-log-batch-throttle-enable', 'audit-webhook-batch-throttle-enable', 'watch-cache', 'permit-port-sharing',
      'permit-address-sharing', 'enable-logs-handler', 'logtostderr', 'alsologtostderr', 'help', 'version',
    ]),
  },
  'kube-controller-manager': {
    booleans: new Set([
      'profiling', 'contention-profiling', 'use-service-account-credentials', 'leader-elect', 'allocate-node-cidrs',
      'configure-cloud-routes', 'enable-garbage-collector', 'enable-hostpath-provisioner', 'enable-dynamic-provisioning',
      'authentication-skip-lookup', 'authentication-tolerate-lookup-failure', 'permit-port-sharing', 'permit-address-sharing',
      'logtostderr', 'alsologtostderr', 'help', 'version',
    ]),
  },
  'kube-scheduler': {
    booleans: new Set([
      'profiling', 'contention-profiling', 'leader-elect', 'authentication-skip-lookup', 'authentication-tolerate-lookup-failure',
      'permit-port-sharing', 'permit-address-sharing', 'logtostderr', 'alsologtostderr', 'help', 'version',
    ]),
  },
  etcd: {
    goFlag: true,
    booleans: new Set([
      'client-cert-auth', 'auto-tls', 'peer-client-cert-auth', 'peer-auto-tls', 'enable-pprof', 'strict-reconfig-check',
      'pre-vote', 'enable-v2', 'force-new-cluster', 'unsafe-no-fsync', 'socket-reuse-port', 'socket-reuse-address',
      'enable-log-rotation', 'initial-election-tick-advance', 'experimental-initial-corrupt-check', 'version', 'help',
    ]),
  },
  'kube-proxy': {
    booleans: new Set(['profiling', 'masquerade-all', 'cleanup', 'bind-address-hard-fail', 'logtostderr', 'alsologtostderr', 'help', 'version']),
  },
};

/** A value of an etcd `ETCD_*` environment variable (etcd reads flags not given on the command line from them). */
export interface EnvSetting {
  name: string;
  /** undefined when the value comes from `valueFrom` (a ConfigMap or Secret the scan cannot see). */
  value: string | undefined;
  path: string;
}

/** One component found in a pod spec. */
export interface ComponentRef {
  name: ComponentName;
  c: ContainerRef;
  ref: PodSpecRef;
  flags: ParsedFlags;
  /** How it was recognised. */
  via: 'command' | 'label';
  /** Path of the `sh -c` script element the flags came from, when they did. */
  scriptPath?: string;
  /** The container's plain `env` values by name (etcd reads ETCD_* variables). */
  env: ReadonlyMap<string, EnvSetting>;
}

function recognise(name: string, afterHyperkube: boolean): string | undefined {
  if (BINARIES.has(name)) return name;
  return afterHyperkube ? HYPERKUBE_ALIASES[name] : undefined;
}

/** command + args as elements with their paths; numbers and booleans are read as the text they stand for. */
export function commandLine(c: ContainerRef): ArgElement[] {
  const out: ArgElement[] = [];
  for (const field of ['command', 'args'] as const) {
    const list = asArray(c.container[field]);
    for (let i = 0; i < list.length; i++) {
      const v = list[i];
      if (typeof v === 'string') out.push({ value: v, path: cpath(c, `${field}[${i}]`) });
      else if (typeof v === 'number' || typeof v === 'boolean') out.push({ value: String(v), path: cpath(c, `${field}[${i}]`) });
    }
  }
  return out;
}

function envOf(c: ContainerRef): Map<string, EnvSetting> {
  const out = new Map<string, EnvSetting>();
  const list = asArray(c.container.env);
  for (let i = 0; i < list.length; i++) {
    const e = asObject(list[i]);
    const name = asString(e?.name);
    if (!e || !name) continue;
    const v = e.value;
    const value = typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : isObject(e.valueFrom) ? undefined : '';
    out.set(name, { name, value, path: cpath(c, isObject(e.valueFrom) && v === undefined ? `env[${i}].valueFrom` : `env[${i}].value`) });
  }
  return out;
}

function longRunning(c: ContainerRef): boolean {
  return c.kind === 'containers' || (c.kind === 'initContainers' && c.container.restartPolicy === 'Always');
}

// Cached on the pod spec itself, not in a WeakMap: the thirty-odd cluster controls ask about every
// workload, and a WeakMap entry per pod spec (an ephemeron) is work for every young-generation GC.
const COMPONENTS = Symbol('components');
type WithComponents = PodSpecRef & { [COMPONENTS]?: ComponentRef[] };

/** Every component in a pod spec (usually none, or one). */
export function allComponents(ref: PodSpecRef): ComponentRef[] {
  let found = (ref as WithComponents)[COMPONENTS];
  if (found !== undefined) return found;
  found = [];
  const containers = containersOf(ref).filter(longRunning);
  for (const c of containers) {
    const elems = commandLine(c);
    if (elems.length === 0) continue;
    const m = findProgram(elems, recognise);
    if (!m) continue;
    const name = m.program as ComponentName;
    found.push({ name, c, ref, flags: flagsOf(m, BOOLEANS[name]), via: 'command', ...(m.scriptPath ? { scriptPath: m.scriptPath } : {}), env: envOf(c) });
  }
  const labelled = labelledComponent(ref);
  if (labelled !== undefined && !found.some((f) => f.name === labelled)) {
    const c = containers.find((x) => x.name === labelled) ?? (containers.filter((x) => x.kind === 'containers').length === 1 ? containers.find((x) => x.kind === 'containers') : undefined);
    if (c !== undefined) {
      const elems = commandLine(c);
      // The image's entrypoint is the binary; a leading program word (a wrapper script) is skipped.
      const start = elems.length > 0 && !elems[0].value.startsWith('-') ? 1 : 0;
      found.push({ name: labelled, c, ref, flags: flagsOf({ program: labelled, elems, start }, BOOLEANS[labelled]), via: 'label', env: envOf(c) });
    }
  }
  (ref as WithComponents)[COMPONENTS] = found;
  return found;
}

/** The component a pod's labels name (kubeadm: `component: kube-apiserver`; kube-proxy: `k8s-app: kube-proxy`). */
function labelledComponent(ref: PodSpecRef): ComponentName | undefined {
  const labels = asObject(ref.meta.labels);
  if (!labels) return undefined;
  const comp = labels.component;
  if (typeof comp === 'string' && BINARIES.has(comp)) return comp as ComponentName;
  if (labels['k8s-app'] === 'kube-proxy') return 'kube-proxy';
  return undefined;
}

/** The components of one kind in a pod spec. */
export function componentsOf(ref: PodSpecRef, name: ComponentName): ComponentRef[] {
  const all = allComponents(ref);
  if (all.length === 0) return all;
  return all.filter((x) => x.name === name);
}

/**
 * The network model of a scan, built once (ctx.inventory.memo) and shared by the network controls:
 * NetworkPolicies by namespace with their effective policy types, the namespaces to consider, and
 * where a namespace-level finding is reported.
 *
 * NetworkPolicy semantics follow the Kubernetes API (networking.k8s.io/v1):
 *  - `podSelector` absent or null is the empty selector `{}` (every pod of the policy's namespace);
 *  - `policyTypes` absent, null or empty is defaulted by the API server (SetDefaults_NetworkPolicy):
 *    Ingress always, plus Egress only when the policy has at least one egress rule. So a policy with
 *    no egress rules restricts egress only if it lists Egress explicitly;
 *  - rules of a direction the policy does not have in its policy types are ignored by plugins;
 *  - a pod is isolated for a direction as soon as one policy with that type selects it; what is
 *    allowed is the union of the rules of all policies selecting it;
 *  - a `null` list entry decodes to the zero value (a rule with no peers and no ports: everything);
 *  - the API server rejects a peer that names none of podSelector/namespaceSelector/ipBlock ("must
 *    specify a peer") or combines ipBlock with a selector. Policies it would reject, or that cannot
 *    be decoded (wrong types), are kept with `invalid` set and never count as protection.
 *
 * Namespaces considered for namespace-wide expectations (default deny, every workload selected): the
 * names of Namespace objects in the input plus the namespaces that hold workloads (PodTemplate does
 * not run pods and does not count). kube-system, kube-public and kube-node-lease are skipped
 * (SYSTEM_NAMESPACES): kube-public and kube-node-lease hold no pods, and kube-system holds the
 * distribution's control-plane and node add-ons (DNS, CNI, kube-proxy, mostly host-network pods that
 * NetworkPolicy does not isolate) whose network rules belong to the platform, where a blanket default
 * deny is a common cause of cluster-wide DNS and CNI outages. Controls that a namespace opts into by a
 * label or annotation (cardholder segmentation, service mesh) check that namespace whatever its name.
 *
 * A namespace-level finding is reported on the Namespace object when the input has it; otherwise on
 * the first workload of that namespace in input order, so it is reported exactly once.
 */
import { WORKLOAD_KINDS } from '../../core/kinds.js';
import { asArray, isObject, present } from '../../core/podspec.js';
import { selectorMatches, selectsAll, type Labels } from '../../core/selector.js';
import type { CheckContext, JsonObject, Resource } from '../../core/types.js';
import { shortList, SYSTEM_NAMESPACES } from '../helpers.js';
import { describeReach, reach, type Block } from './cidr.js';

/** Workload kinds that run pods (a PodTemplate is only a template). */
export const RUNNING_WORKLOAD_KINDS: readonly string[] = WORKLOAD_KINDS.filter((k) => k !== 'PodTemplate');
const RUNNING = new Set(RUNNING_WORKLOAD_KINDS);

export type Direction = 'ingress' | 'egress';

export interface PolicyTypes {
  ingress: boolean;
  egress: boolean;
}

const EMPTY_SELECTOR: JsonObject = Object.freeze({}) as JsonObject;

/**
 * The policy types the API server stores for `spec` (defaulting included), or undefined when the
 * field holds something it rejects.
 */
export function effectiveTypes(spec: JsonObject): PolicyTypes | undefined {
  const pt = spec.policyTypes;
  if (pt === undefined || pt === null || (Array.isArray(pt) && pt.length === 0)) {
    return { ingress: true, egress: Array.isArray(spec.egress) && spec.egress.length > 0 };
  }
  if (!Array.isArray(pt)) return undefined;
  const out: PolicyTypes = { ingress: false, egress: false };
  for (const t of pt) {
    if (t === 'Ingress') out.ingress = true;
    else if (t === 'Egress') out.egress = true;
    else return undefined;
  }
  return out;
}

export interface PolicyInfo {
  resource: Resource;
  /** Why the API server would reject (or could not decode) the policy; undefined when valid as far as modelled. */
  invalid?: string;
  /** Effective policy types; both false for an invalid policy. */
  types: PolicyTypes;
  /** The pod selector, `{}` when absent. */
  podSelector: JsonObject;
  selectsAll: boolean;
  ingressRules: unknown[];
  egressRules: unknown[];
}

const PEER_KEYS = ['podSelector', 'namespaceSelector', 'ipBlock'] as const;

/** Why a rule list is invalid, or undefined. */
function ruleListProblem(list: unknown, dir: Direction): string | undefined {
  if (!present(list)) return undefined;
  if (!Array.isArray(list)) return `${dir} is not a list`;
  const peersKey = dir === 'ingress' ? 'from' : 'to';
  for (let i = 0; i < list.length; i++) {
    const rule = list[i];
    if (rule === null) continue;
    if (!isObject(rule)) return `${dir}[${i}] is not an object`;
    const peers = rule[peersKey];
    if (!present(peers)) continue;
    if (!Array.isArray(peers)) return `${dir}[${i}].${peersKey} is not a list`;
    for (let j = 0; j < peers.length; j++) {
      const peer = peers[j];
      if (peer !== null && !isObject(peer)) return `${dir}[${i}].${peersKey}[${j}] is not an object`;
      const set = PEER_KEYS.filter((k) => isObject(peer) && present(peer[k]));
      if (set.length === 0) return `${dir}[${i}].${peersKey}[${j}] specifies no peer`;
      for (const k of set) if (!isObject((peer as JsonObject)[k])) return `${dir}[${i}].${peersKey}[${j}].${k} is not an object`;
      if (set.length > 1 && set.includes('ipBlock')) return `${dir}[${i}].${peersKey}[${j}] combines ipBlock with a selector`;
    }
  }
  return undefined;
}

/** A NetworkPolicy as the API server and the network plugins read it. Never throws. */
export function readPolicy(r: Resource): PolicyInfo {
  const raw = r.object.spec;
  const none: PolicyTypes = { ingress: false, egress: false };
  if (present(raw) && !isObject(raw)) {
    return { resource: r, invalid: 'spec is not an object', types: none, podSelector: EMPTY_SELECTOR, selectsAll: false, ingressRules: [], egressRules: [] };
  }
  const spec: JsonObject = isObject(raw) ? raw : EMPTY_SELECTOR;
  const ps = spec.podSelector;
  const podSelector = present(ps) ? (isObject(ps) ? ps : undefined) : EMPTY_SELECTOR;
  const types = effectiveTypes(spec);
  let invalid: string | undefined;
  if (!podSelector) invalid = 'podSelector is not a label selector';
  else if (!types) invalid = 'policyTypes is not a list of "Ingress" and "Egress"';
  else invalid = ruleListProblem(spec.ingress, 'ingress') ?? ruleListProblem(spec.egress, 'egress');
  const info: PolicyInfo = {
    resource: r,
    types: invalid || !types ? none : types,
    podSelector: podSelector ?? EMPTY_SELECTOR,
    selectsAll: !invalid && selectsAll(podSelector ?? EMPTY_SELECTOR),
    ingressRules: asArray(spec.ingress),
    egressRules: asArray(spec.egress),
  };
  if (invalid) info.invalid = invalid;
  return info;
}

/** Rules of one direction. */
export function rulesOf(p: PolicyInfo, dir: Direction): unknown[] {
  return dir === 'ingress' ? p.ingressRules : p.egressRules;
}

/** Selects every pod of its namespace, has the direction in its policy types, and allows nothing in it. */
export function isDefaultDeny(p: PolicyInfo, dir: Direction): boolean {
  return p.invalid === undefined && p.selectsAll && p.types[dir] && rulesOf(p, dir).length === 0;
}

/** True when the policy (valid) selects pods with these labels. */
export function selects(p: PolicyInfo, labels: Labels | undefined): boolean {
  return p.invalid === undefined && (p.selectsAll || selectorMatches(p.podSelector, labels));
}

/**
 * How a rule's `ports` leave every port open — "on every port" (absent or empty list), "on every TCP
 * port" (an entry without a port: every port of its protocol, TCP by default; a null entry is that
 * zero value), "on ports 1-65535/TCP" — or undefined when they restrict the ports.
 */
export function openPorts(ports: unknown): string | undefined {
  if (!present(ports)) return 'on every port';
  if (!Array.isArray(ports)) return undefined;
  if (ports.length === 0) return 'on every port';
  for (const p of ports) {
    if (p !== null && !isObject(p)) continue;
    const proto = p !== null && typeof p.protocol === 'string' ? p.protocol : 'TCP';
    if (p === null || !present(p.port)) return `on every ${proto} port`;
    if (typeof p.port === 'number' && p.port <= 1 && typeof p.endPort === 'number' && p.endPort >= 65535) return `on ports ${p.port}-${p.endPort}/${proto}`;
  }
  return undefined;
}

/** A reason a rule admits every peer of its direction, with the path it is reported at. */
export interface OpenPeer {
  path: string;
  what: string;
}

function peerIsEmpty(peer: unknown): boolean {
  return peer === null || (isObject(peer) && !PEER_KEYS.some((k) => present(peer[k])));
}

/**
 * Why an ingress (`from`) or egress (`to`) rule admits everything, whatever its ports:
 *  - no peers (absent, null or empty list): every source / destination, in the cluster and outside;
 *  - an empty peer (`{}` or null): invalid (the API server requires a peer), and written as "everything";
 *  - ingress only: a `namespaceSelector` selecting every namespace with no `podSelector` or an empty
 *    one: every pod of every namespace. (A lone `podSelector: {}` — every pod of the policy's own
 *    namespace — is the usual "allow within the namespace" rule and is not reported. For egress, "to
 *    every pod" keeps the traffic inside the cluster and is not reported either.)
 *  - the rule's ipBlocks together (except lists applied) cover at least half of the public IPv4 or
 *    IPv6 address space (see cidr.ts): `0.0.0.0/0`, `::/0`, `0.0.0.0/0` except private ranges, …
 * `rulePath` is the rule's full path, e.g. `spec.ingress[0]`.
 */
export function openPeers(rule: unknown, rulePath: string, dir: Direction): OpenPeer[] {
  const key = dir === 'ingress' ? 'from' : 'to';
  const everything = dir === 'ingress' ? 'every source' : 'every destination';
  if (rule === null || rule === undefined) return [{ path: rulePath, what: `${everything} (the rule is empty)` }];
  if (!isObject(rule)) return [];
  const peers = rule[key];
  if (!present(peers)) return [{ path: rulePath, what: `${everything} (no "${key}")` }];
  if (!Array.isArray(peers)) return [];
  if (peers.length === 0) return [{ path: `${rulePath}.${key}`, what: `${everything} ("${key}" is empty)` }];
  const out: OpenPeer[] = [];
  const blocks: { block: Block; path: string }[] = [];
  for (let j = 0; j < peers.length; j++) {
    const peer = peers[j];
    const peerPath = `${rulePath}.${key}[${j}]`;
    if (peerIsEmpty(peer)) {
      out.push({ path: peerPath, what: `${everything} (empty peer; the API server rejects it: "must specify a peer")` });
      continue;
    }
    if (!isObject(peer)) continue;
    if (dir === 'ingress' && present(peer.namespaceSelector) && selectsAll(peer.namespaceSelector) && (!present(peer.podSelector) || selectsAll(peer.podSelector))) {
      out.push({ path: `${peerPath}.namespaceSelector`, what: 'every pod of every namespace (namespaceSelector: {})' });
      continue;
    }
    const ib = peer.ipBlock;
    if (isObject(ib)) blocks.push({ block: { cidr: ib.cidr, except: ib.except }, path: `${peerPath}.ipBlock` });
  }
  if (blocks.length > 0) {
    // Each block that is wide on its own, at its path; otherwise the blocks together, at the peer list.
    let single = false;
    for (const b of blocks) {
      const r = reach([b.block]);
      if (!r.wide) continue;
      single = true;
      out.push({ path: b.path, what: `${describeBlock(b.block)} (${describeReach(r)})` });
    }
    if (!single && blocks.length > 1) {
      const all = reach(blocks.map((b) => b.block));
      if (all.wide) out.push({ path: `${rulePath}.${key}`, what: `${blocks.length} ipBlocks that together cover ${describeReach(all)}` });
    }
  }
  return out;
}

function describeBlock(b: Block): string {
  const cidr = typeof b.cidr === 'string' ? b.cidr : String(b.cidr);
  const except = Array.isArray(b.except) ? b.except.filter((x): x is string => typeof x === 'string') : [];
  if (except.length === 0) return `ipBlock ${cidr}`;
  return `ipBlock ${cidr} except ${shortList(except)}`;
}

export interface NetworkModel {
  /** Every NetworkPolicy (valid or not) by namespace, in input order. */
  policies: ReadonlyMap<string, readonly PolicyInfo[]>;
  /** Namespace objects of the input by name. */
  namespaceObjects: ReadonlyMap<string, readonly Resource[]>;
  /** The first workload (running kinds) of each namespace, in input order. */
  firstWorkload: ReadonlyMap<string, Resource>;
}

const NO_POLICIES: readonly PolicyInfo[] = Object.freeze([]) as readonly PolicyInfo[];

/** The network model of this scan (built once). */
export function networkModel(ctx: CheckContext): NetworkModel {
  return ctx.inventory.memo('network/model', () => {
    const policies = new Map<string, PolicyInfo[]>();
    for (const r of ctx.inventory.byKind('NetworkPolicy')) {
      if (r.namespace === undefined) continue;
      let l = policies.get(r.namespace);
      if (!l) policies.set(r.namespace, (l = []));
      l.push(readPolicy(r));
    }
    const namespaceObjects = new Map<string, Resource[]>();
    for (const r of ctx.inventory.byKind('Namespace')) {
      const name = namespaceObjectName(r);
      if (name === undefined) continue;
      let l = namespaceObjects.get(name);
      if (!l) namespaceObjects.set(name, (l = []));
      l.push(r);
    }
    const firstWorkload = new Map<string, Resource>();
    for (const r of ctx.inventory.resources) {
      if (r.namespace !== undefined && RUNNING.has(r.kind) && !firstWorkload.has(r.namespace)) firstWorkload.set(r.namespace, r);
    }
    return { policies, namespaceObjects, firstWorkload };
  });
}

/** The name a Namespace object declares, or undefined when it has none. */
export function namespaceObjectName(r: Resource): string | undefined {
  const n = r.metadata.name;
  return typeof n === 'string' && n !== '' ? n : undefined;
}

export function policiesIn(m: NetworkModel, ns: string): readonly PolicyInfo[] {
  return m.policies.get(ns) ?? NO_POLICIES;
}

/** The first valid default-deny policy of the direction in `ns`. */
export function defaultDenyPolicy(m: NetworkModel, ns: string, dir: Direction): PolicyInfo | undefined {
  return policiesIn(m, ns).find((p) => isDefaultDeny(p, dir));
}

/** Where a namespace-level finding about `target` goes: the namespace and the path, or undefined when not on `target`. */
export function namespaceFindingTarget(m: NetworkModel, target: Resource, skipSystem: boolean): { ns: string; path: string; onWorkload: boolean } | undefined {
  if (target.kind === 'Namespace') {
    const ns = namespaceObjectName(target);
    if (ns === undefined || (skipSystem && SYSTEM_NAMESPACES.has(ns))) return undefined;
    return { ns, path: 'metadata.name', onWorkload: false };
  }
  const ns = target.namespace;
  if (ns === undefined || (skipSystem && SYSTEM_NAMESPACES.has(ns))) return undefined;
  if (m.namespaceObjects.has(ns) || m.firstWorkload.get(ns) !== target) return undefined;
  return { ns, path: 'metadata.namespace', onWorkload: true };
}

/** Labels of an object's `labels` field, or undefined when it is not a map. */
export function labelsOf(meta: unknown): Labels | undefined {
  if (!isObject(meta)) return undefined;
  const l = meta.labels;
  return isObject(l) ? l : undefined;
}

/** `app=web, tier=api` (at most three), or `no labels`. */
export function describeLabels(labels: Labels | undefined): string {
  const entries = labels ? Object.entries(labels) : [];
  if (entries.length === 0) return 'no labels';
  return shortList(entries.map(([k, v]) => `${k}=${String(v)}`));
}

/**
 * The cluster's inventory SBOM (a KBOM), from manifests or a scan: workloads → the images they run
 * (digests where pinned) → the Kubernetes components those images are, plus what Node objects report.
 *
 * - Subject: the cluster (type `platform`, name from the options, version: the lowest kube-apiserver
 *   version found, else the lowest kubelet version).
 * - Workloads: one `application` component per Pod, Deployment, StatefulSet, DaemonSet, Job, CronJob,
 *   ReplicaSet, ReplicationController, named `<Kind>/<namespace>/<name>`. A workload controlled by
 *   another workload of the input (a ReplicaSet of a Deployment, its Pods) is represented by that
 *   owner and not listed again.
 * - Images: one `container` component per distinct image (init, regular and ephemeral containers and
 *   image volumes), named by the fully qualified repository; version: the tag, else the digest;
 *   the digest is also the component's hash. purl: `pkg:oci/<last path segment>@<digest>?repository_url=<registry/repository>&tag=<tag>`
 *   when pinned, the same without version when not (purl-spec's `oci` type). `nginx` and
 *   `docker.io/library/nginx:latest` are the same image; each spelling is kept in a
 *   `kubecomply:image:reference` property.
 * - Kubernetes components, recognised by image repository: control plane (kube-apiserver,
 *   kube-controller-manager, kube-scheduler, etcd), kube-proxy, CoreDNS, CNIs (Calico, Cilium,
 *   Flannel) and common add-ons (ingress-nginx, cert-manager, metrics-server, kube-state-metrics),
 *   versions from the image tag. They get Go module purls, which is what vulnerability databases
 *   (OSV, GitHub advisories) key these projects by: the core components are
 *   `pkg:golang/k8s.io/kubernetes@v1.31.0#cmd/kube-apiserver` (the subpath keeps components built from
 *   the one module apart). Trivy's KBOM instead writes `pkg:k8s/k8s.io%2Fapiserver@1.31.0`, a type the
 *   purl specification does not define; the name and version here carry the same facts.
 * - Nodes (when Node objects are in the input): a `platform` component per node, and components for
 *   the kubelet, the container runtime, the OS image and the kernel from `status.nodeInfo`, shared by
 *   the nodes that report the same version.
 *
 * Dependencies: cluster → workloads, Kubernetes components and nodes; workload → images; Kubernetes
 * component → its images; node → kubelet, runtime, OS, kernel. Images get no entry of their own:
 * their contents are not known here (an image SBOM says them).
 */
import { extractPodSpecs, isObject } from '../../core/inventory.js';
import { isWorkloadKind } from '../../core/kinds.js';
import { asArray, asObject, asString, containersOf } from '../../core/podspec.js';
import { displayName, type JsonObject, type Resource } from '../../core/types.js';
import { TOOL } from '../../core/version.js';
import { parseImageReference, type ImageReference } from '../../core/image-reference.js';
import { formatPurl } from '../purl.js';
import { compareVersions } from './diff.js';
import type { Component, HashAlg, Property, Sbom } from './model.js';

export interface InventorySbomOptions {
  /** The cluster's name (default `cluster`). */
  name?: string;
  /** Creation time (default: now). */
  now?: Date;
}

type Role = 'control-plane' | 'node' | 'dns' | 'cni' | 'addon';

interface ComponentRule {
  /** Component name, e.g. `kube-apiserver`. */
  id: string;
  role: Role;
  /** Matches the repository path inside the registry (`kube-apiserver`, `calico/node`). */
  match: (repoPath: string, last: string) => boolean;
  /** The component version from an image tag; undefined when the tag is not a version. */
  version?: (tag: string) => string | undefined;
  /** Go module path for a version (`v`-prefixed), and the package subpath if any. */
  module: (goVersion: string) => { path: string; subpath?: string };
}

const ARCH_SUFFIX = '(?:-(?:amd64|arm64|arm|ppc64le|s390x))?';
const VERSION_TAG_RE = /^v?\d+(?:\.\d+)+(?:[-+][0-9A-Za-z.+_-]*)?$/;

const versionTag = (tag: string): string | undefined => (VERSION_TAG_RE.test(tag) ? tag : undefined);

function core(id: string, role: Role): ComponentRule {
  const re = new RegExp(`^${id}${ARCH_SUFFIX}$`);
  return { id, role, match: (_p, last) => re.test(last), module: () => ({ path: 'k8s.io/kubernetes', subpath: `cmd/${id}` }) };
}

const major = (goVersion: string): number => Number(/^v(\d+)/.exec(goVersion)?.[1] ?? 0);
const minor = (goVersion: string): number => Number(/^v\d+\.(\d+)/.exec(goVersion)?.[1] ?? 0);

/** Recognised Kubernetes components, by image repository. */
export const KUBERNETES_COMPONENT_RULES: readonly ComponentRule[] = [
  core('kube-apiserver', 'control-plane'),
  core('kube-controller-manager', 'control-plane'),
  core('kube-scheduler', 'control-plane'),
  core('kube-proxy', 'node'),
  {
    id: 'etcd',
    role: 'control-plane',
    match: (_p, last) => new RegExp(`^etcd${ARCH_SUFFIX}$`).test(last),
    // kubeadm's etcd images carry an image revision: 3.5.15-0 is etcd 3.5.15.
    version: (tag) => versionTag(tag)?.replace(/^(v?\d+\.\d+\.\d+)-\d+$/, '$1'),
    module: (v) => ({ path: major(v) === 3 && minor(v) >= 5 ? 'go.etcd.io/etcd/server/v3' : 'go.etcd.io/etcd' }),
  },
  { id: 'coredns', role: 'dns', match: (_p, last) => last === 'coredns', module: () => ({ path: 'github.com/coredns/coredns' }) },
  {
    id: 'calico',
    role: 'cni',
    match: (p) => /(?:^|\/)calico\/(?:node|cni|kube-controllers|typha|apiserver|pod2daemon-flexvol|csi|node-driver-registrar|dikastes)$/.test(p),
    module: () => ({ path: 'github.com/projectcalico/calico' }),
  },
  {
    id: 'cilium',
    role: 'cni',
    match: (p) => /(?:^|\/)cilium\/(?:cilium|operator|operator-generic|operator-aws|operator-azure|operator-alibabacloud|hubble-relay|clustermesh-apiserver)$/.test(p),
    module: () => ({ path: 'github.com/cilium/cilium' }),
  },
  { id: 'flannel', role: 'cni', match: (_p, last) => last === 'flannel' || last === 'mirrored-flannelcni-flannel', module: () => ({ path: 'github.com/flannel-io/flannel' }) },
  {
    id: 'ingress-nginx',
    role: 'addon',
    match: (p, last) => /(?:^|\/)ingress-nginx\/(?:controller|controller-chroot)$/.test(p) || last === 'nginx-ingress-controller',
    module: () => ({ path: 'k8s.io/ingress-nginx' }),
  },
  {
    id: 'cert-manager',
    role: 'addon',
    match: (_p, last) => /^cert-manager-(?:controller|webhook|cainjector|acmesolver|startupapicheck)$/.test(last),
    module: () => ({ path: 'github.com/cert-manager/cert-manager' }),
  },
  { id: 'metrics-server', role: 'addon', match: (_p, last) => last === 'metrics-server', module: () => ({ path: 'sigs.k8s.io/metrics-server' }) },
  {
    id: 'kube-state-metrics',
    role: 'addon',
    match: (_p, last) => last === 'kube-state-metrics',
    module: (v) => ({ path: major(v) >= 2 ? `k8s.io/kube-state-metrics/v${major(v)}` : 'k8s.io/kube-state-metrics' }),
  },
];

/**
 * A Go module version for a component version: `v` prefixed; vendor build suffixes (`-eks-1552ad0`,
 * `+k3s1`) dropped, since the module version they are built from is what advisories name; pre-release
 * suffixes (`-rc.1`) kept.
 */
export function goModuleVersion(version: string): string | undefined {
  const m = /^v?(\d+\.\d+\.\d+)(-(?:alpha|beta|rc)\.\d+)?/.exec(version);
  if (!m) return undefined;
  return `v${m[1]}${m[2] ?? ''}`;
}

function goPurl(path: string, version: string | undefined, subpath?: string): string {
  const segments = path.split('/');
  const name = segments.pop()!;
  const p: Parameters<typeof formatPurl>[0] = { type: 'golang', name, qualifiers: {} };
  if (segments.length > 0) p.namespace = segments.join('/');
  if (version) p.version = version;
  if (subpath) p.subpath = subpath;
  return formatPurl(p);
}

const DIGEST_ALGS: Readonly<Record<string, HashAlg>> = { sha256: 'SHA-256', sha384: 'SHA-384', sha512: 'SHA-512' };

function component(ref: string, type: Component['type'], name: string, version: string | undefined, properties: Property[], purl?: string): Component {
  const c: Component = { ref, type, name, licenses: [], hashes: [], properties };
  if (version !== undefined && version !== '') c.version = version;
  if (purl) c.purl = purl;
  return c;
}

interface ImageEntry {
  component: Component;
  parsed?: ImageReference;
}

/** Images a pod spec pulls: every container's image and image volumes, as written (trimmed). */
function imagesOfSpec(r: Resource): string[] {
  const out: string[] = [];
  for (const ref of r.podSpecs ?? extractPodSpecs(r)) {
    for (const c of containersOf(ref)) {
      const image = asString(c.container.image)?.trim();
      if (image) out.push(image);
    }
    for (const v of asArray(ref.spec.volumes)) {
      const image = asString(asObject(asObject(v)?.image)?.reference)?.trim();
      if (image) out.push(image);
    }
  }
  return out;
}

/** True when a controller owner of `r` is a workload that is itself in the input. */
function ownedByListedWorkload(r: Resource, workloads: ReadonlySet<string>): boolean {
  for (const o of asArray(r.metadata.ownerReferences)) {
    if (!isObject(o) || o.controller !== true) continue;
    const kind = asString(o.kind);
    const name = asString(o.name);
    if (kind && name && workloads.has(`${kind}\u0000${r.namespace ?? ''}\u0000${name}`)) return true;
  }
  return false;
}

function workloadVersion(r: Resource): string | undefined {
  const label = (meta: unknown): string | undefined => asString(asObject(asObject(meta)?.labels)?.['app.kubernetes.io/version']);
  const spec = (r.podSpecs ?? extractPodSpecs(r))[0];
  return label(r.metadata) ?? (spec ? label(spec.meta) : undefined);
}

/** Splits `Ubuntu 22.04.4 LTS` into a name and a version (`Ubuntu`, `22.04.4`). */
function splitOsImage(osImage: string): { name: string; version?: string } {
  const m = /\bv?(\d+(?:\.\d+)*)\b/.exec(osImage);
  if (!m) return { name: osImage };
  const before = osImage
    .slice(0, m.index)
    .replace(/[\s(\[:,-]+$/, '')
    .trim();
  return { name: before === '' ? osImage : before, version: m[1] };
}

const RUNTIMES: Readonly<Record<string, (goVersion: string) => string>> = {
  containerd: (v) => (major(v) >= 2 ? `github.com/containerd/containerd/v${major(v)}` : 'github.com/containerd/containerd'),
  'cri-o': () => 'github.com/cri-o/cri-o',
};

export function inventorySbom(resources: readonly Resource[], opts: InventorySbomOptions = {}): Sbom {
  const clusterName = opts.name ?? 'cluster';
  const clusterRef = `cluster:${clusterName}`;
  const components: Component[] = [];
  const deps = new Map<string, Set<string>>();
  const dep = (from: string, to?: string): void => {
    let s = deps.get(from);
    if (!s) deps.set(from, (s = new Set()));
    if (to !== undefined && to !== from) s.add(to);
  };
  dep(clusterRef);

  const runnable = resources.filter((r) => isWorkloadKind(r.kind) && r.kind !== 'PodTemplate');
  const listed = new Set(runnable.map((r) => `${r.kind}\u0000${r.namespace ?? ''}\u0000${r.name}`));

  // Workloads and their images.
  const workloads = new Map<string, Component>();
  const images = new Map<string, ImageEntry>();
  const imageOf = (written: string): ImageEntry => {
    const parsed = parseImageReference(written);
    let key: string;
    if (parsed.ok) {
      const r = parsed.ref;
      const tag = r.tag ?? (r.digest === undefined ? 'latest' : undefined);
      key = `${r.name}${tag !== undefined ? `:${tag}` : ''}${r.digest !== undefined ? `@${r.digest}` : ''}`;
    } else key = written;
    let e = images.get(key);
    if (!e) {
      if (parsed.ok) {
        const r = parsed.ref;
        const tag = r.tag ?? (r.digest === undefined ? 'latest' : undefined);
        const qualifiers: Record<string, string> = { repository_url: r.name };
        if (tag !== undefined) qualifiers.tag = tag;
        const last = r.path.split('/').pop()!;
        const purl = formatPurl({ type: 'oci', name: last, ...(r.digest ? { version: r.digest } : {}), qualifiers });
        const c = component(`image:${key}`, 'container', r.name, tag ?? r.digest, [], purl);
        if (r.digest) {
          const colon = r.digest.indexOf(':');
          const alg = DIGEST_ALGS[r.digest.slice(0, colon)];
          if (alg) c.hashes.push({ alg, content: r.digest.slice(colon + 1) });
        }
        c.properties.push({ name: 'kubecomply:image:pinned', value: String(r.digest !== undefined) });
        e = { component: c, parsed: r };
      } else {
        const c = component(`image:${key}`, 'container', written, undefined, [
          { name: 'kubecomply:image:pinned', value: 'false' },
          { name: 'kubecomply:image:invalid', value: parsed.error },
        ]);
        e = { component: c };
      }
      images.set(key, e);
    }
    const props = e.component.properties;
    if (!props.some((p) => p.name === 'kubecomply:image:reference' && p.value === written)) {
      // References first, in the order they were seen, then the rest.
      const at = props.filter((p) => p.name === 'kubecomply:image:reference').length;
      props.splice(at, 0, { name: 'kubecomply:image:reference', value: written });
    }
    return e;
  };

  for (const r of runnable) {
    if (ownedByListedWorkload(r, listed)) continue;
    const name = displayName(r);
    const ref = `workload:${name}`;
    let w = workloads.get(ref);
    if (!w) {
      const props: Property[] = [{ name: 'kubecomply:k8s:kind', value: r.kind }];
      if (r.namespace !== undefined) props.push({ name: 'kubecomply:k8s:namespace', value: r.namespace });
      props.push({ name: 'kubecomply:k8s:name', value: r.name });
      props.push({ name: 'kubecomply:k8s:apiVersion', value: r.apiVersion });
      w = component(ref, 'application', name, workloadVersion(r), props);
      workloads.set(ref, w);
      dep(clusterRef, ref);
    }
    dep(ref);
    for (const image of imagesOfSpec(r)) dep(ref, imageOf(image).component.ref);
  }

  // Kubernetes components, from the images.
  const k8s = new Map<string, Component>();
  const versionsOf = new Map<string, string[]>();
  const k8sComponent = (rule: Pick<ComponentRule, 'id' | 'role' | 'module'>, version: string | undefined): Component => {
    const ref = `k8s:${rule.id}${version ? `@${version}` : ''}`;
    let c = k8s.get(ref);
    if (!c) {
      const goVersion = version ? goModuleVersion(version) : undefined;
      const mod = rule.module(goVersion ?? 'v0.0.0');
      c = component(
        ref,
        'application',
        rule.id,
        version,
        [
          { name: 'kubecomply:k8s:component', value: rule.id },
          { name: 'kubecomply:k8s:component-role', value: rule.role },
        ],
        goPurl(mod.path, goVersion, mod.subpath),
      );
      k8s.set(ref, c);
      dep(clusterRef, ref);
      if (version) versionsOf.set(rule.id, [...(versionsOf.get(rule.id) ?? []), version]);
    }
    return c;
  };
  for (const e of images.values()) {
    if (!e.parsed) continue;
    const last = e.parsed.path.split('/').pop()!;
    const rule = KUBERNETES_COMPONENT_RULES.find((x) => x.match(e.parsed!.path, last));
    if (!rule) continue;
    const tag = e.parsed.tag;
    const version = tag === undefined ? undefined : (rule.version ?? versionTag)(tag);
    const c = k8sComponent(rule, version);
    dep(c.ref, e.component.ref);
  }

  // Nodes.
  const nodes: Component[] = [];
  const nodeParts = new Map<string, Component>();
  const part = (c: Component): string => {
    if (!nodeParts.has(c.ref)) nodeParts.set(c.ref, c);
    return c.ref;
  };
  for (const r of resources) {
    if (r.kind !== 'Node') continue;
    const info: JsonObject = asObject(asObject(r.object.status)?.nodeInfo) ?? {};
    const ref = `node:${r.name}`;
    if (nodes.some((n) => n.ref === ref)) continue;
    const props: Property[] = [
      { name: 'kubecomply:k8s:kind', value: 'Node' },
      { name: 'kubecomply:k8s:name', value: r.name },
    ];
    for (const f of ['architecture', 'operatingSystem', 'osImage', 'kernelVersion', 'containerRuntimeVersion', 'kubeletVersion']) {
      const v = asString(info[f]);
      if (v) props.push({ name: `kubecomply:node:${f}`, value: v });
    }
    nodes.push(component(ref, 'platform', `Node/${r.name}`, undefined, props));
    dep(clusterRef, ref);
    dep(ref);

    const kubelet = asString(info.kubeletVersion)?.trim();
    if (kubelet) {
      const c = k8sComponent({ id: 'kubelet', role: 'node', module: () => ({ path: 'k8s.io/kubernetes', subpath: 'cmd/kubelet' }) }, kubelet);
      dep(ref, c.ref);
    }
    const runtime = asString(info.containerRuntimeVersion)?.trim();
    if (runtime) {
      const m = /^([a-z0-9.-]+):\/\/(.+)$/i.exec(runtime);
      const rname = m ? m[1]!.toLowerCase() : runtime;
      const rversion = m ? m[2]! : undefined;
      const goVersion = rversion ? goModuleVersion(rversion) : undefined;
      let purl: string | undefined;
      if (RUNTIMES[rname]) purl = goPurl(RUNTIMES[rname]!(goVersion ?? 'v0.0.0'), goVersion);
      else if (rname === 'docker' && goVersion) purl = goPurl('github.com/docker/docker', `${goVersion}+incompatible`);
      const c = component(
        `runtime:${rname}${rversion ? `@${rversion}` : ''}`,
        'application',
        rname,
        rversion,
        [
          { name: 'kubecomply:k8s:component', value: 'container-runtime' },
          { name: 'kubecomply:k8s:component-role', value: 'node' },
        ],
        purl,
      );
      dep(ref, part(c));
    }
    const osImage = asString(info.osImage)?.trim();
    if (osImage) {
      const os = splitOsImage(osImage);
      const c = component(`os:${osImage}`, 'operating-system', os.name, os.version, [{ name: 'kubecomply:node:osImage', value: osImage }]);
      dep(ref, part(c));
    }
    const kernel = asString(info.kernelVersion)?.trim();
    if (kernel) {
      const osName = asString(info.operatingSystem)?.trim() || 'linux';
      const c = component(`kernel:${osName}@${kernel}`, 'operating-system', `${osName}-kernel`, kernel, [{ name: 'kubecomply:k8s:component', value: 'kernel' }]);
      dep(ref, part(c));
    }
  }

  components.push(...workloads.values(), ...[...images.values()].map((e) => e.component), ...k8s.values(), ...nodes, ...nodeParts.values());

  const lowest = (id: string): string | undefined => [...(versionsOf.get(id) ?? [])].sort(compareVersions)[0];
  const subject = component(clusterRef, 'platform', clusterName, lowest('kube-apiserver') ?? lowest('kubelet'), []);
  const known = new Set(components.map((c) => c.ref));
  known.add(clusterRef);
  return {
    name: clusterName,
    created: (opts.now ?? new Date()).toISOString(),
    tools: [`${TOOL.name} ${TOOL.version}`],
    authors: [],
    subject,
    components,
    dependencies: [...deps]
      .filter(([ref]) => known.has(ref))
      .map(([ref, to]) => ({ ref, dependsOn: [...to].filter((t) => known.has(t)) })),
    properties: [],
  };
}

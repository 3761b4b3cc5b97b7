/**
 * kube-proxy metrics endpoint (CIS 4.3.1). kube-proxy takes metricsBindAddress from its
 * KubeProxyConfiguration (kubeproxy.config.k8s.io/v1alpha1) when started with --config — the flag
 * --metrics-bind-address is then ignored — and from the flag otherwise. Both default to
 * 127.0.0.1:10249 ([::1]:10249 for an IPv6 bindAddress); an empty value also means the default.
 *
 * Judged on KubeProxyConfiguration documents in the input, on kube-proxy containers that use the
 * flag, and on kube-proxy containers whose --config file is mounted from a ConfigMap in the input
 * (kubeadm: ConfigMap kube-system/kube-proxy, key config.conf), whose text is parsed.
 */
import { WORKLOAD_KINDS } from '../../core/kinds.js';
import { asArray, asObject, asString, isObject, quote } from '../../core/podspec.js';
import type { CheckContext, Control, Resource, Violation } from '../../core/types.js';
import { parseYamlDocument } from '../../sources/yaml.js';
import { NONE } from '../helpers.js';
import { componentsOf, type ComponentRef } from './components.js';
import { concatAll, DOCS, FAMILY, hostOf, isLoopbackHost, setting, subject } from './common.js';

const KIND = 'KubeProxyConfiguration';

/** What is wrong with a metrics bind address, or undefined when it is loopback (or the default). */
function exposure(value: unknown): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') return `${JSON.stringify(value)} is not an address: kube-proxy cannot load it`;
  const host = hostOf(value);
  if (isLoopbackHost(host)) return undefined;
  if (host === '' || host === '0.0.0.0' || host === '::') return `${quote(value)} serves metrics on every interface`;
  return `${quote(value)} serves metrics on ${host}, not on loopback`;
}

interface MountedFile {
  text: string;
  where: string;
}

/** The text of a file a container reads, when it is mounted from a ConfigMap in the input. */
function mountedConfigMapFile(ctx: CheckContext, comp: ComponentRef, r: Resource, file: string): MountedFile | undefined {
  for (const m of asArray(comp.c.container.volumeMounts)) {
    const mount = asObject(m);
    const mountPath = asString(mount?.mountPath);
    const volName = asString(mount?.name);
    if (!mountPath || !volName) continue;
    const dir = mountPath.endsWith('/') ? mountPath.slice(0, -1) : mountPath;
    const subPath = asString(mount?.subPath);
    let rel: string | undefined;
    if (subPath && file === dir) rel = subPath;
    else if (!subPath && file.startsWith(`${dir}/`)) rel = file.slice(dir.length + 1);
    if (rel === undefined) continue;
    const vol = asArray(comp.ref.spec.volumes).map(asObject).find((v) => v?.name === volName);
    const cmRef = asObject(vol?.configMap);
    const cmName = asString(cmRef?.name);
    if (!cmRef || !cmName) return undefined;
    const items = asArray(cmRef.items).map(asObject);
    const key = items.length > 0 ? asString(items.find((i) => i?.path === rel)?.key) : rel;
    if (!key) return undefined;
    const cm = ctx.inventory.get('ConfigMap', r.namespace, cmName);
    const text = asString(asObject(cm?.object.data)?.[key]);
    if (text === undefined) return undefined;
    return { text, where: `ConfigMap ${r.namespace ?? ''}/${cmName} key ${key}` };
  }
  return undefined;
}

function checkContainer(comp: ComponentRef, r: Resource, ctx: CheckContext): Violation[] {
  const who = subject(comp);
  const cfg = setting(comp, 'config');
  const file = cfg?.raw?.trim();
  if (cfg === undefined || !file) {
    const s = setting(comp, 'metrics-bind-address');
    if (s === undefined) return NONE;
    const problem = exposure(s.raw ?? '');
    return problem ? [{ path: s.path, message: `${who}: --metrics-bind-address ${problem}` }] : NONE;
  }
  const ignored = setting(comp, 'metrics-bind-address') !== undefined ? ' (--metrics-bind-address is ignored with --config)' : '';
  const mounted = mountedConfigMapFile(ctx, comp, r, file);
  if (mounted === undefined) {
    const docs = ctx.inventory.byKind(KIND).filter((d) => d.apiVersion.startsWith('kubeproxy.config.k8s.io/'));
    if (docs.length > 0) return NONE; // judged on the KubeProxyConfiguration documents themselves
    return [{ path: cfg.path, message: `${who}: kube-proxy reads metricsBindAddress from the --config file ${quote(file)}, which is not in the input${ignored}: cannot verify it is bound to localhost` }];
  }
  const parsed = parseYamlDocument(mounted.text, mounted.where);
  const obj = parsed.ok && isObject(parsed.value) ? parsed.value : undefined;
  if (!obj || obj.kind !== KIND) {
    return [{ path: cfg.path, message: `${who}: the --config file ${quote(file)} (${mounted.where}) is not a readable KubeProxyConfiguration: cannot verify metricsBindAddress` }];
  }
  const problem = exposure(obj.metricsBindAddress);
  return problem ? [{ path: cfg.path, message: `${who}: metricsBindAddress ${problem} (${mounted.where}, read through --config)${ignored}` }] : NONE;
}

export const kubeProxyMetricsBindAddress: Control = {
  id: 'kube-proxy-metrics-bind-address',
  title: 'kube-proxy metrics served beyond localhost',
  severity: 'low',
  family: FAMILY,
  appliesTo: [KIND, ...WORKLOAD_KINDS],
  scope: 'inventory',
  description:
    'kube-proxy must bind its metrics endpoint to loopback (CIS 4.3.1): metricsBindAddress in its KubeProxyConfiguration, or --metrics-bind-address when it runs without --config (the flag is ignored with --config). Both default to 127.0.0.1:10249. ' +
    'A kube-proxy container whose --config file is mounted from a ConfigMap in the input is judged on that ConfigMap\'s text; one whose file is nowhere in the input is reported as unverifiable.',
  rationale: 'The metrics endpoint is unauthenticated: bound to every interface, it tells anyone on the node network about the services, endpoints and sync behaviour of the cluster network.',
  remediation:
    'Bind metrics to loopback (scrape them through a local agent or an authenticated proxy):\n```yaml\napiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\nmetricsBindAddress: 127.0.0.1:10249\n```',
  references: [DOCS.kubeProxyConfig, DOCS.kubeProxy],
  mappings: {
    cis: ['4.3.1'],
    stride: ['I'],
    pci: ['2.2.1', '2.2.4'],
    soc2: ['CC6.6'],
    cra: ['I.2(j)'],
  },
  // KubeProxyConfiguration files, and workloads that run kube-proxy.
  inScope: (target, ctx) =>
    target.kind === KIND ? target.apiVersion.startsWith('kubeproxy.config.k8s.io/') : ctx.inventory.podSpecsOf(target).some((ref) => componentsOf(ref, 'kube-proxy').length > 0),
  check(target: Resource, ctx: CheckContext): Violation[] {
    if (target.kind === KIND) {
      if (!target.apiVersion.startsWith('kubeproxy.config.k8s.io/')) return NONE;
      const problem = exposure(target.object.metricsBindAddress);
      return problem ? [{ path: 'metricsBindAddress', message: `${KIND}: metricsBindAddress ${problem}` }] : NONE;
    }
    let out = NONE;
    for (const ref of ctx.inventory.podSpecsOf(target)) {
      for (const comp of componentsOf(ref, 'kube-proxy')) {
        const v = checkContainer(comp, target, ctx);
        out = concatAll(out, v);
      }
    }
    return out;
  },
};

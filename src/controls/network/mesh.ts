/**
 * Service mesh mutual TLS: namespaces in an Istio or Linkerd mesh must refuse plain-text (and
 * unauthenticated) inbound traffic. Facts, from the Istio and Linkerd documentation:
 *
 * Istio (sidecar mode)
 *  - A namespace is injected when labelled `istio-injection=enabled`, or, without an istio-injection
 *    label, `istio.io/rev=<revision>`; the istio-injection label takes precedence (any other value of
 *    it, e.g. `disabled`, means not injected). Injection by pod label and enableNamespacesByDefault are
 *    not visible from a Namespace and are not modelled; nor is ambient mode.
 *  - PeerAuthentication scopes: mesh-wide = in the root namespace (istio-system by default; a custom
 *    meshConfig.rootNamespace is not visible in manifests) with no or an empty selector; namespace-wide
 *    = another namespace, no or empty selector; workload-specific = non-empty selector (ignored in the
 *    root namespace). The narrowest matching policy applies: workload > namespace > mesh.
 *  - mtls.mode UNSET (or absent) inherits from the parent scope; with no parent it is PERMISSIVE, which
 *    is also the default when there is no policy at all. PERMISSIVE accepts plain text; DISABLE turns
 *    mTLS off. portLevelMtls overrides the mode per port and only takes effect with a selector.
 *  - Only one mesh-wide / namespace-wide policy counts (Istio keeps the oldest); the input does not say
 *    which is older, so every candidate must be STRICT.
 * Linkerd
 *  - Meshed traffic between injected pods is mTLS by default; a namespace is injected when annotated
 *    `linkerd.io/inject: enabled`. Unmeshed clients are still admitted in plain text unless the default
 *    inbound policy requires authentication: `config.linkerd.io/default-inbound-policy` on the namespace,
 *    one of all-authenticated, cluster-authenticated or deny. Without the annotation the cluster-wide
 *    default applies (set at install, all-unauthenticated unless changed; not visible in manifests).
 *    Server/AuthorizationPolicy resources and pod-level annotations are not modelled.
 */
import { asObject, quote } from '../../core/podspec.js';
import type { CheckContext, Control, Resource, Violation } from '../../core/types.js';
import { NONE, push } from '../helpers.js';
import { namespaceObjectName } from './model.js';

export const ISTIO_ROOT_NAMESPACE = 'istio-system';

type Mode = 'UNSET' | 'DISABLE' | 'PERMISSIVE' | 'STRICT';
const MODES: ReadonlySet<string> = new Set(['UNSET', 'DISABLE', 'PERMISSIVE', 'STRICT']);

interface PeerAuth {
  resource: Resource;
  /** True for a non-empty selector (workload-specific). */
  workload: boolean;
  mode: Mode;
  /** Weak port-level overrides (PERMISSIVE or DISABLE). */
  weakPorts: { port: string; mode: Mode }[];
}

function modeOf(v: unknown): Mode {
  return typeof v === 'string' && MODES.has(v) ? (v as Mode) : 'UNSET';
}

function readPeerAuth(r: Resource): PeerAuth {
  const spec = asObject(r.object.spec);
  const sel = asObject(spec?.selector);
  const ml = asObject(sel?.matchLabels);
  const workload = ml !== undefined && Object.keys(ml).length > 0;
  const weakPorts: PeerAuth['weakPorts'] = [];
  const plm = asObject(spec?.portLevelMtls);
  if (plm) {
    for (const [port, v] of Object.entries(plm)) {
      const m = modeOf(asObject(v)?.mode);
      if (m === 'PERMISSIVE' || m === 'DISABLE') weakPorts.push({ port, mode: m });
    }
  }
  return { resource: r, workload, mode: modeOf(asObject(spec?.mtls)?.mode), weakPorts };
}

function peerAuthsByNamespace(ctx: CheckContext): ReadonlyMap<string, readonly PeerAuth[]> {
  return ctx.inventory.memo('network/peer-authentications', () => {
    const m = new Map<string, PeerAuth[]>();
    for (const r of ctx.inventory.byKind('PeerAuthentication')) {
      if (r.namespace === undefined || !r.apiVersion.startsWith('security.istio.io/')) continue;
      let l = m.get(r.namespace);
      if (!l) m.set(r.namespace, (l = []));
      l.push(readPeerAuth(r));
    }
    return m;
  });
}

const NO_PA: readonly PeerAuth[] = [];

function paName(p: PeerAuth): string {
  return quote(`${p.resource.namespace}/${p.resource.name}`);
}

/** The label that puts a namespace into the Istio mesh, or undefined. */
function istioInjectionLabel(labels: Record<string, unknown> | undefined): string | undefined {
  if (!labels) return undefined;
  const inj = labels['istio-injection'];
  if (inj !== undefined && inj !== null) return inj === 'enabled' ? 'istio-injection' : undefined;
  const rev = labels['istio.io/rev'];
  return typeof rev === 'string' && rev !== '' ? 'istio.io/rev' : undefined;
}

function checkIstio(ns: string, labelPath: string, ctx: CheckContext, out: Violation[]): Violation[] {
  const byNs = peerAuthsByNamespace(ctx);
  const mesh = (byNs.get(ISTIO_ROOT_NAMESPACE) ?? NO_PA).filter((p) => !p.workload);
  const here = ns === ISTIO_ROOT_NAMESPACE ? NO_PA : (byNs.get(ns) ?? NO_PA);
  const nsWide = here.filter((p) => !p.workload);
  for (const p of nsWide) {
    if (p.mode === 'PERMISSIVE' || p.mode === 'DISABLE') {
      out = push(out, labelPath, `PeerAuthentication ${paName(p)} sets mtls.mode ${p.mode} for the whole namespace: plain-text traffic is accepted`);
    }
  }
  const inherits = nsWide.length === 0 || nsWide.some((p) => p.mode === 'UNSET');
  if (inherits) {
    if (mesh.length === 0) {
      out = push(out, labelPath, `no PeerAuthentication sets mtls.mode STRICT for namespace ${quote(ns)} or mesh-wide (in ${ISTIO_ROOT_NAMESPACE}); Istio's default is PERMISSIVE`);
    } else {
      for (const p of mesh) {
        if (p.mode === 'STRICT') continue;
        const m = p.mode === 'UNSET' ? 'leaves mtls.mode unset (PERMISSIVE at mesh level)' : `sets mtls.mode ${p.mode}`;
        out = push(out, labelPath, `mesh-wide PeerAuthentication ${paName(p)} ${m} and no namespace-wide policy sets STRICT`);
      }
    }
  }
  for (const p of here) {
    if (!p.workload) continue;
    if (p.mode === 'PERMISSIVE' || p.mode === 'DISABLE') {
      out = push(out, labelPath, `PeerAuthentication ${paName(p)} sets mtls.mode ${p.mode} for the workloads it selects`);
    }
    for (const wp of p.weakPorts) {
      out = push(out, labelPath, `PeerAuthentication ${paName(p)} sets port ${wp.port} to ${wp.mode}`);
    }
  }
  return out;
}

const LINKERD_INJECT = 'linkerd.io/inject';
const LINKERD_POLICY = 'config.linkerd.io/default-inbound-policy';
const LINKERD_STRICT: ReadonlySet<string> = new Set(['all-authenticated', 'cluster-authenticated', 'deny']);

function checkLinkerd(annotations: Record<string, unknown>, out: Violation[]): Violation[] {
  const policy = annotations[LINKERD_POLICY];
  if (policy === undefined || policy === null) {
    return push(
      out,
      `metadata.annotations[${JSON.stringify(LINKERD_INJECT)}]`,
      `namespace is in the Linkerd mesh without ${LINKERD_POLICY}: the cluster default (all-unauthenticated unless changed at install) admits plain-text traffic from unmeshed clients`,
    );
  }
  const v = String(policy);
  if (LINKERD_STRICT.has(v)) return out;
  return push(out, `metadata.annotations[${JSON.stringify(LINKERD_POLICY)}]`, `${LINKERD_POLICY}=${quote(v)} admits unauthenticated (plain-text) traffic; use all-authenticated, cluster-authenticated or deny`);
}

export const meshMtlsNotStrict: Control = {
  id: 'mesh-mtls-not-strict',
  title: 'Service mesh does not require mutual TLS',
  severity: 'medium',
  family: 'network',
  appliesTo: ['Namespace'],
  scope: 'inventory',
  description:
    'For namespaces in a service mesh (reports nothing when no namespace is in one). Istio — namespaces labelled `istio-injection=enabled`, or `istio.io/rev` without an istio-injection label: ' +
    `PeerAuthentication must make mTLS STRICT namespace-wide, or mesh-wide in the root namespace (${ISTIO_ROOT_NAMESPACE}) with no namespace-wide policy weakening it, ` +
    'and no namespace-wide or workload-specific policy (nor a portLevelMtls entry) may set PERMISSIVE or DISABLE; mode UNSET inherits, and PERMISSIVE is Istio\'s default. ' +
    `Linkerd — namespaces annotated \`${LINKERD_INJECT}: enabled\`: meshed traffic is mTLS already, so the namespace must set \`${LINKERD_POLICY}\` to all-authenticated, cluster-authenticated or deny so that unmeshed plain-text clients are refused.`,
  rationale:
    'In PERMISSIVE mode (Istio) or with an unauthenticated default inbound policy (Linkerd), workloads still accept plain-text connections: any pod outside the mesh can talk to them unencrypted and without an identity, ' +
    'bypassing the mesh\'s authentication and authorization, and traffic can be read or altered on the wire.',
  remediation:
    'Istio — require mTLS for the namespace (or mesh-wide in istio-system):\n```yaml\napiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata:\n  name: default\n  namespace: shop\nspec:\n  mtls:\n    mode: STRICT\n```\nLinkerd — annotate the namespace:\n```yaml\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  annotations:\n    linkerd.io/inject: enabled\n    config.linkerd.io/default-inbound-policy: all-authenticated\n```',
  references: [
    'https://istio.io/latest/docs/reference/config/security/peer_authentication/',
    'https://istio.io/latest/docs/concepts/security/',
    'https://linkerd.io/2/features/automatic-mtls/',
    'https://linkerd.io/2/reference/authorization-policy/',
  ],
  mappings: {
    stride: ['I', 'S'],
    pci: ['2.2.5'],
    hipaa: ['164.312(d)', '164.312(e)(1)', '164.312(e)(2)(ii)'],
    gdpr: ['Art. 32'],
    soc2: ['CC6.7'],
    cra: ['I.2(d)', 'I.2(e)'],
  },
  // Only namespaces in a mesh are judged.
  inScope: (target) => {
    if (namespaceObjectName(target) === undefined) return false;
    return istioInjectionLabel(asObject(target.metadata.labels)) !== undefined || asObject(target.metadata.annotations)?.[LINKERD_INJECT] === 'enabled';
  },
  check(target: Resource, ctx: CheckContext): Violation[] {
    const ns = namespaceObjectName(target);
    if (ns === undefined) return NONE;
    let out = NONE;
    const labels = asObject(target.metadata.labels);
    const istio = istioInjectionLabel(labels);
    if (istio) out = checkIstio(ns, `metadata.labels[${JSON.stringify(istio)}]`, ctx, out);
    const annotations = asObject(target.metadata.annotations);
    if (annotations && annotations[LINKERD_INJECT] === 'enabled') out = checkLinkerd(annotations, out);
    return out;
  },
};


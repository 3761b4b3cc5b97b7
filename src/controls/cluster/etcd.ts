/**
 * etcd (CIS section 2). etcd parses flags with Go's `flag` package and reads any flag not given on
 * the command line from an ETCD_<FLAG> environment variable; with --config-file (or
 * ETCD_CONFIG_FILE) it ignores both and reads a YAML file the scan cannot see. Defaults (etcd
 * configuration reference): --client-cert-auth, --peer-client-cert-auth, --auto-tls and
 * --peer-auto-tls false; --listen-client-urls http://localhost:2379; --listen-peer-urls
 * http://localhost:2380.
 */
import { asString, get, quote } from '../../core/podspec.js';
import { isWorkloadKind } from '../../core/kinds.js';
import type { CheckContext, Control, Violation } from '../../core/types.js';
import { NONE, push } from '../helpers.js';
import { allComponents, type ComponentRef } from './components.js';
import { componentControl, concatAll, DOCS, hostOf, manifestSnippet, isLoopbackHost, requireBool, requireSet, setting, stringValue, subject } from './common.js';

const ETCD = 'etcd';

const MANIFEST = (flags: string): string => manifestSnippet(ETCD, flags, 'every etcd member');

/** With a config file, etcd ignores its flags and ETCD_* variables: nothing can be judged from the manifest. */
function configFileGuard(comp: ComponentRef, what: string): Violation[] | undefined {
  const s = setting(comp, 'config-file');
  const file = s?.raw?.trim();
  if (s === undefined || !file) return undefined;
  return [
    {
      path: s.path,
      message: `${subject(comp)}: etcd reads its settings from --config-file ${quote(file)} (its flags and ETCD_* variables are then ignored), which is not in the input: cannot verify ${what}`,
    },
  ];
}

/** URLs of a URL-list flag (the last occurrence wins) served over plain HTTP on a non-loopback address. */
function plainHttpUrls(comp: ComponentRef, name: string, what: string): Violation[] {
  const s = setting(comp, name);
  if (s === undefined || s.raw === undefined) return NONE;
  let out = NONE;
  for (const raw of s.raw.split(',')) {
    const url = raw.trim();
    const m = /^http:\/\/([^/]*)/i.exec(url);
    if (!m) continue;
    const host = hostOf(m[1]);
    if (isLoopbackHost(host)) continue;
    out = push(out, s.path, `${subject(comp)}: --${name} includes ${quote(url)}: ${what} is served over plain HTTP`);
  }
  return out;
}

const ETCD_TLS_MAPPINGS = (cis: string[]) => ({
  cis,
  nsa: ['N1', 'N2'],
  stride: ['I' as const, 'T' as const],
  pci: ['2.2.1', '2.2.7'],
  hipaa: ['164.312(e)(1)', '164.312(e)(2)(ii)'],
  gdpr: ['Art. 32', 'Art. 5(1)(f)'],
  soc2: ['CC6.7'],
  cra: ['I.2(e)'],
});

const ETCD_AUTH_MAPPINGS = (cis: string[]) => ({
  cis,
  nsa: ['N1', 'A1'],
  nist80190: ['4.3.2'],
  mitre: ['T1552'],
  stride: ['S' as const, 'I' as const, 'T' as const],
  pci: ['2.2.1'],
  hipaa: ['164.312(d)', '164.312(a)(1)'],
  gdpr: ['Art. 32', 'Art. 5(1)(f)'],
  soc2: ['CC6.1'],
  cra: ['I.2(d)'],
});

export const etcdClientTls: Control = componentControl(
  {
    id: 'etcd-client-tls',
    title: 'etcd does not serve clients over TLS with a proper certificate',
    severity: 'high',
    description:
      'etcd must serve clients with a certificate and key (--cert-file and --key-file, CIS 2.1), not a self-signed one it generates (--auto-tls must not be true, 2.3), and no --listen-client-urls or --advertise-client-urls entry on a non-loopback address may use http://. ETCD_* variables count where the flag is absent.',
    rationale: 'etcd holds every object of the cluster, Secrets included. Without TLS, client traffic can be read and altered on the network; an auto-generated certificate cannot be verified by clients, so it does not stop an impostor.',
    remediation: `Serve clients with certificates from the etcd CA:\n${MANIFEST('--cert-file=/etc/kubernetes/pki/etcd/server.crt\n--key-file=/etc/kubernetes/pki/etcd/server.key\n--listen-client-urls=https://127.0.0.1:2379,https://10.0.0.10:2379\n--advertise-client-urls=https://10.0.0.10:2379')}`,
    references: [DOCS.etcdSecurity, DOCS.etcdConfig, DOCS.etcdForK8s],
    mappings: ETCD_TLS_MAPPINGS(['2.1', '2.3']),
  },
  ETCD,
  (comp) =>
    configFileGuard(comp, 'client TLS (--cert-file, --key-file, --auto-tls)') ??
    concatAll(
      requireSet(comp, 'cert-file', 'client connections are not served with a TLS certificate'),
      requireSet(comp, 'key-file', 'client connections are not served with a TLS certificate'),
      requireBool(comp, 'auto-tls', false, false, 'clients are served a self-signed certificate that they cannot verify'),
      plainHttpUrls(comp, 'listen-client-urls', 'client traffic'),
      plainHttpUrls(comp, 'advertise-client-urls', 'client traffic'),
    ),
);

export const etcdClientCertAuth: Control = componentControl(
  {
    id: 'etcd-client-cert-auth',
    title: 'etcd does not require client certificates',
    severity: 'critical',
    description: 'etcd must run with --client-cert-auth=true (CIS 2.2; the flag defaults to false), or ETCD_CLIENT_CERT_AUTH=true.',
    rationale: 'Without client certificate authentication anyone who reaches the etcd client port can read and write every object of the cluster — all Secrets, all RBAC — bypassing the API server, its authorization and its audit log.',
    remediation: `Require client certificates signed by the etcd CA:\n${MANIFEST('--client-cert-auth=true\n--trusted-ca-file=/etc/kubernetes/pki/etcd/ca.crt')}`,
    references: [DOCS.etcdSecurity, DOCS.etcdForK8s],
    mappings: ETCD_AUTH_MAPPINGS(['2.2']),
  },
  ETCD,
  (comp) =>
    configFileGuard(comp, '--client-cert-auth') ??
    requireBool(comp, 'client-cert-auth', true, false, 'any client that reaches etcd reads and writes all cluster data without a certificate'),
);

export const etcdPeerTls: Control = componentControl(
  {
    id: 'etcd-peer-tls',
    title: 'etcd peers do not communicate over TLS with proper certificates',
    severity: 'high',
    description:
      'etcd must use a certificate and key for peer traffic (--peer-cert-file and --peer-key-file, CIS 2.4), not self-generated ones (--peer-auto-tls must not be true, 2.6), and no --listen-peer-urls or --initial-advertise-peer-urls entry on a non-loopback address may use http://.',
    rationale: 'Members replicate the whole keyspace, Secrets included, to each other. Without peer TLS that replication can be read or altered on the network; self-signed peer certificates cannot be verified.',
    remediation: `Use certificates from the etcd CA for peers:\n${MANIFEST('--peer-cert-file=/etc/kubernetes/pki/etcd/peer.crt\n--peer-key-file=/etc/kubernetes/pki/etcd/peer.key\n--listen-peer-urls=https://10.0.0.10:2380\n--initial-advertise-peer-urls=https://10.0.0.10:2380')}`,
    references: [DOCS.etcdSecurity, DOCS.etcdConfig],
    mappings: ETCD_TLS_MAPPINGS(['2.4', '2.6']),
  },
  ETCD,
  (comp) =>
    configFileGuard(comp, 'peer TLS (--peer-cert-file, --peer-key-file, --peer-auto-tls)') ??
    concatAll(
      requireSet(comp, 'peer-cert-file', 'peer traffic is not protected with a TLS certificate'),
      requireSet(comp, 'peer-key-file', 'peer traffic is not protected with a TLS certificate'),
      requireBool(comp, 'peer-auto-tls', false, false, 'peers use self-signed certificates that cannot be verified'),
      plainHttpUrls(comp, 'listen-peer-urls', 'peer traffic'),
      plainHttpUrls(comp, 'initial-advertise-peer-urls', 'peer traffic'),
    ),
);

export const etcdPeerClientCertAuth: Control = componentControl(
  {
    id: 'etcd-peer-client-cert-auth',
    title: 'etcd does not require peer client certificates',
    severity: 'high',
    description: 'etcd must run with --peer-client-cert-auth=true (CIS 2.5; the flag defaults to false), or ETCD_PEER_CLIENT_CERT_AUTH=true.',
    rationale: 'Without peer client certificate authentication anything that reaches the peer port can pose as a member and join the replication of the whole keyspace.',
    remediation: `Require peer certificates signed by the etcd CA:\n${MANIFEST('--peer-client-cert-auth=true\n--peer-trusted-ca-file=/etc/kubernetes/pki/etcd/ca.crt')}`,
    references: [DOCS.etcdSecurity],
    mappings: ETCD_AUTH_MAPPINGS(['2.5']),
  },
  ETCD,
  (comp) =>
    configFileGuard(comp, '--peer-client-cert-auth') ??
    requireBool(comp, 'peer-client-cert-auth', true, false, 'anything that reaches the peer port can pose as an etcd member'),
);

/** CA files the Kubernetes components use for their own clients, by path (what uses each). */
function kubernetesCaFiles(ctx: CheckContext): ReadonlyMap<string, string> {
  return ctx.inventory.memo('cluster/kubernetes-ca-files', () => {
    const out = new Map<string, string>();
    const note = (path: string | undefined, what: string): void => {
      if (path !== undefined && path !== '' && !out.has(path)) out.set(path, what);
    };
    for (const r of ctx.inventory.resources) {
      if (r.kind === 'KubeletConfiguration') {
        note(asString(get(r.object, 'authentication', 'x509', 'clientCAFile'))?.trim(), 'the kubelet client CA (authentication.x509.clientCAFile)');
        continue;
      }
      if (!isWorkloadKind(r.kind)) continue;
      for (const ref of ctx.inventory.podSpecsOf(r)) {
        for (const comp of allComponents(ref)) {
          if (comp.name === 'kube-apiserver') note(stringValue(comp, 'client-ca-file'), 'the kube-apiserver --client-ca-file');
          else if (comp.name === 'kube-controller-manager') {
            note(stringValue(comp, 'root-ca-file'), 'the kube-controller-manager --root-ca-file');
            note(stringValue(comp, 'cluster-signing-cert-file'), 'the kube-controller-manager --cluster-signing-cert-file');
          }
        }
      }
    }
    return out;
  });
}

export const etcdDedicatedCa: Control = componentControl(
  {
    id: 'etcd-dedicated-ca',
    title: 'etcd does not trust a dedicated certificate authority',
    severity: 'medium',
    scope: 'inventory',
    description:
      'etcd must verify client certificates against its own CA: --trusted-ca-file must be set (CIS 2.7), and must not be the CA file the Kubernetes components use for their clients in the input (kube-apiserver --client-ca-file, kube-controller-manager --root-ca-file or --cluster-signing-cert-file, a KubeletConfiguration clientCAFile). The same path is reported; two paths holding the same certificate cannot be seen from manifests.',
    rationale:
      'etcd authorizes any client whose certificate chains to its trusted CA. If that is the cluster CA, every certificate it ever issued — each kubelet, each administrator — can read all Secrets straight from etcd.',
    remediation: `Use a CA that signs only etcd server, peer and API server client certificates:\n${MANIFEST('--client-cert-auth=true\n--trusted-ca-file=/etc/kubernetes/pki/etcd/ca.crt')}`,
    references: [DOCS.etcdSecurity, DOCS.pki],
    mappings: ETCD_AUTH_MAPPINGS(['2.7']),
  },
  ETCD,
  (comp, ctx) => {
    const guard = configFileGuard(comp, '--trusted-ca-file');
    if (guard) return guard;
    const missing = requireSet(comp, 'trusted-ca-file', 'client certificates are not verified against a dedicated etcd CA');
    if (missing.length > 0) return missing;
    const file = stringValue(comp, 'trusted-ca-file')!;
    const shared = kubernetesCaFiles(ctx).get(file);
    if (shared === undefined) return NONE;
    return [{ path: setting(comp, 'trusted-ca-file')!.path, message: `${subject(comp)}: --trusted-ca-file ${quote(file)} is also ${shared}: every certificate that CA issued is accepted by etcd` }];
  },
);

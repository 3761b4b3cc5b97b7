/**
 * Kubelet configuration (CIS 4.2), judged on KubeletConfiguration files (kubelet.config.k8s.io/
 * v1beta1, e.g. /var/lib/kubelet/config.yaml or the kubeadm config's KubeletConfiguration document)
 * and on the copy kubeadm keeps in the cluster: the ConfigMap kube-system/kubelet-config (named
 * kubelet-config-1.XX before kubeadm 1.24), whose data key `kubelet` holds the KubeletConfiguration
 * as text. kubeadm writes that text to /var/lib/kubelet/config.yaml on every node it joins or
 * upgrades, so `kubectl get cm -n kube-system -o yaml` shows the nodes' kubelet configuration.
 *
 * The embedded text is parsed with the rules of the file (YAML 1.1 scalars) and judged exactly like
 * the file; findings point at the ConfigMap's data.kubelet field (the locator does not look inside
 * block scalars) and their messages name the field of the embedded configuration. A data.kubelet that
 * is missing, not valid YAML or not a KubeletConfiguration is reported once, by
 * kubelet-anonymous-auth; for the other kubelet controls such a ConfigMap is out of scope. Other
 * ConfigMaps are always out of scope.
 *
 * Defaults are those the kubelet applies to a config file (pkg/kubelet/apis/config/v1beta1/
 * defaults.go), which differ from its flags' defaults: authentication.anonymous.enabled false,
 * authorization.mode Webhook, readOnlyPort 0 (disabled), streamingConnectionIdleTimeout 4h (a zero
 * duration is replaced by it), makeIPTablesUtilChains true, eventRecordQPS 50 (0 = unlimited),
 * podPidsLimit -1 (no limit), seccompDefault false, rotateCertificates and serverTLSBootstrap false,
 * feature gate RotateKubeletServerCertificate on.
 *
 * Values of the wrong type (a string for a boolean, a number for a duration) make the kubelet refuse
 * the file; they are reported as such.
 */
import { asObject, isObject, present, quote } from '../../core/podspec.js';
import type { Control, JsonObject, Resource, Violation } from '../../core/types.js';
import { parseYamlDocument } from '../../sources/yaml.js';
import { NONE, push, resourceControl } from '../helpers.js';
import { TLS_MAPPINGS, WEAK_TLS_VERSIONS, weakCiphers } from './apiserver.js';
import { DOCS, FAMILY, type ClusterMeta } from './common.js';
import { parseGoDuration } from './flags.js';

const WHAT = 'KubeletConfiguration';
const GROUP = 'kubelet.config.k8s.io/';

function isKubeletConfig(r: Resource): boolean {
  return r.kind === WHAT && r.apiVersion.startsWith(GROUP);
}

/** kubeadm's ConfigMap kube-system/kubelet-config, or kubelet-config-1.XX (kubeadm before 1.24). */
const CONFIG_MAP = 'ConfigMap';
const CM_NAME = 'kubelet-config';
const CM_VERSIONED = /^kubelet-config-1\.\d+$/;
/** The data key kubeadm stores the KubeletConfiguration under, and where findings on it point. */
const CM_KEY = 'kubelet';
const CM_PATH = `data.${CM_KEY}`;

function isKubeletConfigMap(r: Resource): boolean {
  return (
    r.kind === CONFIG_MAP &&
    r.apiVersion === 'v1' &&
    r.namespace === 'kube-system' &&
    (r.name === CM_NAME || (r.name.startsWith(CM_NAME) && CM_VERSIONED.test(r.name)))
  );
}

/** What a kubelet ConfigMap holds: the parsed configuration, or why there is none. */
type Embedded = { cfg: JsonObject; problem?: undefined } | { cfg?: undefined; problem: string };

/** One parse per ConfigMap object, shared by the controls (and their inScope) on this thread. */
const embeddedCache = new WeakMap<JsonObject, Embedded>();

function embedded(r: Resource): Embedded {
  let e = embeddedCache.get(r.object);
  if (e === undefined) embeddedCache.set(r.object, (e = readEmbedded(r.object)));
  return e;
}

function describe(v: unknown): string {
  if (Array.isArray(v)) return 'a list';
  if (isObject(v)) return 'a mapping';
  return `the ${typeof v} ${JSON.stringify(v)}`;
}

const UNJUDGED = 'the kubelet cannot load it on the nodes kubeadm configures from it, and no kubelet control (CIS 4.2) can judge it';

function readEmbedded(obj: JsonObject): Embedded {
  const text = asObject(obj.data)?.[CM_KEY];
  if (text === undefined || text === null) {
    return { problem: `${CM_PATH} is not set: the ConfigMap holds no kubelet configuration (kubeadm keeps the KubeletConfiguration under the key ${quote(CM_KEY)}), so no kubelet control (CIS 4.2) can judge it` };
  }
  if (typeof text !== 'string') return { problem: `${CM_PATH} is ${describe(text)}, not text (ConfigMap data values are strings): ${UNJUDGED}` };
  const parsed = parseYamlDocument(text, CM_PATH);
  if (!parsed.ok) {
    const e = parsed.error;
    return { problem: `${CM_PATH} is not valid YAML (line ${e.line + 1}, column ${e.column + 1} of the value: ${e.message}): ${UNJUDGED}` };
  }
  const v = parsed.value;
  if (v === undefined || v === null) return { problem: `${CM_PATH} is empty: ${UNJUDGED}` };
  if (!isObject(v)) return { problem: `${CM_PATH} holds ${describe(v)}, not a ${WHAT} document: ${UNJUDGED}` };
  if (v.kind === WHAT && typeof v.apiVersion === 'string' && v.apiVersion.startsWith(GROUP)) return { cfg: v };
  const kind = typeof v.kind === 'string' && v.kind !== '' ? v.kind : undefined;
  const api = typeof v.apiVersion === 'string' && v.apiVersion !== '' ? v.apiVersion : undefined;
  const a = kind !== undefined && /^[AEIOU]/.test(kind) ? 'an' : 'a';
  const held = kind && api ? `${a} ${kind} (${api})` : kind ? `${a} ${kind} without apiVersion` : api ? `a document of ${api} without kind` : 'a document without apiVersion and kind';
  return { problem: `${CM_PATH} holds ${held}, not a ${WHAT} (${GROUP}v1beta1): ${UNJUDGED}` };
}

/** The findings on an embedded configuration, moved to the ConfigMap field that holds it. */
function atDataField(vs: Violation[]): Violation[] {
  if (vs.length === 0) return NONE;
  return vs.map((v) => ({ path: CM_PATH, message: v.message }));
}

/**
 * A kubelet control: judges KubeletConfiguration documents and the KubeletConfiguration in kubeadm's
 * ConfigMap. `reportsUnreadable`: this control (one of them) reports a kubelet ConfigMap whose
 * data.kubelet is not a readable KubeletConfiguration; for the others it is out of scope.
 */
function kubeletControl(meta: ClusterMeta, check: (cfg: JsonObject) => Violation[], reportsUnreadable = false): Control {
  const control = resourceControl({ ...meta, family: FAMILY, appliesTo: [WHAT, CONFIG_MAP], scope: 'resource' }, (r) => {
    if (isKubeletConfig(r)) return check(r.object);
    if (!isKubeletConfigMap(r)) return NONE;
    const e = embedded(r);
    if (e.cfg !== undefined) return atDataField(check(e.cfg));
    return reportsUnreadable ? [{ path: CM_PATH, message: e.problem }] : NONE;
  });
  const inScope = (r: Resource): boolean => isKubeletConfig(r) || (isKubeletConfigMap(r) && (reportsUnreadable || embedded(r).cfg !== undefined));
  return { ...control, inScope };
}

/** The value at a dotted path, undefined when any step is missing or not an object. */
function at(obj: JsonObject, path: string): unknown {
  let cur: unknown = obj;
  for (const k of path.split('.')) {
    const o = asObject(cur);
    if (!o) return undefined;
    cur = o[k];
  }
  return cur;
}

const CONFIG = (yaml: string): string =>
  `In the kubelet configuration file (e.g. /var/lib/kubelet/config.yaml) on every node, then restart the kubelet (with kubeadm, make the change in the ConfigMap kube-system/kubelet-config, key \`kubelet\`, then run \`kubeadm upgrade node phase kubelet-config\` and restart the kubelet on every node):\n\`\`\`yaml\napiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n${yaml}\n\`\`\``;

/** A boolean field that must be `want` (default `dflt`). */
function boolField(cfg: JsonObject, path: string, want: boolean, dflt: boolean, consequence: string): Violation[] {
  const v = at(cfg, path);
  if (!present(v)) return dflt === want ? NONE : [{ path, message: `${WHAT}: ${path} is not set and defaults to ${dflt}: ${consequence}` }];
  if (typeof v !== 'boolean') return [{ path, message: `${WHAT}: ${path} is ${JSON.stringify(v)}, not a boolean: the kubelet cannot load this configuration` }];
  return v === want ? NONE : [{ path, message: `${WHAT}: ${path} is ${v}: ${consequence}` }];
}

/** An integer field, or a finding when it has another type. */
function intField(cfg: JsonObject, path: string): { value: number | undefined; bad?: Violation[] } {
  const v = at(cfg, path);
  if (!present(v)) return { value: undefined };
  if (typeof v !== 'number' || !Number.isInteger(v)) return { value: undefined, bad: [{ path, message: `${WHAT}: ${path} is ${JSON.stringify(v)}, not an integer: the kubelet cannot load this configuration` }] };
  return { value: v };
}

const AUTH_MAPPINGS = (cis: string, extra: Partial<Record<'mitre', string[]>> = {}) => ({
  cis: [cis],
  nsa: ['A1'],
  nist80190: ['4.3.2'],
  mitre: extra.mitre ?? ['T1609', 'T1613'],
  stride: ['S' as const, 'I' as const, 'E' as const],
  pci: ['2.2.1', '2.2.6'],
  hipaa: ['164.312(d)', '164.312(a)(1)'],
  gdpr: ['Art. 32'],
  soc2: ['CC6.1', 'CC6.6'],
  cra: ['I.2(d)'],
});

export const kubeletAnonymousAuth: Control = kubeletControl(
  {
    id: 'kubelet-anonymous-auth',
    title: 'Kubelet accepts anonymous requests',
    severity: 'critical',
    description:
      'authentication.anonymous.enabled must not be true in a KubeletConfiguration (CIS 4.2.1). Absent, the config file default is false. ' +
      'This control also reports, once for all kubelet controls, a kubeadm ConfigMap kube-system/kubelet-config whose data.kubelet is missing, not valid YAML or not a KubeletConfiguration.',
    rationale:
      'The kubelet API (port 10250) runs commands in containers, streams logs and lists pods with their environment. Anonymous requests reach it as system:anonymous; combined with a permissive authorizer they are remote code execution on every container of the node.',
    remediation: `Disable anonymous requests and authenticate with client certificates and tokens:\n${CONFIG('authentication:\n  anonymous:\n    enabled: false\n  webhook:\n    enabled: true\n  x509:\n    clientCAFile: /etc/kubernetes/pki/ca.crt')}`,
    references: [DOCS.kubeletAuth, DOCS.kubeletConfig],
    mappings: AUTH_MAPPINGS('4.2.1'),
  },
  (cfg) => boolField(cfg, 'authentication.anonymous.enabled', false, false, 'unauthenticated requests to the kubelet API are served as system:anonymous'),
  true,
);

export const kubeletAuthorizationMode: Control = kubeletControl(
  {
    id: 'kubelet-authorization-mode',
    title: 'Kubelet authorizes every request',
    severity: 'critical',
    description: 'authorization.mode must not be AlwaysAllow in a KubeletConfiguration (CIS 4.2.2); it must be Webhook (the config file default).',
    rationale:
      'With AlwaysAllow every request that passes authentication — including anonymous ones if enabled — may exec into containers, read logs and environment variables, and list pods on the node; Webhook mode asks the API server (SubjectAccessReview) instead.',
    remediation: `Authorize kubelet API requests through the API server:\n${CONFIG('authorization:\n  mode: Webhook')}`,
    references: [DOCS.kubeletAuth, DOCS.kubeletConfig],
    mappings: { ...AUTH_MAPPINGS('4.2.2', { mitre: ['T1609', 'T1613', 'T1552.007'] }), nsa: ['A1', 'A2'], pci: ['2.2.1', '7.3.3'] },
  },
  (cfg) => {
    const v = at(cfg, 'authorization.mode');
    if (!present(v) || v === '' || v === 'Webhook') return NONE; // an empty mode is defaulted to Webhook
    if (v === 'AlwaysAllow') return [{ path: 'authorization.mode', message: `${WHAT}: authorization.mode is AlwaysAllow: every authenticated kubelet API request is allowed, exec included` }];
    return [{ path: 'authorization.mode', message: `${WHAT}: authorization.mode ${JSON.stringify(v)} is not a kubelet authorization mode (Webhook or AlwaysAllow): the kubelet cannot load this configuration` }];
  },
);

export const kubeletClientCa: Control = kubeletControl(
  {
    id: 'kubelet-client-ca',
    title: 'Kubelet client certificate authority not set',
    severity: 'high',
    description: 'authentication.x509.clientCAFile must be set in a KubeletConfiguration (CIS 4.2.3); there is no default.',
    rationale: 'Without a client CA the kubelet cannot authenticate the API server\'s client certificate (nor any other), so calls from the control plane rely on weaker means or are treated as anonymous.',
    remediation: `Set the cluster CA that signs the API server's kubelet client certificate:\n${CONFIG('authentication:\n  x509:\n    clientCAFile: /etc/kubernetes/pki/ca.crt')}`,
    references: [DOCS.kubeletAuth, DOCS.kubeletConfig],
    mappings: { ...AUTH_MAPPINGS('4.2.3'), mitre: ['T1078'], stride: ['S'], pci: ['2.2.1'], hipaa: ['164.312(d)'], soc2: ['CC6.1'] },
  },
  (cfg) => {
    const v = at(cfg, 'authentication.x509.clientCAFile');
    if (typeof v === 'string' && v.trim() !== '') return NONE;
    const state = !present(v) ? 'is not set' : typeof v === 'string' ? 'is empty' : `is ${JSON.stringify(v)}, not a file path`;
    return [{ path: 'authentication.x509.clientCAFile', message: `${WHAT}: authentication.x509.clientCAFile ${state}: client certificates are not verified` }];
  },
);

export const kubeletReadOnlyPort: Control = kubeletControl(
  {
    id: 'kubelet-read-only-port',
    title: 'Kubelet read-only port enabled',
    severity: 'high',
    description: 'readOnlyPort must be 0 or absent in a KubeletConfiguration (CIS 4.2.4; the config file default is 0, disabled).',
    rationale: 'The read-only port (traditionally 10255) serves pod specs, node and container details and metrics with no authentication or authorization at all: reconnaissance for anyone on the node network.',
    remediation: `Disable the read-only port:\n${CONFIG('readOnlyPort: 0')}`,
    references: [DOCS.kubeletConfig, DOCS.kubeletAuth],
    mappings: {
      cis: ['4.2.4'],
      nsa: ['A1'],
      nist80190: ['4.3.2'],
      mitre: ['T1613', 'T1552.007'],
      stride: ['I'],
      pci: ['2.2.1', '2.2.4', '2.2.5'],
      hipaa: ['164.312(a)(1)'],
      soc2: ['CC6.6'],
      cra: ['I.2(j)'],
    },
  },
  (cfg) => {
    const { value, bad } = intField(cfg, 'readOnlyPort');
    if (bad) return bad;
    if (value === undefined || value === 0) return NONE;
    return [{ path: 'readOnlyPort', message: `${WHAT}: readOnlyPort is ${value}: pods and node details are served there without authentication` }];
  },
);

export const kubeletStreamingIdleTimeout: Control = kubeletControl(
  {
    id: 'kubelet-streaming-idle-timeout',
    title: 'Kubelet streaming connection idle timeout disabled',
    severity: 'low',
    description:
      'streamingConnectionIdleTimeout must not be 0 in a KubeletConfiguration (CIS 4.2.5). Absent, it defaults to 4h. A zero duration in the file is reported as CIS does, although the kubelet replaces a zero duration with its 4h default: set an explicit timeout so the intent and the effect agree.',
    rationale: 'Idle exec, attach and port-forward streams that are never closed hold connections and ephemeral ports on the node and leave sessions open long after their user left.',
    remediation: `Close idle streams:\n${CONFIG('streamingConnectionIdleTimeout: 5m')}`,
    references: [DOCS.kubeletConfig],
    mappings: { cis: ['4.2.5'], stride: ['D'], pci: ['2.2.1'], cra: ['I.2(h)'] },
  },
  (cfg) => {
    const v = at(cfg, 'streamingConnectionIdleTimeout');
    if (!present(v)) return NONE;
    const path = 'streamingConnectionIdleTimeout';
    if (typeof v !== 'string') return [{ path, message: `${WHAT}: ${path} is ${JSON.stringify(v)}, not a duration string such as "5m": the kubelet cannot load this configuration` }];
    const secs = parseGoDuration(v);
    if (secs === undefined) return [{ path, message: `${WHAT}: ${path} ${quote(v)} is not a valid duration: the kubelet cannot load this configuration` }];
    if (secs === 0) return [{ path, message: `${WHAT}: ${path} is ${quote(v)}, asking for no idle timeout (the kubelet substitutes its 4h default for a zero duration); set an explicit timeout` }];
    if (secs < 0) return [{ path, message: `${WHAT}: ${path} ${quote(v)} is negative: idle streams are not closed as intended` }];
    return NONE;
  },
);

export const kubeletIptablesUtilChains: Control = kubeletControl(
  {
    id: 'kubelet-iptables-util-chains',
    title: 'Kubelet does not manage iptables utility chains',
    severity: 'low',
    description: 'makeIPTablesUtilChains must not be false in a KubeletConfiguration (CIS 4.2.6; default true).',
    rationale: 'The kubelet keeps the iptables utility chains (masquerade and drop marks) in step with pod networking; left to hand-made rules, the node\'s filtering drifts from what the cluster expects.',
    remediation: `Let the kubelet manage the chains:\n${CONFIG('makeIPTablesUtilChains: true')}`,
    references: [DOCS.kubeletConfig],
    mappings: { cis: ['4.2.6'], stride: ['T'], pci: ['2.2.1'], cra: ['I.2(f)'] },
  },
  (cfg) => boolField(cfg, 'makeIPTablesUtilChains', true, true, 'the kubelet does not maintain its iptables utility chains'),
);

export const kubeletEventQps: Control = kubeletControl(
  {
    id: 'kubelet-event-qps',
    title: 'Kubelet event recording unlimited or invalid',
    severity: 'low',
    description:
      'eventRecordQPS must be a positive number in a KubeletConfiguration (CIS 4.2.8). Absent, it defaults to 50; 0 means no limit, which CIS warns can be used to flood the control plane; negative values are rejected by the kubelet.',
    rationale: 'Events record what happens on the node; an unlimited rate lets a misbehaving pod flood the API server and etcd with them, while a sane limit still captures security-relevant events.',
    remediation: `Keep a bounded event rate:\n${CONFIG('eventRecordQPS: 50\neventBurst: 100')}`,
    references: [DOCS.kubeletConfig],
    mappings: { cis: ['4.2.8'], mitre: ['T1499'], stride: ['D', 'R'], pci: ['2.2.1'], cra: ['I.2(h)'] },
  },
  (cfg) => {
    const { value, bad } = intField(cfg, 'eventRecordQPS');
    if (bad) return bad;
    if (value === undefined || value > 0) return NONE;
    if (value === 0) return [{ path: 'eventRecordQPS', message: `${WHAT}: eventRecordQPS is 0: event creation is not rate limited` }];
    return [{ path: 'eventRecordQPS', message: `${WHAT}: eventRecordQPS is ${value}, negative: the kubelet cannot load this configuration` }];
  },
);

const KUBELET_TLS_MAPPINGS = (cis: string) => ({
  cis: [cis],
  nsa: ['N2'],
  stride: ['S' as const, 'I' as const],
  pci: ['2.2.1', '2.2.7'],
  hipaa: ['164.312(e)(1)'],
  gdpr: ['Art. 32'],
  soc2: ['CC6.7'],
  cra: ['I.2(e)'],
});

function nonEmpty(v: unknown): v is string {
  return typeof v === 'string' && v.trim() !== '';
}

export const kubeletTlsCert: Control = kubeletControl(
  {
    id: 'kubelet-tls-cert',
    title: 'Kubelet serves a self-signed certificate',
    severity: 'medium',
    description:
      'A KubeletConfiguration must set tlsCertFile and tlsPrivateKeyFile (CIS 4.2.9), or serverTLSBootstrap: true so that the serving certificate is issued by the cluster CA through the certificates API. Otherwise the kubelet generates a self-signed certificate.',
    rationale: 'The API server (and anything else calling the kubelet) can only verify a kubelet, and so detect an impostor intercepting exec and log streams, if the kubelet presents a certificate from a CA it trusts.',
    remediation: `Request the serving certificate from the cluster (and approve the kubelet-serving CSRs), or provide certificate files:\n${CONFIG('serverTLSBootstrap: true\n# or\n# tlsCertFile: /var/lib/kubelet/pki/kubelet.crt\n# tlsPrivateKeyFile: /var/lib/kubelet/pki/kubelet.key')}`,
    references: [DOCS.kubeletConfig, DOCS.kubeletTlsBootstrap],
    mappings: KUBELET_TLS_MAPPINGS('4.2.9'),
  },
  (cfg) => {
    const cert = cfg.tlsCertFile;
    const key = cfg.tlsPrivateKeyFile;
    if (nonEmpty(cert) && nonEmpty(key)) return NONE;
    if (cfg.serverTLSBootstrap === true && !nonEmpty(cert) && !nonEmpty(key)) return NONE;
    let out = NONE;
    if (nonEmpty(cert) !== nonEmpty(key)) {
      const missing = nonEmpty(cert) ? 'tlsPrivateKeyFile' : 'tlsCertFile';
      return push(out, missing, `${WHAT}: ${missing} is not set while ${missing === 'tlsCertFile' ? 'tlsPrivateKeyFile' : 'tlsCertFile'} is: the kubelet needs both`);
    }
    out = push(out, 'tlsCertFile', `${WHAT}: neither tlsCertFile/tlsPrivateKeyFile nor serverTLSBootstrap: true is set: the kubelet serves a self-signed certificate`);
    return out;
  },
);

export const kubeletClientCertRotation: Control = kubeletControl(
  {
    id: 'kubelet-client-cert-rotation',
    title: 'Kubelet client certificate rotation disabled',
    severity: 'medium',
    description: 'rotateCertificates must be true in a KubeletConfiguration (CIS 4.2.10). The config file default is false, so an absent field does not rotate (CIS\'s "remove it to use the default" does not hold for the config file).',
    rationale: 'With rotation the kubelet renews its client certificate through the certificates API before it expires; without it the certificate either expires and the node drops out, or is issued long-lived and stays usable if stolen.',
    remediation: `Rotate the kubelet client certificate:\n${CONFIG('rotateCertificates: true')}`,
    references: [DOCS.certRotation, DOCS.kubeletConfig],
    mappings: { ...KUBELET_TLS_MAPPINGS('4.2.10'), stride: ['S'], hipaa: ['164.312(d)'], soc2: ['CC6.1'], cra: ['I.2(d)'] },
  },
  (cfg) => boolField(cfg, 'rotateCertificates', true, false, 'the kubelet does not renew its client certificate'),
);

export const kubeletServerCertRotation: Control = kubeletControl(
  {
    id: 'kubelet-server-cert-rotation',
    title: 'Kubelet serving certificate not rotated',
    severity: 'medium',
    description:
      'A KubeletConfiguration must not disable the feature gate RotateKubeletServerCertificate (CIS 4.2.11; on by default), and — unless the serving certificate comes from files (tlsCertFile, managed by an outside tool, which CIS exempts) — must set serverTLSBootstrap: true, without which the kubelet neither requests nor rotates a serving certificate.',
    rationale: 'A serving certificate that is never renewed is either self-signed or long-lived; requesting and rotating it through the certificates API keeps it short-lived and signed by the cluster CA.',
    remediation: `Request and rotate the serving certificate (approve the kubernetes.io/kubelet-serving CSRs):\n${CONFIG('serverTLSBootstrap: true\nfeatureGates:\n  RotateKubeletServerCertificate: true')}`,
    references: [DOCS.certRotation, DOCS.kubeletTlsBootstrap, DOCS.kubeletConfig],
    mappings: KUBELET_TLS_MAPPINGS('4.2.11'),
  },
  (cfg) => {
    const gate = at(cfg, 'featureGates.RotateKubeletServerCertificate');
    if (gate === false) return [{ path: 'featureGates.RotateKubeletServerCertificate', message: `${WHAT}: featureGates.RotateKubeletServerCertificate is false: the serving certificate is not rotated` }];
    if (present(gate) && typeof gate !== 'boolean') {
      return [{ path: 'featureGates.RotateKubeletServerCertificate', message: `${WHAT}: featureGates.RotateKubeletServerCertificate is ${JSON.stringify(gate)}, not a boolean: the kubelet cannot load this configuration` }];
    }
    if (nonEmpty(cfg.tlsCertFile)) return NONE;
    const b = cfg.serverTLSBootstrap;
    if (b === true) return NONE;
    if (present(b) && typeof b !== 'boolean') return [{ path: 'serverTLSBootstrap', message: `${WHAT}: serverTLSBootstrap is ${JSON.stringify(b)}, not a boolean: the kubelet cannot load this configuration` }];
    return [{ path: 'serverTLSBootstrap', message: `${WHAT}: serverTLSBootstrap is ${b === false ? 'false' : 'not set (default false)'} and no tlsCertFile is given: the kubelet's self-signed serving certificate is never rotated` }];
  },
);

export const kubeletTlsCipherSuites: Control = kubeletControl(
  {
    id: 'kubelet-tls-cipher-suites',
    title: 'Kubelet allows weak TLS cipher suites',
    severity: 'medium',
    description:
      'A KubeletConfiguration must restrict tlsCipherSuites to the CIS 4.2.12 strong set (ECDHE-ECDSA/ECDHE-RSA with AES-GCM or ChaCha20-Poly1305; TLS 1.3 suites are strong too). Absent, the Go defaults apply, which include CBC-mode suites. tlsMinVersion VersionTLS10 or VersionTLS11 is reported too.',
    rationale: 'CBC-mode and static-RSA key exchange suites lack forward secrecy or have a history of padding-oracle attacks; the kubelet API carries exec sessions, logs and secrets in environment variables.',
    remediation: `List only strong suites:\n${CONFIG('tlsMinVersion: VersionTLS12\ntlsCipherSuites:\n- TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256\n- TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256\n- TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384\n- TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384\n- TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305\n- TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305')}`,
    references: [DOCS.kubeletConfig, DOCS.cis],
    mappings: TLS_MAPPINGS('4.2.12'),
  },
  (cfg) => {
    let out = NONE;
    const suites = cfg.tlsCipherSuites;
    if (!present(suites)) out = push(out, 'tlsCipherSuites', `${WHAT}: tlsCipherSuites is not set: the Go default cipher suites apply, including CBC-mode suites outside the CIS strong set`);
    else if (!Array.isArray(suites)) out = push(out, 'tlsCipherSuites', `${WHAT}: tlsCipherSuites is ${JSON.stringify(suites)}, not a list: the kubelet cannot load this configuration`);
    else if (suites.length === 0) out = push(out, 'tlsCipherSuites', `${WHAT}: tlsCipherSuites is empty: the Go default cipher suites apply, including CBC-mode suites outside the CIS strong set`);
    else {
      const items = suites.map((s, i) => ({ item: typeof s === 'string' ? s.trim() : JSON.stringify(s), path: `tlsCipherSuites[${i}]` }));
      for (const { path, weak } of weakCiphers(items)) out = push(out, path, `${WHAT}: tlsCipherSuites allows ${weak.join(', ')}, outside the CIS strong set`);
    }
    const min = cfg.tlsMinVersion;
    if (typeof min === 'string' && WEAK_TLS_VERSIONS.has(min.trim())) out = push(out, 'tlsMinVersion', `${WHAT}: tlsMinVersion ${min} accepts TLS versions older than 1.2`);
    return out;
  },
);

export const kubeletPodPidsLimit: Control = kubeletControl(
  {
    id: 'kubelet-pod-pids-limit',
    title: 'No per-pod PID limit',
    severity: 'medium',
    description: 'podPidsLimit must be a positive number in a KubeletConfiguration (CIS 4.2.13). Absent or negative, the kubelet uses -1: no per-pod limit.',
    rationale: 'Process IDs are a node-wide resource. Without a per-pod limit one pod (a fork bomb, a leaking worker pool) exhausts them and every other pod on the node, and the node itself, can no longer start processes.',
    remediation: `Bound the processes of each pod (size it to your largest workload):\n${CONFIG('podPidsLimit: 4096')}`,
    references: [DOCS.pidLimiting, DOCS.kubeletConfig],
    mappings: { cis: ['4.2.13'], mitre: ['T1499'], stride: ['D'], nist80190: ['4.4.3'], pci: ['2.2.1'], cra: ['I.2(h)'] },
  },
  (cfg) => {
    const { value, bad } = intField(cfg, 'podPidsLimit');
    if (bad) return bad;
    if (value === undefined) return [{ path: 'podPidsLimit', message: `${WHAT}: podPidsLimit is not set (default -1): a pod can use every process ID of the node` }];
    if (value <= 0) return [{ path: 'podPidsLimit', message: `${WHAT}: podPidsLimit is ${value}: no per-pod process limit applies` }];
    return NONE;
  },
);

export const kubeletSeccompDefault: Control = kubeletControl(
  {
    id: 'kubelet-seccomp-default',
    title: 'Kubelet does not apply the RuntimeDefault seccomp profile by default',
    severity: 'medium',
    description: 'seccompDefault must be true in a KubeletConfiguration (CIS 4.2.14; default false), so containers without a seccomp profile get RuntimeDefault instead of Unconfined.',
    rationale: 'A container without a seccomp profile can call every system call of the shared kernel, including the rarely used ones most kernel exploits go through; RuntimeDefault blocks them for every pod that did not choose a profile.',
    remediation: `Apply RuntimeDefault to every container without a profile (test workloads first):\n${CONFIG('seccompDefault: true')}`,
    references: [`${DOCS.seccomp}#enable-the-use-of-runtimedefault-as-the-default-seccomp-profile-for-all-workloads`, DOCS.kubeletConfig],
    mappings: { cis: ['4.2.14'], nsa: ['P8'], nist80190: ['4.4.3', '4.5.2'], mitre: ['T1611', 'T1068'], stride: ['E'], pci: ['2.2.1'], cra: ['I.2(k)'] },
  },
  (cfg) => boolField(cfg, 'seccompDefault', true, false, 'containers without a seccomp profile run Unconfined'),
);

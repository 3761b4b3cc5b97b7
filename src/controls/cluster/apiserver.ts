/**
 * kube-apiserver flags: CIS Kubernetes Benchmark v1.12 section 1.2 (and 3.2.1), judged from the
 * API server's static pod manifest (or its kube-system Pod). A flag that is absent is judged by the
 * default documented in the kube-apiserver reference (verified there: --anonymous-auth true,
 * --profiling true, --authorization-mode AlwaysAllow, --service-account-lookup true,
 * --service-account-extend-token-expiration true; the default-on admission plugins are those of
 * pkg/kubeapiserver/options/plugins.go).
 */
import { asArray, asObject, asString, quote } from '../../core/podspec.js';
import type { CheckContext, Control, Violation } from '../../core/types.js';
import { NONE, push } from '../helpers.js';
import type { ComponentRef } from './components.js';
import { componentControl, concatAll, configsFor, DOCS, manifestSnippet, requireBool, requireSet, setting, stringValue, subject } from './common.js';
import { parseIntFlag, type FlagOccurrence } from './flags.js';

const API = 'kube-apiserver';

const MANIFEST = (flags: string): string => manifestSnippet(API, flags);

// ------------------------------------------------------------------------------- authentication

export const apiserverAnonymousAuth: Control = componentControl(
  {
    id: 'apiserver-anonymous-auth',
    title: 'API server accepts anonymous requests',
    severity: 'critical',
    scope: 'inventory',
    description:
      'kube-apiserver must run with --anonymous-auth=false. The flag defaults to true, so an API server that does not set it serves requests without credentials as the user system:anonymous (group system:unauthenticated). ' +
      'With --authentication-config (structured authentication, v1.32+), anonymous access is configured in that AuthenticationConfiguration file instead, read from the input when it is there: `anonymous.enabled: false` passes, and so does anonymous access limited by `anonymous.conditions` to the health endpoints /livez, /readyz and /healthz (what load balancers probe); any other path, or no conditions, is reported. A file that is not in the input cannot be verified and is reported so.',
    rationale:
      'With anonymous authentication on, anyone who can reach the API server port is an authenticated principal for RBAC: a single binding to system:anonymous or system:unauthenticated (added by mistake or by a chart) opens the cluster API to the network, and version/health endpoints disclose what runs there.',
    remediation: `Disable anonymous requests (health checks then need credentials or an authenticated probe):\n${MANIFEST('--anonymous-auth=false')}`,
    references: [`${DOCS.authentication}#anonymous-requests`, DOCS.apiserver, DOCS.cis],
    mappings: {
      cis: ['1.2.1'],
      nsa: ['A1', 'N1'],
      nist80190: ['4.3.2'],
      mitre: ['T1078'],
      stride: ['S', 'I', 'E'],
      pci: ['2.2.1', '2.2.6', '8.2.1'],
      hipaa: ['164.312(d)', '164.312(a)(1)'],
      gdpr: ['Art. 32'],
      soc2: ['CC6.1', 'CC6.6'],
      cra: ['I.2(d)'],
    },
  },
  API,
  (comp, ctx) => {
    const consequence = 'requests without credentials are served as system:anonymous';
    const authnConfig = stringValue(comp, 'authentication-config');
    if (setting(comp, 'anonymous-auth') === undefined && authnConfig !== undefined) return anonymousFromConfig(comp, ctx, authnConfig, consequence);
    return requireBool(comp, 'anonymous-auth', false, true, consequence);
  },
);

/** Paths anonymous requests may reach and still count as restricted: the health endpoints. */
const HEALTH_PATHS: ReadonlySet<string> = new Set(['/livez', '/readyz', '/healthz']);

/** Anonymous access as an AuthenticationConfiguration file sets it (--authentication-config, no --anonymous-auth). */
function anonymousFromConfig(comp: ComponentRef, ctx: CheckContext, file: string, consequence: string): Violation[] {
  const who = subject(comp);
  const flagPath = comp.flags.last('authentication-config')?.valuePath ?? comp.c.base;
  const cfgs = configsFor(ctx, 'AuthenticationConfiguration', 'apiserver.config.k8s.io/', file);
  if (cfgs.length === 0) {
    return [{ path: flagPath, message: `${who}: anonymous access is set in the --authentication-config file ${quote(file)}, which is not in the input, so it cannot be verified (--anonymous-auth is not set, default true); scan that file too` }];
  }
  let out = NONE;
  for (const cfg of cfgs) {
    const where = `the AuthenticationConfiguration in ${cfg.origin.file}`;
    const anon = asObject(cfg.object.anonymous);
    if (!anon) {
      out = push(out, flagPath, `${who}: ${where} has no anonymous section and --anonymous-auth is not set (default true): ${consequence}`);
      continue;
    }
    if (anon.enabled === false) continue;
    if (anon.enabled !== true) {
      out = push(out, flagPath, `${who}: ${where} sets anonymous.enabled to ${JSON.stringify(anon.enabled ?? null)}, not a boolean: kube-apiserver cannot load it`);
      continue;
    }
    const conditions = asArray(anon.conditions);
    if (conditions.length === 0) {
      out = push(out, flagPath, `${who}: ${where} enables anonymous access with no conditions: ${consequence} on every path`);
      continue;
    }
    const others = conditions.map((c) => asString(asObject(c)?.path) ?? '(no path)').filter((p) => !HEALTH_PATHS.has(p));
    if (others.length > 0) out = push(out, flagPath, `${who}: ${where} lets anonymous requests reach ${others.map((p) => quote(p)).join(', ')}, beyond the health endpoints /livez, /readyz, /healthz`);
  }
  return out;
}

export const apiserverTokenAuthFile: Control = componentControl(
  {
    id: 'apiserver-token-auth-file',
    title: 'API server accepts static token file credentials',
    severity: 'high',
    description: 'kube-apiserver must not set --token-auth-file (CIS 1.2.2).',
    rationale:
      'The static token file holds bearer tokens in clear text on the control plane node; they never expire, cannot be revoked without editing the file and restarting the API server, and are typically shared.',
    remediation: `Remove --token-auth-file and authenticate people through OIDC or another identity provider, components with client certificates or service account tokens:\n${MANIFEST('--oidc-issuer-url=https://login.example.com\n--oidc-client-id=kubernetes')}`,
    references: [`${DOCS.authentication}#static-token-file`, DOCS.apiserver],
    mappings: {
      cis: ['1.2.2'],
      nsa: ['A1'],
      nist80190: ['4.3.2'],
      mitre: ['T1078', 'T1078.003', 'T1552.001'],
      stride: ['S', 'I'],
      pci: ['2.2.1', '8.6.2', '8.2.2'],
      hipaa: ['164.312(d)'],
      gdpr: ['Art. 32'],
      soc2: ['CC6.1'],
      cra: ['I.2(d)'],
    },
  },
  API,
  (comp) => {
    // A string flag: the last occurrence wins, and an empty file name turns the authenticator off.
    const occ = comp.flags.last('token-auth-file');
    if (occ === undefined || occ.value === undefined || occ.value.trim() === '') return NONE;
    return [{ path: occ.valuePath, message: `${subject(comp)}: ${occ.text} authenticates bearer tokens from a static file (never expiring, revoked only by a restart)` }];
  },
);

export const apiserverKubeletTls: Control = componentControl(
  {
    id: 'apiserver-kubelet-tls',
    title: 'API server connections to kubelets are not mutually authenticated',
    severity: 'high',
    description:
      'kube-apiserver must set --kubelet-client-certificate and --kubelet-client-key (it authenticates to kubelets with a client certificate, CIS 1.2.4) and --kubelet-certificate-authority (it verifies kubelet serving certificates, CIS 1.2.5).',
    rationale:
      'exec, attach, port-forward and log requests travel from the API server to the kubelet. Without a client certificate the kubelet cannot authenticate the API server; without a certificate authority the API server cannot tell a real kubelet from an impostor that intercepts those streams.',
    remediation: `Set the kubelet client certificate and the CA that signed the kubelet serving certificates (enable kubelet serving certificate bootstrap so they are signed by the cluster CA):\n${MANIFEST('--kubelet-client-certificate=/etc/kubernetes/pki/apiserver-kubelet-client.crt\n--kubelet-client-key=/etc/kubernetes/pki/apiserver-kubelet-client.key\n--kubelet-certificate-authority=/etc/kubernetes/pki/ca.crt')}`,
    references: [DOCS.kubeletAuth, DOCS.apiserver, DOCS.kubeletTlsBootstrap],
    mappings: {
      cis: ['1.2.4', '1.2.5'],
      nsa: ['N2'],
      nist80190: ['4.3.2'],
      stride: ['S', 'T', 'I'],
      pci: ['2.2.1', '2.2.7'],
      hipaa: ['164.312(d)', '164.312(e)(1)', '164.312(e)(2)(i)'],
      gdpr: ['Art. 32'],
      soc2: ['CC6.1', 'CC6.7'],
      cra: ['I.2(d)', 'I.2(e)'],
    },
  },
  API,
  (comp) =>
    concatAll(
      requireSet(comp, 'kubelet-client-certificate', 'the API server presents no client certificate to kubelets'),
      requireSet(comp, 'kubelet-client-key', 'the API server presents no client certificate to kubelets'),
      requireSet(comp, 'kubelet-certificate-authority', 'kubelet serving certificates are not verified, so exec, attach and log streams can be intercepted'),
    ),
);

// -------------------------------------------------------------------------------- authorization

/** A mode (authorizer type) with where it was configured. */
interface Mode {
  name: string;
  path: string;
}

/** The authorizers of the API server: from --authorization-mode, its default, or an AuthorizationConfiguration in the input. */
function authorizers(comp: ComponentRef, ctx: CheckContext): { modes: Mode[]; source: string; missingPath: string } | Violation[] {
  const who = subject(comp);
  const cfgOcc = comp.flags.last('authorization-config');
  const cfgFile = cfgOcc?.value?.trim();
  if (cfgOcc !== undefined && cfgFile) {
    const cfgs = configsFor(ctx, 'AuthorizationConfiguration', 'apiserver.config.k8s.io/', cfgFile);
    if (cfgs.length === 0) {
      return [
        {
          path: cfgOcc.valuePath,
          message: `${who}: authorizers are configured in the --authorization-config file ${quote(cfgFile)}, which is not in the input, so the use of Node and RBAC (and the absence of AlwaysAllow) cannot be verified; scan that file too`,
        },
      ];
    }
    const modes: Mode[] = [];
    for (const cfg of cfgs) {
      for (const a of asArray(cfg.object.authorizers)) {
        const type = asString(asObject(a)?.type);
        if (type) modes.push({ name: type, path: cfgOcc.valuePath });
      }
    }
    return { modes, source: `the AuthorizationConfiguration in ${cfgs.map((c) => c.origin.file).join(', ')}`, missingPath: cfgOcc.valuePath };
  }
  const occs = comp.flags.occurrences('authorization-mode');
  if (occs.length === 0) return { modes: [{ name: 'AlwaysAllow', path: comp.c.base }], source: '--authorization-mode (not set, default AlwaysAllow)', missingPath: comp.c.base };
  const items = comp.flags.list('authorization-mode');
  const last = occs[occs.length - 1];
  if (items.length === 0) return [{ path: last.valuePath, message: `${who}: --authorization-mode is empty, so kube-apiserver refuses to start; set --authorization-mode=Node,RBAC` }];
  return { modes: items.map((x) => ({ name: x.item, path: x.occ.valuePath })), source: `--authorization-mode=${items.map((x) => x.item).join(',')}`, missingPath: last.valuePath };
}

export const apiserverAuthorizationMode: Control = componentControl(
  {
    id: 'apiserver-authorization-mode',
    title: 'API server authorization allows everything or lacks Node and RBAC',
    severity: 'critical',
    scope: 'inventory',
    description:
      'The API server\'s authorizers must not include AlwaysAllow (CIS 1.2.6) and must include Node (1.2.7) and RBAC (1.2.8). They come from --authorization-mode (default AlwaysAllow when absent) or, with --authorization-config, from the AuthorizationConfiguration file, which is read from the input when it is there.',
    rationale:
      'AlwaysAllow authorizes every authenticated request: any service account token or client certificate is cluster-admin. Without RBAC, Roles and RoleBindings are not enforced; without the Node authorizer, kubelet credentials are not confined to the objects of their own node, so one compromised node reads every Secret.',
    remediation: `Use the Node and RBAC authorizers (and Webhook if you need one), never AlwaysAllow:\n${MANIFEST('--authorization-mode=Node,RBAC')}`,
    references: [DOCS.authorization, DOCS.nodeAuthz, DOCS.apiserver],
    mappings: {
      cis: ['1.2.6', '1.2.7', '1.2.8'],
      nsa: ['A2', 'N1'],
      nist80190: ['4.3.1', '4.3.2'],
      mitre: ['T1078'],
      stride: ['E', 'I', 'T'],
      pci: ['2.2.1', '7.2.1', '7.2.2', '7.3.1', '7.3.3'],
      hipaa: ['164.312(a)(1)', '164.308(a)(4)(ii)(B)'],
      gdpr: ['Art. 32'],
      soc2: ['CC6.1', 'CC6.3'],
      cra: ['I.2(d)'],
    },
  },
  API,
  (comp, ctx) => {
    const got = authorizers(comp, ctx);
    if (Array.isArray(got)) return got;
    const who = subject(comp);
    let out = NONE;
    for (const m of got.modes) {
      if (m.name === 'AlwaysAllow') out = push(out, m.path, `${who}: ${got.source} includes AlwaysAllow: every authenticated request is authorized`);
    }
    if (!got.modes.some((m) => m.name === 'Node')) out = push(out, got.missingPath, `${who}: ${got.source} does not include Node: kubelet credentials are not limited to their own node's objects`);
    if (!got.modes.some((m) => m.name === 'RBAC')) out = push(out, got.missingPath, `${who}: ${got.source} does not include RBAC: Roles and RoleBindings are not enforced`);
    return out;
  },
);

// ------------------------------------------------------------------------------ admission plugins

/** Plugins kube-apiserver enables when neither --enable- nor --disable-admission-plugins names them. */
const DEFAULT_ON_PLUGINS: ReadonlySet<string> = new Set([
  'NamespaceLifecycle', 'LimitRanger', 'ServiceAccount', 'DefaultStorageClass', 'PersistentVolumeClaimResize',
  'DefaultTolerationSeconds', 'MutatingAdmissionWebhook', 'ValidatingAdmissionWebhook', 'ResourceQuota',
  'StorageObjectInUseProtection', 'PodGroupProtection', 'Priority', 'TaintNodesByCondition', 'RuntimeClass',
  'CertificateApproval', 'CertificateSigning', 'ClusterTrustBundleAttest', 'CertificateSubjectRestriction',
  'DefaultIngressClass', 'PodSecurity', 'PodTopologyLabels', 'MutatingAdmissionPolicy', 'ValidatingAdmissionPolicy',
  'PodGroupWorkloadExists', 'NodeDeclaredFeatureValidator', 'JobValidation', 'PodResizeValidator',
]);

export interface PluginState {
  enabled: boolean;
  /** Why, for messages: `not in --enable-admission-plugins (off by default)`. */
  why: string;
  /** Where to report. */
  path: string;
  /** The plugin is both enabled and disabled: kube-apiserver refuses to start. */
  conflict?: boolean;
}

/**
 * Whether an admission plugin is enabled, as kube-apiserver computes it: with the deprecated
 * --admission-control exactly the plugins it lists; otherwise the default-on plugins minus
 * --disable-admission-plugins plus --enable-admission-plugins (repeated flags append). A plugin in
 * both lists is a start-up error.
 */
export function admissionPlugin(comp: ComponentRef, plugin: string): PluginState {
  const f = comp.flags;
  const legacy = f.occurrences('admission-control');
  if (legacy.length > 0 && !f.has('enable-admission-plugins') && !f.has('disable-admission-plugins')) {
    const hit = f.list('admission-control').find((x) => x.item === plugin);
    const last = legacy[legacy.length - 1];
    return hit ? { enabled: true, why: `listed in --admission-control`, path: hit.occ.valuePath } : { enabled: false, why: `not listed in --admission-control (which enables only the plugins it lists)`, path: last.valuePath };
  }
  const enabled = f.list('enable-admission-plugins').find((x) => x.item === plugin);
  const disabled = f.list('disable-admission-plugins').find((x) => x.item === plugin);
  if (enabled && disabled) return { enabled: false, why: `in both --enable-admission-plugins and --disable-admission-plugins (kube-apiserver refuses to start)`, path: disabled.occ.valuePath, conflict: true };
  if (enabled) return { enabled: true, why: 'enabled by --enable-admission-plugins', path: enabled.occ.valuePath };
  if (disabled) return { enabled: false, why: 'disabled by --disable-admission-plugins', path: disabled.occ.valuePath };
  const enableOccs = f.occurrences('enable-admission-plugins');
  const path = enableOccs.length > 0 ? enableOccs[enableOccs.length - 1].valuePath : comp.c.base;
  return DEFAULT_ON_PLUGINS.has(plugin)
    ? { enabled: true, why: 'on by default', path }
    : { enabled: false, why: enableOccs.length > 0 ? 'not in --enable-admission-plugins (off by default)' : '--enable-admission-plugins is not set and the plugin is off by default', path };
}

function requirePlugin(comp: ComponentRef, plugin: string, consequence: string): Violation[] {
  const st = admissionPlugin(comp, plugin);
  if (st.enabled) return NONE;
  return [{ path: st.path, message: `${subject(comp)}: admission plugin ${plugin} is not enabled (${st.why}): ${consequence}` }];
}

const ADMISSION_REMEDIATION = (plugins: string, extra = ''): string =>
  `Add the plugin to --enable-admission-plugins (keep the list in one flag; repeated flags are appended) and make sure --disable-admission-plugins does not name it:\n${MANIFEST(`--enable-admission-plugins=${plugins}${extra}`)}`;

export const apiserverAdmissionDenyExternalIps: Control = componentControl(
  {
    id: 'apiserver-admission-deny-external-ips',
    title: 'DenyServiceExternalIPs admission plugin not enabled',
    severity: 'medium',
    description: 'kube-apiserver must enable the DenyServiceExternalIPs admission plugin (CIS 1.2.3; it is off by default).',
    rationale:
      'Anyone allowed to create or update a Service can set spec.externalIPs to any address and have kube-proxy capture cluster traffic sent to that address (CVE-2020-8554, a man-in-the-middle by design). The plugin rejects new external IPs.',
    remediation: ADMISSION_REMEDIATION('NodeRestriction,DenyServiceExternalIPs'),
    references: [`${DOCS.admission}#denyserviceexternalips`, 'https://github.com/kubernetes/kubernetes/issues/97076'],
    mappings: {
      cis: ['1.2.3'],
      nist80190: ['4.3.3'],
      stride: ['S', 'T', 'I'],
      pci: ['2.2.1', '2.2.6'],
      gdpr: ['Art. 32'],
      soc2: ['CC6.6'],
      cra: ['I.2(e)', 'I.2(f)'],
    },
  },
  API,
  (comp) => requirePlugin(comp, 'DenyServiceExternalIPs', 'Services may claim arbitrary external IPs and intercept traffic to them (CVE-2020-8554)'),
);

export const apiserverAdmissionEventRateLimit: Control = componentControl(
  {
    id: 'apiserver-admission-event-rate-limit',
    title: 'EventRateLimit admission plugin not enabled',
    severity: 'low',
    description:
      'kube-apiserver must enable the EventRateLimit admission plugin (CIS 1.2.9; off by default), with its limits in the --admission-control-config-file.',
    rationale: 'Without a limit, a misbehaving or malicious client can flood the API server and etcd with Events and degrade the whole control plane.',
    remediation: `${ADMISSION_REMEDIATION('NodeRestriction,EventRateLimit', '\n--admission-control-config-file=/etc/kubernetes/admission/config.yaml')}\nwith an EventRateLimit configuration (eventratelimit.admission.k8s.io/v1alpha1, e.g. a Server limit of qps: 50, burst: 100) referenced from that file.`,
    references: [`${DOCS.admission}#eventratelimit`],
    mappings: {
      cis: ['1.2.9'],
      mitre: ['T1499'],
      stride: ['D'],
      pci: ['2.2.1'],
      cra: ['I.2(h)'],
    },
  },
  API,
  (comp) => requirePlugin(comp, 'EventRateLimit', 'Event creation is not rate limited, so clients can flood the API server and etcd'),
);

export const apiserverAdmissionAlwaysAdmit: Control = componentControl(
  {
    id: 'apiserver-admission-always-admit',
    title: 'AlwaysAdmit admission plugin enabled',
    severity: 'medium',
    description: 'kube-apiserver must not enable the deprecated AlwaysAdmit admission plugin (CIS 1.2.10).',
    rationale:
      'AlwaysAdmit admits every request; it exists only to express "no admission control" and signals a configuration that does not rely on admission to enforce policy.',
    remediation: 'Remove AlwaysAdmit from --enable-admission-plugins (or from the deprecated --admission-control):\n' + MANIFEST('--enable-admission-plugins=NodeRestriction'),
    references: [`${DOCS.admission}#alwaysadmit`],
    mappings: {
      cis: ['1.2.10'],
      stride: ['T', 'E'],
      pci: ['2.2.1', '2.2.6'],
      soc2: ['CC6.1'],
      cra: ['I.2(d)'],
    },
  },
  API,
  (comp) => {
    const st = admissionPlugin(comp, 'AlwaysAdmit');
    if (!st.enabled) return NONE;
    return [{ path: st.path, message: `${subject(comp)}: admission plugin AlwaysAdmit is enabled (${st.why}): it admits every request` }];
  },
);

export const apiserverAdmissionAlwaysPullImages: Control = componentControl(
  {
    id: 'apiserver-admission-always-pull-images',
    title: 'AlwaysPullImages admission plugin not enabled',
    severity: 'medium',
    description: 'kube-apiserver must enable the AlwaysPullImages admission plugin (CIS 1.2.11; off by default).',
    rationale:
      'Images pulled with one tenant\'s credentials stay in the node\'s cache; without AlwaysPullImages any other pod scheduled on that node can run the private image without being entitled to pull it. The plugin forces imagePullPolicy: Always so the registry checks credentials on every start.',
    remediation: ADMISSION_REMEDIATION('NodeRestriction,AlwaysPullImages'),
    references: [`${DOCS.admission}#alwayspullimages`],
    mappings: {
      cis: ['1.2.11'],
      nsa: ['P3'],
      mitre: ['T1610'],
      stride: ['I', 'E'],
      pci: ['2.2.1', '7.2.1'],
      hipaa: ['164.312(a)(1)'],
      soc2: ['CC6.1'],
      cra: ['I.2(d)'],
    },
  },
  API,
  (comp) => requirePlugin(comp, 'AlwaysPullImages', 'pods can run private images cached on the node without the credentials to pull them'),
);

export const apiserverAdmissionServiceAccount: Control = componentControl(
  {
    id: 'apiserver-admission-service-account',
    title: 'ServiceAccount admission plugin disabled',
    severity: 'medium',
    description: 'The ServiceAccount admission plugin (on by default) must not be disabled (CIS 1.2.12).',
    rationale:
      'The plugin gives every pod a service account, enforces automountServiceAccountToken and rejects pods that reference Secrets of other service accounts; without it pods run without a controlled API identity.',
    remediation: 'Remove ServiceAccount from --disable-admission-plugins (and, with the deprecated --admission-control, list it there):\n' + MANIFEST('--enable-admission-plugins=NodeRestriction'),
    references: [`${DOCS.admission}#serviceaccount`, DOCS.serviceAccounts],
    mappings: {
      cis: ['1.2.12'],
      nsa: ['A2', 'P9'],
      stride: ['S', 'E'],
      pci: ['2.2.1', '7.2.5'],
      soc2: ['CC6.1'],
      cra: ['I.2(d)'],
    },
  },
  API,
  (comp) => requirePlugin(comp, 'ServiceAccount', 'pods are not given a managed service account identity and token mounting is not controlled'),
);

export const apiserverAdmissionNamespaceLifecycle: Control = componentControl(
  {
    id: 'apiserver-admission-namespace-lifecycle',
    title: 'NamespaceLifecycle admission plugin disabled',
    severity: 'medium',
    description: 'The NamespaceLifecycle admission plugin (on by default) must not be disabled (CIS 1.2.13).',
    rationale:
      'NamespaceLifecycle rejects objects in namespaces that do not exist or are being deleted, and protects the default, kube-system and kube-public namespaces from deletion; without it objects linger in terminating namespaces outside the policies that applied there.',
    remediation: 'Remove NamespaceLifecycle from --disable-admission-plugins (and, with the deprecated --admission-control, list it there):\n' + MANIFEST('--enable-admission-plugins=NodeRestriction'),
    references: [`${DOCS.admission}#namespacelifecycle`],
    mappings: {
      cis: ['1.2.13'],
      stride: ['T'],
      pci: ['2.2.1'],
      cra: ['I.2(f)'],
    },
  },
  API,
  (comp) => requirePlugin(comp, 'NamespaceLifecycle', 'objects can be created in namespaces that do not exist or are being deleted'),
);

export const apiserverAdmissionNodeRestriction: Control = componentControl(
  {
    id: 'apiserver-admission-node-restriction',
    title: 'NodeRestriction admission plugin not enabled',
    severity: 'high',
    description: 'kube-apiserver must enable the NodeRestriction admission plugin (CIS 1.2.14; off by default), used with the Node authorizer.',
    rationale:
      'NodeRestriction limits each kubelet to modifying its own Node object and the pods bound to it, and stops kubelets from setting node-restriction.kubernetes.io/ labels; without it a compromised node can relabel or modify other nodes to attract sensitive workloads.',
    remediation: ADMISSION_REMEDIATION('NodeRestriction') + '\nand keep Node in --authorization-mode.',
    references: [`${DOCS.admission}#noderestriction`, DOCS.nodeAuthz],
    mappings: {
      cis: ['1.2.14'],
      nsa: ['A2', 'N1'],
      nist80190: ['4.3.1'],
      mitre: ['T1078'],
      stride: ['E', 'T'],
      pci: ['2.2.1', '7.2.5'],
      hipaa: ['164.312(a)(1)'],
      soc2: ['CC6.3'],
      cra: ['I.2(d)', 'I.2(k)'],
    },
  },
  API,
  (comp) => requirePlugin(comp, 'NodeRestriction', 'kubelets can modify other Node objects and pods not bound to them'),
);

// ---------------------------------------------------------------------------------- profiling

export const PROFILING_MAPPINGS = (cis: string) => ({
  cis: [cis],
  stride: ['I' as const],
  pci: ['2.2.1', '2.2.4'],
  soc2: ['CC6.6'],
  cra: ['I.2(j)'],
});

export const apiserverProfiling: Control = componentControl(
  {
    id: 'apiserver-profiling',
    title: 'API server profiling enabled',
    severity: 'low',
    description: 'kube-apiserver must run with --profiling=false (the flag defaults to true).',
    rationale:
      'The /debug/pprof handlers expose goroutine stacks, heap and CPU profiles: detailed information about the program and the requests it serves, and an expensive endpoint to call repeatedly. They are not needed in production.',
    remediation: `Turn profiling off:\n${MANIFEST('--profiling=false')}`,
    references: [DOCS.apiserver],
    mappings: PROFILING_MAPPINGS('1.2.15'),
  },
  API,
  (comp) => requireBool(comp, 'profiling', false, true, 'profiling data is served at /debug/pprof'),
);

// ---------------------------------------------------------------------------------------- audit

const AUDIT_MAPPINGS_PCI = ['2.2.1', '10.2.1', '10.2.1.2', '10.2.1.4', '10.2.1.5', '10.2.1.7', '10.2.2'];

/** Whether an absolute file path lies on one of the container's volume mounts. */
function onVolume(comp: ComponentRef, file: string): boolean {
  for (const m of asArray(comp.c.container.volumeMounts)) {
    const mp = asString(asObject(m)?.mountPath);
    if (!mp) continue;
    const dir = mp.endsWith('/') && mp.length > 1 ? mp.slice(0, -1) : mp;
    if (file === dir || file.startsWith(dir === '/' ? '/' : `${dir}/`)) return true;
  }
  return false;
}

export const apiserverAuditLogging: Control = componentControl(
  {
    id: 'apiserver-audit-logging',
    title: 'API server audit logging not enabled',
    severity: 'high',
    description:
      'kube-apiserver must write audit events: --audit-policy-file must be set (CIS 3.2.1 — without a policy no audit event is recorded at all) and --audit-log-path must be set (CIS 1.2.16). A log path that is not on a mounted volume is reported too: the log is lost whenever the container restarts.',
    rationale:
      'The audit log is the only record of who did what through the Kubernetes API: reading Secrets, exec into pods, RBAC changes. Without it an intrusion can be neither detected nor investigated.',
    remediation:
      'Write audit events to a file on a host volume (and ship them off the node), with a policy:\n```yaml\nspec:\n  containers:\n  - name: kube-apiserver\n    command:\n    - kube-apiserver\n    - --audit-policy-file=/etc/kubernetes/audit/policy.yaml\n    - --audit-log-path=/var/log/kubernetes/audit/audit.log\n    volumeMounts:\n    - name: audit-policy\n      mountPath: /etc/kubernetes/audit\n      readOnly: true\n    - name: audit-log\n      mountPath: /var/log/kubernetes/audit\n  volumes:\n  - name: audit-policy\n    hostPath:\n      path: /etc/kubernetes/audit\n      type: Directory\n  - name: audit-log\n    hostPath:\n      path: /var/log/kubernetes/audit\n      type: DirectoryOrCreate\n```',
    references: [DOCS.auditing, DOCS.apiserver],
    mappings: {
      cis: ['1.2.16', '3.2.1'],
      nsa: ['L1'],
      mitre: ['T1070', 'T1562.001'],
      stride: ['R'],
      pci: AUDIT_MAPPINGS_PCI,
      hipaa: ['164.312(b)', '164.308(a)(1)(ii)(D)'],
      gdpr: ['Art. 32'],
      soc2: ['CC7.1', 'CC7.2'],
      cra: ['I.2(l)'],
    },
  },
  API,
  (comp) => {
    const who = subject(comp);
    let out = requireSet(comp, 'audit-policy-file', 'without an audit policy kube-apiserver records no audit events');
    const path = stringValue(comp, 'audit-log-path');
    if (path === undefined) {
      const webhook = stringValue(comp, 'audit-webhook-config-file');
      const s = setting(comp, 'audit-log-path');
      out = push(
        out,
        s?.path ?? comp.c.base,
        `${who}: --audit-log-path is ${s === undefined ? 'not set' : 'empty'}: ${webhook ? `audit events go only to the webhook backend (${quote(webhook)}), no audit log file is written` : 'no audit log is written'}`,
      );
    } else if (path !== '-' && !path.includes('$')) {
      // A relative path is relative to the container's working directory (the image's, "/" for the
      // upstream images, unless workingDir says otherwise).
      const wd = asString(comp.c.container.workingDir);
      const abs = path.startsWith('/') ? path : `${wd && wd.startsWith('/') ? wd.replace(/\/+$/, '') : ''}/${path.replace(/^\.\//, '')}`;
      if (!onVolume(comp, abs)) {
        const shown = abs === path ? quote(path) : `${quote(path)} (${abs} in the container)`;
        out = push(out, setting(comp, 'audit-log-path')!.path, `${who}: audit log ${shown} is not on a mounted volume: it is lost whenever the container restarts`);
      }
    }
    return out;
  },
);

/**
 * A rotation setting that must be 0 (lumberjack: unlimited, or 100 MB for the size) or at least
 * `min`. Unset means 0.
 */
function rotationSetting(comp: ComponentRef, name: string, min: number, what: string): Violation[] {
  const s = setting(comp, name);
  if (s === undefined) return NONE;
  const who = subject(comp);
  const n = parseIntFlag(s.raw);
  if (n === undefined) return [{ path: s.path, message: `${who}: ${s.text} is not an integer, so kube-apiserver refuses to start` }];
  if (n < 0) return [{ path: s.path, message: `${who}: ${s.text} is negative, so kube-apiserver refuses to start` }];
  if (n > 0 && n < min) return [{ path: s.path, message: `${who}: ${s.text} keeps ${what} (CIS: at least ${min})` }];
  return NONE;
}

export const apiserverAuditLogRotation: Control = componentControl(
  {
    id: 'apiserver-audit-log-rotation',
    title: 'Audit log rotation keeps too little history',
    severity: 'medium',
    description:
      'When kube-apiserver writes its audit log to a file, rotation must keep at least 30 days (--audit-log-maxage, CIS 1.2.17) and at least 10 old files (--audit-log-maxbackup, 1.2.18), rotating at 100 MB or more (--audit-log-maxsize, 1.2.19). ' +
      'Unset values are judged by what the API server does with them: it rotates with lumberjack, where 0 (the flags\' default) means no age limit and no limit on the number of old files, and a maximum size of 0 means lumberjack\'s 100 MB. ' +
      'Only explicit values below the thresholds (or negative, which the API server rejects) are reported; a log written to standard out (--audit-log-path=-) has no rotation to judge.',
    rationale:
      'Investigating an incident needs the audit trail from before it was noticed, often weeks back; small files rotated into a few backups or deleted after days leave nothing to investigate.',
    remediation: `Keep enough audit history locally (and ship it to central storage for the 12 months PCI DSS asks):\n${MANIFEST('--audit-log-path=/var/log/kubernetes/audit/audit.log\n--audit-log-maxage=30\n--audit-log-maxbackup=10\n--audit-log-maxsize=100')}`,
    references: [`${DOCS.auditing}#log-backend`, DOCS.apiserver],
    mappings: {
      cis: ['1.2.17', '1.2.18', '1.2.19'],
      nsa: ['L1'],
      mitre: ['T1070'],
      stride: ['R'],
      pci: ['2.2.1', '10.2.1'],
      hipaa: ['164.312(b)'],
      soc2: ['CC7.2'],
      cra: ['I.2(l)'],
    },
  },
  API,
  (comp) => {
    const path = stringValue(comp, 'audit-log-path');
    if (path === undefined || path === '-') return NONE;
    return concatAll(
      rotationSetting(comp, 'audit-log-maxage', 30, 'rotated audit logs for fewer than 30 days'),
      rotationSetting(comp, 'audit-log-maxbackup', 10, 'fewer than 10 rotated audit log files'),
      rotationSetting(comp, 'audit-log-maxsize', 100, 'audit log files under 100 MB before rotating'),
    );
  },
);

// ------------------------------------------------------------------------------ service accounts

const SA_MAPPINGS = (cis: string) => ({
  cis: [cis],
  nsa: ['A1' as const],
  nist80190: ['4.3.2'],
  mitre: ['T1528', 'T1550.001'],
  stride: ['S' as const],
  pci: ['2.2.1'],
  hipaa: ['164.312(d)'],
  soc2: ['CC6.1'],
  cra: ['I.2(d)'],
});

export const apiserverServiceAccountLookup: Control = componentControl(
  {
    id: 'apiserver-service-account-lookup',
    title: 'Service account tokens not checked against etcd',
    severity: 'medium',
    description: 'kube-apiserver must not set --service-account-lookup=false (default true, CIS 1.2.21).',
    rationale:
      'With lookup off, the API server accepts any token with a valid signature: tokens of deleted service accounts, and of deleted token Secrets, keep working until they expire — a stolen token cannot be revoked.',
    remediation: `Remove --service-account-lookup=false (or set it to true):\n${MANIFEST('--service-account-lookup=true')}`,
    references: [DOCS.apiserver, DOCS.serviceAccounts],
    mappings: SA_MAPPINGS('1.2.21'),
  },
  API,
  (comp) => requireBool(comp, 'service-account-lookup', true, true, 'tokens of deleted service accounts and token Secrets keep authenticating until they expire'),
);

export const apiserverServiceAccountKeyFile: Control = componentControl(
  {
    id: 'apiserver-service-account-key-file',
    title: 'Service account token verification key not set',
    severity: 'medium',
    description:
      'kube-apiserver must set --service-account-key-file (CIS 1.2.22) to the public key(s) matching the token signing key. When it is absent the API server verifies tokens with its --tls-private-key-file (documented fallback). An API server that uses an external token signer (--service-account-signing-endpoint, which excludes the key-file flags) passes.',
    rationale:
      'A dedicated service account key pair can be rotated (old and new public keys listed side by side) without touching the serving certificate; tokens tied to the serving key break, or stay valid, whenever that certificate changes.',
    remediation: `Point the flag at the service account public key (the controller manager signs with the matching private key):\n${MANIFEST('--service-account-key-file=/etc/kubernetes/pki/sa.pub\n--service-account-signing-key-file=/etc/kubernetes/pki/sa.key\n--service-account-issuer=https://kubernetes.default.svc.cluster.local')}`,
    references: [DOCS.apiserver, DOCS.serviceAccounts],
    mappings: { ...SA_MAPPINGS('1.2.22'), mitre: ['T1550.001'] },
  },
  API,
  (comp) =>
    // An external signer (--service-account-signing-endpoint, v1.32+) publishes its own verification keys and
    // is mutually exclusive with --service-account-key-file: nothing to set then.
    stringValue(comp, 'service-account-signing-endpoint') !== undefined
      ? NONE
      : requireSet(comp, 'service-account-key-file', 'service account tokens are verified with the --tls-private-key-file key, which cannot be rotated on its own'),
);

export const apiserverServiceAccountTokenExpiration: Control = componentControl(
  {
    id: 'apiserver-service-account-token-expiration',
    title: 'Service account token lifetime extended',
    severity: 'medium',
    description: 'kube-apiserver must run with --service-account-extend-token-expiration=false (CIS 1.2.30; the flag defaults to true).',
    rationale:
      'With the extension on, tokens that admission injects into pods are issued for up to a year, ignoring --service-account-max-token-expiration: a token stolen from a pod stays usable for months.',
    remediation: `Turn the extension off (check first that no workload still reads its token only once at start):\n${MANIFEST('--service-account-extend-token-expiration=false')}`,
    references: [DOCS.apiserver, DOCS.serviceAccounts],
    mappings: SA_MAPPINGS('1.2.30'),
  },
  API,
  (comp) => requireBool(comp, 'service-account-extend-token-expiration', false, true, 'tokens injected into pods are extended to a year, ignoring --service-account-max-token-expiration'),
);

// ------------------------------------------------------------------------------------------ TLS

export const apiserverEtcdTls: Control = componentControl(
  {
    id: 'apiserver-etcd-tls',
    title: 'API server connection to etcd not protected by TLS',
    severity: 'high',
    description:
      'kube-apiserver must authenticate to etcd with a client certificate (--etcd-certfile and --etcd-keyfile, CIS 1.2.23) and verify etcd against a CA (--etcd-cafile, 1.2.26); every --etcd-servers URL, and every server of --etcd-servers-overrides (group/resource#url;url), must use https.',
    rationale: 'Everything in the cluster, Secrets included, passes between the API server and etcd. Without TLS and mutual authentication it can be read or altered on the network.',
    remediation: `Use TLS to etcd with the certificates of the etcd CA:\n${MANIFEST('--etcd-servers=https://127.0.0.1:2379\n--etcd-cafile=/etc/kubernetes/pki/etcd/ca.crt\n--etcd-certfile=/etc/kubernetes/pki/apiserver-etcd-client.crt\n--etcd-keyfile=/etc/kubernetes/pki/apiserver-etcd-client.key')}`,
    references: [DOCS.etcdForK8s, DOCS.apiserver, DOCS.pki],
    mappings: {
      cis: ['1.2.23', '1.2.26'],
      nsa: ['N1', 'N2'],
      stride: ['I', 'T', 'S'],
      pci: ['2.2.1', '2.2.7'],
      hipaa: ['164.312(e)(1)', '164.312(e)(2)(ii)', '164.312(d)'],
      gdpr: ['Art. 32', 'Art. 5(1)(f)'],
      soc2: ['CC6.7'],
      cra: ['I.2(e)'],
    },
  },
  API,
  (comp) => {
    let out = concatAll(
      requireSet(comp, 'etcd-certfile', 'the API server does not authenticate to etcd with a client certificate'),
      requireSet(comp, 'etcd-keyfile', 'the API server does not authenticate to etcd with a client certificate'),
      requireSet(comp, 'etcd-cafile', 'the etcd server certificate is not verified'),
    );
    for (const { item, occ } of comp.flags.list('etcd-servers')) {
      if (/^http:\/\//i.test(item)) out = push(out, occ.valuePath, `${subject(comp)}: etcd server ${quote(item)} is reached over plain HTTP`);
    }
    // --etcd-servers-overrides=group/resource#url;url,…: those resources live in other etcd clusters.
    for (const { item, occ } of comp.flags.list('etcd-servers-overrides')) {
      const hash = item.indexOf('#');
      if (hash < 0) continue;
      const resource = item.slice(0, hash);
      for (const url of item.slice(hash + 1).split(';').map((u) => u.trim())) {
        if (/^http:\/\//i.test(url)) out = push(out, occ.valuePath, `${subject(comp)}: etcd server ${quote(url)} for ${quote(resource)} (--etcd-servers-overrides) is reached over plain HTTP`);
      }
    }
    return out;
  },
);

export const apiserverTlsCert: Control = componentControl(
  {
    id: 'apiserver-tls-cert',
    title: 'API server serves a self-generated certificate',
    severity: 'high',
    description:
      'kube-apiserver must set --tls-cert-file and --tls-private-key-file (CIS 1.2.24). Without them it generates a self-signed certificate in --cert-dir that clients cannot verify.',
    rationale: 'Clients can only detect an impostor or an interception of API traffic (credentials included) if the API server presents a certificate from a CA they trust.',
    remediation: `Serve a certificate signed by the cluster CA:\n${MANIFEST('--tls-cert-file=/etc/kubernetes/pki/apiserver.crt\n--tls-private-key-file=/etc/kubernetes/pki/apiserver.key')}`,
    references: [DOCS.apiserver, DOCS.pki],
    mappings: {
      cis: ['1.2.24'],
      nsa: ['N2'],
      stride: ['S', 'I'],
      pci: ['2.2.1', '2.2.7', '4.2.1'],
      hipaa: ['164.312(e)(1)'],
      gdpr: ['Art. 32'],
      soc2: ['CC6.7'],
      cra: ['I.2(e)'],
    },
  },
  API,
  (comp) =>
    concatAll(
      requireSet(comp, 'tls-cert-file', 'the API server serves a self-signed certificate generated at start'),
      requireSet(comp, 'tls-private-key-file', 'the API server serves a self-signed certificate generated at start'),
    ),
);

export const apiserverClientCa: Control = componentControl(
  {
    id: 'apiserver-client-ca',
    title: 'API server client certificate authority not set',
    severity: 'high',
    description: 'kube-apiserver must set --client-ca-file (CIS 1.2.25) so that client certificates are verified against the cluster CA.',
    rationale:
      'Without a client CA no client certificate is accepted: components fall back to weaker credentials (static tokens, long-lived service account tokens), and mutual TLS inside the control plane is lost.',
    remediation: `Set the CA that signs component and kubelet client certificates:\n${MANIFEST('--client-ca-file=/etc/kubernetes/pki/ca.crt')}`,
    references: [`${DOCS.authentication}#x509-client-certificates`, DOCS.apiserver],
    mappings: {
      cis: ['1.2.25'],
      nsa: ['A1', 'N2'],
      stride: ['S'],
      pci: ['2.2.1'],
      hipaa: ['164.312(d)'],
      soc2: ['CC6.1'],
      cra: ['I.2(d)'],
    },
  },
  API,
  (comp) => requireSet(comp, 'client-ca-file', 'client certificates are not verified, so x509 client authentication is off'),
);

export const apiserverEncryptionProviderConfig: Control = componentControl(
  {
    id: 'apiserver-encryption-provider-config',
    title: 'Secrets not encrypted at rest',
    severity: 'high',
    description:
      'kube-apiserver must set --encryption-provider-config (CIS 1.2.27). Whether the configured providers really encrypt is judged by apiserver-encryption-providers on the EncryptionConfiguration, when the input holds it.',
    rationale: 'Without an encryption configuration, Secrets are stored in etcd in plain text: anyone with a copy of etcd data (a backup, a disk, etcd access) reads every credential of the cluster.',
    remediation: `Configure encryption at rest (a KMS v2 provider, or aescbc/secretbox with a key kept off etcd):\n${MANIFEST('--encryption-provider-config=/etc/kubernetes/enc/encryption-config.yaml')}\nthen rewrite existing Secrets: \`kubectl get secrets -A -o json | kubectl replace -f -\`.`,
    references: [DOCS.encryptData, DOCS.apiserver],
    mappings: {
      cis: ['1.2.27'],
      nsa: ['N5'],
      mitre: ['T1552'],
      stride: ['I'],
      pci: ['2.2.1', '3.5.1'],
      hipaa: ['164.312(a)(2)(iv)'],
      gdpr: ['Art. 32', 'Art. 5(1)(f)'],
      soc2: ['CC6.1'],
      cra: ['I.2(e)'],
    },
  },
  API,
  (comp) => requireSet(comp, 'encryption-provider-config', 'Secrets are stored in etcd unencrypted'),
);

/** CIS 1.2.29 / 4.2.12 strong cipher suites: TLS 1.3 AEAD suites and ECDHE with AES-GCM or ChaCha20-Poly1305. */
export const STRONG_CIPHERS: ReadonlySet<string> = new Set([
  'TLS_AES_128_GCM_SHA256',
  'TLS_AES_256_GCM_SHA384',
  'TLS_CHACHA20_POLY1305_SHA256',
  'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256',
  'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384',
  'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305',
  'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256',
  'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256',
  'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384',
  'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305',
  'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256',
]);

export const WEAK_TLS_VERSIONS: ReadonlySet<string> = new Set(['VersionTLS10', 'VersionTLS11']);

export const TLS_MAPPINGS = (cis: string) => ({
  cis: [cis],
  nsa: ['N2' as const],
  stride: ['I' as const, 'T' as const],
  pci: ['2.2.1', '2.2.7', '4.2.1'],
  hipaa: ['164.312(e)(1)', '164.312(e)(2)(ii)'],
  gdpr: ['Art. 32'],
  soc2: ['CC6.7'],
  cra: ['I.2(e)'],
});

export function weakCiphers(items: readonly { item: string; path: string }[]): { path: string; weak: string[] }[] {
  const byPath = new Map<string, string[]>();
  for (const { item, path } of items) {
    if (STRONG_CIPHERS.has(item)) continue;
    let l = byPath.get(path);
    if (!l) byPath.set(path, (l = []));
    l.push(item);
  }
  return [...byPath].map(([path, weak]) => ({ path, weak }));
}

export const apiserverTlsCipherSuites: Control = componentControl(
  {
    id: 'apiserver-tls-cipher-suites',
    title: 'API server allows weak TLS cipher suites',
    severity: 'medium',
    description:
      'kube-apiserver must restrict --tls-cipher-suites to the CIS 1.2.29 strong set (TLS 1.3 AEAD suites; ECDHE-ECDSA/ECDHE-RSA with AES-GCM or ChaCha20-Poly1305). When the flag is absent the Go defaults apply, which include CBC-mode suites. --tls-min-version VersionTLS10 or VersionTLS11 is reported too.',
    rationale: 'CBC-mode and static-RSA key exchange suites lack forward secrecy or have a history of padding-oracle attacks; old protocol versions weaken every connection that negotiates them.',
    remediation: `List only strong suites:\n${MANIFEST('--tls-min-version=VersionTLS12\n--tls-cipher-suites=TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305,TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305')}`,
    references: [DOCS.apiserver, DOCS.cis],
    mappings: TLS_MAPPINGS('1.2.29'),
  },
  API,
  (comp) => cipherFindings(comp),
);

/** Cipher suite and minimum version findings for a pflag component (kube-apiserver). */
function cipherFindings(comp: ComponentRef): Violation[] {
  const who = subject(comp);
  let out = NONE;
  const occs = comp.flags.occurrences('tls-cipher-suites');
  if (occs.length === 0) {
    out = push(out, comp.c.base, `${who}: --tls-cipher-suites is not set: the Go default cipher suites apply, including CBC-mode suites outside the CIS strong set`);
  } else {
    const items = comp.flags.list('tls-cipher-suites');
    if (items.length === 0) out = push(out, occs[occs.length - 1].valuePath, `${who}: --tls-cipher-suites is empty: the Go default cipher suites apply, including CBC-mode suites outside the CIS strong set`);
    for (const { path, weak } of weakCiphers(items.map((x) => ({ item: x.item, path: x.occ.valuePath })))) {
      out = push(out, path, `${who}: --tls-cipher-suites allows ${weak.join(', ')}, outside the CIS strong set`);
    }
  }
  const min: FlagOccurrence | undefined = comp.flags.last('tls-min-version');
  if (min?.value !== undefined && WEAK_TLS_VERSIONS.has(min.value.trim())) {
    out = push(out, min.valuePath, `${who}: ${min.text} accepts TLS versions older than 1.2`);
  }
  return out;
}

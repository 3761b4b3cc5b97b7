/**
 * The manifests that run the admission webhook in a cluster, as plain objects with the comments that
 * explain them. Pure: certificates come in as PEM (see tls.ts), nothing here reads files, the clock
 * or randomness, so the same input gives the same output.
 *
 * Every object is meant to pass `kubecomply scan` with the whole catalog (test/install proves it):
 * the namespace enforces the restricted Pod Security level and carries the labels the catalog
 * requires, it has a default-deny NetworkPolicy both ways, a ResourceQuota and a LimitRange; the pods
 * run as non-root with a read-only root file system, no capabilities, RuntimeDefault seccomp, no
 * automounted service account token, requests, limits and probes; two or more replicas spread across
 * nodes, with a PodDisruptionBudget.
 *
 * With cluster exceptions (the default; --no-cluster-exceptions turns them off) the server reads the
 * ComplianceExceptions of the cluster, and only them: a ClusterRole with get, list and watch on
 * complianceexceptions.kubecomply.io bound to the ServiceAccount, a projected token (one hour, renewed
 * by the kubelet) instead of the automounted one, and egress to the API server's ports only.
 */
import { createHash } from 'node:crypto';
import { TOOL } from '../core/version.js';
import type { InstallConfig } from './config.js';
import { complianceExceptionCrd, CRD_GROUP, CRD_NAME, CRD_PLURAL } from './crd.js';
import {
  API_SERVER_PORTS,
  CONTAINER_PORT,
  imageDigest,
  InstallError,
  PATHS,
  RESOURCES,
  RUN_AS,
  SERVER_DRAIN_SECONDS,
  SERVICE_PORT,
  SHUTDOWN_DELAY_SECONDS,
  SHUTDOWN_TIMEOUT_SECONDS,
  TERMINATION_GRACE_SECONDS,
  TOKEN_EXPIRATION_SECONDS,
  type FailurePolicy,
  type InstallOptions,
} from './options.js';
import { validatingWebhookConfiguration, WEBHOOK_RULES, NAMESPACE_RULE } from './webhook.js';

type Json = Record<string, unknown>;

export interface TlsMaterial {
  /** The CA certificate(s) the API server trusts for the webhook (caBundle, and ca.crt in the Secret). */
  caPem: string;
  /** The serving certificate (leaf first). */
  certPem: string;
  keyPem: string;
}

export interface Manifest {
  /** Comment lines (without "# ") printed above the object in YAML. */
  comment?: string[];
  object: Json;
}

export interface ManifestInput {
  options: InstallOptions;
  config: InstallConfig;
  tls: TlsMaterial;
}

/** The label kubectl can use to apply everything but the webhook configuration first (see deploy/README.md). */
export const COMPONENT_LABEL = 'app.kubernetes.io/component';
export const WEBHOOK_CONFIG_COMPONENT = 'webhook-configuration';

export interface Names {
  namespace: string;
  serviceAccount: string;
  service: string;
  deployment: string;
  pdb: string;
  configMap: string;
  secret: string;
  webhookConfiguration: string;
  defaultDeny: string;
  webhookIngress: string;
  apiEgress: string;
  /** ClusterRole and ClusterRoleBinding that let the ServiceAccount read ComplianceExceptions. */
  exceptionReader: string;
  quota: string;
  limitRange: string;
}

export function namesOf(o: Pick<InstallOptions, 'name' | 'namespace'>): Names {
  return {
    namespace: o.namespace,
    serviceAccount: o.name,
    service: o.name,
    deployment: o.name,
    pdb: o.name,
    configMap: `${o.name}-config`,
    secret: `${o.name}-tls`,
    webhookConfiguration: o.name,
    defaultDeny: `${o.name}-default-deny`,
    webhookIngress: `${o.name}-webhook-ingress`,
    apiEgress: `${o.name}-api-egress`,
    exceptionReader: `${o.name}-exception-reader`,
    quota: `${o.name}-quota`,
    limitRange: `${o.name}-limits`,
  };
}

/** The DNS names the API server may use for the webhook Service: the serving certificate's SANs. */
export function serviceDnsNames(o: Pick<InstallOptions, 'name' | 'namespace' | 'clusterDomain'>): string[] {
  return [`${o.name}.${o.namespace}.svc`, `${o.name}.${o.namespace}.svc.${o.clusterDomain}`];
}

const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');
const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

/** Kubernetes quantities for the ResourceQuota: n × a quantity in m (CPU) or Mi (memory). */
function times(n: number, q: string): string {
  if (q.endsWith('m')) return `${n * Number(q.slice(0, -1))}m`;
  if (q.endsWith('Mi')) return `${n * Number(q.slice(0, -2))}Mi`;
  return String(n * Number(q));
}

export interface Effective {
  failurePolicy: FailurePolicy;
  timeoutSeconds: number;
  modeLabel: string;
}

export function effectiveSettings(input: Pick<ManifestInput, 'options' | 'config'>): Effective {
  const a = input.config.config.admission;
  return {
    failurePolicy: input.options.failurePolicy ?? a.failurePolicy,
    timeoutSeconds: input.options.timeoutSeconds ?? a.timeoutSeconds,
    modeLabel: a.modeLabel,
  };
}

export interface BuildResult {
  manifests: Manifest[];
  /** Things the user should know (printed on stderr by the command). */
  notes: string[];
}

export function buildManifests(input: ManifestInput): BuildResult {
  const { options: o, config, tls } = input;
  const n = namesOf(o);
  const settings = config.config.settings;
  const eff = effectiveSettings(input);
  const notes: string[] = [];

  const labels = (component = 'admission-webhook'): Record<string, string> => ({
    'app.kubernetes.io/name': 'kubecomply',
    'app.kubernetes.io/instance': o.name,
    [COMPONENT_LABEL]: component,
    'app.kubernetes.io/part-of': 'kubecomply',
    'app.kubernetes.io/version': TOOL.version,
    'app.kubernetes.io/managed-by': 'kubecomply-install',
    owner: o.owner,
    ...o.labels,
  });
  const selector = { 'app.kubernetes.io/name': 'kubecomply', 'app.kubernetes.io/instance': o.name, [COMPONENT_LABEL]: 'admission-webhook' };
  const dataClassLabel = settings.dataProtection.dataClassLabel;
  if (Object.hasOwn(o.labels, dataClassLabel)) throw new InstallError(`--label ${dataClassLabel}: the namespace's data class is set with --data-class`);
  const nsLabels: Record<string, string> = {
    ...labels(),
    [dataClassLabel]: o.dataClass,
    'pod-security.kubernetes.io/enforce': 'restricted',
    'pod-security.kubernetes.io/enforce-version': 'latest',
    'pod-security.kubernetes.io/audit': 'restricted',
    'pod-security.kubernetes.io/warn': 'restricted',
  };
  for (const key of settings.labels.namespaces) {
    if (nsLabels[key] === undefined) {
      throw new InstallError(`the configuration requires the label "${key}" on namespaces (labels.namespaces)`, `give it a value with --label ${key}=VALUE`);
    }
  }
  for (const key of settings.labels.workloads) {
    if (labels()[key] === undefined) {
      throw new InstallError(`the configuration requires the label "${key}" on workloads (labels.workloads)`, `give it a value with --label ${key}=VALUE`);
    }
  }
  if (settings.dataProtection.regulatedClasses.includes(o.dataClass)) {
    notes.push(`--data-class ${o.dataClass} is a regulated class: the catalog's data-residency control will want the pods pinned to an allowed region`);
  }

  const digest = imageDigest(o.image);
  if (!digest) notes.push(`the image ${o.image} is not pinned by digest; pass --image …@sha256:<digest> so that every replica runs the same bits (image-not-pinned-by-digest)`);
  if (eff.failurePolicy === 'Ignore') {
    notes.push('failurePolicy Ignore: while the webhook is unavailable (or slower than the timeout) the API server admits every request unjudged — anyone who can overload or disrupt it bypasses enforcement');
  }
  if (config.config.exceptions.files.length > 0) {
    notes.push('the configuration names exceptions.files: those files are not in the ConfigMap; mount them into the pod yourself at the same relative paths');
  }
  const exempt = o.exemptNamespaces.filter((x) => x !== o.namespace);
  if (exempt.length > 0) notes.push(`not judged at all, by anyone: namespaces ${exempt.join(', ')} (--exempt-namespace)`);

  const manifests: Manifest[] = [];
  const add = (object: Json, comment?: string[]): void => {
    manifests.push(comment ? { comment, object } : { object });
  };

  add(
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: n.namespace, labels: nsLabels } },
    [
      `The webhook's namespace: it enforces the restricted Pod Security level and carries the labels the catalog`,
      `requires (${[...new Set([...settings.labels.namespaces, dataClassLabel])].join(', ')}). The webhook never judges requests in it (see the`,
      `namespaceSelectors at the end): its own pods must be able to start while it is down. So only administrators`,
      `may be allowed to create anything here.`,
    ],
  );

  const quotaPods = 2 * o.replicas + 1;
  add(
    {
      apiVersion: 'v1',
      kind: 'ResourceQuota',
      metadata: { name: n.quota, namespace: n.namespace, labels: labels() },
      spec: {
        hard: {
          pods: String(quotaPods),
          'requests.cpu': times(quotaPods, RESOURCES.requests.cpu),
          'requests.memory': times(quotaPods, RESOURCES.requests.memory),
          'limits.cpu': times(quotaPods, RESOURCES.limits.cpu),
          'limits.memory': times(quotaPods, RESOURCES.limits.memory),
        },
      },
    },
    [`Room for ${o.replicas} replicas, a rolling update's surge and pods still terminating (2 × replicas + 1), and nothing else.`],
  );
  add({
    apiVersion: 'v1',
    kind: 'LimitRange',
    metadata: { name: n.limitRange, namespace: n.namespace, labels: labels() },
    spec: { limits: [{ type: 'Container', default: { ...RESOURCES.limits }, defaultRequest: { ...RESOURCES.requests }, max: { ...RESOURCES.limits } }] },
  });

  add(
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: n.defaultDeny, namespace: n.namespace, labels: labels() },
      spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
    },
    [
      o.clusterExceptions
        ? 'Default deny, both directions. The policies below open exactly what is needed: the API server\'s calls in, and the webhook\'s reads of ComplianceExceptions out.'
        : 'Default deny, both directions. Without cluster exceptions the server opens no connections (it reads nothing from the API), so no egress is allowed at all.',
    ],
  );
  const peers = o.allowFrom.map((cidr) => ({ ipBlock: { cidr } }));
  add(
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: n.webhookIngress, namespace: n.namespace, labels: labels() },
      spec: {
        podSelector: { matchLabels: selector },
        policyTypes: ['Ingress'],
        ingress: [{ ...(peers.length > 0 ? { from: peers } : {}), ports: [{ protocol: 'TCP', port: CONTAINER_PORT }] }],
      },
    },
    peers.length > 0
      ? [`The API server calls the webhook on port ${CONTAINER_PORT}, from ${o.allowFrom.join(', ')} (--allow-from); nothing else may connect.`]
      : [
          `The API server calls the webhook on port ${CONTAINER_PORT}. Its source address depends on the cluster (control-plane nodes,`,
          `or a managed control plane outside the pod network), so any source may reach that one port, and no other.`,
          `Narrow it with --allow-from CIDR when you know the API server's addresses. Kubelet probes come from the node.`,
        ],
  );

  if (o.clusterExceptions) {
    const to = o.apiServerCidrs.map((cidr) => ({ ipBlock: { cidr } }));
    add(
      {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        metadata: { name: n.apiEgress, namespace: n.namespace, labels: labels() },
        spec: {
          podSelector: { matchLabels: selector },
          policyTypes: ['Egress'],
          egress: [{ ...(to.length > 0 ? { to } : {}), ports: API_SERVER_PORTS.map((port) => ({ protocol: 'TCP', port })) }],
        },
      },
      [
        `The webhook pods reach the Kubernetes API to list and watch ComplianceExceptions: TCP ${API_SERVER_PORTS.join(' and ')} (the kubernetes Service,`,
        'and the API server behind it, which is what most network plugins match after the Service address is translated).',
        ...(to.length > 0
          ? [`Only to ${o.apiServerCidrs.join(', ')} (--api-server-cidr).`]
          : ['Any address on those ports: the API server\'s addresses depend on the cluster. Narrow it with --api-server-cidr CIDR', '(kubectl get endpointslices -n default -l kubernetes.io/service-name=kubernetes). No DNS: the server connects by address.']),
      ],
    );
  }

  add(
    {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: n.serviceAccount, namespace: n.namespace, labels: labels() },
      automountServiceAccountToken: false,
    },
    o.clusterExceptions
      ? [
          `Its only permission is to read ComplianceExceptions (${CRD_NAME}: get, list, watch;`,
          'the ClusterRole below), so that the webhook honours the exceptions kept in the cluster. No token is automounted:',
          `the Deployment mounts a projected one that expires after ${TOKEN_EXPIRATION_SECONDS} s and that the kubelet renews. AdmissionReviews`,
          'are judged from what each request carries; the server reads nothing else from the API (not even namespaces).',
        ]
      : [
          'RBAC: none, on purpose (--no-cluster-exceptions). kubecomply serve then answers AdmissionReviews from what each',
          'request carries and reads nothing from the Kubernetes API, so its service account has no Role, no ClusterRole,',
          'no binding, and no token is mounted. With cluster exceptions it needs exactly get, list and watch on',
          `${CRD_NAME} (a ClusterRole bound to this service account), and a token — nothing more.`,
        ],
  );

  if (o.clusterExceptions) {
    add(
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRole',
        metadata: { name: n.exceptionReader, labels: labels() },
        rules: [{ apiGroups: [CRD_GROUP], resources: [CRD_PLURAL], verbs: ['get', 'list', 'watch'] }],
      },
      [
        'Least privilege: reading ComplianceExceptions, in every namespace (exceptions live beside what they excuse), and',
        'nothing else — no write (only administrators approve risk; the webhook denies users who try), no other resource.',
      ],
    );
    add({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: n.exceptionReader, labels: labels() },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: n.exceptionReader },
      subjects: [{ kind: 'ServiceAccount', name: n.serviceAccount, namespace: n.namespace }],
    });
  }

  add(
    complianceExceptionCrd(labels()),
    o.clusterExceptions
      ? [
          'ComplianceException: exceptions (waivers) kept in the cluster beside what they excuse. The schema checks',
          'structure; kubecomply judges the rest (approval, expiry, maxDays, justification) and honours only active ones,',
          'in scans and at admission: the webhook watches them (kubectl get cex -A) alongside its exceptions.files.',
        ]
      : [
          'ComplianceException: exceptions (waivers) kept in the cluster beside what they excuse. The schema checks',
          'structure; kubecomply judges the rest (approval, expiry, maxDays, justification) and honours only active ones.',
          'Without --cluster-exceptions the webhook honours only the exceptions of its configuration; cluster exceptions are',
          'read by scans, e.g. kubectl get complianceexceptions -A -o yaml > exceptions.yaml; kubecomply scan … with exceptions.files.',
        ],
  );

  add(
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: n.configMap, namespace: n.namespace, labels: labels() },
      data: { 'kubecomply.yaml': config.text },
    },
    [`The webhook's settings (${config.source === 'default' ? 'the defaults' : `from ${config.source}`}), mounted read-only at ${PATHS.config}.`],
  );

  add(
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: n.secret, namespace: n.namespace, labels: labels() },
      type: 'kubernetes.io/tls',
      data: { 'tls.crt': b64(tls.certPem), 'tls.key': b64(tls.keyPem), 'ca.crt': b64(tls.caPem) },
    },
    [
      `The serving certificate for ${serviceDnsNames(o).join(' and ')}, and the CA that issued it (also the webhook's caBundle).`,
      'This document holds a private key: keep the file as secret as the Secret. The server reloads the files when the',
      'Secret changes; a new CA takes effect in the caBundle at once, so replace both in one apply.',
    ],
  );

  add({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: n.service, namespace: n.namespace, labels: labels() },
    spec: { type: 'ClusterIP', selector, ports: [{ name: 'https', protocol: 'TCP', port: SERVICE_PORT, targetPort: 'https' }] },
  });

  const podLabels = labels();
  const antiAffinityTerm = { labelSelector: { matchLabels: selector }, topologyKey: 'kubernetes.io/hostname' };
  const securityContext = {
    allowPrivilegeEscalation: false,
    capabilities: { drop: ['ALL'] },
    privileged: false,
    readOnlyRootFilesystem: true,
    runAsNonRoot: true,
    runAsUser: RUN_AS,
    runAsGroup: RUN_AS,
    seccompProfile: { type: 'RuntimeDefault' },
  };
  const probe = (path: string, period: number): Json => ({
    httpGet: { path, port: 'https', scheme: 'HTTPS' },
    periodSeconds: period,
    timeoutSeconds: 2,
    failureThreshold: 3,
  });
  add(
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: n.deployment, namespace: n.namespace, labels: labels() },
      spec: {
        replicas: o.replicas,
        revisionHistoryLimit: 5,
        selector: { matchLabels: selector },
        // Never below the replica count during a rollout: the webhook gates the cluster.
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
        template: {
          metadata: {
            labels: podLabels,
            // A changed configuration or certificate rolls the pods.
            annotations: { 'kubecomply.io/config-sha256': sha256(config.text), 'kubecomply.io/tls-sha256': sha256(tls.certPem) },
          },
          spec: {
            serviceAccountName: n.serviceAccount,
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            terminationGracePeriodSeconds: TERMINATION_GRACE_SECONDS,
            securityContext: { runAsNonRoot: true, runAsUser: RUN_AS, runAsGroup: RUN_AS, fsGroup: RUN_AS, seccompProfile: { type: 'RuntimeDefault' } },
            affinity: {
              podAntiAffinity:
                o.antiAffinity === 'required'
                  ? { requiredDuringSchedulingIgnoredDuringExecution: [antiAffinityTerm] }
                  : { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: antiAffinityTerm }] },
            },
            topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: selector } }],
            containers: [
              {
                name: 'kubecomply',
                image: o.image,
                imagePullPolicy: digest ? 'IfNotPresent' : 'Always',
                command: [
                  'kubecomply',
                  'serve',
                  '--tls-cert',
                  PATHS.tlsCert,
                  '--tls-key',
                  PATHS.tlsKey,
                  '--config',
                  PATHS.config,
                  '--shutdown-delay',
                  String(SHUTDOWN_DELAY_SECONDS),
                  '--shutdown-timeout',
                  String(SHUTDOWN_TIMEOUT_SECONDS),
                  ...(o.clusterExceptions ? ['--cluster-exceptions'] : []),
                ],
                ports: [{ name: 'https', containerPort: CONTAINER_PORT, protocol: 'TCP' }],
                readinessProbe: probe('/readyz', 5),
                livenessProbe: probe('/healthz', 10),
                resources: { requests: { ...RESOURCES.requests }, limits: { ...RESOURCES.limits } },
                securityContext,
                volumeMounts: [
                  { name: 'tls', mountPath: PATHS.tlsDir, readOnly: true },
                  { name: 'config', mountPath: PATHS.configDir, readOnly: true },
                  { name: 'tmp', mountPath: '/tmp' },
                  ...(o.clusterExceptions ? [{ name: 'kube-api-access', mountPath: PATHS.serviceAccountDir, readOnly: true }] : []),
                ],
              },
            ],
            volumes: [
              { name: 'tls', secret: { secretName: n.secret, defaultMode: 0o440 } },
              { name: 'config', configMap: { name: n.configMap, defaultMode: 0o444 } },
              { name: 'tmp', emptyDir: { medium: 'Memory', sizeLimit: '16Mi' } },
              ...(o.clusterExceptions
                ? [
                    {
                      name: 'kube-api-access',
                      projected: {
                        defaultMode: 0o440,
                        sources: [
                          { serviceAccountToken: { path: 'token', expirationSeconds: TOKEN_EXPIRATION_SECONDS } },
                          { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
                          { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
                        ],
                      },
                    },
                  ]
                : []),
            ],
          },
        },
      },
    },
    [
      `${o.replicas} replicas, ${o.antiAffinity === 'required' ? 'never two on one node' : 'on different nodes where possible'}, never fewer than ${o.replicas} ready during a rollout.`,
      `On SIGTERM the server keeps serving (readiness 503) for ${SHUTDOWN_DELAY_SECONDS} s while endpoints drop it, then gives reviews in flight`,
      `${SHUTDOWN_TIMEOUT_SECONDS} s; terminationGracePeriodSeconds (${TERMINATION_GRACE_SECONDS}) exceeds both (${SERVER_DRAIN_SECONDS} s), so none is cut off.`,
      `The Secret's files are mode 0440 (defaultMode 288), readable through fsGroup ${RUN_AS} only; the ConfigMap's 0444 (292).`,
      ...(o.clusterExceptions
        ? [
            `automountServiceAccountToken stays false: the token is an explicit projected volume at ${PATHS.serviceAccountDir}`,
            `(where serve --cluster-exceptions looks): ${TOKEN_EXPIRATION_SECONDS} s, renewed by the kubelet and re-read by the server every minute,`,
            'with the cluster CA. Its audience is the default, the API server itself: the token is good for the Kubernetes API only.',
          ]
        : []),
      `The image must have kubecomply on its PATH${digest ? '' : '; pin it by digest (--image …@sha256:<digest>)'}.`,
    ],
  );

  add({
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: { name: n.pdb, namespace: n.namespace, labels: labels() },
    spec: { minAvailable: 1, selector: { matchLabels: selector } },
  });

  const vwc = validatingWebhookConfiguration({
    name: n.webhookConfiguration,
    namespace: n.namespace,
    service: n.service,
    servicePort: SERVICE_PORT,
    caBundle: b64(tls.caPem),
    admission: config.config.admission,
    failurePolicy: eff.failurePolicy,
    timeoutSeconds: eff.timeoutSeconds,
    exemptNamespaces: o.exemptNamespaces,
    labels: labels(WEBHOOK_CONFIG_COMPONENT),
  });
  const fp =
    eff.failurePolicy === 'Fail'
      ? ['failurePolicy Fail (fail closed): while no replica answers within the timeout, the API server rejects the requests', 'below. Ignore would admit them unjudged: anyone able to slow or stop the webhook would bypass it.']
      : ['failurePolicy Ignore (fail OPEN): while no replica answers within the timeout, the API server admits the requests', 'below unjudged — anyone able to slow or stop the webhook bypasses it. Fail is the setting for enforcement.'];
  add(vwc.object, [
    'Which API requests kubecomply judges. The server reads no namespace labels, so each mode has its own entry',
    `selected by the namespace label ${eff.modeLabel}, and the URL path tells the server the mode:`,
    ...vwc.info.map((i) => `  ${i.name.padEnd(25)} ${i.path.padEnd(18)} ${i.why}`),
    `Every entry leaves out namespace ${o.namespace}${exempt.length > 0 ? ` and ${exempt.join(', ')}` : ''}: the webhook must not gate its own pods.`,
    ...fp,
    `timeoutSeconds ${eff.timeoutSeconds}: the longest the API server waits for an answer.`,
    'Rules (bounded on purpose: every request listed waits for the webhook, and fails while it is down):',
    ...[...WEBHOOK_RULES, NAMESPACE_RULE].map((r) => `  ${r.resources.join(', ')} (${r.operations.join('/')}): ${r.why}`),
    'Not listed: leases, events, endpoints and status subresources (written every few seconds by the control plane;',
    'gating them would turn an outage into failed leader elections and NotReady nodes), `*` in kube-system and',
    'kube-node-lease (the same), and webhook configurations and admission policies, which the API server never',
    'sends to webhooks (so that a broken webhook can always be removed). RBAC decides who may change those.',
  ]);

  return { manifests, notes };
}

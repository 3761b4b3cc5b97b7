/**
 * What `kubecomply install` generates, object by object: the shape the cluster needs and the
 * hardening the catalog checks, built in process from src/install.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DEFAULT_CONFIG_TEXT, parseConfigText } from '../../src/install/config.js';
import { defaultAdmissionSettings } from '../../src/config/defaults.js';
import { TOOL } from '../../src/core/version.js';
import { DEFAULT_IMAGE, InstallError } from '../../src/install/index.js';
import { SERVER_DRAIN_SECONDS } from '../../src/install/options.js';
import { renderJson } from '../../src/install/render.js';
import { ajvDraft07 } from '../helpers/schema.js';
import { tempDir, writeTree } from '../helpers/tmp.js';
import { objectsOf, one, PINNED_IMAGE, run, yamlDocs, type Obj } from './helpers.js';

const KIND_ORDER = [
  'Namespace',
  'ResourceQuota',
  'LimitRange',
  'NetworkPolicy',
  'NetworkPolicy',
  'NetworkPolicy',
  'ServiceAccount',
  'ClusterRole',
  'ClusterRoleBinding',
  'CustomResourceDefinition',
  'ConfigMap',
  'Secret',
  'Service',
  'Deployment',
  'PodDisruptionBudget',
  'ValidatingWebhookConfiguration',
];

describe('the objects', async () => {
  const result = await run();
  const objects = objectsOf(result);

  test('one of each, in an order kubectl can apply (webhook configuration last), every namespaced one in the namespace', () => {
    assert.deepEqual(
      objects.map((o) => o.kind),
      KIND_ORDER,
    );
    for (const o of objects) {
      const clusterScoped = ['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition', 'ValidatingWebhookConfiguration'].includes(o.kind);
      assert.equal(o.metadata.namespace, clusterScoped ? undefined : 'kubecomply', `${o.kind} ${o.metadata.name}`);
      assert.equal(o.metadata.labels.owner, 'platform-security', `${o.kind} carries the owner label`);
      assert.equal(o.metadata.labels['app.kubernetes.io/version'], TOOL.version);
    }
  });

  test('least privilege RBAC: get, list and watch on ComplianceExceptions, bound to the ServiceAccount, and nothing else', () => {
    const rbac = objects.filter((o) => /^(Cluster)?Role(Binding)?$/.test(o.kind));
    assert.deepEqual(
      rbac.map((o) => o.kind),
      ['ClusterRole', 'ClusterRoleBinding'],
    );
    const role = one(objects, 'ClusterRole');
    assert.equal(role.metadata.name, 'kubecomply-exception-reader');
    assert.deepEqual(role.rules, [{ apiGroups: ['kubecomply.io'], resources: ['complianceexceptions'], verbs: ['get', 'list', 'watch'] }]);
    assert.equal(role.aggregationRule, undefined);
    const binding = one(objects, 'ClusterRoleBinding');
    assert.deepEqual(binding.roleRef, { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role.metadata.name });
    assert.deepEqual(binding.subjects, [{ kind: 'ServiceAccount', name: 'kubecomply', namespace: 'kubecomply' }]);
    const sa = one(objects, 'ServiceAccount');
    assert.equal(sa.automountServiceAccountToken, false, 'no automounted token: the Deployment mounts a projected one');
    const comment = result.manifests.find((m) => m.object.kind === 'ServiceAccount')!.comment!.join(' ');
    assert.match(comment, /only permission is to read ComplianceExceptions \(complianceexceptions\.kubecomply\.io: get, list, watch/);
  });

  test('the token: a projected volume (one hour, the cluster CA, the namespace) at the service account path; automount stays off', () => {
    const pod = one(objects, 'Deployment').spec.template.spec;
    assert.equal(pod.automountServiceAccountToken, false);
    const vol = pod.volumes.find((v: Obj) => v.name === 'kube-api-access');
    assert.deepEqual(vol.projected.sources, [
      { serviceAccountToken: { path: 'token', expirationSeconds: 3600 } },
      { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
      { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
    ]);
    assert.equal(vol.projected.defaultMode, 0o440);
    const c = pod.containers[0];
    assert.deepEqual(
      c.volumeMounts.find((m: Obj) => m.name === 'kube-api-access'),
      { name: 'kube-api-access', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount', readOnly: true },
    );
    assert.equal(c.command.at(-1), '--cluster-exceptions');
  });

  test('egress: only to the API ports, from the webhook pods', () => {
    const egress = one(objects, 'NetworkPolicy', 'kubecomply-api-egress');
    assert.deepEqual(egress.spec.policyTypes, ['Egress']);
    assert.deepEqual(egress.spec.egress, [{ ports: [{ protocol: 'TCP', port: 443 }, { protocol: 'TCP', port: 6443 }] }]);
    assert.deepEqual(egress.spec.podSelector, one(objects, 'Deployment').spec.selector);
  });

  test('the namespace enforces restricted Pod Security and carries owner and data-class', () => {
    const ns = one(objects, 'Namespace');
    assert.equal(ns.metadata.name, 'kubecomply');
    assert.equal(ns.metadata.labels['pod-security.kubernetes.io/enforce'], 'restricted');
    assert.equal(ns.metadata.labels['pod-security.kubernetes.io/enforce-version'], 'latest');
    assert.equal(ns.metadata.labels['data-class'], 'internal');
    assert.equal(ns.metadata.labels.owner, 'platform-security');
  });

  test('network: default deny both ways; ingress only to 8443 of the webhook pods', () => {
    assert.equal(objects.filter((o) => o.kind === 'NetworkPolicy').length, 3);
    const deny = one(objects, 'NetworkPolicy', 'kubecomply-default-deny');
    assert.deepEqual(deny.spec, { podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
    const allow = one(objects, 'NetworkPolicy', 'kubecomply-webhook-ingress');
    assert.deepEqual(allow.spec.policyTypes, ['Ingress']);
    assert.deepEqual(allow.spec.ingress, [{ ports: [{ protocol: 'TCP', port: 8443 }] }]);
    const deploy = one(objects, 'Deployment');
    for (const [k, v] of Object.entries(allow.spec.podSelector.matchLabels)) assert.equal(deploy.spec.template.metadata.labels[k], v);
  });

  test('the Deployment: replicas, hardening, probes over HTTPS, read-only mounts, the serve command', () => {
    const d = one(objects, 'Deployment');
    assert.equal(d.spec.replicas, 2);
    assert.deepEqual(d.spec.strategy.rollingUpdate, { maxSurge: 1, maxUnavailable: 0 });
    const pod = d.spec.template.spec;
    assert.equal(pod.serviceAccountName, 'kubecomply');
    assert.equal(pod.automountServiceAccountToken, false);
    assert.ok(pod.terminationGracePeriodSeconds > SERVER_DRAIN_SECONDS, 'the grace period exceeds the drain time');
    assert.deepEqual(pod.securityContext.seccompProfile, { type: 'RuntimeDefault' });
    assert.equal(pod.securityContext.runAsNonRoot, true);
    assert.equal(pod.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm.topologyKey, 'kubernetes.io/hostname');
    assert.equal(pod.topologySpreadConstraints[0].whenUnsatisfiable, 'ScheduleAnyway');
    assert.equal(pod.containers.length, 1);
    const c = pod.containers[0];
    assert.equal(c.image, DEFAULT_IMAGE);
    assert.equal(c.imagePullPolicy, 'Always', 'a tag can move: always pull');
    assert.deepEqual(c.command, [
      'kubecomply',
      'serve',
      '--tls-cert',
      '/etc/kubecomply/tls/tls.crt',
      '--tls-key',
      '/etc/kubecomply/tls/tls.key',
      '--config',
      '/etc/kubecomply/config/kubecomply.yaml',
      '--shutdown-delay',
      '5',
      '--shutdown-timeout',
      '25',
      '--cluster-exceptions',
    ]);
    assert.deepEqual(c.ports, [{ name: 'https', containerPort: 8443, protocol: 'TCP' }]);
    assert.deepEqual(c.livenessProbe.httpGet, { path: '/healthz', port: 'https', scheme: 'HTTPS' });
    assert.deepEqual(c.readinessProbe.httpGet, { path: '/readyz', port: 'https', scheme: 'HTTPS' });
    assert.deepEqual(c.securityContext, {
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      privileged: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      runAsUser: 65532,
      runAsGroup: 65532,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    assert.ok(c.resources.requests.cpu && c.resources.requests.memory && c.resources.limits.cpu && c.resources.limits.memory);
    const mounts = Object.fromEntries(c.volumeMounts.map((m: Obj) => [m.name, m]));
    assert.equal(mounts.tls.readOnly, true);
    assert.equal(mounts.config.readOnly, true);
    assert.equal(mounts.config.mountPath + '/kubecomply.yaml', c.command[7]);
    assert.equal(mounts.tls.mountPath + '/tls.crt', c.command[3]);
    const vols = Object.fromEntries(pod.volumes.map((v: Obj) => [v.name, v]));
    assert.equal(vols.tls.secret.secretName, 'kubecomply-tls');
    assert.equal(vols.config.configMap.name, 'kubecomply-config');
    assert.ok(vols.tmp.emptyDir);
  });

  test('Service 443 → 8443, PodDisruptionBudget minAvailable 1, both selecting the pods', () => {
    const d = one(objects, 'Deployment');
    const svc = one(objects, 'Service');
    assert.equal(svc.spec.type, 'ClusterIP');
    assert.deepEqual(svc.spec.ports, [{ name: 'https', protocol: 'TCP', port: 443, targetPort: 'https' }]);
    assert.deepEqual(svc.spec.selector, d.spec.selector.matchLabels);
    const pdb = one(objects, 'PodDisruptionBudget');
    assert.equal(pdb.spec.minAvailable, 1);
    assert.deepEqual(pdb.spec.selector, d.spec.selector);
  });

  test('the ConfigMap holds the configuration verbatim; the quota leaves room for a rollout', () => {
    assert.equal(one(objects, 'ConfigMap').data['kubecomply.yaml'], DEFAULT_CONFIG_TEXT);
    const q = one(objects, 'ResourceQuota');
    assert.equal(q.spec.hard.pods, '5');
    assert.equal(q.spec.hard['limits.memory'], '2560Mi');
    const lr = one(objects, 'LimitRange');
    assert.deepEqual(lr.spec.limits[0].max, one(objects, 'Deployment').spec.template.spec.containers[0].resources.limits);
  });

  test('the Secret is kubernetes.io/tls with tls.crt, tls.key and ca.crt', () => {
    const s = one(objects, 'Secret');
    assert.equal(s.type, 'kubernetes.io/tls');
    assert.deepEqual(Object.keys(s.data).sort(), ['ca.crt', 'tls.crt', 'tls.key']);
    assert.equal(Buffer.from(s.data['tls.crt'], 'base64').toString(), result.tls.certPem);
  });

  test('the YAML stream decodes (with Kubernetes YAML 1.1 rules) to exactly the objects; JSON is a v1 List of them', () => {
    assert.deepEqual(yamlDocs(result.text), objects);
    const list = JSON.parse(renderJson(result.manifests));
    assert.equal(list.kind, 'List');
    assert.equal(list.apiVersion, 'v1');
    assert.deepEqual(list.items, objects);
    // Comments explain the choices; the header says how to apply.
    assert.match(result.text, /^# kubecomply .* admission webhook for namespace kubecomply/);
    assert.match(result.text, /kubectl apply -f FILE -l 'app\.kubernetes\.io\/component!=webhook-configuration/);
  });

  test('only the webhook configuration carries the component label the two-step apply leaves out', () => {
    for (const o of objects) {
      assert.equal(o.metadata.labels['app.kubernetes.io/component'] === 'webhook-configuration', o.kind === 'ValidatingWebhookConfiguration', o.kind);
    }
  });
});

describe('the ComplianceException CRD', async () => {
  const crd = one(objectsOf(await run()), 'CustomResourceDefinition');

  test('kubecomply.io/v1alpha1, namespaced, served and stored, with approver and expiry columns', () => {
    assert.equal(crd.apiVersion, 'apiextensions.k8s.io/v1');
    assert.equal(crd.metadata.name, 'complianceexceptions.kubecomply.io');
    assert.equal(crd.spec.group, 'kubecomply.io');
    assert.equal(crd.spec.scope, 'Namespaced');
    assert.equal(crd.spec.names.kind, 'ComplianceException');
    assert.equal(crd.spec.versions.length, 1);
    const v = crd.spec.versions[0];
    assert.deepEqual([v.name, v.served, v.storage], ['v1alpha1', true, true]);
    const cols = Object.fromEntries(v.additionalPrinterColumns.map((c: Obj) => [c.name, c.jsonPath]));
    assert.equal(cols.Approver, '.spec.approvedBy');
    assert.equal(cols.Expires, '.spec.expires');
  });

  test('a structural schema: every node has a type; metadata only as an object at the root', () => {
    const walk = (node: Obj, at: string): void => {
      assert.equal(typeof node.type, 'string', `${at} has a type`);
      for (const [k, child] of Object.entries((node.properties ?? {}) as Record<string, Obj>)) walk(child, `${at}.${k}`);
      if (node.items) walk(node.items, `${at}[]`);
      if (typeof node.additionalProperties === 'object') walk(node.additionalProperties, `${at}{}`);
      assert.ok(!(node.properties && node.additionalProperties), `${at}: properties and additionalProperties are exclusive in a structural schema`);
    };
    const schema = crd.spec.versions[0].schema.openAPIV3Schema;
    walk(schema, 'root');
    assert.deepEqual(schema.properties.metadata, { type: 'object' });
  });

  test('the schema accepts the documented format and refuses broken structure', () => {
    const validate = ajvDraft07({ strict: false }).compile(crd.spec.versions[0].schema.openAPIV3Schema);
    const docs = yamlDocs(`apiVersion: kubecomply.io/v1alpha1
kind: ComplianceException
metadata:
  name: legacy-billing-root
  namespace: billing
spec:
  controls: [pss-run-as-non-root, pss-run-as-user]
  match:
    namespaces: [billing]
    kinds: [Deployment]
    names: [legacy-*]
    selector:
      matchLabels: {app: billing}
      matchExpressions: [{key: tier, operator: In, values: [backend]}]
  justification: "The vendor image runs as root; replacement is planned for Q1."
  approvedBy: jane.doe@example.com
  approvedAt: 2026-11-20
  expires: 2027-01-31T18:00:00Z
  ticket: PAY-123
`);
    const good = docs[0];
    assert.ok(validate(good), JSON.stringify(validate.errors));
    // Filed before approval: valid structure (kubecomply reports it as unapproved).
    const { approvedBy: _a, approvedAt: _b, ...unapproved } = good.spec;
    assert.ok(validate({ ...good, spec: unapproved }));
    const broken: [string, Obj][] = [
      ['no controls', { ...good.spec, controls: [] }],
      ['no match criterion', { ...good.spec, match: {} }],
      ['no expiry', { ...good.spec, expires: undefined }],
      ['an expiry that is not a date', { ...good.spec, expires: 'next year' }],
      ['an unknown selector operator', { ...good.spec, match: { selector: { matchExpressions: [{ key: 'a', operator: 'Like' }] } } }],
    ];
    for (const [what, spec] of broken) assert.equal(validate({ ...good, spec: JSON.parse(JSON.stringify(spec)) }), false, what);
  });
});

describe('flags and configuration', () => {
  test('--replicas, --image with a digest (pulled IfNotPresent), --owner, --data-class, --label, --anti-affinity required', async () => {
    const objects = objectsOf(
      await run({ replicas: 3, image: PINNED_IMAGE, owner: 'team-sec', dataClass: 'confidential', labels: { 'cost-center': 'cc-42' }, antiAffinity: 'required' }),
    );
    const d = one(objects, 'Deployment');
    assert.equal(d.spec.replicas, 3);
    const c = d.spec.template.spec.containers[0];
    assert.equal(c.image, PINNED_IMAGE);
    assert.equal(c.imagePullPolicy, 'IfNotPresent');
    assert.equal(d.spec.template.spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey, 'kubernetes.io/hostname');
    const ns = one(objects, 'Namespace');
    assert.equal(ns.metadata.labels.owner, 'team-sec');
    assert.equal(ns.metadata.labels['data-class'], 'confidential');
    for (const o of objects) assert.equal(o.metadata.labels['cost-center'], 'cc-42');
    assert.equal(one(objects, 'ResourceQuota').spec.hard.pods, '7');
  });

  test('--namespace and --name name everything, and the certificate', async () => {
    const r = await run({ namespace: 'policy', name: 'kc' });
    const objects = objectsOf(r);
    assert.equal(one(objects, 'Namespace').metadata.name, 'policy');
    assert.equal(one(objects, 'Service').metadata.name, 'kc');
    assert.equal(one(objects, 'Deployment').spec.template.spec.volumes[0].secret.secretName, 'kc-tls');
    assert.equal(one(objects, 'ClusterRole').metadata.name, 'kc-exception-reader');
    assert.deepEqual(one(objects, 'ClusterRoleBinding').subjects, [{ kind: 'ServiceAccount', name: 'kc', namespace: 'policy' }]);
    for (const w of one(objects, 'ValidatingWebhookConfiguration').webhooks) {
      assert.deepEqual([w.clientConfig.service.name, w.clientConfig.service.namespace], ['kc', 'policy']);
      assert.deepEqual(w.namespaceSelector.matchExpressions[0], { key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['policy'] });
    }
  });

  test('--no-cluster-exceptions: no RBAC, no token, no egress, and serve without --cluster-exceptions', async () => {
    const r = await run({ clusterExceptions: false });
    const objects = objectsOf(r);
    assert.equal(objects.filter((o) => /^(Cluster)?Role(Binding)?$/.test(o.kind)).length, 0);
    assert.equal(objects.filter((o) => o.kind === 'NetworkPolicy').length, 2, 'default deny and the webhook ingress only');
    const pod = one(objects, 'Deployment').spec.template.spec;
    assert.equal(pod.automountServiceAccountToken, false);
    assert.equal(pod.volumes.some((v: Obj) => v.projected), false);
    assert.equal(pod.containers[0].command.includes('--cluster-exceptions'), false);
    assert.match(r.manifests.find((m) => m.object.kind === 'ServiceAccount')!.comment!.join(' '), /RBAC: none, on purpose/);
    await assert.rejects(run({ clusterExceptions: false, apiServerCidrs: ['10.0.0.1/32'] }), (e: unknown) => e instanceof InstallError && /--api-server-cidr narrows/.test(e.message));
  });

  test('--api-server-cidr narrows the egress to the API server', async () => {
    const objects = objectsOf(await run({ apiServerCidrs: ['172.18.0.2/32', 'fd00::2/128'] }));
    assert.deepEqual(one(objects, 'NetworkPolicy', 'kubecomply-api-egress').spec.egress, [
      { to: [{ ipBlock: { cidr: '172.18.0.2/32' } }, { ipBlock: { cidr: 'fd00::2/128' } }], ports: [{ protocol: 'TCP', port: 443 }, { protocol: 'TCP', port: 6443 }] },
    ]);
    await assert.rejects(run({ apiServerCidrs: ['172.18.0.2'] }), (e: unknown) => e instanceof InstallError && /invalid --api-server-cidr "172\.18\.0\.2"/.test(e.message));
  });

  test('--allow-from narrows the webhook ingress to the given sources', async () => {
    const objects = objectsOf(await run({ allowFrom: ['10.0.0.0/24', 'fd00::/64'] }));
    assert.deepEqual(one(objects, 'NetworkPolicy', 'kubecomply-webhook-ingress').spec.ingress, [
      { from: [{ ipBlock: { cidr: '10.0.0.0/24' } }, { ipBlock: { cidr: 'fd00::/64' } }], ports: [{ protocol: 'TCP', port: 8443 }] },
    ]);
  });

  test('--config is embedded verbatim; its required labels must be given, its data-class label key is used', async () => {
    const dir = tempDir();
    const text = 'apiVersion: kubecomply.io/v1\nkind: Config\nlabels:\n  namespaces: [owner, classification, cost-center]\n  workloads: [owner, cost-center]\ndataProtection:\n  dataClassLabel: classification\n';
    writeTree(dir, { 'kc.yaml': text });
    await assert.rejects(run({}, { configFile: `${dir}/kc.yaml` }), (e: unknown) => e instanceof InstallError && /requires the label "cost-center"/.test(e.message) && /--label cost-center=VALUE/.test(e.hint ?? ''));
    const objects = objectsOf(await run({ labels: { 'cost-center': 'cc-1' } }, { configFile: `${dir}/kc.yaml` }));
    assert.equal(one(objects, 'ConfigMap').data['kubecomply.yaml'], text);
    const ns = one(objects, 'Namespace');
    assert.equal(ns.metadata.labels.classification, 'internal');
    assert.equal(ns.metadata.labels['data-class'], undefined);
  });

  test('an invalid --config is an error that names the file, line and field', async () => {
    const dir = tempDir();
    writeTree(dir, { 'bad.yaml': 'admission:\n  failurePolicy: Sometimes\n' });
    await assert.rejects(run({}, { configFile: `${dir}/bad.yaml` }), (e: unknown) => e instanceof InstallError && /bad\.yaml:2: admission\.failurePolicy: must be one of "Fail", "Ignore"/.test(e.message));
    await assert.rejects(run({}, { configFile: `${dir}/missing.yaml` }), /cannot read --config/);
  });

  test('bad requests are refused before anything is generated', async () => {
    const cases: [Parameters<typeof run>[0], RegExp][] = [
      [{ replicas: 1 }, /--replicas "1": expected a whole number from 2/],
      [{ namespace: 'Kube_Comply' }, /invalid --namespace/],
      [{ name: '9lives' }, /invalid --name/],
      [{ name: 'a'.repeat(48) }, /at most 47 characters/],
      [{ image: 'registry.example.com/kubecomply/kubecomply' }, /neither a tag nor a digest/],
      [{ image: 'registry.example.com/kubecomply/kubecomply:latest' }, /"latest" tag/],
      [{ image: 'UPPER/Case:1' }, /invalid --image/],
      [{ timeoutSeconds: 31 }, /--timeout "31"/],
      [{ certDays: 0 }, /--cert-days/],
      [{ allowFrom: ['10.0.0.0'] }, /--allow-from "10\.0\.0\.0"/],
      [{ labels: { 'bad key!': 'x' } }, /invalid --label key/],
      [{ labels: { 'app.kubernetes.io/name': 'x' } }, /install sets this label itself/],
      [{ labels: { owner: 'x' } }, /install sets this label itself/],
      [{ labels: { 'data-class': 'x' } }, /set with --data-class/],
      [{ owner: '' }, /invalid --owner/],
      [{ exemptNamespaces: ['Kube-System'] }, /invalid --exempt-namespace/],
    ];
    for (const [over, re] of cases) await assert.rejects(run(over), (e: unknown) => e instanceof InstallError && re.test(e.message), `${JSON.stringify(over)} → ${re}`);
  });

  test('the default configuration text is valid and says what the code assumes', () => {
    const parsed = parseConfigText(DEFAULT_CONFIG_TEXT, 'default');
    assert.deepEqual(parsed.config.admission, defaultAdmissionSettings());
  });
});

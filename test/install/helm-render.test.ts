/**
 * The Helm chart, rendered: deploy/helm/kubecomply has "the same content" as `kubecomply install`, and
 * what it renders passes `kubecomply scan` — we eat our own cooking with Helm too.
 *
 * Helm cannot be installed on the build machine, so the chart is rendered by tools/helm-template: our
 * small Helm-compatible renderer on the libraries Helm renders with (Go's text/template, Sprig v3 —
 * genCA, genSignedCert, merge, dig … — and toYaml's JSON-then-YAML marshalling), with Helm's include,
 * tpl, required, fail and lookup, its values coalescing, its `# Source:` headers and install order.
 * It is built once from source with Debian's Go (see test/helpers/deploy.ts).
 *
 * Differences from the install output that are Helm's conventions, not content, are set aside in the
 * comparison: the managed-by and helm.sh/chart labels, the ConfigMap's configuration written by toYaml
 * (same settings, no comments, so another checksum annotation), the labels of the CRD (crds/ is not
 * templated), the certificate bytes, and the install's certificate-checksum annotation (the chart
 * relies on the server reloading a changed Secret).
 */
import assert from 'node:assert/strict';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { before, describe, test } from 'node:test';
import { parseYamlDocument } from '../../src/sources/yaml.js';
import { runCli } from '../helpers/cli.js';
import { CHART, buildHelmTemplate, freshInstall, helmTemplate } from '../helpers/deploy.js';
import { tempDir, writeTree } from '../helpers/tmp.js';
import { one, PINNED_IMAGE, webhook, withoutCertificates, yamlDocs, type Obj } from './helpers.js';

const DIGEST = PINNED_IMAGE.split('@')[1];
const TEMPLATES = new Set(readdirSync(`${CHART}/templates`));

interface ScanJson {
  summary: { result: string; findings: number; excepted: number; inputErrors: number };
  findings: { controlId: string; message: string; location?: { file?: string } }[];
  controls: { id: string }[];
}

const key = (o: Obj): string => `${o.kind} ${o.metadata?.namespace ?? '-'}/${o.metadata?.name}`;
const keys = (objects: Obj[]): string[] => objects.map(key).sort();

function parseYaml(text: string): unknown {
  const r = parseYamlDocument(text, 'kubecomply.yaml');
  assert.ok(r.ok, 'the configuration parses');
  return r.value;
}

/**
 * Objects in a stable order (Helm sorts by kind, the install by dependency), with what differs by
 * convention between Helm and the install command set aside (see above).
 */
function comparable(objects: Obj[]): Obj[] {
  const copy = withoutCertificates(objects).sort((a, b) => key(a).localeCompare(key(b)));
  const relabel = (labels: Obj | undefined): void => {
    if (!labels) return;
    delete labels['helm.sh/chart'];
    if (labels['app.kubernetes.io/managed-by'] !== undefined) labels['app.kubernetes.io/managed-by'] = '<manager>';
  };
  for (const o of copy) {
    relabel(o.metadata?.labels);
    relabel(o.spec?.template?.metadata?.labels);
    if (o.kind === 'CustomResourceDefinition') o.metadata = { name: o.metadata.name };
    if (o.kind === 'ConfigMap' && typeof o.data?.['kubecomply.yaml'] === 'string') o.data['kubecomply.yaml'] = parseYaml(o.data['kubecomply.yaml']);
    const ann = o.spec?.template?.metadata?.annotations;
    if (ann) {
      assert.match(ann['kubecomply.io/config-sha256'], /^[0-9a-f]{64}$/, `${key(o)}: the configuration checksum`);
      ann['kubecomply.io/config-sha256'] = '<sha256>';
      delete ann['kubecomply.io/tls-sha256'];
    }
  }
  return copy;
}

describe('the Helm chart, rendered (tools/helm-template)', () => {
  const dir = tempDir('kubecomply-helm-');
  let bin = '';
  before(async () => {
    bin = await buildHelmTemplate(dir);
  });

  async function render(args: string[]): Promise<{ text: string; objects: Obj[] }> {
    const r = await helmTemplate(bin, ['kubecomply', CHART, '--namespace', 'kubecomply', ...args]);
    assert.equal(r.code, 0, r.stderr);
    return { text: r.stdout, objects: yamlDocs(r.stdout) };
  }

  async function scan(text: string, config?: string): Promise<{ scan: ScanJson; code: number | null }> {
    const args = ['scan', '-', '--format', 'json'];
    if (config !== undefined) {
      const file = path.join(dir, `config-${Math.random().toString(36).slice(2)}.yaml`);
      writeFileSync(file, config);
      args.push('--config', file);
    }
    const r = await runCli(args, { stdin: text });
    return { scan: JSON.parse(r.stdout) as ScanJson, code: r.code };
  }

  test('the renderer itself behaves as Helm on a small chart: values, functions, objects, order, hooks, errors', async () => {
    const chart = writeTree(path.join(dir, 'tiny'), {
      'Chart.yaml': 'apiVersion: v2\nname: tiny\nversion: 1.2.3\nappVersion: "4.5"\n',
      'values.yaml': 'greeting: hello\ncount: 3\nnested:\n  a: 1\n  b: 2\nstrict: false\n',
      'files/motd.txt': 'welcome\n',
      'templates/_helpers.tpl': '{{- define "tiny.name" -}}{{ .Chart.Name }}-{{ .Release.Name }}{{- end -}}\n',
      'templates/cm.yaml': [
        'apiVersion: v1', 'kind: ConfigMap', 'metadata:', '  name: {{ include "tiny.name" . }}', '  namespace: {{ .Release.Namespace }}', 'data:',
        '  greeting: {{ tpl "{{ .Values.greeting | upper }}" . | quote }}', '  count: {{ .Values.count | quote }}', '  missing: "{{ .Values.nothing }}"',
        '  motd: {{ .Files.Get "files/motd.txt" | trim | quote }}', '  nested: {{ toJson .Values.nested | quote }}',
        '  kube: {{ .Capabilities.KubeVersion.Version | quote }}', '  apps: {{ .Capabilities.APIVersions.Has "apps/v1" | quote }}',
        '  template: {{ .Template.Name | quote }}', '  install: {{ .Release.IsInstall | quote }}', '  app: {{ .Chart.AppVersion | quote }}', '',
      ].join('\n'),
      'templates/required.yaml': '{{- if .Values.strict }}{{ required "need .Values.must" .Values.must }}{{ end }}\n',
      'templates/pods.yaml': 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: pre\n  annotations:\n    helm.sh/hook: pre-install\n---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: {{ .Release.Namespace }}\n',
      'templates/NOTES.txt': 'Release {{ .Release.Name }}{{ if .Values.strict }}{{ .Values.x.y }}{{ end }}\n',
    });
    const r = await helmTemplate(bin, ['rel', chart, '-n', 'ns', '--set', 'greeting=hi,nested.b=null,count=007']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, [
      '---', '# Source: tiny/templates/pods.yaml', 'apiVersion: v1', 'kind: Namespace', 'metadata:', '  name: ns',
      '---', '# Source: tiny/templates/cm.yaml', 'apiVersion: v1', 'kind: ConfigMap', 'metadata:', '  name: tiny-rel', '  namespace: ns', 'data:',
      '  greeting: "HI"', '  count: "007"', '  missing: ""', '  motd: "welcome"', '  nested: "{\\"a\\":1}"', '  kube: "v1.31.0"', '  apps: "true"',
      '  template: "tiny/templates/cm.yaml"', '  install: "true"', '  app: "4.5"',
      '---', '# Source: tiny/templates/pods.yaml', 'apiVersion: v1', 'kind: Pod', 'metadata:', '  name: pre', '  annotations:', '    helm.sh/hook: pre-install', '',
    ].join('\n'));
    const failed = await helmTemplate(bin, [chart, '--set', 'strict=true,must=']);
    assert.equal(failed.code, 1);
    assert.equal(failed.stderr, 'Error: execution error at (tiny/templates/required.yaml:1:27): need .Values.must\n');
    const notes = await helmTemplate(bin, [chart, '--set', 'strict=true,must=x']);
    assert.equal(notes.code, 1, 'NOTES.txt is rendered too, though not printed');
    assert.match(notes.stderr, /^Error: template: tiny\/templates\/NOTES\.txt:1:\d+: executing .* nil pointer evaluating interface \{\}\.y/);
  });

  test('prints documents as helm template does: a "# Source:" header naming the template, in install order', async () => {
    const { text, objects } = await render(['--include-crds']);
    const docs = text.split(/^---\n/m).slice(1);
    assert.equal(docs.length, objects.length);
    const sources = docs.map((d) => /^# Source: (\S+)\n/.exec(d)?.[1]);
    assert.equal(sources[0], 'kubecomply/crds/complianceexceptions.yaml', '--include-crds prints crds/ first');
    for (const s of sources.slice(1)) {
      const m = /^kubecomply\/templates\/(.+)$/.exec(s ?? '');
      assert.ok(m && TEMPLATES.has(m[1]) && !m[1].startsWith('_') && m[1] !== 'NOTES.txt', `source ${s}`);
    }
    const kinds = objects.slice(1).map((o) => o.kind as string);
    assert.deepEqual(kinds.slice(0, 3), ['NetworkPolicy', 'NetworkPolicy', 'NetworkPolicy'], 'Helm installs NetworkPolicies first');
    assert.equal(kinds.at(-1), 'ValidatingWebhookConfiguration', 'unknown-to-Helm kinds last: the webhook after the Deployment it calls');
    assert.ok(kinds.indexOf('Secret') < kinds.indexOf('Deployment'));
  });

  test('with the default values it makes the objects of "kubecomply install --namespace kubecomply", with the same content', async () => {
    const installed = await freshInstall();
    // What a namespace-creating `helm template --include-crds … | kubectl apply -f -` applies.
    const full = (await render(['--include-crds', '--set', 'namespace.create=true'])).objects;
    assert.deepEqual(keys(full), keys(installed));
    assert.deepEqual(comparable(full), comparable(installed));
    // `helm install` (the defaults): the same without the Namespace (created first) and the CRD (crds/).
    const plain = (await render([])).objects;
    assert.deepEqual(keys(plain), keys(installed.filter((o) => o.kind !== 'Namespace' && o.kind !== 'CustomResourceDefinition')));
  });

  test('values change the output as values.yaml documents them, the same way the install flags do', async () => {
    const config = 'apiVersion: kubecomply.io/v1\nkind: Config\nadmission:\n  mode: warn\n  failurePolicy: Ignore\n  timeoutSeconds: 10\n';
    const configFile = path.join(dir, 'warn.yaml');
    writeFileSync(configFile, config);
    const installed = await freshInstall([
      '--name', 'kc', '--replicas', '3', '--anti-affinity', 'required', '--exempt-namespace', 'kube-system', '--allow-from', '10.0.0.0/16',
      '--no-cluster-exceptions', '--owner', 'team-a', '--image', PINNED_IMAGE, '--config', configFile,
    ]);
    const valuesFile = path.join(dir, 'values.yaml');
    writeFileSync(valuesFile, `config:\n  podSecurity: null\n  admission:\n    mode: warn\n    failurePolicy: Ignore\n    timeoutSeconds: 10\n    modeLabel: null\n`);
    const { objects } = await render([
      '--include-crds', '-f', valuesFile,
      '--set', 'namespace.create=true,name=kc,replicas=3,antiAffinity=required',
      '--set', 'webhook.exemptNamespaces={kube-system},webhook.allowFrom={10.0.0.0/16}',
      '--set', 'clusterExceptions.enabled=false,labels.owner=team-a',
      '--set', `image.tag=0.1.0,image.digest=${DIGEST}`,
    ]);
    assert.deepEqual(comparable(objects), comparable(installed));
    // What a user looks for, spelled out.
    const deployment = one(objects, 'Deployment', 'kc');
    assert.equal(deployment.spec.replicas, 3);
    assert.equal(deployment.spec.template.spec.containers[0].image, PINNED_IMAGE);
    assert.ok(deployment.spec.template.spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution);
    assert.ok(!deployment.spec.template.spec.containers[0].command.includes('--cluster-exceptions'));
    assert.equal(one(objects, 'ResourceQuota').spec.hard.pods, '7', '2 × replicas + 1');
    assert.equal(objects.filter((o) => o.kind === 'ClusterRole' || o.kind === 'ClusterRoleBinding').length, 0);
    assert.deepEqual(webhook(objects, 'default.kubecomply.io').namespaceSelector.matchExpressions[0].values, ['kubecomply', 'kube-system']);
    assert.equal(webhook(objects, 'default.kubecomply.io').failurePolicy, 'Ignore');
    assert.equal(webhook(objects, 'default.kubecomply.io').timeoutSeconds, 10);
    // webhook.enabled=false: everything but the webhook configuration, for the two-step install.
    const staged = (await render(['--set', 'webhook.enabled=false'])).objects;
    assert.equal(staged.filter((o) => o.kind === 'ValidatingWebhookConfiguration').length, 0);
    assert.equal(one(staged, 'Secret').type, 'kubernetes.io/tls');
  });

  test('values the chart rejects fail the render with the chart\'s message, naming the template', async () => {
    const cases: [string[], RegExp][] = [
      [['--set', 'replicas=1'], /^Error: execution error at \(kubecomply\/templates\/deployment\.yaml:\d+:\d+\): replicas must be 2 or more/],
      [['--set', 'tls.cert=x'], /^Error: execution error at \(kubecomply\/templates\/webhook\.yaml:\d+:\d+\): tls\.cert, tls\.key and tls\.caCert go together/],
      [['--kube-version', '1.24.0'], /^Error: chart requires kubeVersion: >=1\.25\.0-0 which is incompatible with Kubernetes v1\.24\.0/],
    ];
    for (const [args, message] of cases) {
      const r = await helmTemplate(bin, ['kubecomply', CHART, '-n', 'kubecomply', ...args]);
      assert.equal(r.code, 1, args.join(' '));
      assert.equal(r.stdout, '');
      assert.match(r.stderr, message);
    }
  });

  test('passes kubecomply scan with the configuration it ships, like the install output: no findings once pinned by digest', async () => {
    const pinned = (await render(['--include-crds', '--set', 'namespace.create=true', '--set', `image.digest=${DIGEST}`])).text;
    const shipped = one(yamlDocs(pinned), 'ConfigMap').data['kubecomply.yaml'] as string;
    const chart = await scan(pinned, shipped);
    assert.deepEqual(chart.scan.findings.map((f) => `${f.controlId}: ${f.message}`), []);
    assert.equal(chart.code, 0);
    assert.equal(chart.scan.summary.result, 'pass');
    assert.equal(chart.scan.summary.excepted, 0, 'no exceptions were needed');
    assert.equal(chart.scan.summary.inputErrors, 0);
    // The same controls ran as on the install output.
    const inst = await runCli(['install', '-n', 'kubecomply', '--image', PINNED_IMAGE, '--quiet']);
    const install = await scan(inst.stdout, shipped);
    assert.deepEqual(install.scan.findings, []);
    assert.deepEqual(chart.scan.controls.map((c) => c.id).sort(), install.scan.controls.map((c) => c.id).sort());
    // `helm install` renders without the Namespace and the CRD: that passes too.
    const plain = await scan((await render(['--set', `image.digest=${DIGEST}`])).text, shipped);
    assert.deepEqual(plain.scan.findings, []);
    assert.equal(plain.code, 0);
  });

  test('with the default (tag-only) image the one finding is the missing digest, located in the template', async () => {
    const { scan: s, code } = await scan((await render([])).text);
    assert.deepEqual(s.findings.map((f) => `${f.controlId} ${f.location?.file}`), ['image-not-pinned-by-digest kubecomply/templates/deployment.yaml']);
    assert.equal(code, 1);
  });

  test('certificates: genCA and genSignedCert make a serving certificate for the Service that the caBundle verifies', async () => {
    const { objects } = await render(['--set', 'tls.certDays=30']);
    const secret = one(objects, 'Secret', 'kubecomply-tls');
    const pem = (k: string): string => Buffer.from(secret.data[k], 'base64').toString('utf8');
    const ca = new X509Certificate(pem('ca.crt'));
    const leaf = new X509Certificate(pem('tls.crt'));
    assert.ok(ca.ca && !leaf.ca);
    assert.ok(leaf.checkIssued(ca) && leaf.verify(ca.publicKey), 'the CA signed the serving certificate');
    assert.ok(leaf.checkPrivateKey(createPrivateKey(pem('tls.key'))), 'tls.key is its key');
    assert.deepEqual(leaf.subjectAltName?.split(', ').sort(), ['DNS:kubecomply.kubecomply.svc', 'DNS:kubecomply.kubecomply.svc.cluster.local']);
    const days = (Date.parse(leaf.validTo) - Date.now()) / 86_400_000;
    assert.ok(days > 29 && days <= 30, `valid for tls.certDays (${days.toFixed(1)} days)`);
    const hooks = one(objects, 'ValidatingWebhookConfiguration').webhooks as Obj[];
    assert.equal(hooks.length, 4);
    for (const w of hooks) assert.equal(w.clientConfig.caBundle, secret.data['ca.crt'], `${w.name}: caBundle is the Secret's CA`);
    // Each render generates a new CA (lookup finds no Secret under helm template) …
    const again = one((await render([])).objects, 'Secret');
    assert.notEqual(again.data['ca.crt'], secret.data['ca.crt']);
    // … unless the certificate is supplied in values: then it is used as it is.
    const files = ['tls.crt', 'tls.key', 'ca.crt'].map((k) => {
      const f = path.join(dir, k);
      writeFileSync(f, pem(k));
      return f;
    });
    const supplied = (await render(['--set-file', `tls.cert=${files[0]}`, '--set-file', `tls.key=${files[1]}`, '--set-file', `tls.caCert=${files[2]}`])).objects;
    assert.deepEqual(one(supplied, 'Secret').data, secret.data);
    for (const w of one(supplied, 'ValidatingWebhookConfiguration').webhooks as Obj[]) assert.equal(w.clientConfig.caBundle, secret.data['ca.crt']);
  });
});

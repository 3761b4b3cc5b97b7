import assert from 'node:assert/strict';
import { symlinkSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { describe, test } from 'node:test';
import type { Diagnostic, Resource } from '../../src/core/types.js';
import { loadSources } from '../../src/sources/loader.js';
import { tempDir, writeTree } from '../helpers/tmp.js';

const POD = (name: string, extra = ''): string =>
  `apiVersion: v1\nkind: Pod\nmetadata:\n  name: ${name}\nspec:\n  containers:\n  - name: app\n    image: nginx:1.27\n${extra}`;

async function loadText(text: string | Buffer, name = 'in.yaml', opts: Parameters<typeof loadSources>[1] = {}): Promise<Awaited<ReturnType<typeof loadSources>> & { file: string }> {
  const dir = tempDir();
  writeTree(dir, { [name]: text });
  const file = path.join(dir, name);
  return { ...(await loadSources([file], opts)), file };
}

const names = (rs: readonly Resource[]): string[] => rs.map((r) => `${r.kind}/${r.name}`);
const errors = (ds: readonly Diagnostic[]): Diagnostic[] => ds.filter((d) => d.level === 'error');

describe('multi-document YAML', () => {
  test('every document becomes a resource with its first line and document index', async () => {
    const text = `# leading comment\n${POD('a')}---\n# a comment between\n\n${POD('b')}---\n---\n...\n${POD('c')}`;
    const r = await loadText(text);
    assert.deepEqual(names(r.resources), ['Pod/a', 'Pod/b', 'Pod/c']);
    assert.deepEqual(
      r.resources.map((x) => [x.origin.line, x.origin.doc]),
      [
        [2, 0],
        [13, 1],
        [24, 2],
      ],
    );
    assert.equal(r.resources[1].origin.file, r.file);
    assert.deepEqual(errors(r.diagnostics), []);
  });

  test('a document marker with content on the same line, CRLF line ends, a BOM and a %YAML directive', async () => {
    const crlf = '\uFEFF%YAML 1.2\n---\n' + POD('crlf').replace(/\n/g, '\r\n') + '--- {apiVersion: v1, kind: ConfigMap, metadata: {name: inline}}\n';
    const r = await loadText(crlf);
    assert.deepEqual(names(r.resources), ['Pod/crlf', 'ConfigMap/inline']);
    assert.equal(r.resources[0].origin.line, 3);
    assert.equal(r.resources[1].origin.line, 11);
  });

  test('"---" indented inside a block scalar is content, not a document marker', async () => {
    const text = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: script\ndata:\n  run.sh: |\n    echo start\n    ---\n    echo end\n';
    const r = await loadText(text);
    assert.equal(r.resources.length, 1);
    assert.equal((r.resources[0].object.data as Record<string, string>)['run.sh'], 'echo start\n---\necho end\n');
  });

  test('scalars are decoded the way Kubernetes decodes them (YAML 1.1)', async () => {
    const text = POD('scalars', '  hostNetwork: yes\n  hostPID: off\n') + 'metadataCopy:\n  mode: 0644\n  hex: 0x1F\n  created: 2024-01-02T03:04:05Z\n  plain: 1_000\n';
    const r = await loadText(text);
    const o = r.resources[0].object as Record<string, Record<string, unknown>>;
    assert.equal(o.spec.hostNetwork, true);
    assert.equal(o.spec.hostPID, false);
    assert.equal(o.metadataCopy.mode, 0o644);
    assert.equal(o.metadataCopy.hex, 31);
    assert.equal(o.metadataCopy.created, '2024-01-02T03:04:05Z');
    assert.equal(o.metadataCopy.plain, 1000);
  });

  test('anchors, aliases and merge keys work', async () => {
    const text = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: anchors\n  labels: &l\n    app: x\n  annotations:\n    <<: *l\n    extra: "1"\ndata:\n  a: &v value\n  b: *v\n';
    const r = await loadText(text);
    assert.deepEqual(r.resources[0].metadata.annotations, { app: 'x', extra: '1' });
    assert.deepEqual(errors(r.diagnostics), []);
  });

  test('a duplicated key is a warning and the last value wins, as in Kubernetes', async () => {
    const r = await loadText(POD('dup', '  hostNetwork: false\n  hostNetwork: true\n'));
    assert.equal((r.resources[0].object.spec as Record<string, unknown>).hostNetwork, true);
    const w = r.diagnostics.filter((d) => d.level === 'warning');
    assert.equal(w.length, 1);
    assert.match(w[0].message, /duplicated mapping key/);
    assert.equal(w[0].line, 10);
  });
});

describe('lists, Helm and Kustomize output', () => {
  test('kind: List items become resources located at their own line', async () => {
    const text = `apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Pod\n  metadata:\n    name: first\n- apiVersion: apps/v1\n  kind: Deployment\n  metadata:\n    name: second\n    namespace: prod\nmetadata:\n  resourceVersion: ""\n`;
    const r = await loadText(text);
    assert.deepEqual(names(r.resources), ['Pod/first', 'Deployment/second']);
    assert.deepEqual(r.resources.map((x) => x.origin.line), [4, 8]);
    assert.deepEqual(r.resources.map((x) => x.origin.itemPath), ['items[0]', 'items[1]']);
    assert.equal(r.resources[1].namespace, 'prod');
  });

  test('typed lists (PodList) infer the kind of items that omit it', async () => {
    const json = JSON.stringify({ apiVersion: 'v1', kind: 'PodList', items: [{ metadata: { name: 'p1', namespace: 'x' }, spec: {} }] }, null, 2);
    const r = await loadText(json, 'pods.json');
    assert.deepEqual(names(r.resources), ['Pod/p1']);
    assert.equal(r.resources[0].apiVersion, 'v1');
    assert.equal(r.resources[0].origin.line, 5);
  });

  test('Helm "# Source:" comments name the template, lines count within it', async () => {
    const text = `---\n# Source: web/templates/sa.yaml\napiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: web\n---\n# Source: web/templates/pod.yaml\n${POD('web')}`;
    const r = await loadText(text, 'rendered.yaml');
    assert.deepEqual(r.resources.map((x) => [x.origin.file, x.origin.line]), [
      ['web/templates/sa.yaml', 1],
      ['web/templates/pod.yaml', 1],
    ]);
    assert.deepEqual(r.resources[1].origin.stream, { file: r.file, line: 9 });
  });

  test('the Kustomize origin annotation is kept as the source path', async () => {
    const text = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\n  annotations:\n    config.kubernetes.io/origin: |\n      path: base/configmap.yaml\n`;
    const r = await loadText(text);
    assert.equal(r.resources[0].origin.sourcePath, 'base/configmap.yaml');
  });

  test('documents that are not Kubernetes objects are skipped with a note; unknown kinds are kept', async () => {
    const text = `replicaCount: 2\nimage:\n  tag: latest\n---\napiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [a.yaml]\n---\napiVersion: monitoring.coreos.com/v1\nkind: ServiceMonitor\nmetadata:\n  name: web\n`;
    const r = await loadText(text);
    assert.deepEqual(names(r.resources), ['ServiceMonitor/web']);
    assert.deepEqual(r.diagnostics.map((d) => [d.level, d.code, d.line]), [
      ['note', 'not-kubernetes', 1],
      ['note', 'kustomization', 5],
    ]);
  });

  test('API messages (AdmissionReview, audit events) are skipped with a note; an audit Policy is kept', async () => {
    const text = `apiVersion: admission.k8s.io/v1\nkind: AdmissionReview\nrequest:\n  uid: x\n---\napiVersion: audit.k8s.io/v1\nkind: Event\nverb: get\n---\napiVersion: audit.k8s.io/v1\nkind: Policy\nmetadata:\n  name: audit\nrules:\n- level: Metadata\n`;
    const r = await loadText(text);
    assert.deepEqual(names(r.resources), ['Policy/audit']);
    assert.deepEqual(r.diagnostics.map((d) => [d.level, d.code, d.line]), [
      ['note', 'api-message', 1],
      ['note', 'api-message', 6],
    ]);
  });
});

describe('JSON and stdin', () => {
  test('a JSON file is one document', async () => {
    const r = await loadText(JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'j' } }), 'ns.json');
    assert.deepEqual(names(r.resources), ['Namespace/j']);
    assert.equal(r.resources[0].namespace, undefined);
  });

  test('malformed JSON is reported with line and column', async () => {
    const r = await loadText('{\n  "apiVersion": "v1",\n  "kind": "Pod",\n  "metadata": {"name": "x",}\n}\n', 'bad.json');
    assert.equal(r.resources.length, 0);
    const e = errors(r.diagnostics);
    assert.equal(e.length, 1);
    assert.equal(e[0].code, 'json-syntax');
    assert.equal(e[0].line, 4);
    assert.ok((e[0].column ?? 0) > 1);
  });

  test('stdin: YAML streams, JSON is detected', async () => {
    const y = await loadSources(['-'], { stdin: Readable.from([Buffer.from(POD('from-stdin'))]) });
    assert.deepEqual(names(y.resources), ['Pod/from-stdin']);
    assert.equal(y.resources[0].origin.file, '<stdin>');
    const j = await loadSources(['-'], { stdin: Readable.from([Buffer.from(JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [{ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'j1' } }] }))]) });
    assert.deepEqual(names(j.resources), ['Pod/j1']);
    const flow = await loadSources(['-'], { stdin: Readable.from([Buffer.from('{apiVersion: v1, kind: Pod, metadata: {name: flow}}\n---\n' + POD('second'))]) });
    assert.deepEqual(names(flow.resources), ['Pod/flow', 'Pod/second']);
  });
});

describe('bad input is reported and the rest is still loaded', () => {
  test('malformed YAML: file, line and column of the error; other documents load', async () => {
    const text = `${POD('before')}---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: broken\n   bad: indent\n---\n${POD('after')}`;
    const r = await loadText(text);
    assert.deepEqual(names(r.resources), ['Pod/before', 'Pod/after']);
    const e = errors(r.diagnostics);
    assert.equal(e.length, 1);
    assert.equal(e[0].code, 'yaml-syntax');
    assert.equal(e[0].file, r.file);
    assert.equal(e[0].line, 14);
    assert.match(e[0].message, /YAML syntax error: .*document 2/);
  });

  test('a non-object document, a resource without kind and one without apiVersion', async () => {
    const text = `- just\n- a list\n---\nplain scalar\n---\napiVersion: v1\nmetadata:\n  name: nokind\n---\nkind: Pod\nmetadata:\n  name: noapi\n---\n${POD('good')}`;
    const r = await loadText(text);
    assert.deepEqual(names(r.resources), ['Pod/good']);
    assert.deepEqual(errors(r.diagnostics).map((d) => [d.code, d.line]), [
      ['not-an-object', 1],
      ['not-an-object', 4],
      ['missing-kind', 6],
      ['missing-apiversion', 10],
    ]);
    assert.match(errors(r.diagnostics)[2].message, /expected e\.g\. "kind: Deployment"/);
  });

  test('invalid UTF-8: the line is named and only that document is skipped', async () => {
    const bad = Buffer.concat([Buffer.from(`${POD('ok1')}---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: latin1\ndata:\n  k: caf`), Buffer.from([0xe9, 0x0a]), Buffer.from(`---\n${POD('ok2')}`)]);
    const r = await loadText(bad);
    assert.deepEqual(names(r.resources), ['Pod/ok1', 'Pod/ok2']);
    const e = errors(r.diagnostics);
    assert.equal(e.length, 1);
    assert.equal(e[0].code, 'invalid-utf8');
    assert.equal(e[0].line, 15);
  });

  test('a YAML alias bomb is refused without expanding it', async () => {
    let text = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: lol\ndata:\n  a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n';
    for (let i = 1; i <= 9; i++) text += `  a${i}: &a${i} [${Array(9).fill(`*a${i - 1}`).join(',')}]\n`;
    const r = await loadText(`${text}---\n${POD('survivor')}`);
    assert.deepEqual(names(r.resources), ['Pod/survivor']);
    const e = errors(r.diagnostics);
    assert.equal(e.length, 1);
    assert.equal(e[0].code, 'yaml-alias-bomb');
    assert.equal(e[0].line, 1);
  });

  test('10,000-deep nesting (flow YAML and JSON; block YAML past the limit) is refused', async () => {
    // Block nesting needs one more column per level, so 10,000 levels would also be a 50 MB document.
    let block = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: deep\ndata:\n';
    for (let i = 1; i <= 1_000; i++) block += ' '.repeat(i) + 'a:\n';
    const flow = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: deep}\nx: ' + '['.repeat(10_000) + ']'.repeat(10_000) + '\n';
    const r = await loadText(`${block}---\n${flow}---\n${POD('fine')}`);
    assert.deepEqual(names(r.resources), ['Pod/fine']);
    assert.deepEqual(errors(r.diagnostics).map((d) => d.code), ['yaml-too-deep', 'yaml-too-deep']);
    assert.ok(errors(r.diagnostics).every((d) => d.line !== undefined && /nested deeper than/.test(d.message)));
    const j = await loadText('{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"j"},"x":' + '['.repeat(10_000) + ']'.repeat(10_000) + '}', 'deep.json');
    assert.deepEqual(errors(j.diagnostics).map((d) => d.code), ['json-too-deep']);
  });

  test('a document over the size limit is skipped without holding it; its neighbours load', async () => {
    const big = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\ndata:\n  blob: ${'x'.repeat(50_000)}\n`;
    const oneLine = 'y'.repeat(50_000);
    const r = await loadText(`${POD('a')}---\n${big}---\n${oneLine}\n---\n${POD('b')}`, 'big.yaml', { maxDocumentBytes: 10_000 });
    assert.deepEqual(names(r.resources), ['Pod/a', 'Pod/b']);
    assert.deepEqual(errors(r.diagnostics).map((d) => [d.code, d.line]), [
      ['document-too-large', 9],
      ['document-too-large', 16],
    ]);
  });

  test('a missing path is an error; other inputs still load', async () => {
    const dir = tempDir();
    writeTree(dir, { 'a.yaml': POD('a') });
    const r = await loadSources([path.join(dir, 'nope.yaml'), path.join(dir, 'a.yaml')]);
    assert.deepEqual(names(r.resources), ['Pod/a']);
    assert.match(errors(r.diagnostics)[0].message, /no such file or directory/);
  });
});

describe('directories and namespaces', () => {
  test('directories are walked recursively in sorted order; other files, .git and node_modules are skipped', async () => {
    const dir = tempDir();
    writeTree(dir, {
      'b/deploy.yml': POD('in-b'),
      'a/z.yaml': POD('in-a'),
      'a/notes.txt': 'not yaml',
      'c.json': JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'json' } }),
      'node_modules/pkg/x.yaml': POD('vendored'),
      '.git/config.yaml': POD('git'),
    });
    const r = await loadSources([dir]);
    assert.deepEqual(names(r.resources), ['Pod/in-a', 'Pod/in-b', 'Pod/json']);
    assert.equal(r.files, 3);
  });

  test('a mounted ConfigMap volume is read once, not again through the kubelet\'s ..<timestamp> copy', async () => {
    const dir = tempDir();
    // The kubelet's atomic writer: files live in ..2026_12_01_…, reached through ..data and top-level links.
    writeTree(dir, { '..2026_12_01_10_00_00.123/pod.yaml': POD('mounted') });
    symlinkSync('..2026_12_01_10_00_00.123', path.join(dir, '..data'));
    symlinkSync(path.join('..data', 'pod.yaml'), path.join(dir, 'pod.yaml'));
    const r = await loadSources([dir]);
    assert.deepEqual(names(r.resources), ['Pod/mounted']);
  });

  test('namespaced kinds default to the given namespace; cluster-scoped kinds and CRD-declared scopes have none', async () => {
    const text = `${POD('p')}---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: cr\n---\napiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: widgets.example.com\nspec:\n  scope: Cluster\n  names:\n    kind: Widget\n---\napiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\n---\napiVersion: example.com/v1\nkind: Gadget\nmetadata:\n  name: g\n`;
    const r = await loadText(text, 'ns.yaml', { defaultNamespace: 'team-a' });
    assert.deepEqual(r.resources.map((x) => [x.kind, x.namespace]), [
      ['Pod', 'team-a'],
      ['ClusterRole', undefined],
      ['CustomResourceDefinition', undefined],
      ['Widget', undefined],
      ['Gadget', 'team-a'],
    ]);
  });
});

/**
 * Scan history (schema v4): one contract for SQLite and a real PostgreSQL server, plus what a recorded
 * scan holds (input hashes, security-relevant objects in canonical form) and the diff of two scans.
 * Scans here are real scans of small manifest trees, not hand-made records.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { describe, test } from 'node:test';
import { LATEST_PSS_VERSION } from '../../src/controls/pod-security/version.js';
import type { ScanConfig } from '../../src/core/types.js';
import { defaultExceptionPolicy } from '../../src/config/defaults.js';
import { scan } from '../../src/scanner.js';
import { verifyEvidence, loadOrCreateKey } from '../../src/store/evidence.js';
import { openStore } from '../../src/store/index.js';
import { buildScan, diffScans, fieldChanges, loadScan, recordScan, verifyScanSummary, type BuiltScan } from '../../src/store/scans.js';
import { buildComplianceReport, formatComplianceMarkdown } from '../../src/report/compliance-report.js';
import { canonicalJson } from '../../src/store/evidence.js';
import type { ScanFindingRecord } from '../../src/store/types.js';
import { startPostgres } from '../helpers/postgres.js';
import { storeBackends, withStore } from '../helpers/stores.js';
import { tempDir, writeTree } from '../helpers/tmp.js';

const pgServer = await startPostgres();
const dir = tempDir('kubecomply-scans-');
const BACKENDS = storeBackends(pgServer, dir);

const CONFIG: ScanConfig = { pss: { level: 'restricted', version: LATEST_PSS_VERSION }, defaultNamespace: 'default' };
const NOW = new Date('2026-12-01T12:00:00Z');

const NAMESPACE = (labels: string): string => `apiVersion: v1
kind: Namespace
metadata:
  name: shop
  labels:
    team: web
${labels}`;

const POLICY = (port: number): string => `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: web-ingress
  namespace: shop
  resourceVersion: "${port * 7}"
  uid: 0b6c-${port}
spec:
  podSelector: {matchLabels: {app: web}}
  policyTypes: [Ingress]
  ingress:
  - ports:
    - port: ${port}
`;

const ROLE = (verbs: string): string => `apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: reader
  namespace: shop
rules:
- apiGroups: [""]
  resources: ["configmaps"]
  verbs: [${verbs}]
`;

const PRIVILEGED_POD = `apiVersion: v1
kind: Pod
metadata:
  name: debug
  namespace: shop
spec:
  containers:
  - name: c
    image: busybox:1.36
    securityContext:
      privileged: true
`;

const WEBHOOK = (failurePolicy: string): string => `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata:
  name: kubecomply
webhooks:
- name: validate.kubecomply.io
  failurePolicy: ${failurePolicy}
  sideEffects: None
  admissionReviewVersions: [v1]
  clientConfig:
    caBundle: LS0tLS1CRUdJTi1DRVJUSUZJQ0FURS0tLS0t
    service: {name: kubecomply, namespace: kubecomply}
`;

const EXCEPTION = (expires: string): string => `apiVersion: kubecomply.io/v1alpha1
kind: ComplianceException
metadata:
  name: debug-pod
  namespace: shop
spec:
  controls: [pss-privileged]
  match:
    namespaces: [shop]
    kinds: [Pod]
    names: [debug]
  justification: Break-glass debugging pod for the incident INC-4711, removed after the post-mortem.
  approvedBy: security-team@example.com
  approvedAt: "2026-11-20"
  expires: "${expires}"
`;

/** Scans a tree of manifests (files: relative path → YAML) the way `kubecomply scan` does. */
async function scanTree(name: string, files: Record<string, string>): Promise<{ built: BuiltScan; root: string }> {
  const root = writeTree(path.join(dir, name), files);
  const result = await scan([root], { config: CONFIG, workers: 0, hashInputs: true, exceptions: { policy: defaultExceptionPolicy(), now: NOW } });
  assert.deepEqual(result.diagnostics.filter((d) => d.level === 'error'), [], `${name}: the fixture must scan without input errors`);
  return { built: buildScan(result), root };
}

const V1 = {
  'ns.yaml': NAMESPACE('    pod-security.kubernetes.io/enforce: baseline\n'),
  'netpol.yaml': POLICY(8080),
  'rbac.yaml': ROLE('"get"'),
  'webhook.yaml': WEBHOOK('Fail'),
  'pod.yaml': PRIVILEGED_POD,
};
const V2 = {
  // The Pod Security level is raised, a team label changes (not security-relevant), the policy opens
  // another port, the role gains verbs, the webhook fails open, an exception now covers the pod.
  'ns.yaml': NAMESPACE('    pod-security.kubernetes.io/enforce: restricted\n    pod-security.kubernetes.io/warn: restricted\n').replace('team: web', 'team: shop'),
  'netpol.yaml': POLICY(9090),
  'rbac.yaml': ROLE('"get", "list", "watch"'),
  'webhook.yaml': WEBHOOK('Ignore'),
  'pod.yaml': PRIVILEGED_POD,
  'exception.yaml': EXCEPTION('2026-12-31'),
};

const v1 = await scanTree('v1', V1);
const v2 = await scanTree('v2', V2);

describe('a recorded scan', () => {
  test('hashes each input: a directory over its files, relative path and sha256 each', () => {
    const sha = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');
    const [input] = v1.built.scan.inputs;
    assert.equal(input.kind, 'directory');
    assert.equal(input.files, 5);
    const expected = sha(
      Object.keys(V1)
        .sort()
        .map((f) => `${f}\0${sha(readFileSync(path.join(v1.root, f)))}\n`)
        .join(''),
    );
    assert.equal(input.sha256, expected);
    assert.notEqual(v2.built.scan.inputs[0].sha256, input.sha256);
  });

  test('keeps the security-relevant objects in canonical form; volatile metadata and certificate bundles are not in it', () => {
    const byKey = new Map(v1.built.objects.map((o) => [o.key, o]));
    assert.deepEqual([...byKey.keys()].sort(), [
      'admissionregistration.k8s.io/ValidatingWebhookConfiguration//kubecomply',
      'core/Namespace//shop',
      'networking.k8s.io/NetworkPolicy/shop/web-ingress',
      'rbac.authorization.k8s.io/Role/shop/reader',
    ]);
    const ns = JSON.parse(byKey.get('core/Namespace//shop')!.canonical);
    assert.deepEqual(ns.podSecurityLabels, { 'pod-security.kubernetes.io/enforce': 'baseline' }, 'only Pod Security labels are kept for a Namespace');
    const np = byKey.get('networking.k8s.io/NetworkPolicy/shop/web-ingress')!;
    assert.doesNotMatch(np.canonical, /resourceVersion|uid/);
    assert.equal(np.hash, createHash('sha256').update(np.canonical).digest('hex'));
    assert.match(byKey.get('admissionregistration.k8s.io/ValidatingWebhookConfiguration//kubecomply')!.canonical, /"caBundle":"sha256:[0-9a-f]{64}"/);
    // The exception of V2 is an object too.
    assert.ok(v2.built.objects.some((o) => o.category === 'exception' && o.key === 'kubecomply.io/ComplianceException/shop/debug-pod'));
  });

  test('keeps every finding with a key that is unique in the scan and stable across scans', () => {
    const priv = v1.built.findings.find((f) => f.control === 'pss-privileged');
    assert.ok(priv, `scan of V1 must find pss-privileged; found ${v1.built.findings.map((f) => f.control).join(', ')}`);
    assert.equal(priv.status, 'fail');
    assert.deepEqual(priv.resource, { apiVersion: 'v1', kind: 'Pod', namespace: 'shop', name: 'debug' });
    assert.equal(new Set(v1.built.findings.map((f) => f.key)).size, v1.built.findings.length);
    const again = v2.built.findings.find((f) => f.control === 'pss-privileged');
    assert.equal(again?.key, priv.key);
    assert.equal(again?.status, 'excepted');
    assert.equal(again?.exception, 'shop/debug-pod');
  });

  test('the summary hash covers the findings and the objects', () => {
    const { scan: s, findings, objects } = v1.built;
    assert.equal(verifyScanSummary({ ...s, id: 1 }, findings, objects), true);
    const edited = findings.map((f, i) => (i === 0 ? { ...f, message: `${f.message}!` } : f));
    assert.equal(verifyScanSummary({ ...s, id: 1 }, edited, objects), false);
    assert.equal(verifyScanSummary({ ...s, id: 1 }, findings.slice(1), objects), false);
    assert.equal(verifyScanSummary({ ...s, id: 1 }, findings, objects.map((o, i) => (i === 0 ? { ...o, hash: '0'.repeat(64) } : o))), false);
  });
});

describe('diff of two scans', () => {
  const a = { scan: { ...v1.built.scan, id: 1 }, findings: v1.built.findings, objects: v1.built.objects };
  const b = { scan: { ...v2.built.scan, id: 2 }, findings: v2.built.findings, objects: v2.built.objects };
  const d = diffScans(a, b);

  test('every changed security-relevant object, field by field; unchanged labels outside Pod Security are no change', () => {
    const changes = Object.fromEntries(d.objects.map((o) => [o.key, o]));
    assert.deepEqual(Object.keys(changes).sort(), [
      'admissionregistration.k8s.io/ValidatingWebhookConfiguration//kubecomply',
      'core/Namespace//shop',
      'kubecomply.io/ComplianceException/shop/debug-pod',
      'networking.k8s.io/NetworkPolicy/shop/web-ingress',
      'rbac.authorization.k8s.io/Role/shop/reader',
    ]);
    assert.equal(changes['kubecomply.io/ComplianceException/shop/debug-pod'].change, 'added');
    assert.deepEqual(changes['networking.k8s.io/NetworkPolicy/shop/web-ingress'].fields, [{ path: 'spec.ingress[0].ports[0].port', before: 8080, after: 9090 }]);
    assert.deepEqual(changes['rbac.authorization.k8s.io/Role/shop/reader'].fields, [
      { path: 'rules[0].verbs[1]', after: 'list' },
      { path: 'rules[0].verbs[2]', after: 'watch' },
    ]);
    assert.deepEqual(changes['core/Namespace//shop'].fields, [
      { path: 'podSecurityLabels["pod-security.kubernetes.io/enforce"]', before: 'baseline', after: 'restricted' },
      { path: 'podSecurityLabels["pod-security.kubernetes.io/warn"]', after: 'restricted' },
    ]);
    assert.deepEqual(changes['admissionregistration.k8s.io/ValidatingWebhookConfiguration//kubecomply'].fields, [{ path: 'webhooks[0].failurePolicy', before: 'Fail', after: 'Ignore' }]);
  });

  test('findings: the excepted one is still open with its previous status; nothing newly fails', () => {
    const open = d.findings.open.find((f) => f.control === 'pss-privileged');
    assert.equal(open?.status, 'excepted');
    assert.equal(open?.previousStatus, 'fail');
    assert.equal(d.regressions, 0);
    const reverse = diffScans(b, a);
    assert.equal(reverse.findings.open.find((f) => f.control === 'pss-privileged')?.previousStatus, 'excepted');
    assert.ok(reverse.regressions >= 1, 'the finding fails again without its exception: a regression');
    assert.equal(reverse.objects.find((o) => o.category === 'exception')?.change, 'removed');
  });

  test('a scan diffed with itself has no change', () => {
    const same = diffScans(a, a);
    assert.deepEqual([same.findings.new, same.findings.resolved, same.objects, same.regressions], [[], [], [], 0]);
    assert.equal(same.findings.open.length, a.findings.length);
  });

  test('fieldChanges stops at 50 changes', () => {
    const before = Object.fromEntries(Array.from({ length: 80 }, (_, i) => [`k${i}`, i]));
    assert.equal(fieldChanges(before, {}).length, 50);
  });
});

for (const b of BACKENDS) {
  describe(`scan history contract: ${b.name}`, () => {
    test('save assigns ids 1, 2 …; a scan, its findings and objects round-trip exactly', async () => {
      await withStore(await b.fresh(), async (s) => {
        assert.deepEqual(await s.listScans(), []);
        assert.equal(await s.getScan(1), undefined);
        const id1 = await s.saveScan(v1.built.scan, v1.built.findings, v1.built.objects);
        const id2 = await s.saveScan(v2.built.scan, v2.built.findings, v2.built.objects);
        assert.deepEqual([id1, id2], [1, 2]);
        assert.deepEqual(await s.getScan(1), { ...v1.built.scan, id: 1 });
        assert.deepEqual(await s.listScanFindings(1), v1.built.findings);
        assert.deepEqual(await s.listScanObjects(2), v2.built.objects);
        assert.deepEqual((await s.listScans()).map((x) => x.id), [1, 2]);
        assert.deepEqual((await s.listScans({ limit: 1 })).map((x) => x.id), [2], 'limit keeps the newest');
        assert.deepEqual((await s.listScans({ since: v2.built.scan.time })).map((x) => x.id), [2]);
        assert.deepEqual((await s.listScans({ upToId: 1 })).map((x) => x.id), [1]);
        assert.deepEqual((await s.listScans({ upToId: 2, limit: 1 })).map((x) => x.id), [2]);
        assert.deepEqual(await s.listScanFindings(99), []);
        const loaded = await loadScan(s, 2);
        assert.ok(loaded && verifyScanSummary(loaded.scan, loaded.findings, loaded.objects), 'a stored scan verifies against its summary hash');
      });
    });

    test('a scan with duplicate finding keys is rejected whole', async () => {
      await withStore(await b.fresh(), async (s) => {
        const dup: ScanFindingRecord[] = [v1.built.findings[0], v1.built.findings[0]];
        await assert.rejects(s.saveScan(v1.built.scan, dup, []), /duplicate finding key/);
        assert.deepEqual(await s.listScans(), []);
      });
    });

    test('thousands of findings are stored and read back in key order', async () => {
      await withStore(await b.fresh(), async (s) => {
        const base = v1.built.findings[0];
        const many = Array.from({ length: 1234 }, (_, i) => ({ ...base, key: `${base.key}#${String(i).padStart(5, '0')}`, message: `m${i}` }));
        const id = await s.saveScan(v1.built.scan, many, v1.built.objects);
        const back = await s.listScanFindings(id);
        assert.equal(back.length, 1234);
        assert.deepEqual(back, many);
      });
    });

    test('recordScan appends a "scan recorded" evidence record carrying the summary hash and links it, once', async () => {
      await withStore(await b.fresh(), async (s) => {
        const key = loadOrCreateKey(path.join(dir, `key-${b.name}.pem`));
        const r = await recordScan(s, v1.built, { key });
        const [ev] = await s.listEvidence();
        assert.equal(ev.kind, 'scan-summary');
        const p = ev.payload as { message: string; scanId: number; summaryHash: string; inputs: { sha256: string }[] };
        assert.match(p.message, /^scan recorded: scan 1, /);
        assert.equal(p.scanId, r.id);
        assert.equal(p.summaryHash, v1.built.scan.summaryHash);
        assert.equal(p.inputs[0].sha256, v1.built.scan.inputs[0].sha256);
        assert.deepEqual((await s.getScan(r.id))?.evidence, { seq: ev.seq, hash: ev.hash });
        await assert.rejects(s.setScanEvidence(r.id, { seq: 9, hash: 'x' }), /already linked/);
        await assert.rejects(s.setScanEvidence(42, { seq: 9, hash: 'x' }), /does not exist/);
        assert.equal(verifyEvidence(await s.listEvidence(), await s.listCheckpoints(), { publicKeys: [key.publicKey] }).ok, true);
      });
    });

    test('a finding altered in the database no longer matches the summary hash', async () => {
      await withStore(await b.fresh(), async (s) => {
        const id = await s.saveScan(v1.built.scan, v1.built.findings, v1.built.objects);
        await b.exec(s, `UPDATE scan_finding SET status = 'excepted' WHERE scan_id = ${id} AND control = 'pss-privileged'`);
        const loaded = await loadScan(s, id);
        assert.ok(loaded);
        assert.equal(verifyScanSummary(loaded.scan, loaded.findings, loaded.objects), false);
      });
    });

    test('a store at schema v3 with CRA data upgrades to v4 and keeps it', async () => {
      const url = await b.fresh();
      await withStore(
        url,
        async (s) => {
          assert.equal(await s.schemaVersion(), 3);
          await s.saveProduct({ name: 'shop', version: '1.0', updatedAt: '2026-12-01T00:00:00.000Z', data: { a: 1 } });
        },
        { migrate: 3 },
      );
      await withStore(url, async (s) => {
        assert.equal(await s.schemaVersion(), 4);
        assert.deepEqual((await s.getProduct('shop'))?.data, { a: 1 });
        assert.equal(await s.saveScan(v1.built.scan, v1.built.findings, v1.built.objects), 1);
      });
    });

    test('two connections saving concurrently get distinct consecutive ids', async () => {
      const url = await b.fresh();
      const [s1, s2] = [await openStore(url), await openStore(url)];
      try {
        const ids = await Promise.all([s1, s2].map(async (s) => {
          const out: number[] = [];
          for (let i = 0; i < 5; i++) out.push(await s.saveScan(v1.built.scan, v1.built.findings, v1.built.objects));
          return out;
        }));
        assert.deepEqual(ids.flat().sort((x, y) => x - y), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
        assert.equal((await s1.listScanFindings(10)).length, v1.built.findings.length);
      } finally {
        await s1.close();
        await s2.close();
      }
    });
  });
}

// Keep the fixture writer honest: a file written after the scan changes the input hash.
test('an input edited after a scan hashes differently', async () => {
  const { built, root } = await scanTree('v3', { 'a.yaml': POLICY(1) });
  writeFileSync(path.join(root, 'a.yaml'), POLICY(2));
  const again = await scan([root], { config: CONFIG, workers: 0, hashInputs: true });
  assert.notEqual(buildScan(again).scan.inputs[0].sha256, built.scan.inputs[0].sha256);
});

test('an input is hashed as the scan read it, not as it is when the scan is recorded', async () => {
  const root = writeTree(path.join(dir, 'read-once'), { 'a.yaml': POLICY(1), 'b.json': JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'b' } }) });
  const file = path.join(root, 'a.yaml');
  const original = readFileSync(file);
  const result = await scan([file, root, path.join(root, 'gone.yaml')], { config: CONFIG, workers: 0, hashInputs: true });
  // Changed between the scan and recording it: the record still vouches for what was judged.
  writeFileSync(file, POLICY(2));
  const [single, tree, missing] = buildScan(result).scan.inputs;
  const sha = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');
  assert.deepEqual(single, { path: file, kind: 'file', sha256: sha(original), files: 1, bytes: original.length });
  const bJson = readFileSync(path.join(root, 'b.json'));
  assert.equal(tree.kind, 'directory');
  assert.equal(tree.files, 2);
  assert.equal(tree.bytes, original.length + bJson.length);
  assert.equal(tree.sha256, sha(`a.yaml\0${sha(original)}\nb.json\0${sha(bJson)}\n`), 'relative path and hash of each file, in walk order');
  assert.deepEqual(missing, { path: path.join(root, 'gone.yaml'), kind: 'missing', sha256: null, files: 0, bytes: 0 });
});

test('a directory holds its unreadable files in its hash as unreadable, and recording needs the hashes', async () => {
  const root = writeTree(path.join(dir, 'dangling'), { 'a.yaml': POLICY(1) });
  symlinkSync(path.join(root, 'nowhere.yaml'), path.join(root, 'b.yaml'));
  const result = await scan([root], { config: CONFIG, workers: 0, hashInputs: true });
  assert.ok(result.diagnostics.some((d) => d.code === 'input-unreadable' && d.file.endsWith('b.yaml')));
  const sha = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');
  const [tree] = buildScan(result).scan.inputs;
  assert.equal(tree.sha256, sha(`a.yaml\0${sha(POLICY(1))}\nb.yaml\0unreadable\n`));
  const unhashed = await scan([root], { config: CONFIG, workers: 0 });
  assert.throws(() => buildScan(unhashed), /needs its input hashes/);
});

test('standard input is hashed over the documents read from it', async () => {
  const result = await scan(['-'], { config: CONFIG, workers: 0, hashInputs: true, load: { stdin: Readable.from([POLICY(1)]) } });
  const [input] = buildScan(result).scan.inputs;
  assert.equal(input.kind, 'stdin');
  const expected = createHash('sha256').update(result.resources.map((r) => canonicalJson(r.object)).join('\n')).digest('hex');
  assert.equal(input.sha256, expected);
  assert.equal(result.resources.length, 1);
});

describe('the compliance report model', () => {
  const cisOf = (b: BuiltScan) => b.scan.frameworks.find((f) => f.id === 'cis')!;
  const privReq = cisOf(v2.built).requirements.find((q) => q.controls.includes('pss-privileged'));

  test('requirements carry the findings and resources behind them; exceptions in force with justification and expiry', () => {
    assert.ok(privReq, 'a CIS requirement must map pss-privileged');
    const r = buildComplianceReport({ frameworkId: 'cis', scan: { ...v2.built.scan, id: 2 }, findings: v2.built.findings, summaryVerified: true, now: NOW, minScore: 100 });
    assert.equal(r.score, cisOf(v2.built).score);
    const q = r.requirements.find((x) => x.id === privReq.id)!;
    assert.ok(q.excepted.some((f) => f.control === 'pss-privileged' && f.resource === 'Pod/shop/debug' && f.exception === 'shop/debug-pod'));
    assert.ok(q.resources.includes('Pod/shop/debug'));
    assert.deepEqual(
      r.exceptionsInForce.map((e) => [e.key, e.approvedBy, e.expires, e.findings > 0]),
      [['shop/debug-pod', 'security-team@example.com', '2026-12-31', true]],
    );
    assert.match(r.exceptionsInForce[0].justification, /INC-4711/);
    assert.equal(r.checklist.length, cisOf(v2.built).counts.manual);
    assert.deepEqual(r.threshold, { minScore: 100, met: false });
    assert.deepEqual(r.trend, [{ scanId: 2, time: v2.built.scan.time, score: r.score }]);
    const md = formatComplianceMarkdown(r);
    assert.match(md, /\| shop\/debug-pod \| pss-privileged \| Break-glass debugging pod for the incident INC-4711/);
  });

  test('a framework the scan did not assess is an error naming what it assessed', () => {
    const scanOnly = { ...v1.built.scan, id: 1, frameworks: v1.built.scan.frameworks.filter((f) => f.id === 'cis') };
    assert.throws(() => buildComplianceReport({ frameworkId: 'hipaa', scan: scanOnly, findings: [], summaryVerified: null }), /scan 1 did not assess framework hipaa \(it assessed: cis\)/);
  });
});

/**
 * Frameworks from the command line: listing, showing, per-framework sections in scans, --min-score,
 * and the settings file.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, test } from 'node:test';
import { FRAMEWORKS } from '../../src/frameworks/index.js';
import { runCli } from '../helpers/cli.js';
import { tempDir, writeTree } from '../helpers/tmp.js';

describe('kubecomply frameworks', () => {
  test('lists every framework', async () => {
    const r = await runCli(['frameworks']);
    assert.equal(r.code, 0);
    for (const f of FRAMEWORKS) assert.match(r.stdout, new RegExp(`^${f.id} `, 'm'));
  });

  test('show works for every framework, with controls or manual guidance per requirement', async () => {
    for (const f of FRAMEWORKS) {
      const r = await runCli(['frameworks', 'show', f.id, '--format', 'json']);
      assert.equal(r.code, 0, `${f.id}: ${r.stderr}`);
      const doc = JSON.parse(r.stdout);
      assert.equal(doc.requirements.length, f.requirements.length);
      for (const q of doc.requirements) assert.ok(q.manual ? q.guidance : q.controls.length > 0, `${f.id} ${q.id}`);
    }
    const text = await runCli(['frameworks', 'show', 'cis']);
    assert.match(text.stdout, /5\.2\.2 +Admission of privileged containers minimised\n +controls: pss-privileged/);
    const bad = await runCli(['frameworks', 'show', 'pci']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /unknown framework "pci" \(did you mean "pci-dss"\?\)/);
  });
});

describe('scan --framework and --min-score', () => {
  test('limits the controls to the frameworks and reports every requirement', async () => {
    const r = await runCli(['scan', 'examples/', '--framework', 'pci-dss,hipaa', '--format', 'json', '--fail-on', 'none']);
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout);
    assert.deepEqual(doc.frameworks.map((f: any) => f.id), ['pci-dss', 'hipaa']);
    const pci = doc.frameworks[0];
    assert.equal(pci.requirements.length, FRAMEWORKS.find((f) => f.id === 'pci-dss')!.requirements.length);
    const sum = pci.counts.pass + pci.counts.fail + pci.counts.manual + pci.counts['not-applicable'];
    assert.equal(sum, pci.requirements.length);
    assert.equal(pci.score, Math.round((100 * pci.counts.pass) / (pci.counts.pass + pci.counts.fail)));
    for (const c of doc.controls) assert.ok(c.mappings.pci || c.mappings.hipaa, `${c.id} is not mapped to PCI DSS or HIPAA`);
    const table = await runCli(['scan', 'examples/', '--framework', 'pci-dss', '--fail-on', 'none']);
    assert.match(table.stdout, /PCI DSS v4\.0\.1 — +\d+%/);
    assert.match(table.stdout, /^ {2}(FAIL|PASS) +1\.3\.1 /m);
    assert.match(table.stdout, /^ {2}MANUAL 12\.10\.1 /m);
  });

  test('--min-score fails the run below the threshold, with the reason', async () => {
    const low = await runCli(['scan', 'examples/', '--framework', 'cis', '--min-score', '100', '--fail-on', 'none']);
    assert.equal(low.code, 1);
    assert.match(low.stderr, /CIS Kubernetes Benchmark scores \d+%, below --min-score 100/);
    assert.match(low.stdout, /Result: FAIL — cis below --min-score 100/);
    const ok = await runCli(['scan', 'examples/', '--framework', 'cis', '--min-score', '0', '--fail-on', 'none']);
    assert.equal(ok.code, 0);
    const bad = await runCli(['scan', 'examples/', '--min-score', 'ninety']);
    assert.equal(bad.code, 2);
  });
});

describe('settings file', () => {
  test('kubecomply.yaml in the working directory is used; --config names one; an invalid one is exit 2', async () => {
    const dir = tempDir();
    writeTree(dir, {
      'k8s/pod.yaml': 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  namespace: team\nspec:\n  containers:\n  - name: c\n    image: docker.io/library/nginx:1.27\n',
      'kubecomply.yaml': 'images:\n  allowedRegistries: [registry.example.com]\ncontrols:\n  severity:\n    pss-run-as-non-root: critical\n',
    });
    const r = await runCli(['scan', 'k8s', '--format', 'json', '--fail-on', 'none'], { cwd: dir, env: {} });
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout);
    assert.equal(doc.findings.find((f: any) => f.controlId === 'pss-run-as-non-root').severity, 'critical');
    assert.ok(doc.findings.some((f: any) => f.controlId === 'image-registry-not-allowed'));
    const without = JSON.parse((await runCli(['scan', 'k8s', '--format', 'json', '--fail-on', 'none', '--no-config'], { cwd: dir })).stdout);
    assert.ok(!without.findings.some((f: any) => f.controlId === 'image-registry-not-allowed'));
    writeTree(dir, { 'bad.yaml': 'images:\n  allowedRegistries: registry.example.com\n' });
    const bad = await runCli(['scan', 'k8s', '--config', path.join(dir, 'bad.yaml')], { cwd: dir });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /bad\.yaml:2: images\.allowedRegistries: must be array/);
  });
});

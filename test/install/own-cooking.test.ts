/**
 * We eat our own cooking: what `kubecomply install` prints passes `kubecomply scan` with the whole
 * catalog — with the configuration it ships in its ConfigMap, and with a stricter one that also
 * turns on the registry allow-list — without a single finding, and without exceptions.
 * The CLI as a user runs it: the built binary, real files.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { runCli } from '../helpers/cli.js';
import { tempDir, writeTree } from '../helpers/tmp.js';
import { PINNED_IMAGE, yamlDocs, type Obj } from './helpers.js';

interface ScanJson {
  summary: { result: string; findings: number; controlsEvaluated: number; excepted: number; inputErrors: number };
  findings: { controlId: string; message: string }[];
  controls: { id: string }[];
}

async function installAndScan(installArgs: string[], scanConfig?: string): Promise<{ scan: ScanJson; code: number | null; objects: Obj[] }> {
  const dir = tempDir();
  const out = path.join(dir, 'kubecomply.yaml');
  const inst = await runCli(['install', ...installArgs, '-o', out]);
  assert.equal(inst.code, 0, inst.stderr);
  const objects = yamlDocs(readFileSync(out, 'utf8'));
  // The configuration the webhook runs with, as shipped in the ConfigMap.
  const shipped = objects.find((o) => o.kind === 'ConfigMap')!.data['kubecomply.yaml'] as string;
  writeTree(dir, { 'shipped.yaml': shipped, ...(scanConfig ? { 'strict.yaml': scanConfig } : {}) });
  const r = await runCli(['scan', out, '--config', path.join(dir, scanConfig ? 'strict.yaml' : 'shipped.yaml'), '--format', 'json']);
  return { scan: JSON.parse(r.stdout) as ScanJson, code: r.code, objects };
}

async function catalogIds(): Promise<string[]> {
  const r = await runCli(['controls', '--format', 'json']);
  return (JSON.parse(r.stdout) as { id: string }[]).map((c) => c.id);
}

/** Restricted replaces these baseline checks with stricter ones (pss-restricted-volumes, …): they are not evaluated. */
const REPLACED_AT_RESTRICTED = ['pss-capabilities-baseline', 'pss-host-path-volumes', 'pss-proc-mount', 'pss-seccomp-baseline'];

describe('kubecomply install | kubecomply scan', () => {
  test('a digest-pinned install passes the whole catalog with the shipped configuration: no findings at all', async () => {
    const { scan, code } = await installAndScan(['--namespace', 'kubecomply', '--image', PINNED_IMAGE]);
    assert.deepEqual(
      scan.findings.map((f) => `${f.controlId}: ${f.message}`),
      [],
    );
    assert.equal(code, 0);
    assert.equal(scan.summary.result, 'pass');
    assert.equal(scan.summary.excepted, 0, 'no exceptions were needed');
    assert.equal(scan.summary.inputErrors, 0);
    // The whole catalog ran, except what cannot apply: the baseline checks restricted replaces, and
    // the registry allow-list, which the shipped configuration leaves empty (see the next test).
    const missing = (await catalogIds()).filter((id) => !scan.controls.some((c) => c.id === id)).sort();
    assert.deepEqual(missing, [...REPLACED_AT_RESTRICTED, 'image-registry-not-allowed'].sort());
  });

  test('with a registry allow-list too, and other flags, it still passes every control', async () => {
    const strict = 'apiVersion: kubecomply.io/v1\nkind: Config\nimages:\n  allowedRegistries: [registry.example.com/kubecomply]\n';
    const { scan, code } = await installAndScan(
      ['-n', 'policy', '--name', 'kc', '--replicas', '3', '--image', PINNED_IMAGE, '--anti-affinity', 'required', '--allow-from', '10.0.0.0/16', '--exempt-namespace', 'kube-system', '--api-server-cidr', '10.0.0.1/32'],
      strict,
    );
    assert.deepEqual(
      scan.findings.map((f) => `${f.controlId}: ${f.message}`),
      [],
    );
    assert.equal(code, 0);
    const missing = (await catalogIds()).filter((id) => !scan.controls.some((c) => c.id === id)).sort();
    assert.deepEqual(missing, REPLACED_AT_RESTRICTED);
  });

  test('the cluster exceptions (RBAC, projected token, API egress) are judged, not excepted: on by default, and off passes too', async () => {
    const on = await installAndScan(['--namespace', 'kubecomply', '--image', PINNED_IMAGE]);
    const kinds = on.objects.map((o) => o.kind);
    assert.ok(kinds.includes('ClusterRole') && kinds.includes('ClusterRoleBinding'));
    for (const id of ['sa-token-automount', 'rbac-wildcard-permissions', 'rbac-secret-read', 'network-policy-allows-all-egress', 'namespace-default-deny-egress']) {
      assert.ok(on.scan.controls.some((c) => c.id === id), `${id} was evaluated`);
    }
    const off = await installAndScan(['--namespace', 'kubecomply', '--image', PINNED_IMAGE, '--no-cluster-exceptions']);
    assert.deepEqual(off.scan.findings, []);
    assert.equal(off.code, 0);
    assert.equal(off.objects.filter((o) => /^(Cluster)?Role(Binding)?$/.test(o.kind)).length, 0);
  });

  test('with the default (placeholder, tag-only) image the one finding is the missing digest — the reason --image matters', async () => {
    const { scan, code } = await installAndScan(['--namespace', 'kubecomply']);
    assert.deepEqual(
      scan.findings.map((f) => f.controlId),
      ['image-not-pinned-by-digest'],
    );
    assert.equal(code, 1);
  });

  test('the JSON List output scans the same', async () => {
    const dir = tempDir();
    const out = path.join(dir, 'kubecomply.json');
    assert.equal((await runCli(['install', '-n', 'kubecomply', '--image', PINNED_IMAGE, '--format', 'json', '-o', out, '-q'])).code, 0);
    const r = await runCli(['scan', out, '--no-config', '--format', 'json']);
    const scan = JSON.parse(r.stdout) as ScanJson;
    assert.equal(r.code, 0, r.stdout);
    assert.equal(scan.findings.length, 0);
    assert.equal(JSON.parse(readFileSync(out, 'utf8')).items.length, 16);
  });
});

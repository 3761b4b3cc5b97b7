/**
 * Large inputs are parsed and checked partly on worker threads. Whatever the number of workers, a
 * scan must report exactly the same findings at exactly the same places, count the same evaluations
 * and score the same frameworks.
 *
 * These run real workers: under tsx the pool starts its worker from source with tsx registered in
 * the worker thread (src/parallel/pool.ts). Each test checks that workers did process documents, so
 * that a worker failing to start (the scan then falls back to the main thread, silently and with the
 * same results) cannot pass for an equivalence proven.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
// @ts-expect-error — plain JS module shared with the benchmark
import { generate } from '../../bench/corpus.mjs';
import { BUILTIN_CONTROLS } from '../../src/controls/index.js';
import { findingToJson, formatJson } from '../../src/report/json.js';
import { formatJunit } from '../../src/report/junit.js';
import { formatSarif } from '../../src/report/sarif.js';
import { scan, type ScanResult } from '../../src/scanner.js';
import { filesUnder, tempDir } from '../helpers/tmp.js';

const CONFIG = { pss: { level: 'restricted' as const, version: { major: 1, minor: 37 } }, defaultNamespace: 'default' };

const text = (chunks: Iterable<string | Uint8Array>): string => [...chunks].map((c) => (typeof c === 'string' ? c : Buffer.from(c).toString('utf8'))).join('');

/** The reports, without what differs between any two runs (when the scan started, how long it took). */
function reports(r: ScanResult): { json: string; sarif: string; junit: string } {
  const fixed = { ...r, startedAt: new Date(0), durationMs: 0 };
  return { json: text(formatJson(fixed, { failOn: 'low', failed: true })), sarif: text(formatSarif(fixed)), junit: text(formatJunit(fixed)) };
}

async function compareWorkers(file: string): Promise<ScanResult> {
  const run = (workers: number): Promise<ScanResult> => scan([file], { config: CONFIG, controls: BUILTIN_CONTROLS, workers, collectEvaluations: true });
  const single = await run(0);
  const parallel = await run(2);
  assert.equal(single.stats.documentsOffThread, 0);
  // The workers really ran (they get their first batches before the main thread may take any).
  assert.ok(parallel.stats.documentsOffThread > 0, 'no document was processed on a worker thread');
  assert.equal(parallel.stats.resources, single.stats.resources);
  assert.deepEqual(parallel.diagnostics, single.diagnostics);
  const json = (r: ScanResult): string[] => r.findings.map((f) => JSON.stringify(findingToJson(f)));
  assert.equal(parallel.findings.length, single.findings.length);
  assert.deepEqual(json(parallel), json(single));
  assert.deepEqual(
    parallel.controls.map((c) => [c.control.id, c.evaluated, c.failed]),
    single.controls.map((c) => [c.control.id, c.evaluated, c.failed]),
  );
  const a = reports(single);
  const b = reports(parallel);
  assert.equal(b.json, a.json);
  assert.equal(b.sarif, a.sarif);
  assert.equal(b.junit, a.junit);
  return single;
}

test('workers change nothing but speed: same findings, same positions', async () => {
  const dir = tempDir();
  const file = path.join(dir, 'big.yaml');
  // > 2 MB so that workers start, with a List and Helm-rendered documents in the middle.
  const list = `apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Pod\n  metadata:\n    name: in-list\n  spec:\n    hostPID: true\n    containers:\n    - name: c\n      image: x\n`;
  const helm = `# Source: chart/templates/pod.yaml\napiVersion: v1\nkind: Pod\nmetadata:\n  name: from-helm\nspec:\n  containers:\n  - name: c\n    image: x\n    securityContext:\n      privileged: true\n`;
  writeFileSync(file, `${generate(1500) as string}---\n${list}---\n${helm}---\n${generate(1500, 7) as string}`);
  const single = await compareWorkers(file);
  assert.equal(single.stats.resources, 3002);
  assert.ok(single.findings.length > 3000);
  const parsed = single.findings.map((f) => JSON.parse(JSON.stringify(findingToJson(f))));
  assert.ok(parsed.some((f) => f.resource.name === 'in-list' && f.path === 'spec.hostPID'));
  assert.ok(parsed.some((f) => f.location.file === 'chart/templates/pod.yaml' && f.path.endsWith('privileged') && f.location.line === 10));
});

test('workers change nothing for any control: every pass and fail fixture, in one large stream', async () => {
  // Every control's fixtures (cluster component manifests, kubelet ConfigMaps, RBAC, policies, …),
  // repeated until the stream is large enough for workers, so that each control's scope predicate
  // and check run on a worker for some copies and on the main thread for others.
  const docs = filesUnder(path.join('test', 'fixtures', 'controls'), /\.(ya?ml|json)$/).map((f) => `# ${f}\n${readFileSync(f, 'utf8').replace(/\n*$/, '\n')}`);
  const once = docs.join('---\n');
  const copies = Math.ceil((3 * 1024 * 1024) / Buffer.byteLength(once));
  const file = path.join(tempDir(), 'fixtures.yaml');
  writeFileSync(file, Array.from({ length: copies }, () => once).join('---\n'));
  const single = await compareWorkers(file);
  // Cluster-component and inventory-scoped controls found something too.
  const families = new Set(single.findings.map((f) => f.control.family));
  for (const f of ['cluster', 'rbac', 'network', 'pod-security', 'governance']) assert.ok(families.has(f), `no ${f} finding`);
});

/**
 * Large inputs are parsed and checked partly on worker threads. Whatever the number of workers, a
 * scan must report exactly the same findings at exactly the same places.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
// @ts-expect-error — plain JS module shared with the benchmark
import { generate } from '../../bench/corpus.mjs';
import { BUILTIN_CONTROLS } from '../../src/controls/index.js';
import { findingToJson } from '../../src/report/json.js';
import { scan } from '../../src/scanner.js';
import { tempDir } from '../helpers/tmp.js';

const CONFIG = { pss: { level: 'restricted' as const, version: { major: 1, minor: 37 } }, defaultNamespace: 'default' };

test('workers change nothing but speed: same findings, same positions', async () => {
  const dir = tempDir();
  const file = path.join(dir, 'big.yaml');
  // > 2 MB so that workers start, with a List and Helm-rendered documents in the middle.
  const list = `apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Pod\n  metadata:\n    name: in-list\n  spec:\n    hostPID: true\n    containers:\n    - name: c\n      image: x\n`;
  const helm = `# Source: chart/templates/pod.yaml\napiVersion: v1\nkind: Pod\nmetadata:\n  name: from-helm\nspec:\n  containers:\n  - name: c\n    image: x\n    securityContext:\n      privileged: true\n`;
  writeFileSync(file, `${(generate(1500) as string)}---\n${list}---\n${helm}---\n${generate(1500, 7) as string}`);
  const run = async (workers: number) => {
    const r = await scan([file], { config: CONFIG, controls: BUILTIN_CONTROLS, workers });
    return { findings: r.findings.map((f) => JSON.stringify(findingToJson(f))), diagnostics: r.diagnostics, resources: r.stats.resources };
  };
  const single = await run(0);
  const parallel = await run(2);
  assert.equal(single.resources, 3002);
  assert.ok(single.findings.length > 3000);
  assert.deepEqual(parallel.diagnostics, single.diagnostics);
  assert.equal(parallel.findings.length, single.findings.length);
  assert.deepEqual(parallel.findings, single.findings);
  const parsed = single.findings.map((f) => JSON.parse(f));
  assert.ok(parsed.some((f) => f.resource.name === 'in-list' && f.path === 'spec.hostPID'));
  assert.ok(parsed.some((f) => f.location.file === 'chart/templates/pod.yaml' && f.path.endsWith('privileged') && f.location.line === 10));
});

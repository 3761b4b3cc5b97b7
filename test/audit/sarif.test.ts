import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { analyzeFiles } from '../../src/audit/index.js';
import { detectionsToSarif } from '../../src/audit/sarif.js';
import { ajvDraft04 } from '../helpers/schema.js';

test('audit SARIF validates against the official SARIF 2.1.0 schema', async () => {
  const r = await analyzeFiles(['examples/audit/audit.log', '../shared/fixtures/audit/falco-trace-events']);
  const sarif = detectionsToSarif(r.detections, r.diagnostics, { name: 'kubecomply', version: '0.0.0' }) as { runs: { results: unknown[]; invocations: { executionSuccessful: boolean }[] }[] };
  const schema = JSON.parse(readFileSync('../shared/reference/schemas/sarif-schema-2.1.0.json', 'utf8'));
  const ajv = ajvDraft04({ validateFormats: false });
  assert.ok(ajv.validate(schema, sarif), JSON.stringify(ajv.errors?.slice(0, 5), null, 2));
  assert.equal(sarif.runs[0].results.length, r.detections.length);
  assert.equal(sarif.runs[0].invocations[0].executionSuccessful, false); // fal_01_003.json is not an event
});

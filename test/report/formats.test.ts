/**
 * Output formats: SARIF validates against the official SARIF 2.1.0 schema and carries what GitHub code
 * scanning needs; JSON validates against our published schema; JUnit is well-formed with one test case
 * per control × resource.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { formatJson } from '../../src/report/json.js';
import { formatJunit } from '../../src/report/junit.js';
import { formatSarif } from '../../src/report/sarif.js';
import { formatTable } from '../../src/report/table.js';
import { scan, type ScanResult } from '../../src/scanner.js';
import { ajvDraft04, ajvDraft07 } from '../helpers/schema.js';
import { tempDir, writeTree } from '../helpers/tmp.js';

const CONFIG = { pss: { level: 'restricted' as const, version: { major: 1, minor: 37 } }, defaultNamespace: 'default' };

async function scanExamples(extra: string[] = [], collectEvaluations = false): Promise<ScanResult> {
  return scan(['examples/', ...extra], { config: CONFIG, collectEvaluations });
}

const joined = (it: Iterable<string | Uint8Array>): string => [...it].map((c) => (typeof c === 'string' ? c : Buffer.from(c).toString('utf8'))).join('');

describe('SARIF', () => {
  test('validates against the official SARIF 2.1.0 schema', async () => {
    const dir = tempDir();
    writeTree(dir, { 'broken.yaml': 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\n   bad: indent\n' });
    const result = await scanExamples([path.join(dir, 'broken.yaml')]);
    const sarif: any = JSON.parse(joined(formatSarif(result)));
    const schema = JSON.parse(readFileSync('../shared/reference/schemas/sarif-schema-2.1.0.json', 'utf8'));
    const ajv = ajvDraft04({ validateFormats: false });
    const ok = ajv.validate(schema, sarif) as boolean;
    assert.ok(ok, JSON.stringify(ajv.errors?.slice(0, 5), null, 2));
    // the input error is a tool execution notification, and the run says it was not fully successful
    const inv = sarif.runs[0].invocations[0];
    assert.equal(inv.executionSuccessful, false);
    assert.equal(inv.toolExecutionNotifications[0].level, 'error');
    assert.equal(inv.toolExecutionNotifications[0].locations[0].physicalLocation.region.startLine, 5);
  });

  test('carries what GitHub code scanning needs: rules with help and security-severity, results at the field', async () => {
    const result = await scanExamples();
    const sarif: any = JSON.parse(joined(formatSarif(result)));
    const run = sarif.runs[0];
    const rules = run.tool.driver.rules as Array<Record<string, any>>;
    assert.ok(rules.length > 0);
    for (const r of rules) {
      assert.match(r.id, /^[a-z0-9-]+$/);
      assert.ok(r.shortDescription.text && r.fullDescription.text && r.help.text && r.help.markdown);
      assert.match(r.properties['security-severity'], /^\d+\.\d$/);
      assert.ok(r.properties.tags.includes('security'));
    }
    assert.equal(run.results.length, result.findings.length);
    const priv = run.results.find((x: any) => x.ruleId === 'pss-host-namespaces');
    assert.equal(priv.level, 'error');
    assert.equal(rules[priv.ruleIndex].id, 'pss-host-namespaces');
    const loc = priv.locations[0].physicalLocation;
    assert.equal(loc.artifactLocation.uri, 'examples/platform/monitoring.yaml');
    assert.equal(loc.region.startLine, 53);
    assert.equal(loc.region.startColumn, 7);
    assert.match(priv.partialFingerprints['kubecomply/v1'], /^[0-9a-f]{32}$/);
    // Code scanning merges results with one fingerprint: two findings of a control at one path (the
    // cardholder namespace lacks default-deny in both directions, both at its data-class label) stay two.
    const prints = run.results.map((x: any) => x.partialFingerprints['kubecomply/v1']);
    assert.equal(new Set(prints).size, prints.length);
    assert.equal(run.results.filter((x: any) => x.ruleId === 'cardholder-namespace-segmentation').length, 2);
    // a Helm template is reported under its template path
    assert.ok(run.results.some((x: any) => x.locations[0].physicalLocation?.artifactLocation.uri === 'cache/templates/statefulset.yaml'));
    // framework ids appear as tags
    const hostNs = rules.find((r) => r.id === 'pss-host-namespaces')!;
    assert.ok(hostNs.properties.tags.includes('CIS-5.2.5'));
  });
});

describe('JSON', () => {
  test('validates against schemas/scan-result-v1.schema.json and reports findings with locations', async () => {
    const result = await scanExamples();
    const text = joined(formatJson(result, { failOn: 'high', failed: true }));
    const doc: any = JSON.parse(text);
    const ajv = ajvDraft07();
    const ok = ajv.validate(JSON.parse(readFileSync('schemas/scan-result-v1.schema.json', 'utf8')), doc) as boolean;
    assert.ok(ok, JSON.stringify(ajv.errors?.slice(0, 5), null, 2));
    assert.equal(doc.schemaVersion, 'kubecomply.io/scan-result/v1');
    assert.equal(doc.summary.result, 'fail');
    assert.equal(doc.findings.length, result.findings.length);
    assert.equal(doc.summary.findings, result.findings.length);
    const f = doc.findings.find((x: any) => x.controlId === 'pss-run-as-user');
    assert.deepEqual(f.resource, { apiVersion: 'batch/v1', kind: 'CronJob', namespace: 'data', name: 'postgres-backup' });
    assert.equal(f.path, 'spec.jobTemplate.spec.template.spec.containers[0].securityContext.runAsUser');
    assert.equal(f.location.file, 'examples/platform/data.yaml');
    assert.equal(f.location.line, 75);
    // framework mappings are listed once per control
    assert.deepEqual(doc.controls.find((c: any) => c.id === 'pss-run-as-user').mappings.cis, ['5.2.7']);
  });

  test('an empty scan is valid JSON too', async () => {
    const dir = tempDir();
    writeTree(dir, { 'ok.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: fine\n  namespace: team\n' });
    const result = await scan([dir], { config: CONFIG });
    const doc = JSON.parse(joined(formatJson(result, { failOn: 'low', failed: false })));
    assert.deepEqual(doc.findings, []);
    assert.equal(doc.summary.result, 'pass');
  });
});

describe('JUnit', () => {
  test('is well-formed XML with one test case per control × resource, passing ones included', async () => {
    const result = await scanExamples([], true);
    const xml = joined(formatJunit(result));
    assert.equal(XMLValidator.validate(xml), true);
    const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(xml);
    const suites = [doc.testsuites.testsuite].flat();
    let cases = 0;
    let failures = 0;
    for (const s of suites) {
      const tc = [s.testcase ?? []].flat();
      assert.equal(Number(s.tests), tc.length, `suite ${s.name} count`);
      cases += tc.length;
      failures += tc.filter((c: any) => c.failure).length;
    }
    const expected = result.controls.reduce((n, c) => n + c.evaluated, 0);
    assert.equal(cases, expected);
    assert.equal(Number(doc.testsuites.tests), expected);
    assert.equal(Number(doc.testsuites.failures), failures);
    const hostNs = suites.find((s: any) => s.name.startsWith('pss-host-namespaces:'));
    const failing = [hostNs.testcase].flat().find((c: any) => c.failure);
    assert.equal(failing.name, 'DaemonSet/monitoring/node-exporter');
    assert.match(failing.failure['#text'], /monitoring\.yaml:53:7: pod must not set hostNetwork=true/);
    const passing = [hostNs.testcase].flat().filter((c: any) => !c.failure);
    assert.ok(passing.length > 0);
  });

  test('escapes markup in names and messages', async () => {
    const dir = tempDir();
    writeTree(dir, { 'x.yaml': 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: "a<b>&\\"c"\nspec:\n  hostPID: true\n  containers:\n  - name: "<script>"\n    image: x\n' });
    const result = await scan([dir], { config: CONFIG, collectEvaluations: true });
    const xml = joined(formatJunit(result));
    assert.equal(XMLValidator.validate(xml), true);
    assert.ok(xml.includes('a&lt;b&gt;&amp;&quot;c'));
  });
});

describe('table', () => {
  test('groups findings by resource and has no colour unless asked', async () => {
    const result = await scanExamples();
    const plain = joined(formatTable(result, { color: false, failOn: 'high', failed: true }));
    assert.ok(!plain.includes('\u001b['));
    assert.match(plain, /DaemonSet monitoring\/node-exporter {2}examples\/platform\/monitoring\.yaml:37/);
    assert.match(plain, /HIGH {5}pss-host-namespaces +pod must not set hostNetwork=true/);
    assert.match(plain, /spec\.template\.spec\.hostNetwork \(line 53\)/);
    assert.match(plain, /Result: FAIL/);
    const coloured = joined(formatTable(result, { color: true, failOn: 'high', failed: true }));
    assert.ok(coloured.includes('\u001b[31m'));
  });
});

describe('JSON streaming', () => {
  test('the streamed findings are exactly JSON.stringify of each finding', async () => {
    const { findingToJson } = await import('../../src/report/json.js');
    const dir = tempDir();
    writeTree(dir, { 'rendered.yaml': '---\n# Source: c/templates/p.yaml\napiVersion: v1\nkind: Pod\nmetadata:\n  name: "quote\\"d"\nspec:\n  hostPID: true\n  containers:\n  - name: "ü"\n    image: x\n', 'k.yaml': 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: k\n  annotations:\n    config.kubernetes.io/origin: "path: base/ns.yaml"\n' });
    const result = await scan([dir], { config: CONFIG });
    const doc = JSON.parse(joined(formatJson(result, { failOn: 'low', failed: true })));
    assert.ok(result.findings.length >= 3);
    assert.deepEqual(doc.findings, result.findings.map((f) => JSON.parse(JSON.stringify(findingToJson(f)))));
    const text = joined(formatJson(result, { failOn: 'low', failed: true }));
    const pretty = JSON.stringify(JSON.parse(text), null, 2) + '\n';
    assert.equal(text, pretty, 'byte-identical to JSON.stringify(…, null, 2)');
  });

  test('messages with every kind of character are escaped as JSON.stringify escapes them', async () => {
    const { findingToJson } = await import('../../src/report/json.js');
    const dir = tempDir();
    writeTree(dir, { 'p.yaml': 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  hostPID: true\n  hostIPC: true\n  hostNetwork: true\n  containers:\n  - name: c\n    image: x\n' });
    const result = await scan([dir], { config: CONFIG });
    assert.ok(result.findings.length >= 4);
    const ascii = Array.from({ length: 128 }, (_, i) => String.fromCharCode(i)).join('');
    const messages = [ascii, `${ascii} ü after ASCII`, 'lone \ud800 surrogate', 'plain "quoted" \\ back\\slash'];
    messages.forEach((m, i) => ((result.findings[i] as { message: string }).message = m));
    const text = joined(formatJson(result, { failOn: 'low', failed: true }));
    assert.equal(text, JSON.stringify(JSON.parse(text), null, 2) + '\n');
    const doc = JSON.parse(text);
    assert.deepEqual(doc.findings.slice(0, 4).map((f: { message: string }) => f.message), messages);
    assert.deepEqual(doc.findings, result.findings.map((f) => JSON.parse(JSON.stringify(findingToJson(f)))));
  });
});

/**
 * The CycloneDX specification's own conformance fixtures (CycloneDX/specification tools/src/test/resources/<version>/):
 * every valid-* file must validate and every invalid-* one must not, for JSON and XML, spec 1.2–1.6, against the
 * official schemas (JSON Schema with ajv, XSD with libxml2 in WebAssembly).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { validateSbom, type ValidationResult } from '../../src/supply/sbom/validate.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(here, '../../../shared/fixtures/sbom/cyclonedx-spec-conformance');

for (const version of ['1.2', '1.3', '1.4', '1.5', '1.6']) {
  test(`CycloneDX ${version} conformance fixtures agree with their names (JSON and XML)`, async (t) => {
    const files = readdirSync(path.join(ROOT, version))
      .filter((f) => /^(valid|invalid)-.*\.(json|xml)$/.test(f))
      .sort();
    assert.ok(files.length > 50, `${files.length} fixtures`);
    // Validated concurrently: the XML ones share one xmllint run.
    const results = await Promise.all(
      files.map(async (f) => ({ f, r: await validateSbom(readFileSync(path.join(ROOT, version, f)), f) })),
    );
    const counts = { 'valid json': [0, 0], 'invalid json': [0, 0], 'valid xml': [0, 0], 'invalid xml': [0, 0] } as Record<string, [number, number]>;
    const wrong: string[] = [];
    for (const { f, r } of results) {
      const expectValid = f.startsWith('valid-');
      const key = `${expectValid ? 'valid' : 'invalid'} ${f.endsWith('.json') ? 'json' : 'xml'}`;
      counts[key]![1]++;
      assert.equal(r.format, 'cyclonedx', f);
      if (r.valid === expectValid) counts[key]![0]++;
      else wrong.push(`${f}: ${r.valid ? 'valid' : JSON.stringify(r.errors.slice(0, 3))}`);
      if (!r.valid) {
        assert.ok(r.errors.length > 0, f);
        for (const e of r.errors) {
          assert.equal(typeof e.path, 'string', f);
          assert.ok(e.message.length > 0, f);
        }
      }
    }
    const summary = Object.entries(counts)
      .map(([k, [ok, n]]) => `${k} ${ok}/${n}`)
      .join(', ');
    t.diagnostic(`CycloneDX ${version}: ${summary}`);
    assert.deepEqual(wrong, []);
  });
}

test('validation errors name the JSON path and line, the XML element path and line', async () => {
  const dir = path.join(ROOT, '1.6');
  const j = await validateSbom(readFileSync(path.join(dir, 'invalid-hash-sha256-1.6.json')), 'x.json');
  assert.equal(j.valid, false);
  const je = j.errors.find((e) => e.path === '/components/0/hashes/2/content');
  assert.ok(je, JSON.stringify(j.errors));
  assert.match(je.message, /pattern/);
  const text = readFileSync(path.join(dir, 'invalid-hash-sha256-1.6.json'), 'utf8').split('\n');
  assert.match(text[je.line! - 1]!, /"content"/);

  const x = await validateSbom(readFileSync(path.join(dir, 'invalid-hash-sha256-1.6.xml')), 'x.xml');
  assert.equal(x.valid, false);
  const xe = x.errors[0]!;
  assert.equal(xe.path, '/bom/components[1]/component[1]/hashes[1]/hash[3]');
  assert.equal(xe.line, 11);
  assert.match(xe.message, /^Element 'hash': \[facet 'pattern'\] The value 'foo'/);

  const ns: ValidationResult = await validateSbom(readFileSync(path.join(dir, 'invalid-namespace-1.6.xml')), 'ns.xml');
  assert.equal(ns.valid, false);
  assert.match(ns.errors[0]!.message, /namespace/);
});

test('XML that is not well-formed is invalid with the line of the error', async () => {
  const r = await validateSbom('<?xml version="1.0"?>\n<bom xmlns="http://cyclonedx.org/schema/bom/1.6" version="1">\n<components>\n</bom>\n', 'bad.xml');
  assert.equal(r.valid, false);
  assert.equal(r.specVersion, '1.6');
  assert.ok(r.errors[0]!.line! >= 3, JSON.stringify(r.errors));
});

test('SPDX tag-value validation: required fields, SPDXID form and dangling relationships, each on its line', async () => {
  const good = [
    'SPDXVersion: SPDX-2.3',
    'DataLicense: CC0-1.0',
    'SPDXID: SPDXRef-DOCUMENT',
    'DocumentName: demo',
    'DocumentNamespace: https://example.com/spdx/demo-1',
    'Creator: Tool: demo-1.0',
    'Created: 2024-01-02T03:04:05Z',
    '',
    'PackageName: a',
    'SPDXID: SPDXRef-a',
    'PackageDownloadLocation: NOASSERTION',
    'FilesAnalyzed: false',
    'Relationship: SPDXRef-DOCUMENT DESCRIBES SPDXRef-a',
  ];
  const ok = await validateSbom(good.join('\n'), 'good.spdx');
  assert.deepEqual(ok.errors, []);
  assert.equal(ok.valid, true);
  assert.equal(ok.specVersion, '2.3');
  const bad = [...good];
  bad[3] = '# DocumentName removed';
  bad[9] = 'SPDXID: SPDXRef-a_b';
  bad[10] = '# no download location';
  bad[12] = 'Relationship: SPDXRef-DOCUMENT DESCRIBES SPDXRef-missing';
  const r = await validateSbom(bad.join('\n'), 'bad.spdx');
  assert.equal(r.valid, false);
  const by = (p: string) => r.errors.find((e) => e.path === p);
  assert.ok(by('/DocumentName'), JSON.stringify(r.errors));
  assert.equal(by('/packages/0/SPDXID')?.line, 10);
  assert.equal(by('/packages/0/PackageDownloadLocation')?.line, 9);
  assert.equal(by('/relationships/0')?.line, 13);
  const colon = await validateSbom('SPDXVersion: SPDX-2.3\nDataLicense CC0-1.0\n', 'colon.spdx');
  assert.equal(colon.valid, false);
  assert.equal(colon.errors[0]!.line, 2);
});

test('SPDX JSON validation against the vendored official 2.2 and 2.3 schemas', async () => {
  const root = path.resolve(here, '../../../shared/fixtures/sbom');
  for (const f of ['spdx-spec-examples/support/2.3.1/examples/SPDXJSONExample-v2.3.spdx.json', 'spdx-spec-examples/development/v2.2.2/examples/SPDXJSONExample-v2.2.spdx.json']) {
    const r = await validateSbom(readFileSync(path.join(root, f)), f);
    assert.deepEqual(r.errors, [], f);
  }
  // Trivy's 2.3 test data uses PACKAGE_MANAGER, which the 2.3 schema (unlike 2.2's) does not allow.
  const f = 'trivy-outputs/pkg/fanal/analyzer/sbom/testdata/elasticsearch.spdx.json';
  const r = await validateSbom(readFileSync(path.join(root, f)), f);
  assert.equal(r.valid, false);
  assert.equal(r.errors[0]!.path, '/packages/0/externalRefs/1/referenceCategory');
  assert.equal(r.errors[0]!.line, 32);
  // SPDX 3 JSON-LD gets structural checks.
  const s3 = await validateSbom(readFileSync(path.join(root, 'spdx-examples/software/example8/spdx3.0/examplemaven-0.0.1.spdx3.json')), 'x.json');
  assert.equal(s3.valid, true);
  assert.equal(s3.encoding, 'json-ld');
});

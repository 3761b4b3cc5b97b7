/**
 * Conversions keep components, versions, purls, licenses, hashes, types, properties, nesting and the dependency
 * graph: CycloneDX → SPDX (JSON, tag-value) → CycloneDX and SPDX → CycloneDX → SPDX, on real fixtures and on a
 * hand-built SBOM with the hard cases; and what we write validates against the official schemas.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { allComponents, type Component, type Sbom } from '../../src/supply/sbom/model.js';
import { parseSbom } from '../../src/supply/sbom/read.js';
import { writeSbom, type SbomFormat } from '../../src/supply/sbom/write.js';
import { validateSbom } from '../../src/supply/sbom/validate.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const fx = (p: string): string => path.resolve(here, '../../../shared/fixtures/sbom', p);
const NOW = new Date('2024-05-01T10:00:00Z');

/** What a conversion must keep, in comparable form. */
function essence(s: Sbom) {
  const all: Component[] = [...(s.subject ? [s.subject] : []), ...allComponents(s)];
  const refs = new Set(all.map((c) => c.ref));
  return {
    subject: s.subject?.ref,
    topLevel: s.components.map((c) => c.ref),
    components: all
      .map((c) => ({
        ref: c.ref,
        type: c.type,
        name: c.name,
        version: c.version,
        group: c.group,
        purl: c.purl,
        cpe: c.cpe,
        supplier: c.supplier,
        description: c.description,
        licenses: c.licenses,
        hashes: c.hashes,
        properties: c.properties,
        children: (c.components ?? []).map((x) => x.ref),
      }))
      .sort((a, b) => (a.ref < b.ref ? -1 : a.ref > b.ref ? 1 : 0)),
    edges: [...new Set(s.dependencies.flatMap((d) => d.dependsOn.filter((x) => refs.has(d.ref) && refs.has(x) && x !== d.ref).map((x) => `${d.ref} -> ${x}`)))].sort(),
  };
}

const comp = (c: Partial<Component> & Pick<Component, 'ref' | 'name'>): Component => ({ type: 'library', licenses: [], hashes: [], properties: [], ...c });

/** The hard cases in one SBOM. */
function tricky(): Sbom {
  const h = (n: number, len: number): string => n.toString(16).repeat(len).slice(0, len);
  return {
    serialNumber: 'urn:uuid:0b5b5d1e-8c1f-4a59-9d7c-2f4a3b6c7d8e',
    created: '2024-03-01T12:00:00Z',
    tools: ['builder 1.2.3'],
    authors: ['Jane Doe (jane@example.com)'],
    properties: [{ name: 'kubecomply:product', value: 'tricky' }],
    subject: comp({ ref: 'pkg:npm/%40acme/app@1.0.0', type: 'application', name: 'app', group: 'acme', version: '1.0.0', purl: 'pkg:npm/%40acme/app@1.0.0' }),
    components: [
      comp({
        ref: 'pkg:npm/%40acme/core@2.0.0',
        name: 'core',
        group: 'acme',
        version: '2.0.0',
        purl: 'pkg:npm/%40acme/core@2.0.0',
        licenses: [{ expression: 'MIT OR Apache-2.0' }],
        hashes: [
          { alg: 'SHA-1', content: h(1, 40) },
          { alg: 'SHA-256', content: h(2, 64) },
          { alg: 'SHA-512', content: h(3, 128) },
        ],
        properties: [
          { name: 'kubecomply:layer', value: 'platform' },
          { name: 'odd: name', value: 'value: with colon' },
          { name: 'kubecomply:location', value: '/app/node_modules/@acme/core/package.json' },
        ],
        components: [
          comp({
            ref: 'core/index.js',
            type: 'file',
            name: 'index.js',
            hashes: [{ alg: 'SHA-256', content: h(4, 64) }],
            components: [comp({ ref: 'core/schema', type: 'data', name: 'schema.json' })],
          }),
        ],
      }),
      comp({
        ref: 'unicode',
        name: 'Ünïcødé-名前 ✓',
        version: '1.0.0-β',
        purl: 'pkg:pypi/unicode-pkg@1.0',
        cpe: 'cpe:2.3:a:acme:unicode:1.0:*:*:*:*:*:*:*',
        supplier: 'Acme Corp',
        description: 'first line\nsecond line with <text> in it',
        licenses: [{ id: 'MIT' }, { id: 'BSD-3-Clause' }],
      }),
      comp({
        ref: 'custom licensed#1',
        type: 'platform',
        name: 'custom',
        version: '3',
        licenses: [{ name: 'Acme Proprietary License v2' }],
        hashes: [
          { alg: 'MD5', content: h(5, 32) },
          { alg: 'BLAKE3', content: h(6, 64) },
          { alg: 'SHA3-256', content: h(7, 64) },
        ],
      }),
      comp({ ref: 'ml', type: 'machine-learning-model', name: 'model', version: '7', licenses: [{ expression: 'Apache-2.0 WITH LLVM-exception' }] }),
      comp({ ref: 'single', name: 'single-expression', version: '1', licenses: [{ expression: 'MIT' }] }),
      comp({ ref: 'os', type: 'operating-system', name: 'debian', version: '12' }),
      comp({ ref: 'container', type: 'container', name: 'image', version: 'sha256:' + h(8, 64) }),
    ],
    dependencies: [
      { ref: 'pkg:npm/%40acme/app@1.0.0', dependsOn: ['pkg:npm/%40acme/core@2.0.0', 'os'] },
      { ref: 'pkg:npm/%40acme/core@2.0.0', dependsOn: ['unicode', 'custom licensed#1', 'core/index.js'] },
      { ref: 'unicode', dependsOn: ['pkg:npm/%40acme/core@2.0.0'] }, // a cycle
      { ref: 'core/index.js', dependsOn: ['core/schema'] },
      { ref: 'ml', dependsOn: [] },
    ],
  };
}

const via = (s: Sbom, ...formats: SbomFormat[]): Sbom => {
  let cur = s;
  for (const f of formats) cur = parseSbom(writeSbom(cur, f, { now: NOW }), `roundtrip.${f}`);
  return cur;
};

test('hand-built tricky SBOM: CycloneDX → SPDX JSON → CycloneDX and → SPDX tag-value → CycloneDX keep everything', () => {
  const s = tricky();
  const want = essence(s);
  for (const path of [
    ['cyclonedx-json'],
    ['spdx-json'],
    ['spdx-tag-value'],
    ['cyclonedx-json', 'spdx-json', 'cyclonedx-json'],
    ['cyclonedx-json', 'spdx-tag-value', 'cyclonedx-json'],
    ['spdx-json', 'cyclonedx-json', 'spdx-json'],
    ['spdx-tag-value', 'spdx-json', 'spdx-tag-value'],
  ] as SbomFormat[][]) {
    const back = via(s, ...path);
    assert.deepEqual(essence(back), want, path.join(' → '));
    assert.deepEqual(back.properties, s.properties, path.join(' → '));
    assert.equal(back.name ?? back.subject?.name, 'app');
    assert.deepEqual(back.authors, s.authors);
    assert.ok(back.tools.includes('builder 1.2.3'), JSON.stringify(back.tools));
    assert.equal(Date.parse(back.created!), Date.parse(s.created!));
  }
  // The serial number survives SPDX (as the UUID of the namespace).
  assert.equal(via(s, 'spdx-json', 'cyclonedx-json').serialNumber, s.serialNumber);
});

test('what the writers produce validates against the official CycloneDX 1.6 and SPDX 2.3 schemas', async () => {
  const s = tricky();
  for (const f of ['cyclonedx-json', 'spdx-json', 'spdx-tag-value'] as SbomFormat[]) {
    const r = await validateSbom(writeSbom(s, f, { now: NOW }), `out.${f}`);
    assert.deepEqual(r.errors, [], f);
    assert.equal(r.valid, true, f);
    assert.equal(r.specVersion, f === 'cyclonedx-json' ? '1.6' : '2.3');
  }
  const spdx = JSON.parse(writeSbom(s, 'spdx-json', { now: NOW })) as {
    packages: { SPDXID: string }[];
    relationships: { spdxElementId: string; relatedSpdxElement: string; relationshipType: string }[];
    documentNamespace: string;
  };
  const ids = new Set(['SPDXRef-DOCUMENT', ...spdx.packages.map((p) => p.SPDXID)]);
  for (const p of spdx.packages) assert.match(p.SPDXID, /^SPDXRef-[A-Za-z0-9.-]+$/);
  for (const r of spdx.relationships) assert.ok(ids.has(r.spdxElementId) && ids.has(r.relatedSpdxElement), JSON.stringify(r));
  assert.ok(spdx.relationships.some((r) => r.relationshipType === 'DEPENDS_ON'), "spdx.relationships.some((r) => r.relationshipType === 'DEPEN");
  assert.match(spdx.documentNamespace, /0b5b5d1e-8c1f-4a59-9d7c-2f4a3b6c7d8e$/);
  const cdx = JSON.parse(writeSbom(s, 'cyclonedx-json', { now: NOW })) as { dependencies: { ref: string; dependsOn?: string[] }[]; components: unknown[] };
  const refs = new Set<string>();
  const walk = (cs: { 'bom-ref': string; components?: unknown[] }[]): void => {
    for (const c of cs) {
      refs.add(c['bom-ref']);
      walk((c.components ?? []) as never);
    }
  };
  walk(cdx.components as never);
  refs.add('pkg:npm/%40acme/app@1.0.0');
  for (const d of cdx.dependencies) for (const x of [d.ref, ...(d.dependsOn ?? [])]) assert.ok(refs.has(x), x);
});

test('output is deterministic given now; serialNumber and namespace can be pinned', () => {
  const s = tricky();
  delete s.serialNumber;
  for (const f of ['cyclonedx-json', 'spdx-json', 'spdx-tag-value'] as SbomFormat[]) {
    assert.equal(writeSbom(s, f, { now: NOW }), writeSbom(s, f, { now: NOW }), f);
  }
  const cdx = JSON.parse(writeSbom(s, 'cyclonedx-json', { now: NOW, serialNumber: 'urn:uuid:11111111-2222-4333-8444-555555555555' })) as { serialNumber: string; metadata: { timestamp: string } };
  assert.equal(cdx.serialNumber, 'urn:uuid:11111111-2222-4333-8444-555555555555');
  assert.equal(cdx.metadata.timestamp, '2024-03-01T12:00:00Z');
  const spdx = JSON.parse(writeSbom(s, 'spdx-json', { now: NOW, namespace: 'https://example.com/spdx/x-1' })) as { documentNamespace: string };
  assert.equal(spdx.documentNamespace, 'https://example.com/spdx/x-1');
  const fresh = JSON.parse(writeSbom({ ...s, created: undefined }, 'cyclonedx-json', { now: NOW })) as { metadata: { timestamp: string } };
  assert.equal(fresh.metadata.timestamp, '2024-05-01T10:00:00Z');
});

const CYCLONEDX_FIXTURES = [
  'cyclonedx-examples/juice-shop/via_npm/flat/bom.1.4.json',
  'cyclonedx-examples/laravel-7.12.0/bom.1.4.xml',
  'cyclonedx-examples/dropwizard-1.3.15/bom.xml',
  'cyclonedx-examples/keycloak-10.0.2/bom.json',
  'trivy-outputs/integration/testdata/fixtures/sbom/centos-7-cyclonedx.json',
  'trivy-outputs/integration/testdata/fluentd-multiple-lockfiles.cdx.json.golden',
  'trivy-outputs/pkg/sbom/cyclonedx/testdata/happy/nested-packages-bom.json',
  'trivy-outputs/pkg/sbom/cyclonedx/testdata/happy/infinite-loop-bom.json',
  'syft-outputs/syft/format/cyclonedxjson/testdata/snapshot/TestCycloneDxImageEncoder.golden',
  'syft-outputs/syft/format/cyclonedxxml/testdata/snapshot/TestCycloneDxDirectoryEncoder.golden',
];
const SPDX_FIXTURES = [
  'spdx-spec-examples/support/2.3.1/examples/SPDXJSONExample-v2.3.spdx.json',
  'spdx-spec-examples/support/2.3.1/examples/SPDXTagExample-v2.3.spdx',
  'spdx-spec-examples/development/v2.2.2/examples/SPDXJSONExample-v2.2.spdx.json',
  'spdx-examples/software/example6/spdx2.2/example6-bin.spdx',
  'spdx-examples/software/example8/spdx2.3/examplemaven-0.0.1.spdx.json',
  'syft-outputs/syft/format/spdxjson/testdata/spdx/alpine-3.10.syft.spdx.json',
  'syft-outputs/syft/format/spdxtagvalue/testdata/tag-value.spdx',
  'trivy-outputs/integration/testdata/fixtures/sbom/centos-7-spdx.json',
  'trivy-outputs/integration/testdata/fixtures/sbom/centos-7-spdx.txt',
  'trivy-outputs/pkg/sbom/spdx/testdata/happy/with-hasfiles-bom.json',
  'trivy-outputs/pkg/fanal/analyzer/sbom/testdata/postgresql.spdx.json',
];

test('real CycloneDX SBOMs: → SPDX JSON → CycloneDX and → SPDX tag-value → CycloneDX keep components and graph', async () => {
  for (const f of CYCLONEDX_FIXTURES) {
    const s = parseSbom(readFileSync(fx(f)), f);
    const want = essence(s);
    assert.ok(want.components.length > 0, f);
    assert.deepEqual(essence(via(s, 'spdx-json', 'cyclonedx-json')), want, `${f} via SPDX JSON`);
    assert.deepEqual(essence(via(s, 'spdx-tag-value', 'cyclonedx-json')), want, `${f} via SPDX tag-value`);
    for (const out of ['cyclonedx-json', 'spdx-json', 'spdx-tag-value'] as SbomFormat[]) {
      const r = await validateSbom(writeSbom(s, out, { now: NOW }), `${f}.${out}`);
      assert.deepEqual(r.errors, [], `${f} as ${out}`);
    }
  }
});

test('real SPDX SBOMs: → CycloneDX → SPDX (JSON and tag-value) keep components and graph', async () => {
  for (const f of SPDX_FIXTURES) {
    const s = parseSbom(readFileSync(fx(f)), f);
    const want = essence(s);
    assert.ok(want.components.length > 0, f);
    assert.deepEqual(essence(via(s, 'cyclonedx-json', 'spdx-json')), want, `${f} via CycloneDX → SPDX JSON`);
    assert.deepEqual(essence(via(s, 'cyclonedx-json', 'spdx-tag-value')), want, `${f} via CycloneDX → SPDX tag-value`);
    // The SPDX document namespace survives CycloneDX (when it is a URI, as SPDX requires; others are replaced).
    if (/^[a-z][a-z0-9+.-]*:\/\/\S+$/i.test(s.serialNumber ?? '')) assert.equal(via(s, 'cyclonedx-json', 'spdx-json').serialNumber, s.serialNumber, f);
    for (const out of ['cyclonedx-json', 'spdx-json', 'spdx-tag-value'] as SbomFormat[]) {
      const r = await validateSbom(writeSbom(s, out, { now: NOW }), `${f}.${out}`);
      assert.deepEqual(r.errors, [], `${f} as ${out}`);
    }
  }
});

test('a Trivy SPDX document: purls and dependency edges survive SPDX → CycloneDX → SPDX verbatim', () => {
  const f = 'trivy-outputs/pkg/sbom/spdx/testdata/happy/bom.json';
  const s = parseSbom(readFileSync(fx(f)), f);
  const purls = [...allComponents(s)].map((c) => c.purl).filter(Boolean).sort();
  assert.ok(purls.length >= 6, `${purls.length} purls`);
  assert.ok(purls.includes('pkg:npm/bootstrap@5.0.2'), purls.join(' '));
  const edges = (x: Sbom): string[] => x.dependencies.flatMap((d) => d.dependsOn.map((y) => `${d.ref} -> ${y}`)).sort();
  assert.ok(edges(s).length > 0, 'edges');
  for (const out of ['spdx-json', 'spdx-tag-value'] as SbomFormat[]) {
    const back = via(s, 'cyclonedx-json', out);
    assert.deepEqual([...allComponents(back)].map((c) => c.purl).filter(Boolean).sort(), purls, out);
    assert.deepEqual(edges(back), edges(s), out);
  }
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { allComponents, SbomError, type Component, type Sbom } from '../../src/supply/sbom/model.js';
import { detectFormat, parseSbom, readSbom } from '../../src/supply/sbom/read.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const FIXTURES = path.resolve(here, '../../../shared/fixtures/sbom');
const fx = (p: string): string => path.join(FIXTURES, p);

function walk(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((n) => {
      const p = path.join(dir, n);
      if (statSync(p).isDirectory()) return n === 'cyclonedx-spec-conformance' ? [] : walk(p);
      return [p];
    });
}

/**
 * Files under the fixtures that are not SBOMs in a format we read, and why. Each must still fail with an
 * SbomError naming the file, never crash.
 */
const NOT_SBOMS: [RegExp, string][] = [
  [/\.rdf\.xml$/, 'SPDX RDF/XML'],
  [/SPDXXMLExample-v2\.\d\.spdx\.xml$/, 'SPDX XML (a draft serialisation)'],
  [/\.spdx\.yaml$/, 'SPDX YAML'],
  [/syftjson\/|alpine-syft\.json$|internal\/testutil\/testdata\/snapshot\/TestImageEncoder\.golden$/, "Syft's own JSON format"],
  [/\.gsbom\.golden$/, 'GitHub dependency-submission snapshot'],
  [/trivy-outputs\/integration\/testdata\/(license-cyclonedx|minikube-kbom)\.json\.golden$/, 'Trivy scan report (JSON), not an SBOM'],
  [/trivy-outputs\/pkg\/vex\/testdata\/(openvex|csaf|unknown|single-repo|multi-repos|parent-location-repo)/, 'OpenVEX / CSAF / VEX repository metadata'],
  [/invalid_spdx\.json$/, 'deliberately not an SBOM ({"invalid":"data"})'],
];
const notSbom = (f: string): string | undefined => NOT_SBOMS.find(([re]) => re.test(f))?.[1];

const everything = (s: Sbom): Component[] => [...(s.subject ? [s.subject] : []), ...allComponents(s)];
const find = (s: Sbom, pred: (c: Component) => boolean): Component => {
  const c = everything(s).find(pred);
  assert.ok(c, 'component not found');
  return c;
};

test('every real-world SBOM fixture reads; those with packages give components', () => {
  const files = walk(FIXTURES).filter((f) => !/\.(md|textproto)$/.test(f));
  let read = 0;
  let skipped = 0;
  for (const f of files) {
    const rel = path.relative(FIXTURES, f);
    const why = notSbom(rel);
    const bytes = readFileSync(f);
    if (why) {
      assert.throws(() => parseSbom(bytes, rel), (e: unknown) => e instanceof SbomError && e.message.startsWith(rel), `${rel} (${why})`);
      assert.equal(detectFormat(bytes, rel), undefined, rel);
      skipped++;
      continue;
    }
    let s: Sbom;
    try {
      s = parseSbom(bytes, rel);
    } catch (e) {
      assert.fail(`${rel}: ${(e as Error).message}`);
    }
    read++;
    assert.ok(detectFormat(bytes, rel), `${rel}: detected`);
    const text = bytes.toString('utf8');
    let hasPackages = /<components>\s*<component[\s>]|^PackageName:|"payload"/m.test(text);
    try {
      const doc = JSON.parse(text) as { components?: unknown[]; packages?: unknown[]; '@graph'?: { type?: string }[] };
      hasPackages ||= (doc.components?.length ?? 0) > 0 || (doc.packages?.length ?? 0) > 0 || (doc['@graph'] ?? []).some((n) => /Package$/.test(n.type ?? ''));
    } catch {
      // not JSON
    }
    if (hasPackages) assert.ok(everything(s).length >= 1, `${rel}: no components`);
    // Refs are unique and every dependency edge points at a component of the document.
    const refs = new Set<string>();
    for (const c of everything(s)) {
      assert.ok(!refs.has(c.ref), `${rel}: duplicate ref ${c.ref}`);
      refs.add(c.ref);
    }
    for (const d of s.dependencies) for (const x of d.dependsOn) assert.equal(typeof x, 'string');
  }
  assert.ok(read >= 200, `read ${read}`);
  assert.ok(skipped >= 20, `skipped ${skipped}`);
});

test('Trivy CycloneDX (centos-7): a real package with purl, version, license and properties', async () => {
  const s = await readSbom(fx('trivy-outputs/integration/testdata/fixtures/sbom/centos-7-cyclonedx.json'));
  assert.deepEqual(s.source, { format: 'cyclonedx', specVersion: '1.5', encoding: 'json' });
  const bash = find(s, (c) => c.name === 'bash');
  assert.equal(bash.version, '4.2.46-31.el7');
  assert.equal(bash.purl, 'pkg:rpm/centos/bash@4.2.46-31.el7?arch=x86_64&distro=centos-7.6.1810');
  assert.deepEqual(bash.licenses, [{ name: 'GPLv3+' }]);
  assert.ok(bash.properties.some((p) => p.name === 'aquasecurity:trivy:LayerDigest' && p.value.startsWith('sha256:ac9208207a')), "bash.properties.some((p) => p.name === 'aquasecurity:trivy:L");
  assert.equal(s.subject?.type, 'container');
});

test('Trivy SPDX tag-value (centos-7) and its in-toto attestation read the same package', async () => {
  const tv = await readSbom(fx('trivy-outputs/integration/testdata/fixtures/sbom/centos-7-spdx.txt'));
  assert.deepEqual(tv.source, { format: 'spdx', specVersion: '2.2', encoding: 'tag-value' });
  const bash = find(tv, (c) => c.name === 'bash');
  assert.equal(bash.purl, 'pkg:rpm/centos/bash@4.2.46-31.el7?arch=x86_64&distro=centos-7.6.1810');
  assert.deepEqual(bash.licenses, [{ name: 'GPLv3+' }]); // not an SPDX list id
  const att = await readSbom(fx('trivy-outputs/integration/testdata/fixtures/sbom/centos-7-cyclonedx.intoto.jsonl'));
  assert.equal(find(att, (c) => c.name === 'bash').purl, bash.purl);
  assert.equal(detectFormat(readFileSync(fx('trivy-outputs/integration/testdata/fixtures/sbom/centos-7-cyclonedx.intoto.jsonl')))?.attestation, true);
  // Trivy's older attestation shape: predicate { Data: <bom> }
  const old = await readSbom(fx('trivy-outputs/pkg/fanal/artifact/sbom/testdata/sbom.cdx.intoto.jsonl'));
  assert.ok(everything(old).length > 0, 'everything(old).length > 0');
});

test('Syft SPDX JSON (alpine 3.10): busybox with cpe, purl, license and its file nested', async () => {
  const s = await readSbom(fx('syft-outputs/syft/format/spdxjson/testdata/spdx/alpine-3.10.syft.spdx.json'));
  const bb = find(s, (c) => c.name === 'busybox');
  assert.equal(bb.version, '1.30.1-r5');
  assert.equal(bb.purl, 'pkg:apk/alpine/busybox@1.30.1-r5?arch=x86_64&distro=alpine-3.10.9');
  assert.equal(bb.cpe, 'cpe:2.3:a:busybox:busybox:1.30.1-r5:*:*:*:*:*:*:*');
  assert.deepEqual(bb.licenses, [{ id: 'GPL-2.0' }]);
  assert.deepEqual(bb.components?.map((c) => [c.type, c.name]), [['file', '/bin/busybox']]);
});

test('Syft CycloneDX XML 1.0–1.7 identify fixtures read with their purl and cpe', async () => {
  for (const v of ['1.0', '1.1', '1.2', '1.3', '1.4', '1.5', '1.6', '1.7']) {
    const s = await readSbom(fx(`syft-outputs/syft/format/cyclonedxxml/testdata/identify/${v}.xml`));
    assert.equal(s.source?.specVersion, v);
    const c = find(s, (x) => x.name === 'github.com/wagoodman/go-partybus');
    assert.equal(c.purl, 'pkg:golang/github.com/wagoodman/go-partybus@v0.0.0-20230516145632-8ccac152c651', v);
    assert.equal(c.cpe, 'cpe:2.3:a:wagoodman:go-partybus:v0.0.0-20230516145632-8ccac152c651:*:*:*:*:*:*:*', v);
  }
});

test('CycloneDX juice-shop: npm component with SHA-1 hash and MIT license', async () => {
  const s = await readSbom(fx('cyclonedx-examples/juice-shop/v11.1.2/bom.json'));
  const c = find(s, (x) => x.name === 'body-parser');
  assert.equal(c.version, '1.19.0');
  assert.equal(c.purl, 'pkg:npm/body-parser@1.19.0');
  assert.deepEqual(c.hashes, [{ alg: 'SHA-1', content: '96b2709e57c9c4e09a6fd66a8fd979844f69f08a' }]);
  assert.deepEqual(c.licenses, [{ id: 'MIT' }]);
  assert.ok(everything(s).length > 800, 'everything(s).length > 800');
});

const view = (s: Sbom) => ({
  components: everything(s)
    .map((c) => JSON.stringify({ ...c, components: (c.components ?? []).map((x) => x.ref).sort() }))
    .sort(),
  edges: s.dependencies.flatMap((d) => d.dependsOn.map((x) => `${d.ref} -> ${x}`)).sort(),
  subject: s.subject?.ref,
});

test('the same document in CycloneDX XML and JSON (laravel 1.4) reads to the same model, graph included', async () => {
  const x = await readSbom(fx('cyclonedx-examples/laravel-7.12.0/bom.1.4.xml'));
  const j = await readSbom(fx('cyclonedx-examples/laravel-7.12.0/bom.1.4.json'));
  assert.deepEqual(view(x), view(j));
  assert.equal(x.dependencies.length, 63);
  const fw = find(x, (c) => c.name === 'framework');
  assert.equal(fw.group, 'laravel');
  assert.equal(fw.purl, 'pkg:composer/laravel/framework@v7.30.6');
});

test('the SPDX 2.3 and 2.2 spec examples read the same from JSON and tag-value', async () => {
  for (const [json, tv] of [
    ['spdx-spec-examples/support/2.3.1/examples/SPDXJSONExample-v2.3.spdx.json', 'spdx-spec-examples/support/2.3.1/examples/SPDXTagExample-v2.3.spdx'],
    ['spdx-spec-examples/development/v2.2.2/examples/SPDXJSONExample-v2.2.spdx.json', 'spdx-spec-examples/development/v2.2.2/examples/SPDXTagExample-v2.2.spdx'],
  ] as const) {
    const a = await readSbom(fx(json));
    const b = await readSbom(fx(tv));
    assert.deepEqual(view(a), view(b), json);
    const glibc = find(a, (c) => c.name === 'glibc');
    assert.equal(glibc.version, '2.11.1');
    assert.deepEqual(glibc.licenses, [{ expression: '(LGPL-2.0-only AND LicenseRef-3)' }]);
    assert.ok(glibc.properties.some((p) => p.name === 'spdx:licenseConcluded' && p.value === '(LGPL-2.0-only OR LicenseRef-3)'), "glibc.properties.some((p) => p.name === 'spdx:licenseConclud");
    assert.ok(glibc.hashes.some((h) => h.alg === 'SHA-256' && h.content === '11b6d3ee554eedf79299905a98f9b9a04e498210b59f15094c916c91d150efcd'), "glibc.hashes.some((h) => h.alg === 'SHA-256' && h.content ==");
    assert.equal(glibc.supplier, 'Jane Doe (jane.doe@example.com)');
    assert.equal(glibc.cpe, 'cpe:2.3:a:pivotal_software:spring_framework:4.1.0:*:*:*:*:*:*:*');
    assert.deepEqual(find(a, (c) => c.name === 'Saxon').licenses, [{ id: 'MPL-1.0' }]);
    assert.deepEqual(a.tools, ['LicenseFind 1.0']);
  }
  const v23 = await readSbom(fx('spdx-spec-examples/support/2.3.1/examples/SPDXJSONExample-v2.3.spdx.json'));
  assert.ok(find(v23, (c) => c.name === 'glibc').hashes.some((h) => h.alg === 'BLAKE2b-384'), "find(v23, (c) => c.name === 'glibc').hashes.some((h) => h.al");
  assert.deepEqual(v23.dependencies, [{ ref: 'SPDXRef-Package', dependsOn: ['SPDXRef-Saxon'] }]); // DYNAMIC_LINK
});

test('SPDX 3.0 JSON-LD: subject, licenses through relationships, hashes, purls, dependencies', async () => {
  const s = await readSbom(fx('spdx-examples/software/example8/spdx3.0/examplemaven-0.0.1.spdx3.json'));
  assert.deepEqual(s.source, { format: 'spdx', specVersion: '3.0.1', encoding: 'json-ld' });
  assert.equal(s.subject?.name, 'examplemaven');
  assert.equal(s.subject?.version, '0.0.1');
  assert.deepEqual(s.subject?.licenses, [{ id: 'Apache-2.0' }]);
  assert.ok(s.dependencies.length > 0, 's.dependencies.length > 0');
  const jar = find(s, (c) => c.name === 'examplemaven-0.0.1.jar');
  assert.deepEqual(jar.hashes, [{ alg: 'SHA-1', content: 'b8a7e6c75001e6d78625cfc9a3103bf121abf8b4' }]);
  const syft3 = await readSbom(fx('syft-outputs/syft/format/spdxjson/testdata/identify/3.0.json'));
  assert.ok(everything(syft3).length > 0, 'everything(syft3).length > 0');
  const pkg = await readSbom(fx('spdx-spec-examples/develop/examples/jsonld/package_sbom.json'));
  const mine = find(pkg, (c) => c.name === 'my-package');
  assert.equal(mine.version, '1.0.0');
  assert.ok(mine.properties.some((p) => p.name === 'spdx:downloadLocation' && p.value === 'http://dl.example.com/my-package_1.0.0.tar'), "mine.properties.some((p) => p.name === 'spdx:downloadLocatio");
});

test('CycloneDX XML: any namespace prefix, extension elements in other namespaces ignored, tools and authors', () => {
  const xml = `<?xml version="1.0"?>
<!-- a comment first -->
<c:bom xmlns:c="http://cyclonedx.org/schema/bom/1.5" xmlns:x="urn:example:ext" serialNumber="urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79" version="1">
  <c:metadata>
    <c:timestamp>2024-01-02T03:04:05Z</c:timestamp>
    <c:tools><c:components><c:component type="application"><c:name>gen</c:name><c:version>2.1</c:version></c:component></c:components></c:tools>
    <c:authors><c:author><c:name>Ada</c:name><c:email>ada@example.com</c:email></c:author></c:authors>
    <c:component type="application" bom-ref="app"><c:name>app</c:name><c:version>1</c:version></c:component>
  </c:metadata>
  <c:components>
    <c:component type="library" bom-ref="a">
      <c:group>org.example</c:group><c:name>a &amp; b</c:name><c:version>1.0</c:version>
      <c:hashes><c:hash alg="SHA-256">AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA</c:hash></c:hashes>
      <c:licenses><c:expression>MIT OR Apache-2.0</c:expression></c:licenses>
      <c:purl>pkg:maven/org.example/a@1.0</c:purl>
      <c:properties><c:property name="k">v</c:property></c:properties>
      <x:component><x:name>not a component</x:name></x:component>
      <c:components><c:component type="file" bom-ref="a-inner"><c:name>inner</c:name></c:component></c:components>
    </c:component>
  </c:components>
  <c:dependencies>
    <c:dependency ref="app"><c:dependency ref="a"/></c:dependency>
    <c:dependency ref="a"/>
  </c:dependencies>
</c:bom>`;
  const s = parseSbom(xml, 'prefixed.xml');
  assert.deepEqual(s.source, { format: 'cyclonedx', specVersion: '1.5', encoding: 'xml' });
  assert.deepEqual(s.tools, ['gen 2.1']);
  assert.deepEqual(s.authors, ['Ada (ada@example.com)']);
  assert.equal(s.subject?.ref, 'app');
  assert.equal(s.components.length, 1);
  const a = s.components[0]!;
  assert.equal(a.name, 'a & b');
  assert.equal(a.group, 'org.example');
  assert.deepEqual(a.hashes, [{ alg: 'SHA-256', content: 'a'.repeat(64) }]);
  assert.deepEqual(a.licenses, [{ expression: 'MIT OR Apache-2.0' }]);
  assert.deepEqual(a.properties, [{ name: 'k', value: 'v' }]);
  assert.deepEqual(a.components?.map((c) => c.ref), ['a-inner']);
  assert.deepEqual(s.dependencies, [
    { ref: 'app', dependsOn: ['a'] },
    { ref: 'a', dependsOn: [] },
  ]);
});

test('CycloneDX JSON: legacy tools array and 1.5 tools object both read', () => {
  const legacy = parseSbom(JSON.stringify({ bomFormat: 'CycloneDX', specVersion: '1.4', metadata: { tools: [{ vendor: 'v', name: 't', version: '1' }] }, components: [] }), 'a.json');
  assert.deepEqual(legacy.tools, ['t 1']);
  const modern = parseSbom(
    JSON.stringify({ bomFormat: 'CycloneDX', specVersion: '1.5', metadata: { tools: { components: [{ type: 'application', name: 'c', version: '2' }], services: [{ name: 's' }] } } }),
    'b.json',
  );
  assert.deepEqual(modern.tools, ['c 2', 's']);
});

test('bad input: truncated JSON, wrong XML root, tag-value line without a colon — SbomError with file and line', () => {
  const full = readFileSync(fx('cyclonedx-examples/laravel-7.12.0/bom.1.4.json'), 'utf8');
  const truncated = full.slice(0, Math.floor(full.length / 2));
  const lines = truncated.split('\n').length;
  assert.throws(
    () => parseSbom(truncated, 'cut.json'),
    (e: unknown) => e instanceof SbomError && e.file === 'cut.json' && e.line !== undefined && Math.abs(e.line - lines) <= 1 && /^cut\.json:\d+: not valid JSON/.test(e.message),
  );
  assert.throws(
    () => parseSbom('<?xml version="1.0"?>\n\n<project xmlns="http://maven.apache.org/POM/4.0.0"><x/></project>', 'pom.xml'),
    (e: unknown) => e instanceof SbomError && e.line === 3 && e.message.startsWith('pom.xml:3: ') && /<project>/.test(e.message),
  );
  assert.throws(
    () => parseSbom('<?xml version="1.0"?>\n<bom xmlns="http://example.com/not-cyclonedx"/>', 'wrongns.xml'),
    (e: unknown) => e instanceof SbomError && e.line === 2,
  );
  assert.throws(
    () => parseSbom('SPDXVersion: SPDX-2.3\nDataLicense: CC0-1.0\n\nPackageName foo\n', 'bad.spdx'),
    (e: unknown) => e instanceof SbomError && e.file === 'bad.spdx' && e.line === 4 && e.message.startsWith('bad.spdx:4: '),
  );
  assert.throws(
    () => parseSbom('SPDXVersion: SPDX-2.3\nPackageDescription: <text>never closed\nmore\n', 'open.spdx'),
    (e: unknown) => e instanceof SbomError && e.line === 2,
  );
  assert.throws(() => parseSbom('<bom xmlns="http://cyclonedx.org/schema/bom/1.6"><components>\n<component></bom>', 'broken.xml'), (e: unknown) => e instanceof SbomError && e.line === 2);
  assert.throws(() => parseSbom('hello', 'x.txt'), (e: unknown) => e instanceof SbomError && e.line === 1);
  assert.throws(
    () => parseSbom(JSON.stringify({ bomFormat: 'CycloneDX', specVersion: '1.6', components: {} }, null, 2), 'obj.json'),
    (e: unknown) => e instanceof SbomError && e.path === '/components' && e.line === 4,
  );
});

test('detectFormat looks at content, not the file name', () => {
  assert.deepEqual(detectFormat('{"bomFormat":"CycloneDX","specVersion":"1.6"}', 'x.spdx'), { format: 'cyclonedx', encoding: 'json', specVersion: '1.6' });
  assert.deepEqual(detectFormat('{"spdxVersion":"SPDX-2.3"}', 'bom.json'), { format: 'spdx', encoding: 'json', specVersion: '2.3' });
  assert.deepEqual(detectFormat('# comment\n\nSPDXVersion: SPDX-2.2\n', 'a.json'), { format: 'spdx', encoding: 'tag-value', specVersion: '2.2' });
  assert.deepEqual(detectFormat(Buffer.from('\uFEFF<bom xmlns="http://cyclonedx.org/schema/bom/1.3"/>'), 'a.json'), { format: 'cyclonedx', encoding: 'xml', specVersion: '1.3' });
  assert.equal(detectFormat('{"hello":1}', 'bom.json'), undefined);
});

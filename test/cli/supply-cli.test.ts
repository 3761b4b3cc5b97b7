/**
 * The supply-chain commands end to end, as a user runs them: an image archive built here from real
 * package metadata → `sbom generate` → `sbom validate`/`convert`/`merge`/`diff`/`checksum`, and the
 * real OSV and KEV fixtures → `vuln db import` → `vuln scan` with its gate, waivers and formats.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { before, describe, test } from 'node:test';
import { runCli } from '../helpers/cli.js';
import * as img from '../helpers/image.js';
import { ajvDraft04 } from '../helpers/schema.js';
import { tempDir } from '../helpers/tmp.js';

const OSV = '../shared/fixtures/osv';
const KEV = `${OSV}/cisagov+kev-data/known_exploited_vulnerabilities.json`;
const NOW = { KUBECOMPLY_NOW: '2026-12-01T12:00:00Z' };

describe('sbom and vuln commands', () => {
  const dir = tempDir('kubecomply-supply-cli-');
  const image = path.join(dir, 'shop-web.tar');
  const db = path.join(dir, 'vuln.db');
  const env = { ...NOW, KUBECOMPLY_CACHE_DIR: path.join(dir, 'cache') };

  before(async () => {
    const os = await img.makeLayer([
      { name: 'etc/os-release', data: img.DEBIAN_OS_RELEASE },
      { name: 'var/lib/dpkg/status', data: img.dpkgStatus(img.DPKG_BASE_FILES, img.DPKG_LIBC6, img.DPKG_ZLIB1G, img.DPKG_LIBSSL3) },
    ]);
    const app = await img.makeLayer([
      { name: 'app/node_modules/minimist/package.json', data: img.npmPackageJson('minimist', '1.2.5') },
      { name: 'app/node_modules/express/package.json', data: img.EXPRESS_PACKAGE_JSON },
      { name: 'app/lib/log4j-core-2.14.1.jar', data: img.log4jJar() },
    ]);
    img.writeDockerSave(image, { layers: [os, app], repoTags: ['registry.example.com/shop/web:2.4.1'] });
  });

  test('sbom generate writes a valid CycloneDX 1.6 SBOM of the image, with each package\'s layer', async () => {
    const out = path.join(dir, 'web.cdx.json');
    const r = await runCli(['sbom', 'generate', image, '-o', out], { env });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /wrote cyclonedx SBOM to .*web\.cdx\.json: \d+ components/);
    const bom = JSON.parse(readFileSync(out, 'utf8'));
    assert.equal(bom.specVersion, '1.6');
    const purls: string[] = bom.components.map((c: any) => c.purl).filter(Boolean);
    assert.ok(purls.includes('pkg:npm/minimist@1.2.5'), purls.join('\n'));
    assert.ok(purls.includes('pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1'), purls.join('\n'));
    assert.ok(purls.some((p) => p.startsWith('pkg:deb/debian/libssl3@') && p.includes('upstream=openssl') && p.includes('distro=debian-12')), purls.join('\n'));
    const minimist = bom.components.find((c: any) => c.purl === 'pkg:npm/minimist@1.2.5');
    assert.ok(minimist.properties.some((p: any) => p.name === 'kubecomply:image:layer' && /^sha256:[0-9a-f]{64}$/.test(p.value)));
    const v = await runCli(['sbom', 'validate', out]);
    assert.equal(v.code, 0, v.stdout + v.stderr);
    assert.match(v.stdout, /valid CycloneDX 1\.6/i);
  });

  test('sbom convert to SPDX keeps the packages, and the SPDX output validates', async () => {
    const out = path.join(dir, 'web.spdx.json');
    const r = await runCli(['sbom', 'convert', path.join(dir, 'web.cdx.json'), '--to', 'spdx-json', '-o', out], { env });
    assert.equal(r.code, 0, r.stderr);
    const spdx = JSON.parse(readFileSync(out, 'utf8'));
    assert.equal(spdx.spdxVersion, 'SPDX-2.3');
    const purls = spdx.packages.flatMap((p: any) => (p.externalRefs ?? []).map((x: any) => x.referenceLocator));
    assert.ok(purls.includes('pkg:npm/minimist@1.2.5'));
    const v = await runCli(['sbom', 'validate', out, path.join(dir, 'web.cdx.json')]);
    assert.equal(v.code, 0, v.stdout);
    const tv = await runCli(['sbom', 'convert', out, '--to', 'spdx-tag-value'], { env });
    assert.equal(tv.code, 0, tv.stderr);
    assert.match(tv.stdout, /^SPDXVersion: SPDX-2\.3$/m);
    assert.match(tv.stdout, /^ExternalRef: PACKAGE-MANAGER purl pkg:npm\/minimist@1\.2\.5$/m);
  });

  test('sbom validate names the path of a schema error and exits 1; an unreadable file exits 2', async () => {
    const bad = path.join(dir, 'bad.cdx.json');
    writeFileSync(bad, JSON.stringify({ bomFormat: 'CycloneDX', specVersion: '1.6', version: 1, components: [{ name: 'x', type: 'not-a-type' }] }, null, 2));
    const r = await runCli(['sbom', 'validate', bad]);
    assert.equal(r.code, 1, r.stdout);
    assert.match(r.stdout, /invalid CycloneDX 1\.6/i);
    assert.match(r.stdout, /\/components\/0\/type/);
    const missing = await runCli(['sbom', 'validate', path.join(dir, 'nope.json')]);
    assert.equal(missing.code, 2);
    const truncated = path.join(dir, 'truncated.json');
    writeFileSync(truncated, '{\n  "bomFormat": "CycloneDX",\n  "specVersion": "1.6",\n  "components": [\n');
    const conv = await runCli(['sbom', 'convert', truncated, '--to', 'spdx-json']);
    assert.equal(conv.code, 2);
    assert.match(conv.stderr, /truncated\.json:\d+/);
  });

  test('sbom merge builds one layered product SBOM; diff shows what changed; checksum verifies with sha256sum', async () => {
    const k8s = path.join(dir, 'k8s.cdx.json');
    const g = await runCli(['sbom', 'generate', 'examples/', '-o', k8s], { env });
    assert.equal(g.code, 0, g.stderr);
    const product = path.join(dir, 'product.cdx.json');
    const m = await runCli(
      ['sbom', 'merge', '--layer', `platform=${path.join(dir, 'web.cdx.json')}`, '--layer', `kubernetes=${k8s}`, '--layer', `again=${path.join(dir, 'web.spdx.json')}`, '--name', 'acme', '--product-version', '2.4.0', '-o', product],
      { env },
    );
    assert.equal(m.code, 0, m.stderr);
    const bom = JSON.parse(readFileSync(product, 'utf8'));
    assert.equal(bom.metadata.component.name, 'acme');
    assert.deepEqual(bom.components.map((c: any) => c.name).slice(0, 3).length, 3);
    const layerOf = (c: any): string | undefined => c.properties?.find((p: any) => p.name === 'kubecomply:layer')?.value;
    const all: any[] = [];
    const walk = (cs: any[]): void => cs.forEach((c) => (all.push(c), walk(c.components ?? [])));
    walk(bom.components);
    const minimists = all.filter((c) => c.purl === 'pkg:npm/minimist@1.2.5');
    assert.equal(minimists.length, 1, 'a component in two layers appears once');
    assert.equal(layerOf(minimists[0]), 'platform');
    assert.ok(minimists[0].properties.some((p: any) => p.name === 'kubecomply:also-in-layer' && p.value === 'again'));
    const refs = new Set(all.map((c) => c['bom-ref']).concat(bom.metadata.component['bom-ref']));
    for (const d of bom.dependencies) for (const x of [d.ref, ...(d.dependsOn ?? [])]) assert.ok(refs.has(x), `dangling dependency ref ${x}`);
    assert.equal((await runCli(['sbom', 'validate', product])).code, 0);

    // a newer release: minimist upgraded, express gone
    const newer = JSON.parse(readFileSync(path.join(dir, 'web.cdx.json'), 'utf8'));
    newer.components = newer.components.filter((c: any) => !c.purl?.startsWith('pkg:npm/express@'));
    for (const c of newer.components) if (c.purl === 'pkg:npm/minimist@1.2.5') ((c.version = '1.2.8'), (c.purl = 'pkg:npm/minimist@1.2.8'), (c['bom-ref'] = 'pkg:npm/minimist@1.2.8'));
    newer.dependencies = [];
    const newerFile = path.join(dir, 'web-next.cdx.json');
    writeFileSync(newerFile, JSON.stringify(newer));
    const d = await runCli(['sbom', 'diff', path.join(dir, 'web.cdx.json'), newerFile, '--format', 'json', '--exit-code']);
    assert.equal(d.code, 1, d.stderr);
    const diff = JSON.parse(d.stdout);
    assert.deepEqual(JSON.stringify(diff).includes('1.2.8'), true);
    const table = await runCli(['sbom', 'diff', path.join(dir, 'web.cdx.json'), newerFile, '--no-color']);
    assert.match(table.stdout, /minimist.*1\.2\.5.*1\.2\.8/);
    assert.match(table.stdout, /express/);

    const sums = path.join(dir, 'SHA256SUMS');
    const c = await runCli(['sbom', 'checksum', product, k8s, '-o', sums]);
    assert.equal(c.code, 0, c.stderr);
    execFileSync('sha256sum', ['-c', 'SHA256SUMS'], { cwd: dir }); // throws when a line fails
    const ok = await runCli(['sbom', 'checksum', '--check', sums]);
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    writeFileSync(k8s, readFileSync(k8s, 'utf8') + ' ');
    const tampered = await runCli(['sbom', 'checksum', '--check', sums, '--no-color']);
    assert.equal(tampered.code, 1);
    assert.match(tampered.stdout, /k8s\.cdx\.json: FAILED/);
  });

  test('vuln scan without an index explains how to build one (exit 2)', async () => {
    const r = await runCli(['vuln', 'scan', path.join(dir, 'web.cdx.json')], { env });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /no vulnerability index at .*vuln\.db/);
    assert.match(r.stderr, /kubecomply vuln db import/);
  });

  test('vuln db import reads the real OSV records and the KEV catalog; invalid records are named, not fatal', async () => {
    const r = await runCli(['vuln', 'db', 'import', OSV, KEV, '--db', db], { env });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /imported \d+ OSV records/);
    assert.match(r.stdout, /imported \d+ known exploited vulnerabilities/);
    assert.match(r.stderr, /nointroduced|nopackage|nondistinct/);
    const s = await runCli(['vuln', 'db', 'status', '--db', db, '--format', 'json']);
    const stats = JSON.parse(s.stdout);
    assert.ok(stats.advisories >= 30, s.stdout);
    assert.ok(stats.kev > 1000, s.stdout);
  });

  test('vuln scan of the image finds Log4Shell (KEV) and minimist, and gates on --fail-on', async () => {
    const r = await runCli(['vuln', 'scan', image, '--db', db, '--no-color', '--no-config'], { env });
    assert.equal(r.code, 1, r.stdout + r.stderr);
    const row = r.stdout.split('\n').find((l) => l.includes('GHSA-jfh8-c2jp-5v3q'));
    assert.ok(row, r.stdout);
    assert.match(row!, /\[KEV\]\s+CRITICAL 10\.0/);
    assert.match(row!, /2\.14\.1\s+2\.15\.0/);
    assert.match(r.stdout, /GHSA-xvch-5gv4-984h/);
    assert.doesNotMatch(r.stdout, /express/, 'express 4.x has no advisory in the fixtures');
    const none = await runCli(['vuln', 'scan', image, '--db', db, '--fail-on', 'none', '--no-config'], { env });
    assert.equal(none.code, 0);
  });

  test('vuln scan --format sarif is valid SARIF 2.1.0; --format cyclonedx adds a vulnerabilities section that validates', async () => {
    const sarif = await runCli(['vuln', 'scan', path.join(dir, 'web.cdx.json'), '--db', db, '--format', 'sarif', '--no-config'], { env });
    assert.equal(sarif.code, 1);
    const schema = JSON.parse(readFileSync('../shared/reference/schemas/sarif-schema-2.1.0.json', 'utf8'));
    const validate = ajvDraft04().compile<any>(schema);
    const doc = JSON.parse(sarif.stdout);
    assert.ok(validate(doc), JSON.stringify(validate.errors?.slice(0, 3)));
    assert.ok(doc.runs[0].results.some((x: any) => x.ruleId === 'GHSA-jfh8-c2jp-5v3q'));
    const out = path.join(dir, 'web-vex.cdx.json');
    const cdx = await runCli(['vuln', 'scan', path.join(dir, 'web.cdx.json'), '--db', db, '--format', 'cyclonedx', '-o', out, '--no-config'], { env });
    assert.equal(cdx.code, 1, cdx.stderr);
    const bom = JSON.parse(readFileSync(out, 'utf8'));
    const log4shell = bom.vulnerabilities.find((v: any) => v.id === 'GHSA-jfh8-c2jp-5v3q');
    assert.ok(log4shell.references.some((x: any) => x.id === 'CVE-2021-44228'));
    const refs = new Set(bom.components.map((c: any) => c['bom-ref']));
    for (const a of log4shell.affects) assert.ok(refs.has(a.ref), `affects ${a.ref}`);
    const v = await runCli(['sbom', 'validate', out]);
    assert.equal(v.code, 0, v.stdout);
  });

  test('waivers: an approved ComplianceException excepts a vulnerability; the rest still fails; an expired one is not honoured', async () => {
    const waiver = (name: string, ids: string[], expires = '2027-01-31') =>
      [
        'apiVersion: kubecomply.io/v1alpha1',
        'kind: ComplianceException',
        `metadata: { name: ${name} }`,
        'spec:',
        `  vulnerabilities: [${ids.join(', ')}]`,
        '  justification: JNDI lookups are disabled and the JndiLookup class is removed from the jar',
        '  approvedBy: security@example.com',
        '  approvedAt: 2026-11-20',
        `  expires: ${expires}`,
        '---',
      ].join('\n');
    const file = path.join(dir, 'waivers.yaml');
    writeFileSync(file, waiver('log4shell', ['CVE-2021-44228']));
    const one = await runCli(['vuln', 'scan', image, '--db', db, '--exceptions', file, '--format', 'json', '--no-config'], { env });
    const doc = JSON.parse(one.stdout);
    const log4j = doc.matches.find((m: any) => m.id === 'GHSA-jfh8-c2jp-5v3q');
    assert.equal(log4j.status, 'excepted');
    assert.equal(log4j.exception.name, 'log4shell');
    assert.equal(one.code, 1, 'minimist is still open and critical');
    const minimistIds = doc.matches.filter((m: any) => m.component.name === 'minimist' && m.status === 'open').map((m: any) => m.id);
    writeFileSync(file, waiver('log4shell', ['CVE-2021-44228']) + '\n' + waiver('minimist', minimistIds));
    const both = await runCli(['vuln', 'scan', image, '--db', db, '--exceptions', file, '--no-color', '--no-config'], { env });
    assert.equal(both.code, 0, both.stdout + both.stderr);
    assert.match(both.stdout, /excepted \(log4shell, expires 2027-01-31/);
    writeFileSync(file, waiver('log4shell', ['CVE-2021-44228'], '2026-11-30'));
    const expired = await runCli(['vuln', 'scan', image, '--db', db, '--exceptions', file, '--format', 'json', '--no-config'], { env });
    assert.match(expired.stderr, /waivers\.yaml:\d+.*exception "log4shell" is expired/);
    assert.equal(JSON.parse(expired.stdout).matches.find((m: any) => m.id === 'GHSA-jfh8-c2jp-5v3q').status, 'open');
  });
});

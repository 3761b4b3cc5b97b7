import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { advisoriesFromOsv, openFromAdvisory } from '../../src/cra/cases.js';
import { advisoriesFromStatements, parseVex } from '../../src/cra/vex.js';
import type { OsvRecord } from '../../src/supply/vuln/osv.js';
import { validateSbom } from '../../src/supply/sbom/validate.js';
import { exampleProduct, exampleSbom, ROOT, T0 } from './fixtures.js';

const SHARED = path.resolve(ROOT, '../shared/fixtures');
const osv = (id: string): OsvRecord => JSON.parse(readFileSync(path.join(SHARED, 'osv/golang+vulndb/data/osv', `${id}.json`), 'utf8')) as OsvRecord;

describe('opening cases from imported advisories', () => {
  test('a real OSV record (GO-2024-2491, runc < 1.1.12): the bundled runc v1.2.5 is not affected', () => {
    const advs = advisoriesFromOsv(osv('GO-2024-2491'), exampleSbom());
    assert.equal(advs.length, 1);
    assert.equal(advs[0]!.purl, 'pkg:golang/github.com/opencontainers/runc@v1.2.5');
    assert.equal(advs[0]!.bundledAffected, false);
    assert.ok(advs[0]!.aliases!.includes('CVE-2024-21626'));
    const c = openFromAdvisory(advs[0]!, exampleSbom(), { id: 'OSV-1', by: 'kubecomply', at: T0 });
    assert.equal(c.target.layer, 'container-runtime');
    assert.equal(c.target.bundledVersion, 'v1.2.5');
    assert.equal(c.target.bundledAffected, false);
  });

  test('the same record with a range covering the bundled version says affected, with the fix', () => {
    const r = osv('GO-2024-2491');
    r.affected = [{ ...r.affected![0]!, ranges: [{ type: 'SEMVER', events: [{ introduced: '1.2.0' }, { fixed: '1.2.8' }] }] }];
    const [a] = advisoriesFromOsv(r, exampleSbom());
    assert.equal(a!.bundledAffected, true);
    assert.deepEqual(a!.fixedVersions, ['1.2.8']);
  });

  test('a record for golang.org/x/net finds the Kubernetes layer component', () => {
    const [a] = advisoriesFromOsv(osv('GO-2024-2687'), exampleSbom());
    assert.equal(a!.purl, 'pkg:golang/golang.org/x/net@v0.30.0');
    assert.equal(a!.bundledAffected, false);
    assert.equal(openFromAdvisory(a!, exampleSbom(), { id: 'X', by: 'k', at: T0 }).target.layer, 'kubernetes');
  });

  test('third-party CSAF and OpenVEX documents (Trivy test data) import as statements and advisories', () => {
    const dir = path.join(SHARED, 'sbom/trivy-outputs/pkg/vex/testdata');
    const csaf = parseVex(JSON.parse(readFileSync(path.join(dir, 'csaf.json'), 'utf8')));
    assert.ok(csaf.length > 0);
    assert.ok(csaf.every((s) => s.format === 'csaf' && s.vulnerability));
    const openvex = parseVex(JSON.parse(readFileSync(path.join(dir, 'openvex.json'), 'utf8')));
    assert.ok(openvex.length > 0);
    const advs = advisoriesFromStatements(csaf, 'csaf.json');
    assert.ok(advs.length >= csaf.length);
    assert.ok(advs.every((a) => a.format === 'csaf' && a.file === 'csaf.json'));
    const c = openFromAdvisory(advs[0]!, exampleSbom(), { id: 'CSAF-1', by: 'k', at: T0 });
    assert.equal(c.events[0]!.type === 'opened' && c.events[0]!.source.kind, 'advisory');
  });
});

describe('examples/cra', () => {
  test('every layer SBOM is valid CycloneDX 1.6 and product.yaml points at all of them', async () => {
    const p = exampleProduct();
    const dir = path.join(ROOT, 'examples/cra/sboms');
    const files = readdirSync(dir).map((f) => path.join(dir, f)).sort();
    assert.deepEqual(p.components.map((c) => c.sbom!).sort(), files);
    for (const f of files) {
      const r = await validateSbom(readFileSync(f), f);
      assert.equal(r.valid, true, `${f}: ${JSON.stringify(r.errors)}`);
      assert.equal(r.specVersion, '1.6');
    }
  });
});

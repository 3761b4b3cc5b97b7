/**
 * The vulnerability index as a store: importing directories, zips in OSV's all.zip layout, YAML
 * records and the KEV catalog; reporting bad input and going on; re-import semantics (modified wins,
 * withdrawn removes); statistics; read-only reopen; where the index lives by default.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { Zip, ZipDeflate, zipSync, type Zippable } from 'fflate';
import { defaultDbPath, readZip, useFastInflate, VulnDb, VulnDbError } from '../../src/supply/vuln/db.js';
import type { MatchTarget } from '../../src/supply/vuln/types.js';
import { tempDir, writeTree } from '../helpers/tmp.js';

const FIXTURES = path.resolve(import.meta.dirname, '../../../shared/fixtures/osv');
const KEV = path.join(FIXTURES, 'cisagov+kev-data/known_exploited_vulnerabilities.json');
const LOG4J = path.join(FIXTURES, 'github+advisory-database/advisories/github-reviewed/2021/12/GHSA-jfh8-c2jp-5v3q/GHSA-jfh8-c2jp-5v3q.json');

const target = (purl: string, ref = purl): MatchTarget => ({ ref, name: purl, version: '', purl });

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const n of readdirSync(dir).sort()) {
    const p = path.join(dir, n);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else out.push(p);
  }
  return out;
}

/** The fixture JSON records that are valid and distinct by id — what an osv.dev all.zip would hold. */
function allZipEntries(): Zippable {
  const entries: Zippable = {};
  for (const f of walk(FIXTURES)) {
    if (!f.endsWith('.json') || f.includes('cisagov') || /\/(nointroduced|nondistinct|nopackage)-/.test(f)) continue;
    const rec = JSON.parse(readFileSync(f, 'utf8')) as { id?: string };
    if (!rec.id) continue;
    entries[`${rec.id}.json`] = new Uint8Array(readFileSync(f));
  }
  return entries;
}

const rec = (id: string, modified: string, fixed: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    schema_version: '1.6.0',
    id,
    modified,
    affected: [{ package: { ecosystem: 'npm', name: 'pad' }, ranges: [{ type: 'SEMVER', events: [{ introduced: '1.0.0' }, { fixed }] }] }],
    ...extra,
  });

describe('importing the fixture tree', () => {
  const warnings: string[] = [];
  const db = VulnDb.open(':memory:');
  const result = db.importOsv([FIXTURES], (w) => warnings.push(w));

  test('counts', () => {
    assert.ok(result.records >= 38, JSON.stringify(result));
    assert.ok(result.files >= 50);
    assert.equal(result.kev, 1404, 'the KEV catalog in the tree is recognised by its content');
    assert.ok(result.wall_s > 0);
    const s = db.stats();
    assert.equal(s.kev, 1404);
    assert.equal(s.advisories, result.records);
    assert.ok(s.ecosystems.Go! >= 18 && s.ecosystems.PyPI! >= 10 && s.ecosystems.Maven! >= 3 && s.ecosystems.npm! >= 2);
    assert.ok(s.ecosystems.Alpine! >= 2 && s.ecosystems.Debian === 1 && s.ecosystems.Ubuntu === 1);
    assert.ok(s.packages >= 30);
    assert.match(s.importedAt!, /^\d{4}-\d\d-\d\dT/);
    assert.equal(s.kevCatalogVersion, '2025.08.25');
  });

  test('each problem names its file; the linter-invalid variants are all reported', () => {
    const about = (name: string) => warnings.filter((w) => w.includes(name));
    assert.ok(about('nointroduced-CVE-2023-41045.json').some((w) => /no 'introduced' event/.test(w)));
    assert.ok(about('nondistinct-CVE-2018-5407.json').some((w) => /not distinct/.test(w)));
    assert.ok(about('nondistinct-CVE-2018-5407.json').some((w) => /also in .*CVE-2018-5407\.json .*different content/.test(w)));
    assert.ok(about('nopackage-GHSA-9v2f-6vcg-3hgv.json').some((w) => /also in .*GHSA-9v2f-6vcg-3hgv\.json .*different content; kept/.test(w)));
    assert.ok(about('RHSA-2022_0216.json').some((w) => /no 'affected' packages; not indexed/.test(w)));
    assert.ok(about('SUSE-FU-2022_0444-1.json').some((w) => /no 'affected' packages/.test(w)));
    assert.ok(about('known_exploited_vulnerabilities_schema.json').some((w) => /missing 'id'/.test(w)));
  });

  test('the first of two copies with the same modified is kept (the valid Gradio record, not "Gradi0")', () => {
    assert.equal(db.match([target('pkg:pypi/gradio@4.36.1')]).length, 1);
    assert.deepEqual(db.match([target('pkg:pypi/gradi0@4.36.1')]), []);
  });

  test('YAML records and their JSON conversions are the same record (no conflict reported)', () => {
    // (PYSEC-2023-74 also appears, trimmed, in the OSV linter's testdata: a real conflict, reported.)
    const yamlConflicts = warnings.filter((w) => /pypa\+advisory-database.*different content.*kept .*pypa\+advisory-database/.test(w));
    assert.deepEqual(yamlConflicts, []);
    const fromYaml = VulnDb.open(':memory:');
    fromYaml.importOsv([path.join(FIXTURES, 'pypa+advisory-database/vulns/django/PYSEC-2024-70.yaml')]);
    const fromJson = VulnDb.open(':memory:');
    fromJson.importOsv([path.join(FIXTURES, 'pypa+advisory-database/vulns/django/PYSEC-2024-70.osv.json')]);
    assert.deepEqual(fromYaml.getAdvisory('PYSEC-2024-70'), fromJson.getAdvisory('PYSEC-2024-70'));
    assert.equal(fromYaml.getAdvisory('PYSEC-2024-70')!.modified, '2024-08-07T17:22:10.804411Z', 'timestamps stay text');
    fromYaml.close();
    fromJson.close();
  });

  test('a GHSA record, the KEV entry of its CVE alias, and a GO record cross-referencing by alias', () => {
    const [m] = db.match([target('pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1')]);
    assert.equal(m!.exploited, true);
    const go = db.match([target('pkg:golang/github.com/opencontainers/runc@v1.1.0')]);
    assert.deepEqual(go.map((x) => x.id), ['GO-2024-2491']);
    assert.ok(go[0]!.aliases.includes('CVE-2024-21626'));
    assert.equal(go[0]!.exploited, false, 'CVE-2024-21626 is not in this KEV catalog snapshot');
    // GO-2023-2153 lists CVE-2023-44487 (in KEV) as *related*, not as an alias: a different vulnerability.
    const grpc = db.match([target('pkg:golang/google.golang.org/grpc@v1.56.2')]);
    assert.deepEqual(grpc.map((x) => [x.id, x.exploited]), [['GO-2023-2153', false]]);
  });
});

describe('zip archives in the all.zip layout', () => {
  test('zipSync archive (sizes in the local headers)', () => {
    const dir = tempDir();
    const file = path.join(dir, 'all.zip');
    const entries = allZipEntries();
    writeFileSync(file, zipSync(entries, { level: 6 }));
    const db = VulnDb.open(':memory:');
    const warnings: string[] = [];
    const r = db.importOsv([file], (w) => warnings.push(w));
    assert.equal(r.files, Object.keys(entries).length);
    const usable = Object.keys(entries).filter((n) => !/^(RHSA|SUSE|CVE-2023-41045)/.test(n)).length;
    assert.equal(r.records, usable, JSON.stringify(warnings));
    assert.ok(warnings.every((w) => w.startsWith(file + '!')), 'entries are named archive!entry');
    assert.equal(db.match([target('pkg:npm/minimist@1.2.5')])[0]?.id, 'GHSA-xvch-5gv4-984h');
    // The record comes back exactly as the archive held it.
    assert.deepEqual(db.getAdvisory('GHSA-xvch-5gv4-984h'), JSON.parse(Buffer.from(entries['GHSA-xvch-5gv4-984h.json'] as Uint8Array).toString('utf8')));
    db.close();
  });

  test('the zlib fallback (no reused inflate handle) reads the same records', () => {
    const dir = tempDir();
    const file = path.join(dir, 'all.zip');
    writeFileSync(file, zipSync(allZipEntries(), { level: 9 }));
    const read = () => {
      const db = VulnDb.open(':memory:');
      const r = db.importOsv([file]);
      const rec = db.getAdvisory('GO-2024-2491');
      db.close();
      return { records: r.records, rec };
    };
    const fast = read();
    useFastInflate(false);
    try {
      assert.deepEqual(read(), fast);
    } finally {
      useFastInflate(true);
    }
    assert.ok(fast.records > 30 && fast.rec?.id === 'GO-2024-2491');
  });

  test('a corrupt entry is reported and the entries after it still import', () => {
    const dir = tempDir();
    const entries = allZipEntries();
    const names = Object.keys(entries).sort();
    const zip = Buffer.from(zipSync(Object.fromEntries(names.map((n) => [n, entries[n]!])), { level: 6 }));
    // Damage the compressed data of the first entry (just past its local header and name).
    const nameLen = zip.readUInt16LE(26);
    for (let i = 0; i < 8; i++) zip[30 + nameLen + 4 + i] ^= 0x5a;
    const file = path.join(dir, 'damaged.zip');
    writeFileSync(file, zip);
    const db = VulnDb.open(':memory:');
    const warnings: string[] = [];
    const r = db.importOsv([file], (w) => warnings.push(w));
    assert.ok(warnings.some((w) => w.startsWith(`${file}!${names[0]}: `) && /cannot inflate|size|not valid JSON/.test(w)), JSON.stringify(warnings.slice(0, 3)));
    assert.ok(r.records >= Object.keys(entries).length - 4, JSON.stringify(r));
    assert.equal(db.match([target('pkg:npm/minimist@1.2.5')])[0]?.id, 'GHSA-xvch-5gv4-984h');
    db.close();
  });

  test('streamed archive (data descriptors), stored entries, a nested zip in a directory', async () => {
    const dir = tempDir();
    const chunks: Uint8Array[] = [];
    const zip = new Zip((err, data) => {
      if (err) throw err;
      chunks.push(data);
    });
    const entries = allZipEntries();
    for (const [name, data] of Object.entries(entries)) {
      const f = new ZipDeflate(name, { level: 1 });
      zip.add(f);
      f.push(data as Uint8Array, true);
    }
    zip.end();
    const streamed = Buffer.concat(chunks);
    const stored = zipSync({ 'GHSA-xvch-5gv4-984h.json': [entries['GHSA-xvch-5gv4-984h.json'] as Uint8Array, { level: 0 }] });
    writeTree(dir, { 'a/streamed.zip': streamed, 'b/inner.zip': Buffer.from(zipSync({ 'nested.zip': stored, 'README.txt': new TextEncoder().encode('x') })) });
    const names: string[] = [];
    readZip({ size: streamed.length, read: (p, l) => streamed.subarray(p, p + l) }, (n, d) => {
      assert.ok(d && d.length > 0);
      names.push(n);
    });
    assert.equal(names.length, Object.keys(entries).length);
    const db = VulnDb.open(':memory:');
    const warnings: string[] = [];
    const r = db.importOsv([dir], (w) => warnings.push(w));
    assert.equal(r.files, Object.keys(entries).length + 1, "the nested archive's entry is read too");
    assert.ok(r.records > 30);
    assert.ok(!warnings.some((w) => w.includes('nested.zip')), 'an identical second copy is not a conflict');
    assert.ok(warnings.every((w) => !/cannot inflate|bad local header|size/.test(w)), JSON.stringify(warnings));
    db.close();
  });

  test('a file that is not a zip is reported, and the import goes on', () => {
    const dir = tempDir();
    writeTree(dir, { 'broken.zip': 'PK\u0003\u0004 not really', 'ok.json': rec('GHSA-ok00-0000-0001', '2024-01-01T00:00:00Z', '1.2.0') });
    const db = VulnDb.open(':memory:');
    const warnings: string[] = [];
    const r = db.importOsv([dir], (w) => warnings.push(w));
    assert.equal(r.records, 1);
    assert.ok(warnings.some((w) => w.includes('broken.zip') && /not a readable zip/.test(w)));
    db.close();
  });
});

describe('bad input is reported with the file name and skipped', () => {
  test('bad JSON, bad YAML, no id, no affected, missing path', () => {
    const dir = tempDir();
    writeTree(dir, {
      'bad.json': '{"id": "X-1", ',
      'bad.yaml': 'id: [unclosed',
      'noid.json': JSON.stringify({ modified: '2024-01-01T00:00:00Z', affected: [] }),
      'noaffected.json': JSON.stringify({ id: 'X-2', modified: '2024-01-01T00:00:00Z' }),
      'good.json': rec('GHSA-good-0000-0001', '2024-01-01T00:00:00Z', '1.2.0'),
      'notes.txt': 'ignored',
    });
    const db = VulnDb.open(':memory:');
    const warnings: string[] = [];
    const r = db.importOsv([dir, path.join(dir, 'missing.json')], (w) => warnings.push(w));
    assert.equal(r.records, 1);
    assert.equal(r.skipped, 4);
    assert.equal(r.files, 5);
    const has = (file: string, re: RegExp) => assert.ok(warnings.some((w) => w.startsWith(path.join(dir, file)) && re.test(w)), `${file} ${re} in ${JSON.stringify(warnings)}`);
    has('bad.json', /not valid JSON/);
    has('bad.yaml', /not valid YAML/);
    has('noid.json', /missing 'id'/);
    has('noaffected.json', /no 'affected'/);
    has('missing.json', /no such file/);
    db.close();
  });

  test('an unknown ecosystem is indexed, and the lack of a version ordering reported once', () => {
    const dir = tempDir();
    writeTree(dir, {
      'a.json': JSON.stringify({ id: 'X-1', modified: 'm', affected: [{ package: { ecosystem: 'Nowhere', name: 'p' }, versions: ['1'], ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }] }] }] }),
      'b.json': JSON.stringify({ id: 'X-2', modified: 'm', affected: [{ package: { ecosystem: 'Nowhere', name: 'q' }, versions: ['1'] }] }),
    });
    const db = VulnDb.open(':memory:');
    const warnings: string[] = [];
    db.importOsv([dir], (w) => warnings.push(w));
    assert.deepEqual(warnings.filter((w) => /Nowhere/.test(w)).length, 1);
    assert.match(warnings.find((w) => /Nowhere/.test(w))!, /2 affected entries/);
    db.close();
  });
});

describe('re-import', () => {
  test('a newer modified replaces; an older one is ignored; the same one is idempotent', () => {
    const dir = tempDir();
    writeTree(dir, {
      'v1/r.json': rec('GHSA-pad0-0000-0001', '2024-01-01T00:00:00Z', '1.2.0', { aliases: ['CVE-2099-1111'] }),
      'v2/r.json': rec('GHSA-pad0-0000-0001', '2024-06-01T00:00:00Z', '1.3.0', { aliases: ['CVE-2099-2222'] }),
    });
    const db = VulnDb.open(':memory:');
    db.importOsv([path.join(dir, 'v1')]);
    assert.equal(db.match([target('pkg:npm/pad@1.2.5')]).length, 0);
    db.importOsv([path.join(dir, 'v2')]);
    const [m] = db.match([target('pkg:npm/pad@1.2.5')]);
    assert.deepEqual(m!.fixedVersions, ['1.3.0']);
    assert.deepEqual(m!.aliases, ['CVE-2099-2222'], 'old aliases are gone');
    const r = db.importOsv([path.join(dir, 'v1')]);
    assert.equal(r.records, 0);
    assert.equal(r.skipped, 1);
    assert.deepEqual(db.match([target('pkg:npm/pad@1.2.5')])[0]!.fixedVersions, ['1.3.0']);
    const again = db.importOsv([path.join(dir, 'v2')]);
    assert.equal(again.records, 1);
    assert.equal(db.stats().advisories, 1);
    assert.equal(db.stats().packages, 1);
    db.close();
  });

  test('within one import the newer copy wins whatever the order', () => {
    const dir = tempDir();
    writeTree(dir, {
      'a/r.json': rec('GHSA-pad0-0000-0002', '2024-06-01T00:00:00Z', '1.3.0'),
      'b/r.json': rec('GHSA-pad0-0000-0002', '2024-01-01T00:00:00Z', '1.2.0'),
    });
    const db = VulnDb.open(':memory:');
    db.importOsv([dir]);
    assert.deepEqual(db.match([target('pkg:npm/pad@1.2.5')]).map((m) => m.fixedVersions), [['1.3.0']]);
    db.close();
  });

  test('withdrawn records are skipped, and a withdrawn update removes the stored record', () => {
    const dir = tempDir();
    writeTree(dir, {
      'v1/r.json': rec('GHSA-pad0-0000-0003', '2024-01-01T00:00:00Z', '1.2.0'),
      'v2/r.json': rec('GHSA-pad0-0000-0003', '2024-06-01T00:00:00Z', '1.2.0', { withdrawn: '2024-06-01T00:00:00Z' }),
      'w/only.json': rec('GHSA-pad0-0000-0004', '2024-06-01T00:00:00Z', '1.2.0', { withdrawn: '2024-06-01T00:00:00Z' }),
    });
    const db = VulnDb.open(':memory:');
    db.importOsv([path.join(dir, 'v1')]);
    assert.equal(db.match([target('pkg:npm/pad@1.1.0')]).length, 1);
    const r = db.importOsv([path.join(dir, 'v2'), path.join(dir, 'w')]);
    assert.equal(r.withdrawn, 2);
    assert.equal(r.records, 0);
    assert.deepEqual(db.match([target('pkg:npm/pad@1.1.0')]), []);
    assert.equal(db.stats().advisories, 0);
    assert.equal(db.getAdvisory('GHSA-pad0-0000-0003'), undefined);
    db.close();
  });
});

describe('KEV', () => {
  test('importKev reads the catalog; a non-catalog is refused', () => {
    const db = VulnDb.open(':memory:');
    const r = db.importKev(KEV);
    assert.equal(r.entries, 1404);
    assert.equal(r.catalogVersion, '2025.08.25');
    assert.throws(() => db.importKev(LOG4J), VulnDbError);
    db.importOsv([LOG4J]);
    assert.equal(db.match([target('pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1')])[0]!.exploited, true);
    db.close();
  });

  test("a distro record is exploited through the CVE it names as 'upstream'", () => {
    const dir = tempDir();
    writeTree(dir, {
      'd.json': JSON.stringify({
        id: 'DEBIAN-CVE-2021-44228',
        modified: '2024-01-01T00:00:00Z',
        upstream: ['CVE-2021-44228'],
        affected: [{ package: { ecosystem: 'Debian:11', name: 'apache-log4j2' }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '2.15.0-1' }] }] }],
      }),
    });
    const db = VulnDb.open(':memory:');
    db.importOsv([dir, KEV]);
    const [m] = db.match([target('pkg:deb/debian/liblog4j2-java@2.13.3-1?distro=debian-11&upstream=apache-log4j2')]);
    assert.equal(m?.id, 'DEBIAN-CVE-2021-44228');
    assert.equal(m?.exploited, true);
    assert.deepEqual(m?.aliases, [], 'upstream is not an alias');
    assert.deepEqual(m?.fixedVersions, ['2.15.0-1']);
    db.close();
  });

  test('without the catalog nothing is exploited', () => {
    const db = VulnDb.open(':memory:');
    db.importOsv([LOG4J]);
    const [m] = db.match([target('pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1')]);
    assert.equal(m!.exploited, false);
    assert.equal(m!.kev, undefined);
    db.close();
  });
});

describe('the index file', () => {
  test('persists, reopens read-only, and refuses writes then', () => {
    const dir = tempDir();
    const file = path.join(dir, 'cache', 'vuln.db');
    const db = VulnDb.open(file);
    db.importOsv([LOG4J]);
    db.importKev(KEV);
    db.close();
    const ro = VulnDb.open(file, { readonly: true });
    assert.equal(ro.stats().advisories, 1);
    assert.equal(ro.match([target('pkg:maven/org.apache.logging.log4j/log4j-core@2.0')]).length, 1);
    assert.throws(() => ro.importOsv([LOG4J]), /read-only/);
    ro.close();
  });

  test('a missing index is a clear error when opened read-only', () => {
    assert.throws(() => VulnDb.open(path.join(tempDir(), 'none.db'), { readonly: true }), /no vulnerability index .*kubecomply vuln db import/);
  });

  test('defaultDbPath: KUBECOMPLY_CACHE_DIR, then XDG_CACHE_HOME, then ~/.cache', () => {
    assert.equal(defaultDbPath({ KUBECOMPLY_CACHE_DIR: '/c', XDG_CACHE_HOME: '/x' }), path.join('/c', 'vuln.db'));
    assert.equal(defaultDbPath({ XDG_CACHE_HOME: '/x' }), path.join('/x', 'kubecomply', 'vuln.db'));
    assert.equal(defaultDbPath({}), path.join(os.homedir(), '.cache', 'kubecomply', 'vuln.db'));
  });
});

describe('importing on two threads (what `vuln db import` does)', () => {
  /** Everything an import leaves in the index, in row order, and what it said on the way. */
  function snapshot(file: string): Record<string, unknown> {
    const db = VulnDb.open(file, { readonly: true });
    const raw = (db as unknown as { db: { prepare(sql: string): { all(): unknown[] } } }).db;
    const out = {
      advisory: raw.prepare('SELECT rid, id, modified, enc, size, hex(body) AS body, head FROM advisory ORDER BY rid').all(),
      affected: raw.prepare('SELECT * FROM affected ORDER BY rowid').all(),
      alias: raw.prepare('SELECT * FROM alias ORDER BY rowid').all(),
      kev: raw.prepare('SELECT * FROM kev ORDER BY cve').all(),
    };
    db.close();
    return out;
  }

  test('the worker path gives the same index, counts and warnings (same order) as one thread', async () => {
    const dir = tempDir('kc-vuln-par-');
    // A mix: the fixture tree (bad records, duplicates, YAML, KEV), an all.zip of it, a nested zip, a
    // newer copy in a later input, a withdrawn one, and a missing path.
    writeFileSync(path.join(dir, 'all.zip'), zipSync(allZipEntries()));
    writeTree(path.join(dir, 'more'), {
      'nested.zip': Buffer.from(zipSync({ 'inner.zip': zipSync({ 'N-1.json': new TextEncoder().encode(rec('N-1', '2024-01-01T00:00:00Z', '1.2.0')) }) })),
      'GHSA-jfh8-c2jp-5v3q.json': JSON.stringify({ ...JSON.parse(readFileSync(LOG4J, 'utf8')), modified: '2099-01-01T00:00:00Z' }),
      'W-1.json': rec('N-1', '2099-01-01T00:00:00Z', '1.2.0', { withdrawn: '2099-01-01T00:00:00Z' }),
    });
    const inputs = [FIXTURES, path.join(dir, 'all.zip'), path.join(dir, 'more'), path.join(dir, 'missing.json')];
    const run = async (worker: boolean) => {
      const file = path.join(dir, `${worker ? 'two' : 'one'}.db`);
      const db = VulnDb.open(file);
      const warnings: string[] = [];
      const r = worker ? await db.importOsvParallel(inputs, (w) => warnings.push(w), { worker: true }) : db.importOsv(inputs, (w) => warnings.push(w));
      db.close();
      return { result: { ...r, wall_s: 0, threads: 0 }, threads: r.threads, warnings, index: snapshot(file) };
    };
    const one = await run(false);
    const two = await run(true);
    assert.ok(one.result.records >= 38 && one.result.withdrawn >= 1 && one.result.kev === 1404, JSON.stringify(one.result));
    assert.equal(one.threads, 1);
    assert.equal(two.threads, 2, 'the records were decoded on a worker thread');
    assert.ok(one.warnings.some((w) => w.includes('missing.json')));
    assert.deepEqual(two.result, one.result);
    assert.deepEqual(two.warnings, one.warnings);
    assert.deepEqual(two.index, one.index);
  });

  test('a failure while writing rolls the whole import back; the index stays as it was', async () => {
    const dir = tempDir('kc-vuln-par-');
    writeTree(dir, { 'A-1.json': rec('A-1', '2024-01-01T00:00:00Z', '1.1.0') });
    const file = path.join(dir, 'idx.db');
    const db = VulnDb.open(file);
    db.importOsv([path.join(dir, 'A-1.json')]);
    writeFileSync(path.join(dir, 'all.zip'), zipSync(allZipEntries()));
    let n = 0;
    await assert.rejects(
      db.importOsvParallel([path.join(dir, 'all.zip')], () => {
        if (++n === 1) throw new Error('disk full (simulated by the warning callback)');
      }, { worker: true }),
      /disk full/,
    );
    assert.equal(db.stats().advisories, 1);
    assert.equal(db.getAdvisory('A-1')?.id, 'A-1');
    db.close();
  });
});

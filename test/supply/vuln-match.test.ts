/**
 * The matcher against real OSV records: every record under ../shared/fixtures/osv/ must match the
 * versions it names as affected (versions[], introduced, last_affected) and not the ones it names as
 * fixed — through the purl a scanner would see for that package. Plus the evaluation algorithm's corners
 * (limit, last_affected, several ranges, GIT ranges, explicit lists) and the purl → OSV package mapping.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { VulnDb } from '../../src/supply/vuln/db.js';
import { ecosystemMatches, indexName, osvPackageOf, purlForOsvPackage } from '../../src/supply/vuln/ecosystem.js';
import { checkOsvRecord, evaluateAffected, isAffected, parseOsvText, rangeContains, type OsvAffected, type OsvEvent, type OsvRange, type OsvRecord } from '../../src/supply/vuln/osv.js';
import type { VersionScheme } from '../../src/supply/vuln/versions/index.js';
import type { MatchTarget } from '../../src/supply/vuln/types.js';
import { schemeFor } from '../../src/supply/vuln/versions/index.js';
import { tempDir, writeTree } from '../helpers/tmp.js';

const FIXTURES = path.resolve(import.meta.dirname, '../../../shared/fixtures/osv');

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const n of readdirSync(dir).sort()) {
    const p = path.join(dir, n);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else out.push(p);
  }
  return out;
}

const RECORD_FILES = walk(FIXTURES).filter((f) => /\.(json|ya?ml)$/.test(f) && !f.includes('cisagov+kev-data'));
/** The OSV linter's deliberately invalid variants, and what must be said about each. */
const LINTER_INVALID: Record<string, RegExp> = {
  'nointroduced-CVE-2023-41045.json': /no 'introduced' event/,
  'nondistinct-CVE-2018-5407.json': /not distinct/,
  // "Gradi0" does not exist on PyPI — only a registry can tell; offline it is a structurally valid record.
  'nopackage-GHSA-9v2f-6vcg-3hgv.json': /^$/,
};
/** Real records the index cannot use (no affected package) — reported and not indexed. */
const UNUSABLE = new Set(['RHSA-2022_0216.json', 'SUSE-FU-2022_0444-1.json', 'CVE-2023-41045.json', 'nointroduced-CVE-2023-41045.json']);

const target = (purl: string, ref = purl, version = ''): MatchTarget => ({ ref, name: purl, version, purl });

function importOne(file: string): { db: VulnDb; warnings: string[]; result: ReturnType<VulnDb['importOsv']> } {
  const db = VulnDb.open(':memory:');
  const warnings: string[] = [];
  const result = db.importOsv([file], (w) => warnings.push(w));
  return { db, warnings, result };
}

describe('every real OSV fixture record', () => {
  test('the fixture set is there', () => {
    assert.ok(RECORD_FILES.length >= 45, `found ${RECORD_FILES.length} record files`);
  });

  for (const file of RECORD_FILES) {
    const rel = path.relative(FIXTURES, file);
    const base = path.basename(file);
    test(rel, () => {
      const { db, warnings, result } = importOne(file);
      try {
        const raw = parseOsvText(readFileSync(file, 'utf8'), file) as OsvRecord;
        if (base in LINTER_INVALID) {
          const re = LINTER_INVALID[base]!;
          if (re.source !== '^$') assert.ok(warnings.some((w) => re.test(w) && w.startsWith(file)), `expected a warning ${re} naming the file, got ${JSON.stringify(warnings)}`);
        }
        if (UNUSABLE.has(base)) {
          assert.equal(result.records, 0);
          assert.equal(result.skipped, 1);
          assert.ok(warnings.some((w) => w.startsWith(file) && /not indexed/.test(w)), JSON.stringify(warnings));
          return;
        }
        assert.equal(result.records, 1, JSON.stringify(warnings));
        let checked = 0;
        for (const [i, a] of (raw.affected ?? []).entries()) {
          if (!a.package) continue;
          const { ecosystem, name } = a.package;
          const affectedVersions = new Set<string>(a.versions ?? []);
          const fixedVersions = new Set<string>();
          for (const r of a.ranges ?? []) {
            if (r.type === 'GIT') continue;
            // "introduced: 0" and nothing else: every version is affected — try a few.
            if (r.events.length === 1 && r.events[0]!.introduced === '0') for (const v of ['0.0.1', '1.0.0', '99.1.0']) affectedVersions.add(v);
            for (const e of r.events) {
              if (e.introduced !== undefined && e.introduced !== '0') affectedVersions.add(e.introduced);
              if (e.last_affected !== undefined) affectedVersions.add(e.last_affected);
              if (e.fixed !== undefined) fixedVersions.add(e.fixed);
            }
          }
          const ids = (v: string): string[] => {
            const purl = purlForOsvPackage(ecosystem, name, v);
            assert.ok(purl, `no purl for ${ecosystem}`);
            return db.match([target(purl)]).map((m) => m.id);
          };
          for (const v of affectedVersions) {
            assert.ok(ids(v).includes(raw.id), `affected[${i}] ${ecosystem}/${name}@${v} must match ${raw.id}`);
            checked++;
          }
          for (const v of fixedVersions) {
            assert.ok(!ids(v).includes(raw.id), `affected[${i}] ${ecosystem}/${name}@${v} (fixed) must not match ${raw.id}`);
            checked++;
          }
        }
        assert.ok(checked > 0, 'nothing checked');
      } finally {
        db.close();
      }
    });
  }

  test('the purl built for each fixture package maps back to that OSV package', () => {
    for (const file of RECORD_FILES) {
      const raw = parseOsvText(readFileSync(file, 'utf8'), file) as OsvRecord;
      for (const a of raw.affected ?? []) {
        if (!a.package) continue;
        const purl = purlForOsvPackage(a.package.ecosystem, a.package.name, '1.0')!;
        const cands = osvPackageOf(purl);
        assert.ok(
          cands.some((c) => ecosystemMatches(c.ecosystem, a.package!.ecosystem) && indexName(c.ecosystem, c.name) === indexName(a.package!.ecosystem, a.package!.name)),
          `${a.package.ecosystem} ${a.package.name} → ${purl} → ${JSON.stringify(cands)}`,
        );
      }
    }
  });
});

describe('the OSV evaluation algorithm', () => {
  const npm = schemeFor('npm')!;
  const aff = (ranges: OsvAffected['ranges'], versions?: string[]): OsvAffected => ({ package: { ecosystem: 'npm', name: 'x' }, ranges, ...(versions ? { versions } : {}) });

  test('introduced is inclusive, fixed exclusive', () => {
    const a = aff([{ type: 'SEMVER', events: [{ introduced: '1.0.0' }, { fixed: '1.2.0' }] }]);
    assert.equal(isAffected(a, '0.9.9', npm), false);
    assert.equal(isAffected(a, '1.0.0', npm), true);
    assert.equal(isAffected(a, '1.1.9', npm), true);
    assert.equal(isAffected(a, '1.2.0', npm), false);
  });

  test("introduced '0' starts before every version", () => {
    const a = aff([{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '0.2.4' }] }]);
    assert.equal(isAffected(a, '0.0.0-alpha', npm), true);
    assert.equal(isAffected(a, '0.2.3', npm), true);
    assert.equal(isAffected(a, '0.2.4', npm), false);
  });

  test('last_affected is inclusive', () => {
    const a = aff([{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { last_affected: '2.1.214' }] }]);
    assert.equal(isAffected(a, '2.1.214', npm), true);
    assert.equal(isAffected(a, '2.1.215', npm), false);
    assert.deepEqual(evaluateAffected(a, '2.1.0', npm).fixed, [], 'last_affected names no fix');
  });

  test('limit bounds the range from above (exclusive); "*" is infinity', () => {
    const a = aff([{ type: 'SEMVER', events: [{ introduced: '1.0.0' }, { limit: '1.5.0' }] }]);
    assert.equal(isAffected(a, '1.4.9', npm), true);
    assert.equal(isAffected(a, '1.5.0', npm), false);
    assert.equal(isAffected(a, '2.0.0', npm), false);
    const b = aff([{ type: 'SEMVER', events: [{ introduced: '1.0.0' }, { limit: '*' }] }]);
    assert.equal(isAffected(b, '99.0.0', npm), true);
    const c = aff([{ type: 'SEMVER', events: [{ introduced: '1.0.0' }, { limit: '1.2.0' }, { limit: '2.5.0' }] }]);
    assert.equal(isAffected(c, '2.4.0', npm), true, 'any limit above the version lets it through');
    const d = aff([{ type: 'SEMVER', events: [{ introduced: '1.0.0' }, { fixed: '1.3.0' }, { limit: '2.0.0' }] }]);
    assert.equal(isAffected(d, '1.3.5', npm), false, 'limit does not undo fixed');
  });

  test('several introduced/fixed pairs in one range, in any order', () => {
    const a = aff([{ type: 'ECOSYSTEM', events: [{ introduced: '5.0.0' }, { fixed: '5.0.8' }, { introduced: '4.2.0' }, { fixed: '4.2.15' }] }]);
    assert.equal(isAffected(a, '4.2.14', npm), true);
    assert.equal(isAffected(a, '4.2.15', npm), false);
    assert.equal(isAffected(a, '4.9.0', npm), false);
    assert.equal(isAffected(a, '5.0.7', npm), true);
    assert.equal(isAffected(a, '5.0.8', npm), false);
  });

  test('multiple ranges are OR-ed; fixed versions come from the containing ranges, above the version', () => {
    const a = aff([
      { type: 'SEMVER', events: [{ introduced: '1.0.0' }, { fixed: '1.0.2' }] },
      { type: 'SEMVER', events: [{ introduced: '3.0.0' }, { fixed: '3.2.5' }] },
    ]);
    assert.equal(isAffected(a, '1.0.1', npm), true);
    assert.equal(isAffected(a, '2.0.0', npm), false);
    assert.equal(isAffected(a, '3.1.0', npm), true);
    assert.deepEqual(evaluateAffected(a, '3.1.0', npm).fixed, ['3.2.5']);
    const b = aff([{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '1.9.16' }, { introduced: '1.10.0' }, { fixed: '1.10.11' }, { introduced: '1.11.0' }, { fixed: '1.11.5' }] }]);
    assert.deepEqual(evaluateAffected(b, '1.10.3', npm).fixed, ['1.10.11', '1.11.5'], 'no downgrade offered as a fix');
  });

  test('rangeContains equals a literal transcription of the schema pseudo-code (property)', () => {
    // IncludedInRanges for one range, exactly as docs/schema.md "Evaluation" writes it.
    const reference = (range: OsvRange, v: string, s: VersionScheme): boolean => {
      const limits = range.events.filter((e) => e.limit !== undefined);
      const beforeLimits = limits.length === 0 || limits.some((e) => e.limit!.includes('*') || s.compare(v, e.limit!) < 0);
      if (!beforeLimits) return false;
      const key = (e: OsvEvent): string => (e.introduced ?? e.fixed ?? e.last_affected ?? e.limit)!;
      const rank = (e: OsvEvent): number => (e.introduced === '0' ? -1 : e.limit?.includes('*') ? 1 : 0);
      const sorted = range.events
        .map((e, i) => ({ e, i }))
        .sort((a, b) => rank(a.e) - rank(b.e) || (rank(a.e) !== 0 ? 0 : s.compare(key(a.e), key(b.e))) || a.i - b.i)
        .map((x) => x.e);
      let vulnerable = false;
      for (const evt of sorted) {
        if (evt.introduced !== undefined && (evt.introduced === '0' || s.compare(v, evt.introduced) >= 0)) vulnerable = true;
        else if (evt.fixed !== undefined && s.compare(v, evt.fixed) >= 0) vulnerable = false;
        else if (evt.last_affected !== undefined && s.compare(v, evt.last_affected) > 0) vulnerable = false;
      }
      return vulnerable;
    };
    const ver = fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 3 })).map(([a, b, c]) => `${a}.${b}.${c}`);
    const event: fc.Arbitrary<OsvEvent> = fc.oneof(
      ver.map((x) => ({ introduced: x })),
      fc.constant({ introduced: '0' }),
      ver.map((x) => ({ fixed: x })),
      ver.map((x) => ({ last_affected: x })),
      ver.map((x) => ({ limit: x })),
      fc.constant({ limit: '*' }),
    );
    fc.assert(
      fc.property(fc.array(event, { minLength: 1, maxLength: 7 }), ver, (events, v) => {
        const range: OsvRange = { type: 'SEMVER', events };
        assert.equal(rangeContains(range, v, npm), reference(range, v, npm), JSON.stringify({ events, v }));
      }),
      { numRuns: 3000 },
    );
  });

  test('explicit versions list, with or without ranges; GIT ranges are ignored', () => {
    const a = aff(undefined, ['1.0.0', '1.0.1']);
    assert.equal(isAffected(a, '1.0.1', npm), true);
    assert.equal(isAffected(a, '1.0.2', npm), false);
    const g = aff([{ type: 'GIT', repo: 'https://example.com/x', events: [{ introduced: '0' }, { fixed: 'abc' }] }], ['2.0.0']);
    assert.equal(isAffected(g, '2.0.0', npm), true);
    assert.equal(isAffected(g, '1.0.0', npm), false, 'a GIT range says nothing about package versions');
    assert.equal(evaluateAffected(g, '2.0.0', npm).via, 'versions');
  });

  test('without a version ordering only the explicit list can match', () => {
    const a: OsvAffected = { package: { ecosystem: 'Nowhere', name: 'x' }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }] }], versions: ['7'] };
    assert.equal(isAffected(a, '7', undefined), true);
    assert.equal(isAffected(a, '8', undefined), false);
  });

  test('the record check rejects what cannot be indexed and reports linter problems', () => {
    assert.match(checkOsvRecord([]).error!, /not a JSON object/);
    assert.match(checkOsvRecord({ modified: 'x' }).error!, /missing 'id'/);
    assert.match(checkOsvRecord({ id: 'X-1', modified: 'x' }).error!, /no 'affected'/);
    assert.match(checkOsvRecord({ id: 'X-1', modified: 'x', affected: [{ ranges: [{ type: 'GIT', repo: 'r', events: [{ introduced: '0' }] }] }] }).error!, /names a package/);
    const bad = checkOsvRecord({ id: 'X-1', modified: 'x', affected: [{ package: { ecosystem: 'npm', name: 'a' }, ranges: [{ type: 'SEMVER', events: [{ introduced: '1.0.0', fixed: '2.0.0' }] }] }] });
    assert.ok(bad.record);
    assert.ok(bad.warnings.some((w) => /exactly one of/.test(w)));
    const nd = checkOsvRecord({ id: 'X-1', modified: 'x', affected: [{ package: { ecosystem: 'npm', name: 'a' }, ranges: [{ type: 'SEMVER', events: [{ introduced: '1.0.0' }, { fixed: '1.0.0' }] }] }] });
    assert.ok(nd.warnings.some((w) => /not distinct/.test(w)));
    const both = checkOsvRecord({ id: 'X-1', modified: 'x', affected: [{ package: { ecosystem: 'npm', name: 'a' }, ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '1' }, { last_affected: '2' }] }] }] });
    assert.ok(both.warnings.some((w) => /both 'fixed' and 'last_affected'/.test(w)));
  });
});

describe('purl → OSV package', () => {
  const one = (purl: string) => osvPackageOf(purl);

  test('npm, scoped and plain', () => {
    assert.deepEqual(one('pkg:npm/%40babel/core@7.24.0'), [{ ecosystem: 'npm', name: '@babel/core', version: '7.24.0' }]);
    assert.deepEqual(one('pkg:npm/@types/node@20.1.0'), [{ ecosystem: 'npm', name: '@types/node', version: '20.1.0' }]);
    assert.deepEqual(one('pkg:npm/minimist@1.2.5'), [{ ecosystem: 'npm', name: 'minimist', version: '1.2.5' }]);
  });

  test('PyPI names are PEP 503-normalised', () => {
    assert.deepEqual(one('pkg:pypi/Zope.Interface@5.0'), [{ ecosystem: 'PyPI', name: 'zope-interface', version: '5.0' }]);
    assert.deepEqual(one('pkg:pypi/typing_extensions@4.0.0'), [{ ecosystem: 'PyPI', name: 'typing-extensions', version: '4.0.0' }]);
    assert.equal(indexName('PyPI', 'Typing__Extensions'), 'typing-extensions');
  });

  test('Go modules by full path, the standard library as "stdlib"', () => {
    assert.deepEqual(one('pkg:golang/github.com/argoproj/argo-cd/v2@v2.3.1'), [{ ecosystem: 'Go', name: 'github.com/argoproj/argo-cd/v2', version: 'v2.3.1' }]);
    assert.deepEqual(one('pkg:golang/stdlib@go1.21.2'), [{ ecosystem: 'Go', name: 'stdlib', version: '1.21.2' }]);
    assert.deepEqual(one('pkg:golang/stdlib@1.22.1'), [{ ecosystem: 'Go', name: 'stdlib', version: '1.22.1' }]);
    assert.deepEqual(
      one('pkg:golang/k8s.io/apimachinery@v0.18.6').map((c) => c.ecosystem),
      ['Go', 'Kubernetes'],
    );
  });

  test('Maven, crates.io, NuGet, RubyGems, Packagist, Hex, Pub', () => {
    assert.deepEqual(one('pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1'), [{ ecosystem: 'Maven', name: 'org.apache.logging.log4j:log4j-core', version: '2.14.1' }]);
    assert.deepEqual(one('pkg:cargo/tokio@1.0.0'), [{ ecosystem: 'crates.io', name: 'tokio', version: '1.0.0' }]);
    assert.deepEqual(one('pkg:nuget/Newtonsoft.Json@12.0.1'), [{ ecosystem: 'NuGet', name: 'Newtonsoft.Json', version: '12.0.1' }]);
    assert.deepEqual(one('pkg:gem/rails@7.0.0'), [{ ecosystem: 'RubyGems', name: 'rails', version: '7.0.0' }]);
    assert.deepEqual(one('pkg:composer/laravel/framework@9.0.0'), [{ ecosystem: 'Packagist', name: 'laravel/framework', version: '9.0.0' }]);
    assert.deepEqual(one('pkg:hex/plug@1.0.0'), [{ ecosystem: 'Hex', name: 'plug', version: '1.0.0' }]);
    assert.deepEqual(one('pkg:pub/http@0.13.0'), [{ ecosystem: 'Pub', name: 'http', version: '0.13.0' }]);
  });

  test('Debian: source package from upstream= (with or without a version), release from distro=', () => {
    assert.deepEqual(one('pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64&distro=debian-12&upstream=openssl'), [
      { ecosystem: 'Debian:12', name: 'openssl', version: '3.0.11-1~deb12u2' },
      { ecosystem: 'Debian:12', name: 'libssl3', version: '3.0.11-1~deb12u2' },
    ]);
    assert.deepEqual(one('pkg:deb/debian/libssl3@3.0.11-1~deb12u2%2Bb1?distro=debian-12.4&upstream=openssl%403.0.11-1~deb12u2'), [
      { ecosystem: 'Debian:12', name: 'openssl', version: '3.0.11-1~deb12u2' },
      { ecosystem: 'Debian:12', name: 'libssl3', version: '3.0.11-1~deb12u2+b1' },
    ]);
    assert.deepEqual(one('pkg:deb/debian/curl@7.88.1-10?distro=debian-bookworm'), [{ ecosystem: 'Debian:12', name: 'curl', version: '7.88.1-10' }]);
    assert.deepEqual(one('pkg:deb/debian/curl@7.88.1-10'), [{ ecosystem: 'Debian', name: 'curl', version: '7.88.1-10' }]);
  });

  test('Ubuntu: distro=ubuntu-22.04 meets OSV "Ubuntu:22.04:LTS" and "Ubuntu:Pro:22.04:LTS"', () => {
    assert.deepEqual(one('pkg:deb/ubuntu/openssl@3.0.2-0ubuntu1.10?distro=ubuntu-22.04'), [{ ecosystem: 'Ubuntu:22.04', name: 'openssl', version: '3.0.2-0ubuntu1.10' }]);
    assert.equal(ecosystemMatches('Ubuntu:22.04', 'Ubuntu:22.04:LTS'), 'exact');
    assert.equal(ecosystemMatches('Ubuntu:22.04', 'Ubuntu:Pro:22.04:LTS'), 'exact');
    assert.equal(ecosystemMatches('Ubuntu:22.04', 'Ubuntu:20.04:LTS'), undefined);
    assert.equal(ecosystemMatches('Ubuntu:24.10', 'Ubuntu:24.10'), 'exact');
  });

  test('Alpine: distro=alpine-3.19.1 → Alpine:v3.19 (Trivy writes distro=3.19.1)', () => {
    assert.deepEqual(one('pkg:apk/alpine/libcrypto3@3.1.4-r5?arch=x86_64&distro=alpine-3.19.1&upstream=openssl'), [
      { ecosystem: 'Alpine:v3.19', name: 'openssl', version: '3.1.4-r5' },
      { ecosystem: 'Alpine:v3.19', name: 'libcrypto3', version: '3.1.4-r5' },
    ]);
    assert.equal(one('pkg:apk/alpine/musl@1.2.4-r2?distro=3.19.1')[0]!.ecosystem, 'Alpine:v3.19');
    assert.equal(ecosystemMatches('Alpine:v3.19', 'Alpine:v3.18'), undefined);
  });

  test('RPM vendors, releases, epochs and source RPMs', () => {
    assert.deepEqual(one('pkg:rpm/redhat/openssl-libs@3.0.7-24.el9?arch=x86_64&epoch=1&upstream=openssl-3.0.7-24.el9.src.rpm&distro=rhel-9.3'), [
      { ecosystem: 'Red Hat:9', name: 'openssl', version: '1:3.0.7-24.el9' },
      { ecosystem: 'Red Hat:9', name: 'openssl-libs', version: '1:3.0.7-24.el9' },
    ]);
    assert.equal(ecosystemMatches('Red Hat:9', 'Red Hat:enterprise_linux:9::appstream'), 'exact');
    assert.equal(ecosystemMatches('Red Hat:9', 'Red Hat:enterprise_linux:8::baseos'), undefined);
    assert.equal(one('pkg:rpm/rocky/bash@5.1.8-6.el9?distro=rocky-9.3')[0]!.ecosystem, 'Rocky Linux:9');
    assert.equal(one('pkg:rpm/almalinux/bash@5.1.8-6.el9?distro=almalinux-9.3')[0]!.ecosystem, 'AlmaLinux:9');
    assert.equal(one('pkg:rpm/opensuse/bash@5.1?distro=opensuse-leap-15.5')[0]!.ecosystem, 'openSUSE:Leap 15.5');
    assert.equal(one('pkg:rpm/suse/bash@4.4?distro=sles-15.5')[0]!.ecosystem, 'SUSE:15 SP5');
    assert.equal(ecosystemMatches('SUSE:15 SP5', 'SUSE:Linux Enterprise Server 15 SP5'), 'exact');
    assert.equal(ecosystemMatches('SUSE:15 SP5', 'SUSE:Linux Enterprise Server 15 SP4'), undefined);
    assert.deepEqual(one('pkg:rpm/fedora/bash@5.2'), [], 'no OSV ecosystem for Fedora');
  });

  test('a release-less component matches any release, flagged; a different release never', () => {
    assert.equal(ecosystemMatches('Debian', 'Debian:12'), 'any-release');
    assert.equal(ecosystemMatches('Debian:12', 'Debian:12'), 'exact');
    assert.equal(ecosystemMatches('Debian:12', 'Debian:11'), undefined);
    assert.equal(ecosystemMatches('Debian:12', 'Debian'), 'exact', 'an unscoped advisory covers every release');
    assert.equal(ecosystemMatches('npm', 'PyPI'), undefined);
    assert.equal(ecosystemMatches('Maven', 'Maven:https://maven.google.com'), 'exact');
  });

  test('not a purl, or a type without an OSV ecosystem: nothing to look up', () => {
    assert.deepEqual(one('not-a-purl'), []);
    assert.deepEqual(one('pkg:generic/openssl@3.0.0'), []);
  });
});

describe('matching through the index', () => {
  const fx = (rel: string) => path.join(FIXTURES, rel);
  const LOG4J = fx('github+advisory-database/advisories/github-reviewed/2021/12/GHSA-jfh8-c2jp-5v3q/GHSA-jfh8-c2jp-5v3q.json');
  const KEV = fx('cisagov+kev-data/known_exploited_vulnerabilities.json');

  test('Log4Shell: severity computed from the vector, fixed version, KEV flag via the CVE alias', () => {
    const db = VulnDb.open(':memory:');
    db.importOsv([LOG4J]);
    db.importKev(KEV);
    const [m, ...rest] = db.match([target('pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1', 'log4j')]);
    assert.equal(rest.length, 0);
    assert.equal(m!.id, 'GHSA-jfh8-c2jp-5v3q');
    assert.deepEqual(m!.aliases, ['CVE-2021-44228']);
    assert.equal(m!.severity, 'critical');
    assert.equal(m!.cvss?.score, 10);
    assert.equal(m!.cvss?.version, '3.1');
    assert.deepEqual(m!.fixedVersions, ['2.15.0']);
    assert.equal(m!.exploited, true);
    assert.equal(m!.kev?.cveId, 'CVE-2021-44228');
    assert.equal(m!.kev?.dateAdded, '2021-12-10');
    assert.equal(m!.kev?.knownRansomwareCampaignUse, 'Known');
    assert.equal(m!.status, 'open');
    assert.equal(m!.ecosystem, 'Maven');
    assert.ok(m!.references.length > 0);
    assert.deepEqual(db.match([target('pkg:maven/org.apache.logging.log4j/log4j-core@2.17.1')]), []);
    assert.deepEqual(db.match([target('pkg:maven/org.apache.logging.log4j/log4j-core@2.12.1')]).map((x) => x.fixedVersions), [['2.12.2']]);
    db.close();
  });

  test('reverse aliases: a record another record names as its alias reports that record', () => {
    const dir = tempDir();
    writeTree(dir, {
      'a.json': JSON.stringify({ id: 'GHSA-aaaa-bbbb-cccc', modified: '2024-01-01T00:00:00Z', aliases: ['CVE-2099-0001'], affected: [{ package: { ecosystem: 'npm', name: 'left-pad' }, ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '1.3.0' }] }] }] }),
      'b.json': JSON.stringify({ id: 'CVE-2099-0001', modified: '2024-01-01T00:00:00Z', affected: [{ package: { ecosystem: 'npm', name: 'left-pad' }, versions: ['1.1.0'] }] }),
      'c.json': JSON.stringify({ id: 'OSV-2099-7', modified: '2024-01-01T00:00:00Z', aliases: ['CVE-2099-0001'], affected: [{ package: { ecosystem: 'PyPI', name: 'other' }, versions: ['1'] }] }),
    });
    const db = VulnDb.open(':memory:');
    db.importOsv([dir]);
    const ms = db.match([target('pkg:npm/left-pad@1.1.0', 'lp')]);
    assert.deepEqual(ms.map((m) => m.id), ['CVE-2099-0001', 'GHSA-aaaa-bbbb-cccc']);
    assert.deepEqual(ms[0]!.aliases, ['GHSA-aaaa-bbbb-cccc', 'OSV-2099-7']);
    assert.deepEqual(ms[1]!.aliases, ['CVE-2099-0001', 'OSV-2099-7'], 'records sharing an alias are aliases of each other');
    assert.deepEqual(db.aliasesOf('CVE-2099-0001'), ['GHSA-aaaa-bbbb-cccc', 'OSV-2099-7']);
    db.close();
  });

  test('Debian: a binary package matches its source package advisory through upstream=', () => {
    const db = VulnDb.open(':memory:');
    db.importOsv([fx('google+osv.dev/gcp/workers/oss_fuzz_worker/testdata/DSA-3029-1.json')]);
    const hit = db.match([target('pkg:deb/debian/nginx-full@1.2.1-2.2%2Bwheezy2?arch=amd64&distro=debian-7&upstream=nginx', 'nginx-full')]);
    assert.deepEqual(hit.map((m) => [m.id, m.ecosystem, m.fixedVersions]), [['DSA-3029-1', 'Debian:7', ['1.2.1-2.2+wheezy3']]]);
    assert.equal(hit[0]!.releaseUnknown, undefined);
    assert.deepEqual(db.match([target('pkg:deb/debian/nginx-full@1.2.1-2.2%2Bwheezy2?distro=debian-8&upstream=nginx')]), [], 'another release');
    assert.deepEqual(db.match([target('pkg:deb/debian/nginx-full@1.2.1-2.2%2Bwheezy3?distro=debian-7&upstream=nginx')]), []);
    const noRelease = db.match([target('pkg:deb/debian/nginx@1.2.1-2.2%2Bwheezy2')]);
    assert.equal(noRelease.length, 1);
    assert.equal(noRelease[0]!.releaseUnknown, true);
    db.close();
  });

  test('Alpine: the release decides which fixed version applies', () => {
    const db = VulnDb.open(':memory:');
    db.importOsv([fx('google+osv.dev/gcp/workers/oss_fuzz_worker/testdata/CVE-2022-27449.json')]);
    assert.deepEqual(db.match([target('pkg:apk/alpine/mariadb@10.4.25-r0?distro=alpine-3.12.4')]), []);
    assert.deepEqual(db.match([target('pkg:apk/alpine/mariadb@10.4.25-r0?distro=alpine-3.13.1')]).map((m) => [m.ecosystem, m.fixedVersions]), [['Alpine:v3.13', ['10.5.16-r0']]]);
    assert.deepEqual(db.match([target('pkg:apk/alpine/mariadb@10.6.7-r0?distro=alpine-3.19.1')]), [], 'no advisory for v3.19');
    const unknown = db.match([target('pkg:apk/alpine/mariadb@10.4.25-r0')]);
    assert.equal(unknown.length, 1);
    assert.equal(unknown[0]!.releaseUnknown, true);
    db.close();
  });

  test('Go: stdlib and v-prefixed module versions', () => {
    const db = VulnDb.open(':memory:');
    db.importOsv([fx('golang+vulndb/data/osv/GO-2023-2102.json'), fx('golang+vulndb/data/osv/GO-2024-2491.json')]);
    assert.deepEqual(db.match([target('pkg:golang/stdlib@go1.21.2')]).map((m) => [m.id, m.fixedVersions]), [['GO-2023-2102', ['1.21.3']]]);
    assert.deepEqual(db.match([target('pkg:golang/stdlib@v1.21.3')]), []);
    assert.deepEqual(db.match([target('pkg:golang/golang.org/x/net@v0.16.0')]).map((m) => m.id), ['GO-2023-2102']);
    assert.deepEqual(db.match([target('pkg:golang/github.com/opencontainers/runc@v1.1.11')]).map((m) => m.id), ['GO-2024-2491']);
    assert.deepEqual(db.match([target('pkg:golang/github.com/opencontainers/runc@v1.1.12')]), []);
    db.close();
  });

  test('scoped npm package', () => {
    const db = VulnDb.open(':memory:');
    const dir = tempDir();
    writeTree(dir, { 's.json': JSON.stringify({ id: 'GHSA-scop-ed00-0001', modified: '2024-01-01T00:00:00Z', affected: [{ package: { ecosystem: 'npm', name: '@acme/widget' }, ranges: [{ type: 'SEMVER', events: [{ introduced: '2.0.0' }, { fixed: '2.4.1' }] }] }], database_specific: { severity: 'MODERATE' } }) });
    db.importOsv([dir]);
    const [m] = db.match([target('pkg:npm/%40acme/widget@2.4.0')]);
    assert.equal(m?.id, 'GHSA-scop-ed00-0001');
    assert.equal(m?.severity, 'medium', "GHSA's MODERATE when there is no vector");
    assert.equal(m?.cvss, undefined);
    assert.deepEqual(db.match([target('pkg:npm/widget@2.4.0')]), []);
    db.close();
  });

  test('severity prefers a v4 vector over v3, and takes the highest among several', () => {
    const dir = tempDir();
    writeTree(dir, {
      'x.json': JSON.stringify({
        id: 'OSV-2099-1',
        modified: '2024-01-01T00:00:00Z',
        severity: [
          { type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H' },
          { type: 'CVSS_V4', score: 'CVSS:4.0/AV:L/AC:L/AT:N/PR:L/UI:N/VC:L/VI:N/VA:N/SC:N/SI:N/SA:N' },
        ],
        affected: [{ package: { ecosystem: 'npm', name: 'y' }, versions: ['1.0.0'] }],
      }),
      'z.json': JSON.stringify({
        id: 'OSV-2099-2',
        modified: '2024-01-01T00:00:00Z',
        severity: [
          { type: 'CVSS_V3', score: 'CVSS:3.1/AV:L/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N' },
          { type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N' },
        ],
        affected: [{ package: { ecosystem: 'npm', name: 'y' }, versions: ['1.0.0'] }],
      }),
    });
    const db = VulnDb.open(':memory:');
    db.importOsv([dir]);
    const [a, b] = db.match([target('pkg:npm/y@1.0.0')]);
    assert.equal(a!.cvss?.version, '4.0');
    assert.notEqual(a!.severity, 'critical', 'the v4 vector decides, not the critical v3 one');
    assert.equal(b!.cvss?.score, 7.5);
    assert.equal(b!.severity, 'high');
    db.close();
  });

  test('deterministic order: component ref, then id', () => {
    const db = VulnDb.open(':memory:');
    db.importOsv([path.join(FIXTURES, 'golang+vulndb')]);
    const targets = [
      target('pkg:golang/stdlib@1.20.0', 'b-std'),
      target('pkg:golang/golang.org/x/net@v0.10.0', 'a-net'),
      target('pkg:golang/k8s.io/ingress-nginx@v1.9.0', 'c-ingress'),
    ];
    const ms = db.match(targets);
    const keys = ms.map((m) => `${m.component.ref} ${m.id}`);
    assert.deepEqual(keys, [...keys].sort());
    assert.deepEqual(db.match([...targets].reverse()).map((m) => `${m.component.ref} ${m.id}`), keys);
    assert.ok(keys.includes('b-std GO-2023-2102') && keys.includes('b-std GO-2024-2687') && keys.includes('c-ingress GO-2025-3565'));
    db.close();
  });
});

/**
 * Version ordering per OSV ecosystem, checked against each ecosystem's own published comparison
 * examples (copied verbatim from the upstream files named above each table) and a property test
 * that every compare() is a total order (antisymmetric, transitive) on generated versions.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { compareVersions, schemeFor, type VersionScheme } from '../../src/supply/vuln/versions/index.js';
import { apk } from '../../src/supply/vuln/versions/apk.js';
import { dpkg } from '../../src/supply/vuln/versions/dpkg.js';
import { maven } from '../../src/supply/vuln/versions/maven.js';
import { nuget } from '../../src/supply/vuln/versions/nuget.js';
import { packagist } from '../../src/supply/vuln/versions/packagist.js';
import { pep440 } from '../../src/supply/vuln/versions/pep440.js';
import { rpm } from '../../src/supply/vuln/versions/rpm.js';
import { rubygems } from '../../src/supply/vuln/versions/rubygems.js';
import { pub, semver } from '../../src/supply/vuln/versions/semver.js';

const sign = (n: number): number => (n < 0 ? -1 : n > 0 ? 1 : 0);
const neg = (n: number): number => (n === 0 ? 0 : -n);
const show = (n: number): string => (n < 0 ? '<' : n > 0 ? '>' : '=');

function expectCmp(s: VersionScheme, a: string, b: string, expected: number): void {
  const got = sign(s.compare(a, b));
  const back = sign(s.compare(b, a));
  assert.equal(got, sign(expected), `${s.name}: expected ${a} ${show(expected)} ${b}, got ${show(got)}`);
  assert.equal(back, neg(sign(expected)), `${s.name}: expected ${b} ${show(-expected)} ${a}, got ${show(back)}`);
}

/** Every element strictly below every later one, and sorting any shuffle gives the list back. */
function expectAscending(s: VersionScheme, list: readonly string[]): void {
  for (let i = 0; i < list.length; i++) for (let j = i + 1; j < list.length; j++) expectCmp(s, list[i], list[j], -1);
  const shuffled = [...list].reverse();
  shuffled.push(...shuffled.splice(0, Math.floor(shuffled.length / 3)));
  assert.deepEqual(shuffled.sort(s.compare), [...list], `${s.name}: sort`);
}

function expectAllEqual(s: VersionScheme, list: readonly string[]): void {
  for (const a of list) for (const b of list) expectCmp(s, a, b, 0);
}

// ---------------------------------------------------------------------------------------------
describe('SemVer (npm, Go, crates.io, …)', () => {
  // semver/semver semver.md, spec item 11: "Example: 1.0.0 < 2.0.0 < 2.1.0 < 2.1.1", "Example:
  // 1.0.0-alpha < 1.0.0", "Example: 1.0.0-alpha < 1.0.0-alpha.1 < 1.0.0-alpha.beta < 1.0.0-beta <
  // 1.0.0-beta.2 < 1.0.0-beta.11 < 1.0.0-rc.1 < 1.0.0."
  test('semver.org precedence examples', () => {
    expectAscending(semver, ['1.0.0', '2.0.0', '2.1.0', '2.1.1']);
    expectCmp(semver, '1.0.0-alpha', '1.0.0', -1);
    expectAscending(semver, [
      '1.0.0-alpha',
      '1.0.0-alpha.1',
      '1.0.0-alpha.beta',
      '1.0.0-beta',
      '1.0.0-beta.2',
      '1.0.0-beta.11',
      '1.0.0-rc.1',
      '1.0.0',
    ]);
  });

  // semver/semver semver.md, spec item 10: "two versions that differ only in the build metadata,
  // have the same precedence. Examples: 1.0.0-alpha+001, 1.0.0+20130313144700,
  // 1.0.0-beta+exp.sha.5114f85."
  test('build metadata is ignored', () => {
    expectCmp(semver, '1.0.0+20130313144700', '1.0.0', 0);
    expectCmp(semver, '1.0.0-alpha+001', '1.0.0-alpha', 0);
    expectCmp(semver, '1.0.0-beta+exp.sha.5114f85', '1.0.0-beta', 0);
  });

  test('npm/Go leniency: v and = prefixes, missing parts, Go pseudo-versions, +incompatible', () => {
    expectCmp(semver, 'v1.2.3', '1.2.3', 0);
    expectCmp(semver, '=1.2.3', '1.2.3', 0);
    expectCmp(semver, '1.2', '1.2.0', 0);
    expectCmp(semver, '1', '1.0.0', 0);
    expectCmp(semver, 'v2.0.0+incompatible', '2.0.0', 0);
    expectAscending(semver, [
      'v0.0.0-20191109021931-daa7c04131f5',
      'v0.0.0-20230101120000-abcdef123456',
      '0.1.0',
      'v1.2.3',
      'v1.2.4-0.20230101120000-abcdef123456',
      '1.2.4',
      'v2.0.0-rc.1+incompatible',
      'v2.0.0+incompatible',
    ]);
    expectAscending(semver, ['1.2.3-beta.2', '1.2.3-beta.10', '1.2.3']);
    assert.equal(semver.valid('1.2.3'), true);
    assert.equal(semver.valid('v1.2.3'), true);
    assert.equal(semver.valid('v0.0.0-20230101120000-abcdef123456'), true);
    assert.equal(semver.valid('1.2'), false);
    assert.equal(semver.valid('01.2.3'), false);
    assert.equal(semver.valid('1.2.3-01'), false);
    assert.equal(semver.valid('not a version'), false);
  });

  test('unparseable strings sort below versions, in natural order', () => {
    expectAscending(semver, ['abc', 'abc2', 'abc10', '1.2.3.4', '0.0.0-alpha', '0.0.1']);
  });

  test('pub orders build metadata (pub_semver), semver does not', () => {
    expectAscending(pub, ['1.0.0-beta', '1.0.0', '1.0.0+1', '1.0.0+2', '1.0.0+10', '1.0.0+a', '1.0.1']);
    expectCmp(semver, '1.0.0+1', '1.0.0+2', 0);
  });
});

// ---------------------------------------------------------------------------------------------
describe('PEP 440 (PyPI)', () => {
  // python/peps peps/pep-0440.rst, "Summary of permitted suffixes and relative ordering": "The
  // following example covers many of the possible combinations" — it must sort to itself.
  const PEP440_ORDER = [
    '1.dev0',
    '1.0.dev456',
    '1.0a1',
    '1.0a2.dev456',
    '1.0a12.dev456',
    '1.0a12',
    '1.0b1.dev456',
    '1.0b2',
    '1.0b2.post345.dev456',
    '1.0b2.post345',
    '1.0rc1.dev456',
    '1.0rc1',
    '1.0',
    '1.0+abc.5',
    '1.0+abc.7',
    '1.0+5',
    '1.0.post456.dev34',
    '1.0.post456',
    '1.0.15',
    '1.1.dev1',
  ];

  test('the spec’s ordering example sorts to itself', () => {
    expectAscending(pep440, PEP440_ORDER);
    for (const v of PEP440_ORDER) assert.equal(pep440.valid(v), true, v);
  });

  // python/peps peps/pep-0440.rst, "Examples of compliant version schemes".
  test('the spec’s compliant version scheme examples', () => {
    expectAscending(pep440, ['0.1', '0.2', '0.3', '1.0', '1.1']);
    expectAscending(pep440, ['1.1.0', '1.1.1', '1.1.2', '1.2.0']);
    expectAscending(pep440, ['0.9', '1.0a1', '1.0a2', '1.0b1', '1.0rc1', '1.0', '1.1a1']);
    expectAscending(pep440, ['0.9', '1.0.dev1', '1.0.dev2', '1.0.dev3', '1.0.dev4', '1.0c1', '1.0c2', '1.0', '1.0.post1', '1.1.dev1']);
    expectAscending(pep440, ['2012.1', '2012.2', '2012.3', '2012.15', '2013.1', '2013.2']);
  });

  // python/peps peps/pep-0440.rst, "Normalization" (each pair is the spec's example and its
  // normal form) and "Summary …" (epochs; padding of release segments).
  test('normalisation rules and epochs', () => {
    const SAME: [string, string][] = [
      ['1.1RC1', '1.1rc1'],
      ['00', '0.0'],
      ['09000', '9000'],
      ['1.1.a1', '1.1a1'],
      ['1.1-a1', '1.1a1'],
      ['1.0a.1', '1.0a1'],
      ['1.1alpha1', '1.1a1'],
      ['1.1beta2', '1.1b2'],
      ['1.1c3', '1.1rc3'],
      ['1.0pre1', '1.0rc1'],
      ['1.0preview1', '1.0rc1'],
      ['1.2a', '1.2a0'],
      ['1.2-post2', '1.2.post2'],
      ['1.2post2', '1.2.post2'],
      ['1.2.post-2', '1.2.post2'],
      ['1.0-r4', '1.0.post4'],
      ['1.0-rev4', '1.0.post4'],
      ['1.2.post', '1.2.post0'],
      ['1.0-1', '1.0.post1'],
      ['1.2-dev2', '1.2.dev2'],
      ['1.2dev2', '1.2.dev2'],
      ['1.2.dev', '1.2.dev0'],
      ['1.0+ubuntu-1', '1.0+ubuntu.1'],
      ['v1.0', '1.0'],
      [' 1.0\n', '1.0'],
      ['1.0', '1.0.0'],
      ['0!1.0', '1.0'],
    ];
    for (const [a, b] of SAME) expectCmp(pep440, a, b, 0);
    expectAscending(pep440, ['1.0', '1.1', '2013.10', '1!0.1', '1!1.0', '2!0.0.1']);
    assert.equal(pep440.valid('1.0-'), false, '"1.0-" is not a valid version');
  });

  test('invalid versions get a legacy order below every valid version', () => {
    for (const bad of ['1.0-', 'french toast', '1.0.0-SNAPSHOT', '2.0b1pl0']) assert.equal(pep440.valid(bad), false, bad);
    assert.equal(pep440.valid('1.0.0-beta.1'), true, 'normalises to 1.0.0b1');
    expectAscending(pep440, ['french toast', '1.0.0-SNAPSHOT', '0.0.dev0', '0.1']);
    expectCmp(pep440, 'french toast', 'French Toast', 0);
  });
});

// ---------------------------------------------------------------------------------------------
describe('Maven', () => {
  // apache/maven compat/maven-artifact/src/test/java/org/apache/maven/artifact/versioning/
  // ComparableVersionTest.java: VERSIONS_QUALIFIER and VERSIONS_NUMBER, each strictly increasing.
  const VERSIONS_QUALIFIER = [
    '1-alpha2snapshot',
    '1-alpha2',
    '1-alpha-123',
    '1-beta-2',
    '1-beta123',
    '1-m2',
    '1-m11',
    '1-rc',
    '1-cr2',
    '1-rc123',
    '1-SNAPSHOT',
    '1',
    '1-sp',
    '1-sp2',
    '1-sp123',
    '1-abc',
    '1-def',
    '1-pom-1',
    '1-1-snapshot',
    '1-1',
    '1-2',
    '1-123',
  ];
  const VERSIONS_NUMBER = [
    '2.0', '2.0.a', '2-1', '2.0.2', '2.0.123', '2.1.0', '2.1-a', '2.1b', '2.1-c', '2.1-1', '2.1.0.1', '2.2',
    '2.123', '11.a2', '11.a11', '11.b2', '11.b11', '11.m2', '11.m11', '11', '11.a', '11b', '11c', '11m',
  ];

  test('VERSIONS_QUALIFIER is strictly increasing', () => expectAscending(maven, VERSIONS_QUALIFIER));
  test('VERSIONS_NUMBER is strictly increasing', () => expectAscending(maven, VERSIONS_NUMBER));

  // Same file: testVersionsEqual and testVersionsHaveSameOrderButAreNotEqual.
  test('equality cases', () => {
    const EQUAL: [string, string][] = [
      ['1', '1'], ['1', '1.0'], ['1', '1.0.0'], ['1.0', '1.0.0'], ['1', '1-0'], ['1', '1.0-0'], ['1.0', '1.0-0'],
      ['1a', '1-a'], ['1a', '1.0-a'], ['1a', '1.0.0-a'], ['1.0a', '1-a'], ['1.0.0a', '1-a'],
      ['1x', '1-x'], ['1x', '1.0-x'], ['1x', '1.0.0-x'], ['1.0x', '1-x'], ['1.0.0x', '1-x'], ['1cr', '1rc'],
      ['1a1', '1-alpha-1'], ['1b2', '1-beta-2'], ['1m3', '1-milestone-3'],
      ['1X', '1x'], ['1A', '1a'], ['1B', '1b'], ['1M', '1m'], ['1Cr', '1Rc'], ['1cR', '1rC'],
      ['1m3', '1Milestone3'], ['1m3', '1MileStone3'], ['1m3', '1MILESTONE3'],
      ['1ga', '1'], ['1release', '1'], ['1final', '1'], ['1Ga', '1'], ['1GA', '1'], ['1RELEASE', '1'],
      ['1RELeaSE', '1'], ['1Final', '1'], ['1FinaL', '1'], ['1FINAL', '1'],
      ['1-abcdefghijklmnopqrstuvwxyz', '1-ABCDEFGHIJKLMNOPQRSTUVWXYZ'],
      ['1.0.0-alpha1', '1.0.0-ALPHA1'], ['1.a', '1.A'],
    ];
    for (const [a, b] of EQUAL) expectCmp(maven, a, b, 0);
    // testVersionEqualWithLeadingZeroes / testVersionZeroEqualWithLeadingZeroes (lengths 1 to 19)
    expectAllEqual(maven, Array.from({ length: 19 }, (_, i) => '0'.repeat(18 - i) + '1'));
    expectAllEqual(maven, Array.from({ length: 18 }, (_, i) => '0'.repeat(19 - i)));
    // testMng7644: 2.0.X == 2-X == 2.0.0.X
    for (const x of ['abc', 'alpha', 'a', 'beta', 'b', 'def', 'milestone', 'm', 'RC']) {
      expectCmp(maven, `2-${x}`, `2.0.${x}`, 0);
      expectCmp(maven, `2-${x}`, `2.0.0.${x}`, 0);
      expectCmp(maven, `2.0.${x}`, `2.0.0.${x}`, 0);
    }
  });

  // Same file: testVersionComparing, testLeadingZeroes, testMng5568, testMng6572, testMng6964,
  // testMng7644, testMng7714, testCompareDigitToLetter, testLexicographicOrder.
  test('ordering cases', () => {
    const LESS: [string, string][] = [
      ['1', '2'], ['1.5', '2'], ['1', '2.5'], ['1.0', '1.1'], ['1.1', '1.2'], ['1.0.0', '1.1'], ['1.0.1', '1.1'], ['1.1', '1.2.0'],
      ['1.0-alpha-1', '1.0'], ['1.0-alpha-1', '1.0-alpha-2'], ['1.0-alpha-1', '1.0-beta-1'],
      ['1.0-beta-1', '1.0-SNAPSHOT'], ['1.0-SNAPSHOT', '1.0'], ['1.0-alpha-1-SNAPSHOT', '1.0-alpha-1'],
      ['1.0', '1.0-1'], ['1.0-1', '1.0-2'], ['1.0.0', '1.0-1'],
      ['2.0-1', '2.0.1'], ['2.0.1-klm', '2.0.1-lmn'], ['2.0.1', '2.0.1-xyz'], ['2.0.1', '2.0.1-123'], ['2.0.1-xyz', '2.0.1-123'],
      ['0.7', '2'], ['0.2', '1.0.7'],
      ['6.1.0rc3', '6.1.0'], ['6.1.0rc3', '6.1H.5-beta'], ['6.1.0', '6.1H.5-beta'],
      ['20190126.230843', '1234567890.12345'], ['1234567890.12345', '123456789012345.1H.5-beta'],
      ['20190126.230843', '123456789012345.1H.5-beta'], ['123456789012345.1H.5-beta', '12345678901234567890.1H.5-beta'],
      ['1234567890.12345', '12345678901234567890.1H.5-beta'], ['20190126.230843', '12345678901234567890.1H.5-beta'],
      ['1-0.alpha', '1'], ['1-0.beta', '1'], ['1-0.alpha', '1-0.beta'],
      ['1.0.final-redhat', '1.0-sp1-redhat'], ['1.0.final-redhat', '1.0-sp-1-redhat'], ['1.0.final-redhat', '1.0-sp.1-redhat'],
      ['J', '7'], ['c', '7'], ['aardvark', 'zebra'], ['zebra', 'ζέβρα'],
    ];
    for (const [a, b] of LESS) expectCmp(maven, a, b, -1);
    for (const x of ['abc', 'alpha', 'a', 'beta', 'b', 'def', 'milestone', 'm', 'RC']) expectCmp(maven, `1.0.0.${x}1`, `1.0.0-${x}2`, -1);
  });
});

// ---------------------------------------------------------------------------------------------
describe('dpkg (Debian, Ubuntu)', () => {
  // guillemj/dpkg scripts/t/Dpkg_Version.t, its __DATA__ table ("a b expected"), verbatim.
  const DPKG_VERSION_T = `
1.0-1 2.0-2 -1
2.2~rc-4 2.2-1 -1
2.2-1 2.2~rc-4 1
1.0000-1 1.0-1 0
1 0:1 0
0 0:0-0 0
2:2.5 1:7.5 1
1:0foo 0foo 1
0:0foo 0foo 0
0foo 0foo 0
0foo- 0foo 0
0foo- 0foo-0 0
0foo 0fo 1
0foo- 0foo+ -1
0foo~1 0foo -1
0foo~foo+Bar 0foo~foo+bar -1
0foo~~ 0foo~ -1
1~ 1 -1
12345+that-really-is-some-ver-0 12345+that-really-is-some-ver-10 -1
0foo-0 0foo-01 -1
0foo.bar 0foobar 1
0foo.bar 0foo1bar 1
0foo.bar 0foo0bar 1
0foo1bar-1 0foobar-1 -1
0foo2.0 0foo2 1
0foo2.0.0 0foo2.10.0 -1
0foo2.0 0foo2.0.0 -1
0foo2.0 0foo2.10 -1
0foo2.1 0foo2.10 -1
1.09 1.9 0
1.0.8+nmu1 1.0.8 1
3.11 3.10+nmu1 1
0.9j-20080306-4 0.9i-20070324-2 1
1.2.0~b7-1 1.2.0~b6-1 1
1.011-1 1.06-2 1
0.0.9+dfsg1-1 0.0.8+dfsg1-3 1
4.6.99+svn6582-1 4.6.99+svn6496-1 1
53 52 1
0.9.9~pre122-1 0.9.9~pre111-1 1
2:2.3.2-2+lenny2 2:2.3.2-2 1
1:3.8.1-1 3.8.GA-1 1
1.0.1+gpl-1 1.0.1-2 1
1a 1000a -1
-0.6.5 0.9.1 -1
`;

  test('Dpkg_Version.t comparison table', () => {
    const rows = DPKG_VERSION_T.trim().split('\n');
    assert.equal(rows.length, 44);
    for (const row of rows) {
      const [a, b, r] = row.split(' ');
      // "0" is OSV's "from the beginning" here, not dpkg's 0 (see the sentinel test below).
      if (a === '0' || b === '0') continue;
      expectCmp(dpkg, a, b, Number(r));
    }
  });

  // guillemj/dpkg lib/dpkg/t/t-version.c test_version_compare / test_version_parse (the
  // DPKG_VERSION_OBJECT(epoch, version, revision) cases written as version strings).
  test('t-version.c comparison and parse-equivalence cases', () => {
    expectCmp(dpkg, '1:0-0', '2:0-0', -1);
    expectCmp(dpkg, '1-1', '2-1', -1);
    expectCmp(dpkg, '1-1', '1-2', -1);
    expectCmp(dpkg, '0:0-0', '0:0-0', 0);
    expectCmp(dpkg, '0:0-00', '0:00-0', 0);
    expectCmp(dpkg, '1:2-3', '1:2-3', 0);
    expectCmp(dpkg, '0:0-0', '1:0-0', -1);
    expectCmp(dpkg, 'a-0', 'b-0', -1);
    expectCmp(dpkg, '0-a', '0-b', -1);
    const PARSE: [string, string][] = [
      ['0:0', '0:0-'],
      ['0:0.0-0.0', '0.0-0.0'],
      ['1:0', '1:0-'],
      ['5:1', '5:1-'],
      ['0:0-0-0', '0-0-0'],
      ['0:0:0-0', '0:0:0-0'],
      ['0:09azAZ.-+~:-0', '09azAZ.-+~:-0'],
      ['0:0-azAZ09.+~', '0-azAZ09.+~'],
      ['  \t0:0-1', '0:0-1'],
      ['0:0-1\t  ', '0-1'],
    ];
    for (const [a, b] of PARSE) expectCmp(dpkg, a, b, 0);
    for (const ok of ['0:0', '0:0-', '0:0-0', '0:0.0-0.0', '1:0', '5:1', '0:0-0-0', '0:0:0-0', '0:0-0:0-0', '0:09azAZ.-+~:-0', '0:0-azAZ09.+~', ' \t0:0-1 '])
      assert.equal(dpkg.valid(ok), true, `valid ${JSON.stringify(ok)}`);
    const BAD = ['', '  ', '0:', '0:0 0-1', '-1:0-1', '999999999999999999999999:0-1', 'a:0-0', 'A:0-0', '-0', '0:-0', '0:abc3-0', '0:0-0:0'];
    for (const c of "!#@$%&/|\\<>()[]{};,_=*^'") BAD.push(`0:0${c}-0`, `0:0-0${c}`);
    for (const bad of BAD) assert.equal(dpkg.valid(bad), false, `invalid ${JSON.stringify(bad)}`);
  });

  // Debian Policy §5.6.12 "Version" (debian-policy policy/ch-controlfields.rst): "the following
  // parts are in sorted order from earliest to latest: ~~, ~~a, ~, the empty part, a", and its
  // footnote "1.0~beta1~svn1245 sorts earlier than 1.0~beta1, which sorts earlier than 1.0";
  // "The absence of a debian_revision is equivalent to a debian_revision of 0".
  test('Debian Policy §5.6.12 examples', () => {
    expectAscending(dpkg, ['1.0~~', '1.0~~a', '1.0~', '1.0', '1.0a']);
    expectAscending(dpkg, ['1.0~beta1~svn1245', '1.0~beta1', '1.0']);
    expectAscending(dpkg, ['1.0~rc1', '1.0', '1.0-1', '1.0+b1', '1.0.1', '2.0', '1:0.1']);
    expectCmp(dpkg, '1.0', '1.0-0', 0);
    expectCmp(dpkg, '1:0.1', '2.0', 1);
  });
});

// ---------------------------------------------------------------------------------------------
describe('apk (Alpine, Wolfi, Chainguard)', () => {
  // alpinelinux/apk-tools test/version.data, verbatim ("a op b"; "#" starts a comment).
  const VERSION_DATA = `
2.34 > 0.1.0_alpha
23_foo > 4_beta
1.0 < 1.0bc		# invalid. do string sort
0.1.0_alpha = 0.1.0_alpha
0.1.0_alpha < 0.1.3_alpha
0.1.3_alpha > 0.1.0_alpha
0.1.0_alpha2 > 0.1.0_alpha
0.1.0_alpha < 2.2.39-r1
2.2.39-r1 > 1.0.4-r3
1.0.4-r3 < 1.0.4-r4
1.0.4-r4 < 1.6
1.6 > 1.0.2
1.0.2 > 0.7-r1
0.7-r1 < 1.0.0
1.0.0 < 1.0.1
1.0.1 < 1.1
1.1 > 1.1_alpha1
1.1_alpha1 < 1.2.1
1.2.1 > 1.2
1.2 < 1.3_alpha
1.3_alpha < 1.3_alpha2
1.3_alpha2 < 1.3_alpha3
1.3_alpha8 > 0.6.0
0.6.0 < 0.6.1
0.6.1 < 0.7.0
0.7.0 < 0.8_beta1
0.8_beta1 < 0.8_beta2
0.8_beta4 < 4.8-r1
4.8-r1 > 3.10.18-r1
3.10.18-r1 > 2.3.0b-r1
2.3.0b-r1 < 2.3.0b-r2
2.3.0b-r2 < 2.3.0b-r3
2.3.0b-r3 < 2.3.0b-r4
2.3.0b-r4 > 0.12.1
0.12.1 < 0.12.2
0.12.2 < 0.12.3
0.12.3 > 0.12
0.12 < 0.13_beta1
0.13_beta1 < 0.13_beta2
0.13_beta2 < 0.13_beta3
0.13_beta3 < 0.13_beta4
0.13_beta4 < 0.13_beta5
0.13_beta5 > 0.9.12
0.9.12 < 0.9.13
0.9.13 > 0.9.12
0.9.12 < 0.9.13
0.9.13 > 0.0.16
0.0.16 < 0.6
0.6 < 2.1.13-r3
2.1.13-r3 < 2.1.15-r2
2.1.15-r2 < 2.1.15-r3
2.1.15-r3 > 1.2.11
1.2.11 < 1.2.12.1
1.2.12.1 < 1.2.13
1.2.13 < 1.2.14-r1
1.2.14-r1 > 0.7.1
0.7.1 > 0.5.4
0.5.4 < 0.7.0
0.7.0 < 1.2.13
1.2.13 > 1.0.8
1.0.8 < 1.2.1
1.2.1 > 0.7-r1
0.7-r1 < 2.4.32
2.4.32 < 2.8-r4
2.8-r4 > 0.9.6
0.9.6 > 0.2.0-r1
0.2.0-r1 = 0.2.0-r1
0.2.0-r1 < 3.1_p16
3.1_p16 < 3.1_p17
3.1_p17 > 1.06-r6
1.06-r6 < 006
006 > 1.0.0
1.0.0 < 1.2.2-r1
1.2.2-r1 > 1.2.2
1.2.2 > 0.3-r1
0.3-r1 < 9.3.2-r4
9.3.2-r4 < 9.3.4-r2
9.3.4-r2 > 9.3.4
9.3.4 > 9.3.2
9.3.2 < 9.3.4
9.3.4 > 1.1.3
1.1.3 < 2.16.1-r3
2.16.1-r3 = 2.16.1-r3
2.16.1-r3 > 2.1.0-r2
2.1.0-r2 < 2.9.3-r1
2.9.3-r1 > 0.9-r1
0.9-r1 > 0.8-r1
0.8-r1 < 1.0.6-r3
1.0.6-r3 > 0.11
0.11 < 0.12
0.12 < 1.2.1-r1
1.2.1-r1 < 1.2.2.1
1.2.2.1 < 1.4.1-r1
1.4.1-r1 < 1.4.1-r2
1.4.1-r2 > 1.2.2
1.2.2 < 1.3
1.3 > 1.0.3-r6
1.0.3-r6 < 1.0.4
1.0.4 < 2.59
2.59 < 20050718-r1
20050718-r1 < 20050718-r2
20050718-r2 > 3.9.8-r5
3.9.8-r5 > 2.01.01_alpha10
2.01.01_alpha10 > 0.94
0.94 < 1.0
1.0 > 0.99.3.20040818
0.99.3.20040818 > 0.7
0.7 < 1.21-r1
1.21-r1 > 0.13
0.13 < 0.90.1-r1
0.90.1-r1 > 0.10.2
0.10.2 < 0.10.3
0.10.3 < 1.6
1.6 < 1.39
1.39 > 1.00_beta2
1.00_beta2 > 0.9.2
0.9.2 < 5.94-r1
5.94-r1 < 6.4
6.4 > 2.6-r5
2.6-r5 > 1.4
1.4 < 2.8.9-r1
2.8.9-r1 > 2.8.9
2.8.9 > 1.1
1.1 > 1.0.3-r2
1.0.3-r2 < 1.3.4-r3
1.3.4-r3 < 2.2
2.2 > 1.2.6
1.2.6 < 7.15.1-r1
7.15.1-r1 > 1.02
1.02 < 1.03-r1
1.03-r1 < 1.12.12-r2
1.12.12-r2 < 2.8.0.6-r1
2.8.0.6-r1 > 0.5.2.7
0.5.2.7 < 4.2.52_p2-r1
4.2.52_p2-r1 < 4.2.52_p4-r2
4.2.52_p4-r2 > 1.02.07
1.02.07 < 1.02.10-r1
1.02.10-r1 < 3.0.3-r9
3.0.3-r9 > 2.0.5-r1
2.0.5-r1 < 4.5
4.5 > 2.8.7-r1
2.8.7-r1 > 1.0.5
1.0.5 < 8
8 < 9
9 > 2.18.3-r10
2.18.3-r10 > 1.05-r18
1.05-r18 < 1.05-r19
1.05-r19 < 2.2.5
2.2.5 < 2.8
2.8 < 2.20.1
2.20.1 < 2.20.3
2.20.3 < 2.31
2.31 < 2.34
2.34 < 2.38
2.38 < 20050405
20050405 > 1.8
1.8 < 2.11-r1
2.11-r1 > 2.11
2.11 > 0.1.6-r3
0.1.6-r3 < 0.47-r1
0.47-r1 < 0.49
0.49 < 3.6.8-r2
3.6.8-r2 > 1.39
1.39 < 2.43
2.43 > 2.0.6-r1
2.0.6-r1 > 0.2-r6
0.2-r6 < 0.4
0.4 < 1.0.0
1.0.0 < 10-r1
10-r1 > 4
4 > 0.7.3-r2
0.7.3-r2 > 0.7.3
0.7.3 < 1.95.8
1.95.8 > 1.1.19
1.1.19 > 1.1.5
1.1.5 < 6.3.2-r1
6.3.2-r1 < 6.3.3
6.3.3 > 4.17-r1
4.17-r1 < 4.18
4.18 < 4.19
4.19 > 4.3.0
4.3.0 < 4.3.2-r1
4.3.2-r1 > 4.3.2
4.3.2 > 0.68-r3
0.68-r3 < 1.0.0
1.0.0 < 1.0.1
1.0.1 > 1.0.0
1.0.0 = 1.0.0
1.0.0 < 1.0.1
1.0.1 < 2.3.2-r1
2.3.2-r1 < 2.4.2
2.4.2 < 20060720
20060720 > 3.0.20060720
3.0.20060720 < 20060720
20060720 > 1.1
1.1 = 1.1
1.1 < 1.1.1-r1
1.1.1-r1 < 1.1.3-r1
1.1.3-r1 < 1.1.3-r2
1.1.3-r2 < 2.1.10-r2
2.1.10-r2 > 0.7.18-r2
0.7.18-r2 < 0.17-r6
0.17-r6 < 2.6.1
2.6.1 < 2.6.3
2.6.3 < 3.1.5-r2
3.1.5-r2 < 3.4.6-r1
3.4.6-r1 < 3.4.6-r2
3.4.6-r2 = 3.4.6-r2
3.4.6-r2 > 2.0.33
2.0.33 < 2.0.34
2.0.34 > 1.8.3-r2
1.8.3-r2 < 1.8.3-r3
1.8.3-r3 < 4.1
4.1 < 8.54
8.54 > 4.1.4
4.1.4 > 1.2.10-r5
1.2.10-r5 < 4.1.4-r3
4.1.4-r3 = 4.1.4-r3
4.1.4-r3 < 4.2.1
4.2.1 > 4.1.0
4.1.0 < 8.11
8.11 > 1.4.4-r1
1.4.4-r1 < 2.1.9.200602141850
2.1.9.200602141850 > 1.6
1.6 < 2.5.1-r8
2.5.1-r8 < 2.5.1a-r1
2.5.1a-r1 > 1.19.2-r1
1.19.2-r1 > 0.97-r2
0.97-r2 < 0.97-r3
0.97-r3 < 1.3.5-r10
1.3.5-r10 > 1.3.5-r8
1.3.5-r8 < 1.3.5-r9
1.3.5-r9 > 1.0
1.0 < 1.1
1.1 > 0.9.11
0.9.11 < 0.9.12
0.9.12 < 0.9.13
0.9.13 < 0.9.14
0.9.14 < 0.9.15
0.9.15 < 0.9.16
0.9.16 > 0.3-r2
0.3-r2 < 6.3
6.3 < 6.6
6.6 < 6.9
6.9 > 0.7.2-r3
0.7.2-r3 < 1.2.10
1.2.10 < 20040923-r2
20040923-r2 > 20040401
20040401 > 2.0.0_rc3-r1
2.0.0_rc3-r1 > 1.5
1.5 < 4.4
4.4 > 1.0.1
1.0.1 < 2.2.0
2.2.0 > 1.1.0-r2
1.1.0-r2 > 0.3
0.3 < 20020207-r2
20020207-r2 > 1.31-r2
1.31-r2 < 3.7
3.7 > 2.0.1
2.0.1 < 2.0.2
2.0.2 > 0.99.163
0.99.163 < 2.6.15.20060110
2.6.15.20060110 < 2.6.16.20060323
2.6.16.20060323 < 2.6.19.20061214
2.6.19.20061214 > 0.6.2-r1
0.6.2-r1 < 0.6.3
0.6.3 < 0.6.5
0.6.5 < 1.3.5-r1
1.3.5-r1 < 1.3.5-r4
1.3.5-r4 < 3.0.0-r2
3.0.0-r2 < 021109-r3
021109-r3 < 20060512
20060512 > 1.24
1.24 > 0.9.16-r1
0.9.16-r1 < 3.9_pre20060124
3.9_pre20060124 > 0.01
0.01 < 0.06
0.06 < 1.1.7
1.1.7 < 6b-r7
6b-r7 > 1.12-r7
1.12-r7 < 1.12-r8
1.12-r8 > 1.1.12
1.1.12 < 1.1.13
1.1.13 > 0.3
0.3 < 0.5
0.5 < 3.96.1
3.96.1 < 3.97
3.97 > 0.10.0-r1
0.10.0-r1 > 0.10.0
0.10.0 < 0.10.1_rc1
0.10.1_rc1 > 0.9.11
0.9.11 < 394
394 > 2.31
2.31 > 1.0.1
1.0.1 = 1.0.1
1.0.1 < 1.0.3
1.0.3 > 1.0.2
1.0.2 = 1.0.2
1.0.2 > 1.0.1
1.0.1 = 1.0.1
1.0.1 < 1.2.2
1.2.2 < 2.1.10
2.1.10 > 1.0.1
1.0.1 < 1.0.2
1.0.2 < 3.5.5
3.5.5 > 1.1.1
1.1.1 > 0.9.1
0.9.1 < 1.0.2
1.0.2 > 1.0.1
1.0.1 < 1.0.2
1.0.2 > 1.0.1
1.0.1 = 1.0.1
1.0.1 < 1.0.5
1.0.5 > 0.8.5
0.8.5 < 0.8.6-r3
0.8.6-r3 < 2.3.17
2.3.17 > 1.10-r5
1.10-r5 < 1.10-r9
1.10-r9 < 2.0.2
2.0.2 > 1.1a
1.1a < 1.3a
1.3a > 1.0.2
1.0.2 < 1.2.2-r1
1.2.2-r1 > 1.0-r1
1.0-r1 > 0.15.1b
0.15.1b < 1.0.1
1.0.1 < 1.06-r1
1.06-r1 < 1.06-r2
1.06-r2 > 0.15.1b-r2
0.15.1b-r2 > 0.15.1b
0.15.1b < 2.5.7
2.5.7 > 1.1.2.1-r1
1.1.2.1-r1 > 0.0.31
0.0.31 < 0.0.50
0.0.50 > 0.0.16
0.0.16 < 0.0.25
0.0.25 < 0.17
0.17 > 0.5.0
0.5.0 < 1.1.2
1.1.2 < 1.1.3
1.1.3 < 1.1.20
1.1.20 > 0.9.4
0.9.4 < 0.9.5
0.9.5 < 6.3
6.3 < 6.6
6.6 > 6.3
6.3 < 6.6
6.6 > 1.2.12-r1
1.2.12-r1 < 1.2.13
1.2.13 < 1.2.14
1.2.14 < 1.2.15
1.2.15 < 8.0.12
8.0.12 > 8.0.9
8.0.9 > 1.2.3-r1
1.2.3-r1 < 1.2.4-r1
1.2.4-r1 > 0.1
0.1 < 0.3.5
0.3.5 < 1.5.22
1.5.22 > 0.1.11
0.1.11 < 0.1.12
0.1.12 < 1.1.4.1
1.1.4.1 > 1.1.0
1.1.0 < 1.1.2
1.1.2 > 1.0.3
1.0.3 > 1.0.2
1.0.2 < 2.6.26
2.6.26 < 2.6.27
2.6.27 > 1.1.17
1.1.17 < 1.4.11
1.4.11 < 22.7-r1
22.7-r1 < 22.7.3-r1
22.7.3-r1 > 22.7
22.7 > 2.1_pre20
2.1_pre20 < 2.1_pre26
2.1_pre26 > 0.2.3-r2
0.2.3-r2 > 0.2.2
0.2.2 < 2.10.0
2.10.0 < 2.10.1
2.10.1 > 02.08.01b
02.08.01b < 4.77
4.77 > 0.17
0.17 < 5.1.1-r1
5.1.1-r1 < 5.1.1-r2
5.1.1-r2 > 5.1.1
5.1.1 > 1.2
1.2 < 5.1
5.1 > 2.02.06
2.02.06 < 2.02.10
2.02.10 < 2.8.5-r3
2.8.5-r3 < 2.8.6-r1
2.8.6-r1 < 2.8.6-r2
2.8.6-r2 > 2.02-r1
2.02-r1 > 1.5.0-r1
1.5.0-r1 > 1.5.0
1.5.0 > 0.9.2
0.9.2 < 8.1.2.20040524-r1
8.1.2.20040524-r1 < 8.1.2.20050715-r1
8.1.2.20050715-r1 < 20030215
20030215 > 3.80-r4
3.80-r4 < 3.81
3.81 > 1.6d
1.6d > 1.2.07.8
1.2.07.8 < 1.2.12.04
1.2.12.04 < 1.2.12.05
1.2.12.05 < 1.3.3
1.3.3 < 2.6.4
2.6.4 > 2.5.2
2.5.2 < 2.6.1
2.6.1 > 2.6
2.6 < 6.5.1-r1
6.5.1-r1 > 1.1.35-r1
1.1.35-r1 < 1.1.35-r2
1.1.35-r2 > 0.9.2
0.9.2 < 1.07-r1
1.07-r1 < 1.07.5
1.07.5 > 1.07
1.07 < 1.19
1.19 < 2.1-r2
2.1-r2 < 2.2
2.2 > 1.0.4
1.0.4 < 20060811
20060811 < 20061003
20061003 > 0.1_pre20060810
0.1_pre20060810 < 0.1_pre20060817
0.1_pre20060817 < 1.0.3
1.0.3 > 1.0.2
1.0.2 > 1.0.1
1.0.1 < 3.2.2-r1
3.2.2-r1 < 3.2.2-r2
3.2.2-r2 < 3.3.17
3.3.17 > 0.59s-r11
0.59s-r11 < 0.65
0.65 > 0.2.10-r2
0.2.10-r2 < 2.01
2.01 < 3.9.10
3.9.10 > 1.2.18
1.2.18 < 1.5.11-r2
1.5.11-r2 < 1.5.13-r1
1.5.13-r1 > 1.3.12-r1
1.3.12-r1 < 2.0.1
2.0.1 < 2.0.2
2.0.2 < 2.0.3
2.0.3 > 0.2.0
0.2.0 < 5.5-r2
5.5-r2 < 5.5-r3
5.5-r3 > 0.25.3
0.25.3 < 0.26.1-r1
0.26.1-r1 < 5.2.1.2-r1
5.2.1.2-r1 < 5.4
5.4 > 1.60-r11
1.60-r11 < 1.60-r12
1.60-r12 < 110-r8
110-r8 > 0.17-r2
0.17-r2 < 1.05-r4
1.05-r4 < 5.28.0
5.28.0 > 0.51.6-r1
0.51.6-r1 < 1.0.6-r6
1.0.6-r6 > 0.8.3
0.8.3 < 1.42
1.42 < 20030719
20030719 > 4.01
4.01 < 4.20
4.20 > 0.20070118
0.20070118 < 0.20070207_rc1
0.20070207_rc1 < 1.0
1.0 < 1.13.0
1.13.0 < 1.13.1
1.13.1 > 0.21
0.21 > 0.3.7-r3
0.3.7-r3 < 0.4.10
0.4.10 < 0.5.0
0.5.0 < 0.5.5
0.5.5 < 0.5.7
0.5.7 < 0.6.11-r1
0.6.11-r1 < 2.3.30-r2
2.3.30-r2 < 3.7_p1
3.7_p1 > 1.3
1.3 > 0.10.1
0.10.1 < 4.3_p2-r1
4.3_p2-r1 < 4.3_p2-r5
4.3_p2-r5 < 4.4_p1-r6
4.4_p1-r6 < 4.5_p1-r1
4.5_p1-r1 > 4.5_p1
4.5_p1 < 4.5_p1-r1
4.5_p1-r1 > 4.5_p1
4.5_p1 > 0.9.8c-r1
0.9.8c-r1 < 0.9.8d
0.9.8d < 2.4.4
2.4.4 < 2.4.7
2.4.7 > 2.0.6
2.0.6 = 2.0.6
2.0.6 > 0.78-r3
0.78-r3 > 0.3.2
0.3.2 < 1.7.1-r1
1.7.1-r1 < 2.5.9
2.5.9 > 0.1.13
0.1.13 < 0.1.15
0.1.15 < 0.4
0.4 < 0.9.6
0.9.6 < 2.2.0-r1
2.2.0-r1 < 2.2.3-r2
2.2.3-r2 < 013
013 < 014-r1
014-r1 > 1.3.1-r1
1.3.1-r1 < 5.8.8-r2
5.8.8-r2 > 5.1.6-r4
5.1.6-r4 < 5.1.6-r6
5.1.6-r6 < 5.2.1-r3
5.2.1-r3 > 0.11.3
0.11.3 = 0.11.3
0.11.3 < 1.10.7
1.10.7 > 1.7-r1
1.7-r1 > 0.1.20
0.1.20 < 0.1.23
0.1.23 < 5b-r9
5b-r9 > 2.2.10
2.2.10 < 2.3.6
2.3.6 < 8.0.12
8.0.12 > 2.4.3-r16
2.4.3-r16 < 2.4.4-r4
2.4.4-r4 < 3.0.3-r5
3.0.3-r5 < 3.0.6
3.0.6 < 3.2.6
3.2.6 < 3.2.7
3.2.7 > 0.3.1_rc8
0.3.1_rc8 < 22.2
22.2 < 22.3
22.3 > 1.2.2
1.2.2 < 2.04
2.04 < 2.4.3-r1
2.4.3-r1 < 2.4.3-r4
2.4.3-r4 > 0.98.6-r1
0.98.6-r1 < 5.7-r2
5.7-r2 < 5.7-r3
5.7-r3 > 5.1_p4
5.1_p4 > 1.0.5
1.0.5 < 3.6.19-r1
3.6.19-r1 > 3.6.19
3.6.19 > 1.0.1
1.0.1 < 3.8
3.8 > 0.2.3
0.2.3 < 1.2.15-r3
1.2.15-r3 > 1.2.6-r1
1.2.6-r1 < 2.6.8-r2
2.6.8-r2 < 2.6.9-r1
2.6.9-r1 > 1.7
1.7 < 1.7b
1.7b < 1.8.4-r3
1.8.4-r3 < 1.8.5
1.8.5 < 1.8.5_p2
1.8.5_p2 > 1.1.3
1.1.3 < 3.0.22-r3
3.0.22-r3 < 3.0.24
3.0.24 = 3.0.24
3.0.24 = 3.0.24
3.0.24 < 4.0.2-r5
4.0.2-r5 < 4.0.3
4.0.3 > 0.98
0.98 < 1.00
1.00 < 4.1.4-r1
4.1.4-r1 < 4.1.5
4.1.5 > 2.3
2.3 < 2.17-r3
2.17-r3 > 0.1.7
0.1.7 < 1.11
1.11 < 4.2.1-r11
4.2.1-r11 > 3.2.3
3.2.3 < 3.2.4
3.2.4 < 3.2.8
3.2.8 < 3.2.9
3.2.9 > 3.2.3
3.2.3 < 3.2.4
3.2.4 < 3.2.8
3.2.8 < 3.2.9
3.2.9 > 1.4.9-r2
1.4.9-r2 < 2.9.11_pre20051101-r2
2.9.11_pre20051101-r2 < 2.9.11_pre20051101-r3
2.9.11_pre20051101-r3 > 2.9.11_pre20051101
2.9.11_pre20051101 < 2.9.11_pre20061021-r1
2.9.11_pre20061021-r1 < 2.9.11_pre20061021-r2
2.9.11_pre20061021-r2 < 5.36-r1
5.36-r1 > 1.0.1
1.0.1 < 7.0-r2
7.0-r2 > 2.4.5
2.4.5 < 2.6.1.2
2.6.1.2 < 2.6.1.3-r1
2.6.1.3-r1 > 2.6.1.3
2.6.1.3 < 2.6.1.3-r1
2.6.1.3-r1 < 12.17.9
12.17.9 > 1.1.12
1.1.12 > 1.1.7
1.1.7 < 2.5.14
2.5.14 < 2.6.6-r1
2.6.6-r1 < 2.6.7
2.6.7 < 2.6.9-r1
2.6.9-r1 > 2.6.9
2.6.9 > 1.39
1.39 > 0.9
0.9 < 2.61-r2
2.61-r2 < 4.5.14
4.5.14 > 4.09-r1
4.09-r1 > 1.3.1
1.3.1 < 1.3.2-r3
1.3.2-r3 < 1.6.8_p12-r1
1.6.8_p12-r1 > 1.6.8_p9-r2
1.6.8_p9-r2 > 1.3.0-r1
1.3.0-r1 < 3.11
3.11 < 3.20
3.20 > 1.6.11-r1
1.6.11-r1 > 1.6.9
1.6.9 < 5.0.5-r2
5.0.5-r2 > 2.86-r5
2.86-r5 < 2.86-r6
2.86-r6 > 1.15.1-r1
1.15.1-r1 < 8.4.9
8.4.9 > 7.6-r8
7.6-r8 > 3.9.4-r2
3.9.4-r2 < 3.9.4-r3
3.9.4-r3 < 3.9.5-r2
3.9.5-r2 > 1.1.9
1.1.9 > 1.0.6
1.0.6 < 5.9
5.9 < 6.5
6.5 > 0.40-r1
0.40-r1 < 2.25b-r5
2.25b-r5 < 2.25b-r6
2.25b-r6 > 1.0.4
1.0.4 < 1.0.5
1.0.5 < 1.4_p12-r2
1.4_p12-r2 < 1.4_p12-r5
1.4_p12-r5 > 1.1
1.1 > 0.2.0-r1
0.2.0-r1 < 0.2.1
0.2.1 < 0.9.28-r1
0.9.28-r1 < 0.9.28-r2
0.9.28-r2 < 0.9.28.1
0.9.28.1 > 0.9.28
0.9.28 < 0.9.28.1
0.9.28.1 < 087-r1
087-r1 < 103
103 < 104-r11
104-r11 > 104-r9
104-r9 > 1.23-r1
1.23-r1 > 1.23
1.23 < 1.23-r1
1.23-r1 > 1.0.2
1.0.2 < 5.52-r1
5.52-r1 > 1.2.5_rc2
1.2.5_rc2 > 0.1
0.1 < 0.71-r1
0.71-r1 < 20040406-r1
20040406-r1 > 2.12r-r4
2.12r-r4 < 2.12r-r5
2.12r-r5 > 0.0.7
0.0.7 < 1.0.3
1.0.3 < 1.8
1.8 < 7.0.17
7.0.17 < 7.0.174
7.0.174 > 7.0.17
7.0.17 < 7.0.174
7.0.174 > 1.0.1
1.0.1 < 1.1.1-r3
1.1.1-r3 > 0.3.4_pre20061029
0.3.4_pre20061029 < 0.4.0
0.4.0 > 0.1.2
0.1.2 < 1.10.2
1.10.2 < 2.16
2.16 < 28
28 > 0.99.4
0.99.4 < 1.13
1.13 > 1.0.1
1.0.1 < 1.1.2-r2
1.1.2-r2 > 1.1.0
1.1.0 < 1.1.1
1.1.1 = 1.1.1
1.1.1 > 0.6.0
0.6.0 < 6.6.3
6.6.3 > 1.1.1
1.1.1 > 1.1.0
1.1.0 = 1.1.0
1.1.0 > 0.2.0
0.2.0 < 0.3.0
0.3.0 < 1.1.1
1.1.1 < 1.2.0
1.2.0 > 1.1.0
1.1.0 < 1.6.5
1.6.5 > 1.1.0
1.1.0 < 1.4.2
1.4.2 > 1.1.1
1.1.1 < 2.8.1
2.8.1 > 1.2.0
1.2.0 < 4.1.0
4.1.0 > 0.4.1
0.4.1 < 1.9.1
1.9.1 < 2.1.1
2.1.1 > 1.4.1
1.4.1 > 0.9.1-r1
0.9.1-r1 > 0.8.1
0.8.1 < 1.2.1-r1
1.2.1-r1 > 1.1.0
1.1.0 < 1.2.1
1.2.1 > 1.1.0
1.1.0 > 0.1.1
0.1.1 < 1.2.1
1.2.1 < 4.1.0
4.1.0 > 0.2.1-r1
0.2.1-r1 < 1.1.0
1.1.0 < 2.7.11
2.7.11 > 1.0.2-r6
1.0.2-r6 > 1.0.2
1.0.2 > 0.8
0.8 < 1.1.1-r4
1.1.1-r4 < 222
222 > 1.0.1
1.0.1 < 1.2.12-r1
1.2.12-r1 > 1.2.8
1.2.8 < 1.2.9.1-r1
1.2.9.1-r1 > 1.2.9.1
1.2.9.1 < 2.31-r1
2.31-r1 > 2.31
2.31 > 1.2.3-r1
1.2.3-r1 > 1.2.3
1.2.3 < 4.2.5
4.2.5 < 4.3.2-r2
1.3-r0 < 1.3.1-r0
1.3_pre1-r1 < 1.3.2
1.0_p10-r0 > 1.0_p9-r0
0.1.0_alpha_pre2 < 0.1.0_alpha
1.0.0_pre20191002222144-r0 < 1.0.0_pre20210530193627-r0
`;

  test('test/version.data comparisons', () => {
    let n = 0;
    for (const line of VERSION_DATA.split('\n')) {
      const text = line.replace(/#.*/, '').trim();
      if (!text) continue;
      const [a, op, b] = text.split(/\s+/);
      expectCmp(apk, a, b, op === '<' ? -1 : op === '>' ? 1 : 0);
      n++;
    }
    assert.equal(n, 729);
  });

  // apk-tools v3 test/unit/version.data (read from its copy in braam-os/core test/unit/
  // version.data): the rows it adds to the comparison table, and its validity list ("!" marks
  // an invalid version). Its fuzzy-match rows ("~", "<~", ">~", "!~") are dependency operators,
  // not orderings, and are left out.
  test('v3 test/unit/version.data additions and validity list', () => {
    const LESS: [string, string][] = [
      ['6.0_pre1', '6.0'], ['6.1_pre1', '6.1'], ['6.0', '6.0_p1'], ['6.1', '6.1_p1'],
      ['8.2.0', '8.2.001'], ['8.2.0015', '8.2.002'],
      ['1.0~1234', '1.0~2345'], ['1.0~1234-r1', '1.0~2345-r0'], ['1.0~1234-r0', '1.0~1234-r1'],
    ];
    for (const [a, b] of LESS) expectCmp(apk, a, b, -1);
    for (const ok of ['1.2', '0.1_pre2', '0.1_pre2~1234abcd', '0.1_p1_pre2', '0.1_alpha1_pre2', '0.1_git20240101_pre1'])
      assert.equal(apk.valid(ok), true, ok);
    const BAD = ['', '0.1bc', '0.1bc1', '0.1a1', '0.1a.1', '0.1_pre2~', '0.1_pre2~1234xbcd', '0.1_pre2~1234abcd_pre1', '0.1_pre2-r1~1234xbcd',
      '0.1_foobar', '0.1_foobar1', '0.1-pre1.1', '0.1-r', '0.1-r2_pre1', '0.1-r2_p3_pre1', '0.1-r2-r3', '0.1-r2.1', '.1', 'a', '_pre1', '-r1',
      '0.1_', '0.1_-r0', '0.1__alpha', '0.1_1_alpha'];
    for (const bad of BAD) assert.equal(apk.valid(bad), false, JSON.stringify(bad));
  });

  test('suffix order: _alpha < _beta < _pre < _rc < none < -rN < _cvs < _svn < _git < _hg < _p < letter < .N', () => {
    expectAscending(apk, ['1.0_alpha', '1.0_beta', '1.0_pre', '1.0_rc', '1.0', '1.0-r1', '1.0_cvs', '1.0_svn', '1.0_git', '1.0_hg', '1.0_p1', '1.0a', '1.0.1']);
  });
});

// ---------------------------------------------------------------------------------------------
describe('RPM (Red Hat, SUSE, Rocky, Alma, …)', () => {
  // rpm-software-management/rpm tests/rpmvercmp.at, its RPMVERCMP(a, b, expected) cases verbatim
  // (the commented-out "oddities" are not asserted by upstream either).
  const RPMVERCMP_AT = `
RPMVERCMP(1.0, 1.0, 0)
RPMVERCMP(1.0, 2.0, -1)
RPMVERCMP(2.0, 1.0, 1)
RPMVERCMP(2.0.1, 2.0.1, 0)
RPMVERCMP(2.0, 2.0.1, -1)
RPMVERCMP(2.0.1, 2.0, 1)
RPMVERCMP(2.0.1a, 2.0.1a, 0)
RPMVERCMP(2.0.1a, 2.0.1, 1)
RPMVERCMP(2.0.1, 2.0.1a, -1)
RPMVERCMP(5.5p1, 5.5p1, 0)
RPMVERCMP(5.5p1, 5.5p2, -1)
RPMVERCMP(5.5p2, 5.5p1, 1)
RPMVERCMP(5.5p10, 5.5p10, 0)
RPMVERCMP(5.5p1, 5.5p10, -1)
RPMVERCMP(5.5p10, 5.5p1, 1)
RPMVERCMP(10xyz, 10.1xyz, -1)
RPMVERCMP(10.1xyz, 10xyz, 1)
RPMVERCMP(xyz10, xyz10, 0)
RPMVERCMP(xyz10, xyz10.1, -1)
RPMVERCMP(xyz10.1, xyz10, 1)
RPMVERCMP(xyz.4, xyz.4, 0)
RPMVERCMP(xyz.4, 8, -1)
RPMVERCMP(8, xyz.4, 1)
RPMVERCMP(xyz.4, 2, -1)
RPMVERCMP(2, xyz.4, 1)
RPMVERCMP(5.5p2, 5.6p1, -1)
RPMVERCMP(5.6p1, 5.5p2, 1)
RPMVERCMP(5.6p1, 6.5p1, -1)
RPMVERCMP(6.5p1, 5.6p1, 1)
RPMVERCMP(6.0.rc1, 6.0, 1)
RPMVERCMP(6.0, 6.0.rc1, -1)
RPMVERCMP(10b2, 10a1, 1)
RPMVERCMP(10a2, 10b2, -1)
RPMVERCMP(1.0aa, 1.0aa, 0)
RPMVERCMP(1.0a, 1.0aa, -1)
RPMVERCMP(1.0aa, 1.0a, 1)
RPMVERCMP(10.0001, 10.0001, 0)
RPMVERCMP(10.0001, 10.1, 0)
RPMVERCMP(10.1, 10.0001, 0)
RPMVERCMP(10.0001, 10.0039, -1)
RPMVERCMP(10.0039, 10.0001, 1)
RPMVERCMP(4.999.9, 5.0, -1)
RPMVERCMP(5.0, 4.999.9, 1)
RPMVERCMP(20101121, 20101121, 0)
RPMVERCMP(20101121, 20101122, -1)
RPMVERCMP(20101122, 20101121, 1)
RPMVERCMP(2_0, 2_0, 0)
RPMVERCMP(2.0, 2_0, 0)
RPMVERCMP(2_0, 2.0, 0)
RPMVERCMP(a, a, 0)
RPMVERCMP(a+, a+, 0)
RPMVERCMP(a+, a_, 0)
RPMVERCMP(a_, a+, 0)
RPMVERCMP(+a, +a, 0)
RPMVERCMP(+a, _a, 0)
RPMVERCMP(_a, +a, 0)
RPMVERCMP(+_, +_, 0)
RPMVERCMP(_+, +_, 0)
RPMVERCMP(_+, _+, 0)
RPMVERCMP(+, _, 0)
RPMVERCMP(_, +, 0)
RPMVERCMP(1.0~rc1, 1.0~rc1, 0)
RPMVERCMP(1.0~rc1, 1.0, -1)
RPMVERCMP(1.0, 1.0~rc1, 1)
RPMVERCMP(1.0~rc1, 1.0~rc2, -1)
RPMVERCMP(1.0~rc2, 1.0~rc1, 1)
RPMVERCMP(1.0~rc1~git123, 1.0~rc1~git123, 0)
RPMVERCMP(1.0~rc1~git123, 1.0~rc1, -1)
RPMVERCMP(1.0~rc1, 1.0~rc1~git123, 1)
RPMVERCMP(1.0^, 1.0^, 0)
RPMVERCMP(1.0^, 1.0, 1)
RPMVERCMP(1.0, 1.0^, -1)
RPMVERCMP(1.0^git1, 1.0^git1, 0)
RPMVERCMP(1.0^git1, 1.0, 1)
RPMVERCMP(1.0, 1.0^git1, -1)
RPMVERCMP(1.0^git1, 1.0^git2, -1)
RPMVERCMP(1.0^git2, 1.0^git1, 1)
RPMVERCMP(1.0^git1, 1.01, -1)
RPMVERCMP(1.01, 1.0^git1, 1)
RPMVERCMP(1.0^20160101, 1.0^20160101, 0)
RPMVERCMP(1.0^20160101, 1.0.1, -1)
RPMVERCMP(1.0.1, 1.0^20160101, 1)
RPMVERCMP(1.0^20160101^git1, 1.0^20160101^git1, 0)
RPMVERCMP(1.0^20160102, 1.0^20160101^git1, 1)
RPMVERCMP(1.0^20160101^git1, 1.0^20160102, -1)
RPMVERCMP(1.0~rc1^git1, 1.0~rc1^git1, 0)
RPMVERCMP(1.0~rc1^git1, 1.0~rc1, 1)
RPMVERCMP(1.0~rc1, 1.0~rc1^git1, -1)
RPMVERCMP(1.0^git1~pre, 1.0^git1~pre, 0)
RPMVERCMP(1.0^git1, 1.0^git1~pre, 1)
RPMVERCMP(1.0^git1~pre, 1.0^git1, -1)
`;

  test('tests/rpmvercmp.at', () => {
    const cases = [...RPMVERCMP_AT.matchAll(/RPMVERCMP\((.*), (.*), (-?\d)\)/g)];
    assert.equal(cases.length, 91);
    for (const [, a, b, r] of cases) expectCmp(rpm, a, b, Number(r));
  });

  test('epoch:version-release', () => {
    expectAscending(rpm, ['1.0', '1.0-1.el9', '1.0-2.el9', '1.0.1-1', '0:2.0-1', '1:0.1-1', '2:0.0.1']);
    expectCmp(rpm, '0:1.2.3-4.el9', '1.2.3-4.el9', 0);
    expectCmp(rpm, '1.2.3-4.el9_1', '1.2.3-4.el9', 1);
    expectCmp(rpm, '1.2.3-4.el9~beta', '1.2.3-4.el9', -1);
    assert.equal(rpm.valid('1:1.2.3-4.el9_2.1'), true);
    assert.equal(rpm.valid('1.2-3-4'), false);
  });
});

// ---------------------------------------------------------------------------------------------
describe('RubyGems, NuGet, Packagist', () => {
  // rubygems/rubygems test/rubygems/test_gem_version.rb test_spaceship / test_equals2, and
  // lib/rubygems/version.rb's rule that "-" is read as ".pre.".
  test('Gem::Version', () => {
    expectCmp(rubygems, '1.0', '1.0.0', 0);
    expectCmp(rubygems, '1.0', '1.0.a', 1);
    expectCmp(rubygems, '1.8.2', '0.0.0', 1);
    expectCmp(rubygems, '1.8.2', '1.8.2.a', 1);
    expectCmp(rubygems, '1.8.2.b', '1.8.2.a', 1);
    expectCmp(rubygems, '1.8.2.a', '1.8.2', -1);
    expectCmp(rubygems, '1.8.2.a10', '1.8.2.a9', 1);
    expectCmp(rubygems, '', '0.0', 0);
    expectCmp(rubygems, '1.2.b1', '1.2.b.1', 0);
    expectCmp(rubygems, '1.0.0-rc1', '1.0.0.pre.rc1', 0);
    expectAscending(rubygems, ['1.0.0.a', '1.0.0.b', '1.0.0.rc1', '1.0.0', '1.0.1', '1.1']);
    assert.equal(rubygems.valid('1.2.3.beta1'), true);
    assert.equal(rubygems.valid('junk'), false);
  });

  test('NuGet', () => {
    expectAscending(nuget, ['1.0.0-alpha', '1.0.0-alpha.1', '1.0.0-alpha.beta', '1.0.0-beta', '1.0.0-beta.2', '1.0.0-beta.11', '1.0.0-rc.1', '1.0.0', '1.0.0.1', '1.0.1']);
    expectCmp(nuget, '1.0', '1.0.0.0', 0);
    expectCmp(nuget, '1.0.0-BETA', '1.0.0-beta', 0);
    expectCmp(nuget, '1.0.0+build', '1.0.0', 0);
  });

  // php-src ext/standard/versioning.c (the order quoted in osv.dev osv/ecosystems/packagist.py):
  // "any string not found in this list < dev < alpha = a < beta = b < RC = rc < # < pl = p".
  test('Packagist', () => {
    expectAscending(packagist, ['1.0.0-dev', '1.0.0-alpha1', '1.0.0-beta2', '1.0.0-RC1', '1.0.0', '1.0.0-p1', '1.0.1']);
    expectCmp(packagist, '4.3.2RC1', '4.3.2.RC.1', 0);
    expectCmp(packagist, 'v1.2.3', '1.2.3', 0);
    expectCmp(packagist, '1.0', '1.0.0', 0);
    expectCmp(packagist, '1.0.0-a1', '1.0.0-alpha1', 0);
    expectCmp(packagist, '1.0.0-patch1', '1.0.0-pl1', 0);
  });
});

// ---------------------------------------------------------------------------------------------
describe('ecosystem selection and OSV conventions', () => {
  test('schemeFor picks the scheme from the part before ":"', () => {
    const CASES: [string, string | undefined][] = [
      ['npm', 'semver'], ['Go', 'semver'], ['crates.io', 'semver'], ['Hex', 'semver'], ['Pub', 'pub'], ['PyPI', 'pep440'],
      ['Maven', 'maven'], ['NuGet', 'nuget'], ['RubyGems', 'rubygems'], ['Packagist', 'packagist'],
      ['Debian', 'dpkg'], ['Debian:12', 'dpkg'], ['Ubuntu', 'dpkg'], ['Ubuntu:22.04:LTS', 'dpkg'], ['Ubuntu:Pro:18.04:LTS', 'dpkg'],
      ['Alpine', 'apk'], ['Alpine:v3.19', 'apk'], ['Wolfi', 'apk'], ['Chainguard', 'apk'],
      ['Red Hat', 'rpm'], ['Red Hat:enterprise_linux:9::baseos', 'rpm'], ['Rocky Linux', 'rpm'], ['AlmaLinux', 'rpm'], ['AlmaLinux:9', 'rpm'],
      ['openSUSE', 'rpm'], ['SUSE', 'rpm'], ['Mageia', 'rpm'], ['Photon OS', 'rpm'], ['Azure Linux', 'rpm'],
      ['pypi', 'pep440'], ['GIT', undefined], ['Linux', undefined], ['OSS-Fuzz', undefined], ['', undefined], ['constructor', undefined],
    ];
    for (const [eco, name] of CASES) assert.equal(schemeFor(eco)?.name, name, eco);
    assert.equal(compareVersions('Debian:12', '1.0~rc1', '1.0'), -1);
    assert.equal(compareVersions('GIT', 'a', 'b'), undefined);
    assert.equal(compareVersions('Go', 'v1.2.3', '1.2.3'), 0);
  });

  const SCHEMES = [semver, pub, pep440, maven, dpkg, apk, rpm, rubygems, nuget, packagist];

  test('"0" (introduced: "0") sorts below everything in every scheme', () => {
    const LOW = ['0.0.0-alpha', '0.dev0', '0~rc1', '0_alpha', 'alpha', '~', '', 'junk', '0.0', '0:0', '00', '-1', '0-0', '0a'];
    for (const s of SCHEMES) {
      assert.equal(s.compare('0', '0'), 0, s.name);
      for (const v of LOW) if (v !== '0') assert.ok(s.compare('0', v) < 0 && s.compare(v, '0') > 0, `${s.name}: 0 < ${JSON.stringify(v)}`);
    }
  });

  test('compare never throws and is reflexive on odd input', () => {
    const ODD = ['', ' ', '\u0000', '-', '.', ':', '~', '^', '+', '💥1.0', 'a'.repeat(5000), '-'.repeat(3000), '9'.repeat(400), '1:', ':1', '1.0-', 'v', 'V1'];
    for (const s of SCHEMES) for (const a of ODD) {
      assert.equal(s.compare(a, a), 0, `${s.name} ${JSON.stringify(a.slice(0, 10))}`);
      for (const b of ODD) assert.equal(sign(s.compare(a, b)), neg(sign(s.compare(b, a))));
      assert.equal(typeof s.valid(a), 'boolean');
    }
  });
});

// ---------------------------------------------------------------------------------------------
describe('compare is a total order (property)', () => {
  const pick = <T>(xs: readonly T[]) => fc.constantFrom(...xs);
  const num = fc.oneof(fc.integer({ min: 0, max: 12 }).map(String), pick(['0', '00', '01', '007', '10', '123', '99999999999999999999']));
  const join = (parts: fc.Arbitrary<string>[], sep: fc.Arbitrary<string>, max = 5) =>
    fc.array(fc.tuple(sep, fc.oneof(...parts)), { minLength: 0, maxLength: max }).map((xs) => xs.map(([s, p]) => s + p).join(''));

  const WORDS = ['alpha', 'a', 'beta', 'b', 'rc', 'c', 'pre', 'dev', 'post', 'r', 'm', 'milestone', 'cr', 'snapshot', 'SNAPSHOT', 'ga', 'final', 'release', 'sp', 'p', 'pl', 'patch', 'git', 'cvs', 'svn', 'hg', 'x', 'abc', 'Final', 'RC', 'el9', 'fc38', 'dfsg', 'nmu', 'build'];
  const word = pick(WORDS);
  const anyVersion = fc.tuple(num, join([num, word, pick(['', '~', '^'])], pick(['.', '-', '_', '+', '~', '^', ':', '', '!']), 6)).map(([a, b]) => a + b);

  // A small alphabet, so that generated versions often share prefixes and compare deep.
  const denseTok = pick(['0', '1', '2', '00', '01', '10', 'a', 'alpha', 'b', 'beta', 'm', 'rc', 'cr', 'sp', 'ga', 'final', 'release', 'snapshot', 'x', 'pre', 'dev', 'post', 'p', 'r', '_alpha', '_p', '_rc', '~', '^', '']);
  const dense = fc
    .tuple(pick(['', '0', '1', '2', '01', '10']), fc.array(fc.tuple(pick(['.', '-', '', '_', '+', '~', '^', ':']), denseTok), { maxLength: 6 }))
    .map(([head, xs]) => head + xs.map(([s, t]) => s + t).join(''));

  const semverish = fc
    .tuple(num, num, num, fc.option(join([num, word], pick(['.', '-']), 4)), fc.option(join([num, word], pick(['.']), 2)))
    .map(([a, b, c, pre, build]) => `${a}.${b}.${c}${pre ? '-' + pre.replace(/^[.-]+/, '') + 'x' : ''}${build ? '+' + build.replace(/^\.+/, '') + '1' : ''}`);
  const apkish = fc
    .tuple(num, join([num], pick(['.']), 3), fc.option(pick(['a', 'b', 'z'])), join([pick(['_alpha', '_beta', '_pre', '_rc', '_p', '_git', '_cvs'])], pick(['', '']), 2), fc.option(num), fc.option(num))
    .map(([a, dots, letter, suf, sn, rev]) => `${a}${dots}${letter ?? ''}${suf}${sn ?? ''}${rev !== null ? '-r' + rev : ''}`);

  const GENERATORS: [VersionScheme, fc.Arbitrary<string>][] = [
    [semver, fc.oneof(semverish, anyVersion, dense)],
    [pub, fc.oneof(semverish, anyVersion, dense)],
    [pep440, fc.oneof(anyVersion, PEP440_GEN(), dense)],
    [maven, fc.oneof(anyVersion, dense)],
    [dpkg, fc.oneof(anyVersion, dense)],
    [apk, fc.oneof(apkish, anyVersion, dense)],
    [rpm, fc.oneof(anyVersion, dense)],
    [rubygems, fc.oneof(anyVersion, semverish, dense)],
    [nuget, fc.oneof(semverish, anyVersion, dense)],
    [packagist, fc.oneof(anyVersion, dense)],
  ];

  function PEP440_GEN(): fc.Arbitrary<string> {
    return fc
      .tuple(fc.option(pick(['1!', '0!', '2!'])), join([num], pick(['.']), 3), fc.option(fc.tuple(pick(['a', 'b', 'rc', 'c', 'alpha', '.pre', '-beta']), fc.option(num))), fc.option(fc.tuple(pick(['.post', '-', 'post', '.r']), num)), fc.option(fc.tuple(pick(['.dev', 'dev']), fc.option(num))), fc.option(join([num, word], pick(['.', '-', '_']), 3)))
      .map(([e, rel, pre, post, dev, local]) => `${e ?? ''}1${rel}${pre ? pre[0] + (pre[1] ?? '') : ''}${post ? post[0] + post[1] : ''}${dev ? dev[0] + (dev[1] ?? '') : ''}${local ? '+x' + local : ''}`);
  }

  for (const [scheme, gen] of GENERATORS) {
    test(`${scheme.name}: antisymmetric and transitive`, () => {
      fc.assert(
        fc.property(gen, gen, gen, (a, b, c) => {
          const ab = sign(scheme.compare(a, b));
          const bc = sign(scheme.compare(b, c));
          const ac = sign(scheme.compare(a, c));
          if (ab !== neg(sign(scheme.compare(b, a)))) return false;
          if (sign(scheme.compare(a, a)) !== 0) return false;
          // a <= b <= c  ⇒  a <= c, with equality only when both steps are equal
          if (ab <= 0 && bc <= 0 && !(ac <= 0 && (ac < 0 || (ab === 0 && bc === 0)))) return false;
          if (ab >= 0 && bc >= 0 && !(ac >= 0 && (ac > 0 || (ab === 0 && bc === 0)))) return false;
          return true;
        }),
        { numRuns: 5000 },
      );
    });

    test(`${scheme.name}: sorting agrees with pairwise compare`, () => {
      fc.assert(
        fc.property(fc.array(gen, { maxLength: 25 }), (xs) => {
          const sorted = [...xs].sort(scheme.compare);
          for (let i = 0; i + 1 < sorted.length; i++) if (scheme.compare(sorted[i], sorted[i + 1]) > 0) return false;
          return true;
        }),
        { numRuns: 300 },
      );
    });
  }
});

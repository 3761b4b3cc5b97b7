/**
 * `kubecomply vuln scan` outputs: the SARIF is valid SARIF 2.1.0 with what code scanning needs, the
 * JSON carries the gate verdict, the table shows severity, KEV and waivers, and --fail-on counts only
 * open matches.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { countsBySeverity, cyclonedxVulnerabilities, failsGate, formatVulnJson, formatVulnSarif, formatVulnTable, type VulnScanResult } from '../../src/report/vuln.js';
import type { VulnMatch } from '../../src/supply/vuln/types.js';
import { ajvDraft04 } from '../helpers/schema.js';

const NOW = new Date('2026-12-01T12:00:00Z');

const log4j: VulnMatch = {
  component: { ref: 'pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1', name: 'org.apache.logging.log4j/log4j-core', version: '2.14.1', purl: 'pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1', layer: 'platform' },
  id: 'GHSA-jfh8-c2jp-5v3q',
  aliases: ['CVE-2021-44228'],
  summary: 'Remote code injection in Log4j',
  ecosystem: 'Maven',
  severity: 'critical',
  cvss: { version: '3.1', vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H', score: 10, severity: 'critical' },
  fixedVersions: ['2.15.0'],
  exploited: true,
  kev: { cveId: 'CVE-2021-44228', dateAdded: '2021-12-10' },
  references: ['https://logging.apache.org/log4j/2.x/security.html'],
  status: 'open',
};
const minimist: VulnMatch = {
  component: { ref: 'npm-minimist', name: 'minimist', version: '1.2.5', purl: 'pkg:npm/minimist@1.2.5' },
  id: 'GHSA-xvch-5gv4-984h',
  aliases: ['CVE-2021-44906'],
  summary: 'Prototype Pollution in minimist',
  ecosystem: 'npm',
  severity: 'medium',
  fixedVersions: ['1.2.6'],
  exploited: false,
  references: [],
  status: 'excepted',
  exception: { name: 'minimist-cli-only', approvedBy: 'jane@example.com', expires: '2027-01-31', justification: 'only parses our own CLI flags' },
};

function result(matches: VulnMatch[], failOn: VulnScanResult['failOn'] = 'critical'): VulnScanResult {
  return {
    target: { file: 'product.cdx.json', kind: 'sbom' },
    components: 10,
    unsupported: [{ name: 'internal-tool', reason: 'no purl' }],
    matches,
    db: { path: '/tmp/vuln.db', advisories: 42, kev: 7 },
    failOn,
    now: NOW,
  };
}

describe('vulnerability report formats', () => {
  test('SARIF validates against the official 2.1.0 schema; waived matches are accepted suppressions', () => {
    const schema = JSON.parse(readFileSync('../shared/reference/schemas/sarif-schema-2.1.0.json', 'utf8'));
    const validate = ajvDraft04().compile<any>(schema);
    const doc: any = JSON.parse(formatVulnSarif(result([log4j, minimist])));
    assert.ok(validate(doc), JSON.stringify(validate.errors?.slice(0, 3)));
    const run = doc.runs[0];
    assert.deepEqual(run.tool.driver.rules.map((r: any) => r.id), ['GHSA-jfh8-c2jp-5v3q', 'GHSA-xvch-5gv4-984h']);
    assert.equal(run.tool.driver.rules[0].properties['security-severity'], '10.0');
    assert.equal(run.results[0].level, 'error');
    assert.match(run.results[0].message.text, /log4j-core@2\.14\.1 is affected by GHSA-jfh8-c2jp-5v3q \(CVE-2021-44228\).*CISA KEV.*Fixed in 2\.15\.0/);
    assert.equal(run.results[0].locations[0].physicalLocation.artifactLocation.uri, 'product.cdx.json');
    assert.equal(run.results[1].suppressions[0].status, 'accepted');
    assert.match(run.results[1].suppressions[0].justification, /minimist-cli-only: only parses our own CLI flags/);
  });

  test('the gate counts open matches at or above the threshold only', () => {
    assert.equal(failsGate([log4j], 'critical'), true);
    assert.equal(failsGate([minimist], 'low'), false, 'excepted never fails');
    assert.equal(failsGate([{ ...minimist, status: 'open' }], 'high'), false);
    assert.equal(failsGate([{ ...minimist, status: 'open' }], 'medium'), true);
    assert.equal(failsGate([log4j], 'none'), false);
    assert.equal(failsGate([{ ...log4j, severity: 'unknown' }], 'low'), false);
    assert.deepEqual(countsBySeverity([log4j, minimist]), { critical: 1, high: 0, medium: 0, low: 0, none: 0, unknown: 0 });
  });

  test('JSON carries the summary and the verdict', () => {
    const doc = JSON.parse(formatVulnJson(result([log4j, minimist])));
    assert.equal(doc.schemaVersion, 'kubecomply.io/vuln-result/v1');
    assert.deepEqual(
      { vulnerabilities: doc.summary.vulnerabilities, excepted: doc.summary.excepted, exploited: doc.summary.exploited, failed: doc.summary.failed },
      { vulnerabilities: 1, excepted: 1, exploited: 1, failed: true },
    );
    assert.equal(doc.matches[1].exception.name, 'minimist-cli-only');
    assert.equal(doc.unsupported[0].reason, 'no purl');
  });

  test('the table shows severity with score, KEV, fixed version, layer and the waiver', () => {
    const text = formatVulnTable(result([log4j, minimist]), { color: false });
    assert.match(text, /Total: 1 \(CRITICAL: 1, HIGH: 0, MEDIUM: 0, LOW: 0, UNKNOWN: 0\), 1 known exploited, 1 excepted/);
    const row = text.split('\n').find((l) => l.includes('GHSA-jfh8'))!;
    assert.match(row, /GHSA-jfh8-c2jp-5v3q \[KEV\]\s+CRITICAL 10\.0\s+fixed\s+2\.14\.1\s+2\.15\.0\s+platform/);
    assert.match(text, /excepted \(minimist-cli-only, expires 2027-01-31, 61d left\)/);
    assert.match(text, /1 of 10 components could not be checked.*internal-tool \(no purl\)/);
    assert.match(formatVulnTable(result([]), { color: false }), /No known vulnerabilities in 10 components/);
  });

  test('CycloneDX vulnerabilities: one entry per advisory, affects by bom-ref, rating with the computed vector', () => {
    const other = { ...log4j, component: { ...log4j.component, ref: 'other-jar', version: '2.14.0' } };
    const v = cyclonedxVulnerabilities([log4j, other, minimist]);
    assert.equal(v.length, 2);
    assert.deepEqual((v[0] as any).affects.map((a: any) => a.ref), [log4j.component.ref, 'other-jar']);
    assert.deepEqual((v[0] as any).ratings[0], { score: 10, severity: 'critical', method: 'CVSSv31', vector: log4j.cvss!.vector });
    assert.match((v[1] as any).analysis.detail, /ComplianceException minimist-cli-only/);
  });
});

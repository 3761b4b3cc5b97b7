/**
 * Vulnerability waivers: a ComplianceException with spec.vulnerabilities excepts matching
 * vulnerability matches — by id or alias, narrowed by spec.match.packages — only while it is active.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, test } from 'node:test';
import { defaultExceptionPolicy } from '../../src/config/defaults.js';
import { knownBuiltinControl } from '../../src/scanner.js';
import { parseExceptions, reviewException, type ExceptionStatus } from '../../src/policy/exceptions.js';
import { loadSources } from '../../src/sources/loader.js';
import { applyVulnWaivers } from '../../src/supply/vuln/waivers.js';
import type { VulnMatch } from '../../src/supply/vuln/types.js';
import { tempDir, writeTree } from '../helpers/tmp.js';

const NOW = new Date('2026-12-01T12:00:00Z');

const doc = (name: string, spec: Record<string, unknown>): string =>
  ['apiVersion: kubecomply.io/v1alpha1', 'kind: ComplianceException', 'metadata:', `  name: ${name}`, 'spec:', ...Object.entries(spec).map(([k, v]) => `  ${k}: ${JSON.stringify(v)}`), '---'].join('\n');

const BASE = {
  justification: 'JNDI lookups are disabled with log4j2.formatMsgNoLookups and the JndiLookup class is removed',
  approvedBy: 'security@example.com',
  approvedAt: '2026-11-20',
  expires: '2027-01-31',
};

async function load(yaml: string): Promise<ExceptionStatus[]> {
  const dir = tempDir();
  writeTree(dir, { 'waivers.yaml': yaml });
  const loaded = await loadSources([path.join(dir, 'waivers.yaml')], { defaultNamespace: 'default' });
  return parseExceptions(loaded.resources, defaultExceptionPolicy(), knownBuiltinControl, NOW).statuses;
}

function match(id: string, aliases: string[], purl: string, name: string): VulnMatch {
  return {
    component: { ref: purl, name, version: purl.split('@')[1] ?? '', purl },
    id,
    aliases,
    ecosystem: 'Maven',
    severity: 'critical',
    fixedVersions: ['2.15.0'],
    exploited: true,
    references: [],
    status: 'open',
  };
}

const LOG4J = match('GHSA-jfh8-c2jp-5v3q', ['CVE-2021-44228'], 'pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1', 'org.apache.logging.log4j/log4j-core');
const LOG4J_OTHER = match('GHSA-jfh8-c2jp-5v3q', ['CVE-2021-44228'], 'pkg:maven/org.example/shaded-log4j@1.0', 'org.example/shaded-log4j');
const MINIMIST = match('GHSA-xvch-5gv4-984h', ['CVE-2021-44906'], 'pkg:npm/minimist@1.2.5', 'minimist');

describe('vulnerability waivers', () => {
  test('a waiver naming the CVE alias excepts the GHSA match; other vulnerabilities stay open', async () => {
    const statuses = await load(doc('log4shell', { vulnerabilities: ['CVE-2021-44228'], ...BASE }));
    assert.equal(statuses[0]!.state, 'active', statuses[0]!.problems.join('; '));
    const r = applyVulnWaivers([LOG4J, MINIMIST], statuses);
    assert.equal(r.matches[0]!.status, 'excepted');
    assert.equal(r.matches[0]!.exception?.name, 'log4shell');
    assert.equal(r.matches[0]!.exception?.approvedBy, 'security@example.com');
    assert.equal(r.matches[1]!.status, 'open');
    assert.equal(r.used.get('log4shell'), 1);
  });

  test('spec.match.packages narrows the waiver to the packages named (purl without version, or a glob)', async () => {
    const statuses = await load(
      doc('log4shell', { vulnerabilities: ['GHSA-jfh8-c2jp-5v3q'], match: { packages: ['pkg:maven/org.apache.logging.log4j/*'] }, ...BASE }),
    );
    assert.equal(statuses[0]!.state, 'active', statuses[0]!.problems.join('; '));
    const r = applyVulnWaivers([LOG4J, LOG4J_OTHER], statuses);
    assert.deepEqual(r.matches.map((m) => m.status), ['excepted', 'open']);
  });

  test('an expired or unapproved waiver is not honoured', async () => {
    const expired = await load(doc('old', { vulnerabilities: ['CVE-2021-44228'], ...BASE, approvedAt: '2026-10-01', expires: '2026-11-30' }));
    assert.equal(expired[0]!.state, 'expired');
    assert.equal(applyVulnWaivers([LOG4J], expired).matches[0]!.status, 'open');
    const { approvedBy: _drop, ...unapprovedSpec } = BASE;
    void _drop;
    const unapproved = await load(doc('nobody', { vulnerabilities: ['CVE-2021-44228'], ...unapprovedSpec }));
    assert.equal(unapproved[0]!.state, 'unapproved');
    assert.equal(applyVulnWaivers([LOG4J], unapproved).matches[0]!.status, 'open');
  });

  test('malformed waivers are invalid with the field named', async () => {
    const statuses = await load(
      [
        doc('both', { vulnerabilities: ['CVE-2021-44228'], controls: ['pss-privileged'], match: { namespaces: ['x'] }, ...BASE }),
        doc('bad-id', { vulnerabilities: ['log4shell'], ...BASE }),
        doc('bad-match', { vulnerabilities: ['CVE-2021-44228'], match: { namespaces: ['prod'] }, ...BASE }),
        doc('control-with-packages', { controls: ['pss-privileged'], match: { namespaces: ['prod'], packages: ['pkg:npm/x'] }, ...BASE }),
      ].join('\n'),
    );
    const byName = new Map(statuses.map((s) => [s.exception.name, s]));
    assert.equal(byName.get('both')!.state, 'invalid');
    assert.match(byName.get('both')!.problems.join('\n'), /spec\.controls: an exception names controls or vulnerabilities, not both/);
    assert.match(byName.get('bad-id')!.problems.join('\n'), /spec\.vulnerabilities\[0\]: "log4shell" is not a vulnerability id/);
    assert.match(byName.get('bad-match')!.problems.join('\n'), /spec\.match\.namespaces: a vulnerability waiver matches packages only/);
    assert.match(byName.get('control-with-packages')!.problems.join('\n'), /spec\.match\.packages: packages applies to vulnerability waivers/);
    for (const s of statuses) assert.equal(applyVulnWaivers([LOG4J], [s]).matches[0]!.status, 'open');
  });

  test('a control exception never excepts a vulnerability, and a waiver is not flagged over-broad for lacking namespaces', async () => {
    const statuses = await load(
      [doc('ctl', { controls: ['pss-privileged'], match: { namespaces: ['prod'] }, ...BASE }), doc('w', { vulnerabilities: ['CVE-2021-44228'], ...BASE })].join('\n'),
    );
    assert.equal(applyVulnWaivers([LOG4J], [statuses[0]!]).matches[0]!.status, 'open');
    const review = reviewException(statuses[1]!, { now: NOW });
    assert.deepEqual(review.filter((p) => p.kind === 'over-broad'), []);
  });
});

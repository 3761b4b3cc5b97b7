import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { draftSecurityAdvisory } from '../../src/cra/advisory.js';
import { CASE_STATES, markExploited, must, openFromMatch, transition, type Case } from '../../src/cra/cases.js';
import { applyTriage, checkCsafVexProfile, parseVex, suggestTriage, toCsafVex, toCycloneDxVex, toOpenVex, vexStatusOf } from '../../src/cra/vex.js';
import { caseIn, exampleProduct, exampleSbom, runcMatch, T0, validateCsaf, validateCycloneDx16, validateOpenVex, who } from './fixtures.js';

const NOW = new Date('2026-12-01T00:00:00.000Z');
const opts = { author: 'ACME Platform GmbH PSIRT', now: NOW };

/** One case per state, each on its own component/vulnerability so they stay distinguishable. */
function allCases(): Case[] {
  const sbom = exampleSbom();
  return CASE_STATES.map((s, i) => {
    const c = caseIn(s, sbom, `CASE-${i + 1}`);
    return { ...c, vulnerability: { ...c.vulnerability, id: `GHSA-0000-0000-000${i}`, aliases: [`CVE-2026-1000${i}`] } };
  });
}

function impactOnly(): Case {
  const c = openFromMatch(runcMatch({ id: 'GO-2026-1234', aliases: [] }), exampleSbom(), { id: 'IMP', by: 'x', at: T0 });
  return must(transition(c, 'not_affected', { ...who, at: '2026-11-30T10:00:00.000Z', impactStatement: 'runc is only used by rootless pods in this product' }));
}

describe('VEX export validates against the official schemas', () => {
  const p = exampleProduct();
  test('OpenVEX v0.2.0', () => {
    const doc = toOpenVex([...allCases(), impactOnly()], p, opts);
    assert.deepEqual(validateOpenVex(doc), []);
    const st = (doc.statements as Record<string, unknown>[]).map((s) => s.status);
    assert.deepEqual(st, ['under_investigation', 'under_investigation', 'affected', 'not_affected', 'affected', 'fixed', 'fixed', 'not_affected']);
  });

  test('the OpenVEX schema check is live (a not_affected statement without justification fails)', () => {
    const doc = toOpenVex([caseIn('not_affected')], p, opts);
    delete (doc.statements as Record<string, unknown>[])[0]!.justification;
    assert.notDeepEqual(validateOpenVex(doc), []);
  });

  test('CycloneDX 1.6 VEX', () => {
    const doc = toCycloneDxVex([...allCases(), impactOnly()], p, opts);
    assert.deepEqual(validateCycloneDx16(doc), []);
    const states = (doc.vulnerabilities as { analysis: { state: string } }[]).map((v) => v.analysis.state);
    assert.deepEqual(states, ['in_triage', 'in_triage', 'exploitable', 'not_affected', 'exploitable', 'resolved', 'resolved', 'not_affected']);
  });

  test('CSAF 2.0 csaf_vex: schema and the VEX profile rules', () => {
    const doc = toCsafVex([...allCases(), impactOnly()], p, { ...opts, namespace: 'https://acme.example' });
    assert.deepEqual(validateCsaf(doc), []);
    assert.deepEqual(checkCsafVexProfile(doc), []);
    assert.equal((doc.document as { category: string }).category, 'csaf_vex');
    const broken = structuredClone(doc) as { vulnerabilities: Record<string, unknown>[] };
    for (const v of broken.vulnerabilities) delete v.remediations;
    assert.ok(checkCsafVexProfile(broken).some((e) => /no action statement/.test(e)));
    assert.notDeepEqual(validateCsaf({ document: { category: 'csaf_vex' } }), []);
  });

  test('CSAF security advisory for a released fix (with CVSS v3.1 score)', () => {
    const cases = [caseIn('fix_released'), caseIn('closed', undefined, 'CASE-2')];
    const exploitedCase = must(markExploited(caseIn('fix_released', undefined, 'CASE-3'), { ...who, at: '2026-11-30T20:00:00.000Z', source: 'manual' }));
    const doc = draftSecurityAdvisory([...cases, exploitedCase], p, { ...opts, namespace: 'https://acme.example', fixUrl: 'https://acme.example/releases/2.3.1' });
    assert.deepEqual(validateCsaf(doc), []);
    const d = doc.document as { category: string; tracking: { status: string } };
    assert.equal(d.category, 'csaf_security_advisory');
    assert.equal(d.tracking.status, 'draft');
    const v = (doc.vulnerabilities as Record<string, unknown>[])[0]!;
    assert.equal(v.cve, 'CVE-2025-31133');
    const ps = v.product_status as { known_affected: string[]; fixed: string[] };
    assert.equal(ps.known_affected.length, 1);
    assert.equal(ps.fixed.length, 1);
    const names = ((doc.product_tree as { full_product_names: { name: string }[] }).full_product_names).map((f) => f.name);
    assert.ok(names.includes('acme-platform 2.3.0') && names.includes('acme-platform 2.3.1'));
    assert.throws(() => draftSecurityAdvisory([caseIn('fix_available')], p, opts), /once the fix is released/);
  });
});

describe('VEX import and round trip', () => {
  const p = exampleProduct();
  for (const [name, exp] of [
    ['OpenVEX', toOpenVex],
    ['CycloneDX', toCycloneDxVex],
    ['CSAF', toCsafVex],
  ] as const) {
    test(`${name}: export → import gives back each case's status, justification and fix version`, () => {
      const cases = [...allCases(), impactOnly()];
      const stmts = parseVex(JSON.parse(JSON.stringify(exp(cases, p, opts))));
      assert.equal(stmts.length, cases.length);
      const sugg = suggestTriage(cases, stmts);
      assert.equal(sugg.length, cases.length);
      for (const c of cases) {
        const s = sugg.find((x) => x.caseId === c.id)!;
        assert.ok(s, c.id);
        assert.equal(s.statement.status, vexStatusOf(c), c.id);
        // A fixed statement names the package without the bundled version (the fixed release ships another one).
        const fixedVersionless = vexStatusOf(c) === 'fixed' && name !== 'CycloneDX';
        assert.deepEqual(s.statement.purls, [fixedVersionless ? 'pkg:golang/github.com/opencontainers/runc' : c.target.purl]);
        if (vexStatusOf(c) === 'not_affected') {
          assert.equal(s.statement.justification, c.justification, c.id);
          if (c.impactStatement) assert.equal(s.statement.impactStatement, c.impactStatement);
        }
        if (vexStatusOf(c) === 'fixed') assert.equal(s.statement.fixVersion, '2.3.1', c.id);
      }
    });
  }

  test('pre-triage: a not_affected statement moves a new case to not_affected with the justification', () => {
    const triaged = caseIn('not_affected');
    const stmts = parseVex(toCycloneDxVex([triaged], p, opts));
    const fresh = caseIn('new');
    const [s] = suggestTriage([fresh], stmts);
    assert.equal(s!.to, 'not_affected');
    const r = must(applyTriage(fresh, s!, { by: 'kubecomply', at: '2026-12-01T00:00:00.000Z', reason: 'imported VEX' }));
    assert.equal(r.state, 'not_affected');
    assert.equal(r.justification, 'vulnerable_code_not_in_execute_path');
    assert.match(r.events.at(-1)!.reason, /cyclonedx statement for GHSA-qw9x-cqr3-wc7r/);
    assert.equal(applyTriage(r, s!, { by: 'k', at: '2026-12-01T00:00:00.000Z', reason: 'x' }).ok, false);
    const fixed = suggestTriage([fresh], parseVex(toOpenVex([caseIn('fix_released')], p, opts)))[0]!;
    assert.equal(fixed.to, 'fix_released');
    assert.match((applyTriage(fresh, fixed, { by: 'k', at: '2026-12-01T00:00:00.000Z', reason: 'x' }) as { error: string }).error, /not applied automatically/);
  });

  test('statements match by alias and by purl; other components do not match', () => {
    const c = caseIn('new');
    const base = { format: 'openvex' as const, status: 'affected' as const, actionStatement: 'update' };
    assert.equal(suggestTriage([c], [{ ...base, vulnerability: 'CVE-2025-31133', aliases: [], purls: [] }]).length, 1);
    assert.equal(suggestTriage([c], [{ ...base, vulnerability: 'CVE-2025-31133', aliases: [], purls: ['pkg:golang/github.com/opencontainers/runc@v1.2.5'] }]).length, 1);
    assert.equal(suggestTriage([c], [{ ...base, vulnerability: 'CVE-2025-31133', aliases: [], purls: ['pkg:golang/github.com/opencontainers/runc@v1.2.8'] }]).length, 0);
    assert.equal(suggestTriage([c], [{ ...base, vulnerability: 'CVE-2024-1', aliases: [], purls: [] }]).length, 0);
  });

  test('imports real third-party VEX documents', async () => {
    const { readFileSync, readdirSync, existsSync } = await import('node:fs');
    const dir = '../shared/fixtures/sbom/trivy-outputs/pkg/vex/testdata';
    if (!existsSync(dir)) return;
    let n = 0;
    for (const f of readdirSync(dir).filter((x) => x.endsWith('.json'))) {
      let doc: unknown;
      try {
        doc = JSON.parse(readFileSync(`${dir}/${f}`, 'utf8'));
      } catch {
        continue;
      }
      try {
        n += parseVex(doc).length;
      } catch {
        /* not a VEX document */
      }
    }
    assert.ok(n > 0);
  });

  test('unknown documents are refused', () => {
    assert.throws(() => parseVex({ hello: 1 }), /not an OpenVEX, CycloneDX or CSAF 2\.0 document/);
  });
});

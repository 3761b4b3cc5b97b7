import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { markExploited, markIncident, must, recordReport, transition } from '../../src/cra/cases.js';
import { buildDraft, draftsFor, draftToMarkdown } from '../../src/cra/drafts.js';
import { caseIn, exampleProduct, who } from './fixtures.js';

const AWARE = '2026-11-30T12:00:00.000Z';
const NOW = new Date('2026-11-30T13:00:00.000Z');

// The information each stage asks for, per regulations.md §1.2 (field keys of the draft).
const REQUIRED: Record<string, string[]> = {
  'vulnerability/early_warning': ['product', 'memberStates'],
  'vulnerability/notification': ['generalProductInformation', 'natureOfExploit', 'measuresTaken', 'userMeasures', 'sensitivity'],
  'vulnerability/final_report': ['description', 'severity', 'impact', 'maliciousActor', 'securityUpdate'],
  'incident/early_warning': ['suspectedMalicious', 'memberStates'],
  'incident/notification': ['natureOfIncident', 'initialAssessment', 'measures', 'sensitivity'],
  'incident/final_report': ['detailedDescription', 'rootCause', 'mitigation'],
};

function both() {
  let c = caseIn('affected');
  c = must(markExploited(c, { ...who, at: AWARE, source: 'kev' }));
  c = must(markIncident(c, { ...who, at: AWARE, description: 'container escape observed on a customer cluster' }));
  return c;
}

describe('report drafts (regulations.md §1.2)', () => {
  const p = exampleProduct();
  test('every stage of both tracks carries the fields the regulation asks for', () => {
    const drafts = draftsFor(both(), p, NOW);
    assert.equal(drafts.length, 6);
    for (const d of drafts) {
      const keys = d.fields.map((f) => f.key);
      for (const k of REQUIRED[`${d.track}/${d.stage}`]!) assert.ok(keys.includes(k), `${d.track}/${d.stage}: ${k}`);
      assert.equal(d.citation, 'regulations.md §1.2');
      assert.deepEqual(d.recipients, ["CSIRT designated as coordinator (Member State of the manufacturer's main establishment)", 'ENISA']);
      assert.ok(d.caveats.some((x) => /\[R\]/.test(x)), 'uncertain facts are stated');
      for (const f of d.fields) assert.ok(f.article.startsWith(d.track === 'vulnerability' ? 'Art. 14(2)' : 'Art. 14(4)'));
    }
  });

  test('pre-filled from the case and product; unknowns are TODOs', () => {
    const d = buildDraft(both(), p, 'vulnerability', 'early_warning', NOW);
    assert.equal(d.article, 'Art. 14(2)(a)');
    assert.equal(d.due, '2026-12-01T12:00:00.000Z');
    const field = (k: string) => d.fields.find((f) => f.key === k)!;
    assert.deepEqual(field('memberStates').value, ['DE', 'AT', 'NL', 'FR']);
    assert.match(String(field('product').value), /acme-platform 2\.3\.0 \(ACME Platform GmbH\); affected component github\.com\/opencontainers\/runc v1\.2\.5 in layer container-runtime/);
    assert.match(String(field('exploitationEvidence').value), /CISA KEV/);
    const n = buildDraft(both(), p, 'vulnerability', 'notification', NOW);
    const s = n.fields.find((f) => f.key === 'sensitivity')!;
    assert.equal(s.value, null);
    assert.equal(s.prefilled, false);
    assert.ok(s.todo);
    assert.equal(n.fields.find((f) => f.key === 'userMeasures')!.value, 'Restrict pod creation to trusted users until the fix ships.');
  });

  test('final report is pending until a corrective measure; then due 14 days after it', () => {
    let c = both();
    assert.ok(buildDraft(c, p, 'vulnerability', 'final_report', NOW).caveats.some((x) => /not yet running/.test(x)));
    c = must(transition(c, 'fix_available', { ...who, at: '2026-12-02T00:00:00.000Z', fixVersion: '2.3.1' }));
    const d = buildDraft(c, p, 'vulnerability', 'final_report', NOW);
    assert.equal(d.due, '2026-12-16T00:00:00.000Z');
    assert.match(String(d.fields.find((f) => f.key === 'securityUpdate')!.value), /fixed in 2\.3\.1 \(available\); upstream fixed versions of github\.com\/opencontainers\/runc: v1\.2\.8/);
    const i = buildDraft(must(recordReport(c, { ...who, at: '2026-12-02T00:00:00.000Z', track: 'incident', stage: 'notification' })), p, 'incident', 'final_report', NOW);
    assert.equal(i.due, '2027-01-02T00:00:00.000Z');
    assert.equal(i.provisional, false);
  });

  test('refuses a track the case is not on', () => {
    assert.throws(() => buildDraft(caseIn('affected'), p, 'vulnerability', 'early_warning', NOW), /not marked actively exploited/);
    assert.throws(() => buildDraft(caseIn('affected'), p, 'incident', 'early_warning', NOW), /not a severe incident/);
  });

  test('Markdown rendering has every field, TODO markers and escapes table cells', () => {
    const d = buildDraft(both(), p, 'vulnerability', 'notification', NOW);
    d.fields.push({ key: 'x', label: 'Pipe | test', article: 'Art. 14(2)(b)', value: 'a|b', prefilled: true });
    const md = draftToMarkdown(d);
    assert.match(md, /^# Notification — actively exploited vulnerability \(Art\. 14\(2\)\(b\)\)/);
    for (const f of d.fields) assert.ok(md.includes(f.label.replace('|', '\\|')), f.label);
    assert.match(md, /\*\*TODO\*\*: state how sensitive the information is/);
    assert.match(md, /\| Pipe \\\| test \| Art\. 14\(2\)\(b\) \| a\\\|b \|/);
    assert.match(md, /Due: 2026-12-03T12:00:00\.000Z/);
  });
});

/**
 * The posture report in Markdown, JSON and HTML from the same recorded scan: the overall score, every
 * requirement's status and the counts agree across the three renderings, and markup in the data is escaped.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { escapeHtml, formatComplianceHtml } from '../../src/report/compliance-html.js';
import { formatComplianceJson, formatComplianceMarkdown, type ComplianceReport, type ReportStatus } from '../../src/report/compliance-report.js';
import { HOSTILE, postureFixture } from './posture-fixture.js';

const MD_STATUS: Record<string, ReportStatus> = { '✅ pass': 'pass', '❌ fail': 'fail', '📋 manual': 'manual', '➖ n/a': 'not-applicable' };

function fromMarkdown(md: string): { score: string; statuses: [string, ReportStatus][] } {
  const score = /^## Overall score: (.+)$/m.exec(md)?.[1];
  assert.ok(score, 'the Markdown report has an "Overall score" heading');
  const section = md.slice(md.indexOf('## Requirements'), md.indexOf('\n## ', md.indexOf('## Requirements') + 3));
  const statuses = section
    .split('\n')
    .filter((l) => l.startsWith('| ') && !l.startsWith('| Requirement'))
    .map((l) => {
      // Cells are split on unescaped pipes.
      const cells = l.split(/(?<!\\)\|/).map((c) => c.trim());
      const st = MD_STATUS[cells[3]];
      assert.ok(st, `unknown status cell ${JSON.stringify(cells[3])} in ${l}`);
      return [cells[1].replace(/\\\|/g, '|'), st] as [string, ReportStatus];
    });
  return { score, statuses };
}

function fromHtml(html: string): { score: string; statuses: [string, ReportStatus][] } {
  const score = /<div class="big" data-score="([^"]*)">([^<]*)<\/div>/.exec(html);
  assert.ok(score, 'the HTML report has the score element');
  const statuses = [...html.matchAll(/<tr data-requirement="([^"]*)" data-status="([^"]*)">/g)].map(
    (m) => [m[1].replace(/&amp;/g, '&').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>'), m[2] as ReportStatus] as [string, ReportStatus],
  );
  return { score: score[2], statuses };
}

describe('posture report renderings agree', () => {
  let reports: ComplianceReport[] = [];

  test('md, json and html of the same scan give the same score and requirement statuses (three frameworks)', async () => {
    const fx = await postureFixture();
    reports = await Promise.all(['pci-dss', 'cis', 'hipaa'].map((f) => fx.report(f)));
    for (const r of reports) {
      const json = JSON.parse(formatComplianceJson(r)) as ComplianceReport;
      const md = fromMarkdown(formatComplianceMarkdown(r));
      const html = fromHtml(formatComplianceHtml(r));
      const want = r.requirements.map((q) => [q.id, q.status] as [string, ReportStatus]);
      assert.ok(want.length > 10, `${r.framework.id}: ${want.length} requirements`);
      assert.deepEqual(json.requirements.map((q) => [q.id, q.status]), want, `${r.framework.id}: JSON statuses`);
      assert.deepEqual(md.statuses, want, `${r.framework.id}: Markdown statuses`);
      assert.deepEqual(html.statuses, want, `${r.framework.id}: HTML statuses`);
      const pct = r.score === null ? null : `${r.score}%`;
      assert.equal(json.score, r.score);
      assert.equal(md.score, pct ?? 'no score (nothing decided)', `${r.framework.id}: Markdown score`);
      assert.equal(html.score, pct ?? 'no score', `${r.framework.id}: HTML score`);
      // The counts line agrees with the statuses in every rendering.
      const count = (s: ReportStatus): number => want.filter(([, x]) => x === s).length;
      assert.deepEqual(json.counts, { pass: count('pass'), fail: count('fail'), manual: count('manual'), 'not-applicable': count('not-applicable') });
    }
  });

  test('markup from the data is escaped in the HTML (and never appears raw)', () => {
    const r = reports[0];
    const html = formatComplianceHtml(r);
    assert.ok(r.exceptionsInForce[0].justification.includes(HOSTILE));
    assert.ok(!html.includes('<script'), 'no <script> element');
    assert.ok(!html.includes('<img'), 'no <img> element');
    assert.ok(html.includes(escapeHtml(HOSTILE)));
    assert.equal(escapeHtml(`<a href='x'>"&"</a>`), '&lt;a href=&#39;x&#39;&gt;&quot;&amp;&quot;&lt;/a&gt;');
    // No external asset of any kind, and a policy that forbids them.
    assert.doesNotMatch(html, /\b(src|href)="(https?:)?\/\//);
    assert.match(html, /Content-Security-Policy" content="default-src 'none'/);
  });
});

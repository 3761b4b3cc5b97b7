/**
 * The posture report as one self-contained HTML page: no scripts, no external assets (a Content-Security-
 * Policy forbids them), charts as inline SVG. The same ComplianceReport model as the JSON and Markdown
 * renderers (src/report/compliance-report.ts); every value from the model is escaped.
 *
 * Sections carry stable ids for links and tests: #score, #trend, #requirements, #findings, #exceptions,
 * #checklist, #evidence.
 */
import type { ComplianceReport, ReportFinding, ReportStatus, TrendPoint } from './compliance-report.js';

/** Escapes text for element content and for double- or single-quoted attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}
const e = (v: unknown): string => escapeHtml(String(v ?? ''));

const STATUS_LABEL: Record<ReportStatus, string> = { pass: 'pass', fail: 'fail', manual: 'manual', 'not-applicable': 'n/a' };
const COLORS: Record<ReportStatus, string> = { pass: '#1f7a3a', fail: '#b3261e', manual: '#8a6100', 'not-applicable': '#6b6b6b' };
const pct = (v: number | null): string => (v === null ? 'no score' : `${v}%`);

function badge(s: ReportStatus): string {
  return `<span class="badge s-${s}">${STATUS_LABEL[s]}</span>`;
}

/** A stacked bar of the requirement counts. */
function countsBar(r: ComplianceReport): string {
  const order: ReportStatus[] = ['pass', 'fail', 'manual', 'not-applicable'];
  const total = order.reduce((n, s) => n + r.counts[s], 0);
  const W = 600;
  let x = 0;
  const rects: string[] = [];
  for (const s of order) {
    const n = r.counts[s];
    if (n === 0 || total === 0) continue;
    const w = (n / total) * W;
    rects.push(`<rect x="${x.toFixed(2)}" y="0" width="${w.toFixed(2)}" height="24" fill="${COLORS[s]}"><title>${e(`${STATUS_LABEL[s]}: ${n}`)}</title></rect>`);
    x += w;
  }
  if (rects.length === 0) rects.push(`<rect x="0" y="0" width="${W}" height="24" fill="#ddd"/>`);
  const legend = order
    .map((s, i) => `<rect x="${i * 150}" y="34" width="12" height="12" fill="${COLORS[s]}"/><text x="${i * 150 + 18}" y="45">${e(`${STATUS_LABEL[s]} ${r.counts[s]}`)}</text>`)
    .join('');
  return `<svg class="counts" role="img" aria-label="${e(`requirements: ${r.counts.pass} pass, ${r.counts.fail} fail, ${r.counts.manual} manual, ${r.counts['not-applicable']} not applicable`)}" viewBox="0 0 ${W} 52" width="${W}" height="52" xmlns="http://www.w3.org/2000/svg">${rects.join('')}${legend}</svg>`;
}

/** The score over the recorded scans: a line (broken where a scan had no score), a dot per scan, the threshold dashed. */
function trendChart(trend: TrendPoint[], threshold?: number): string {
  const W = 640;
  const H = 220;
  const L = 44;
  const R = 16;
  const T = 12;
  const B = 36;
  const pw = W - L - R;
  const ph = H - T - B;
  const xOf = (i: number): number => (trend.length <= 1 ? L + pw / 2 : L + (i / (trend.length - 1)) * pw);
  const yOf = (v: number): number => T + ph - (Math.max(0, Math.min(100, v)) / 100) * ph;
  const parts: string[] = [];
  for (const g of [0, 25, 50, 75, 100]) {
    parts.push(`<line x1="${L}" x2="${W - R}" y1="${yOf(g)}" y2="${yOf(g)}" stroke="#e3e3e3"/><text x="${L - 6}" y="${yOf(g) + 4}" text-anchor="end">${g}%</text>`);
  }
  if (threshold !== undefined) {
    parts.push(`<line class="threshold" x1="${L}" x2="${W - R}" y1="${yOf(threshold)}" y2="${yOf(threshold)}" stroke="#b3261e" stroke-dasharray="6 4"><title>${e(`--min-score ${threshold}%`)}</title></line>`);
  }
  let seg: string[] = [];
  const flush = (): void => {
    if (seg.length > 1) parts.push(`<polyline fill="none" stroke="#1f5fa8" stroke-width="2" points="${seg.join(' ')}"/>`);
    seg = [];
  };
  trend.forEach((t, i) => {
    if (t.score === null) return flush();
    seg.push(`${xOf(i).toFixed(1)},${yOf(t.score).toFixed(1)}`);
  });
  flush();
  trend.forEach((t, i) => {
    const label = `${t.scanId === null ? 'this report (unrecorded scan)' : `scan ${t.scanId}`} at ${t.time}: ${pct(t.score)}`;
    if (t.score === null) parts.push(`<text x="${xOf(i).toFixed(1)}" y="${T + ph - 4}" text-anchor="middle" fill="#6b6b6b">–<title>${e(label)}</title></text>`);
    else parts.push(`<circle cx="${xOf(i).toFixed(1)}" cy="${yOf(t.score).toFixed(1)}" r="4" fill="#1f5fa8"><title>${e(label)}</title></circle>`);
  });
  const labelled = new Set([0, trend.length - 1, Math.floor((trend.length - 1) / 2)]);
  trend.forEach((t, i) => {
    if (!labelled.has(i)) return;
    const anchor = trend.length === 1 ? 'middle' : i === 0 ? 'start' : i === trend.length - 1 ? 'end' : 'middle';
    parts.push(`<text x="${xOf(i).toFixed(1)}" y="${H - 18}" text-anchor="${anchor}">${e(t.scanId === null ? 'now' : `#${t.scanId}`)}</text><text x="${xOf(i).toFixed(1)}" y="${H - 4}" text-anchor="${anchor}" fill="#6b6b6b">${e(t.time.slice(0, 10))}</text>`);
  });
  const aria = `score trend over ${trend.length} ${trend.length === 1 ? 'scan' : 'scans'}: ${trend.map((t) => pct(t.score)).join(', ')}`;
  return `<svg class="trend" role="img" aria-label="${e(aria)}" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" xmlns="http://www.w3.org/2000/svg">${parts.join('')}</svg>`;
}

function findingRows(list: ReportFinding[]): string {
  return list
    .map(
      (f) =>
        `<tr class="${f.status === 'excepted' ? 'excepted' : 'failing'}"><td class="sev sev-${e(f.severity)}">${e(f.severity)}</td><td><code>${e(f.control)}</code></td><td>${e(f.resource)}</td><td><code>${e(f.path)}</code></td><td>${e(f.message)}</td><td>${e(f.location)}</td><td>${f.status === 'excepted' ? `excepted (${e(f.exception ?? '')})` : 'fail'}</td></tr>`,
    )
    .join('');
}

const CSS = `
:root{color-scheme:light}
body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;max-width:1200px;margin:1.5em auto;padding:0 1em;color:#1a1a1a;background:#fff}
h1{font-size:1.6em;margin-bottom:.2em}h2{border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:1.8em}h3{margin-bottom:.3em}
table{border-collapse:collapse;margin:.5em 0 1em;width:100%}th,td{border:1px solid #d0d0d0;padding:.3em .5em;text-align:left;vertical-align:top}
th{background:#f3f3f3}code{background:#f3f3f3;padding:0 .2em;word-break:break-all}
.meta{color:#444}.meta dt{font-weight:600;float:left;clear:left;width:11em}.meta dd{margin-left:11.5em}
.score{display:flex;gap:2em;align-items:center;flex-wrap:wrap}
.score .big{font-size:3.2em;font-weight:700;line-height:1}
.badge{display:inline-block;padding:0 .5em;border-radius:.8em;color:#fff;font-size:.85em;font-weight:600}
.s-pass{background:#1f7a3a}.s-fail{background:#b3261e}.s-manual{background:#8a6100}.s-not-applicable{background:#6b6b6b}
.met{color:#1f7a3a;font-weight:700}.notmet{color:#b3261e;font-weight:700}
svg text{font:11px system-ui,sans-serif;fill:#333}
.sev-critical,.sev-high{color:#b3261e;font-weight:600}.sev-medium{color:#8a6100}
tr.excepted td{color:#555;background:#fafafa}
.checklist{list-style:none;padding-left:0}.checklist li{margin:.3em 0}.checklist input{margin-right:.5em}
.warn{color:#b3261e;font-weight:600}
@media print{body{max-width:none}h2{break-after:avoid}tr{break-inside:avoid}}
`;

export function formatComplianceHtml(r: ComplianceReport): string {
  const o: string[] = [];
  const c = r.counts;
  const reqAnchor = new Map(r.requirements.map((q, i) => [q, `req-${i + 1}`] as const));
  o.push(`<header><h1>${e(r.framework.name)} — posture report</h1>`);
  o.push('<dl class="meta">');
  o.push(`<dt>Framework</dt><dd>${e(`${r.framework.name} ${r.framework.version}`)} (${e(r.framework.source)})</dd>`);
  o.push(`<dt>Scan</dt><dd>${r.scan.id === null ? 'not recorded (inputs scanned directly)' : `#${e(r.scan.id)}`} at ${e(r.scan.time)} by ${e(r.scan.tool)}, ${e(r.scan.resources)} resources</dd>`);
  o.push(`<dt>Inputs</dt><dd>${r.scan.inputs.map((i) => `<code>${e(i.path)}</code> (${e(i.kind)}${i.sha256 ? `, sha256 <code>${e(i.sha256)}</code>` : ''})`).join(', ') || 'none'}</dd>`);
  o.push(`<dt>Configuration hash</dt><dd><code>${e(r.scan.configHash)}</code></dd>`);
  o.push(`<dt>Generated</dt><dd>${e(r.generatedAt)}</dd></dl></header>`);

  o.push('<main>');
  o.push(`<section id="score"><h2>Overall score</h2><div class="score"><div><div class="big" data-score="${r.score ?? ''}">${e(pct(r.score))}</div>`);
  o.push(`<div>${c.pass} passed, ${c.fail} failed, ${c.manual} manual, ${c['not-applicable']} not applicable</div><div class="meta">score = passed ÷ (passed + failed)</div>`);
  if (r.threshold) o.push(`<div>Threshold ${e(r.threshold.minScore)}%: <span class="${r.threshold.met ? 'met">met' : 'notmet">NOT met'}</span></div>`);
  o.push(`</div>${countsBar(r)}</div></section>`);

  o.push(`<section id="trend"><h2>Trend</h2>${trendChart(r.trend, r.threshold?.minScore)}`);
  o.push('<table class="trend-table"><thead><tr><th>Scan</th><th>Time</th><th>Score</th></tr></thead><tbody>');
  for (const t of r.trend) o.push(`<tr><td>${t.scanId === null ? '(this report)' : e(t.scanId)}</td><td>${e(t.time)}</td><td>${t.score === null ? '–' : `${e(t.score)}%`}</td></tr>`);
  o.push('</tbody></table></section>');

  o.push('<section id="requirements"><h2>Requirements</h2>');
  o.push('<table class="requirements"><thead><tr><th>Requirement</th><th>Title</th><th>Status</th><th>Failing</th><th>Excepted</th><th>Resources evaluated</th><th>Controls</th></tr></thead><tbody>');
  for (const q of r.requirements) {
    const detailed = q.status === 'fail' || q.excepted.length > 0;
    const id = detailed ? `<a href="#${reqAnchor.get(q)}">${e(q.id)}</a>` : e(q.id);
    o.push(`<tr data-requirement="${e(q.id)}" data-status="${q.status}"><td>${id}</td><td>${e(q.title)}</td><td>${badge(q.status)}</td><td>${q.findings.length}</td><td>${q.excepted.length}</td><td>${q.evaluated}</td><td>${q.controls.map((x) => `<code>${e(x)}</code>`).join(' ')}</td></tr>`);
  }
  o.push('</tbody></table></section>');

  const detailed = r.requirements.filter((q) => q.status === 'fail' || q.excepted.length > 0);
  o.push('<section id="findings"><h2>Findings behind the requirements</h2>');
  if (detailed.length === 0) o.push('<p>No requirement has failing or excepted findings.</p>');
  const ev = r.evidence;
  const evidenceLine = `Evidence: scan summary sha256 <code>${e(ev.summaryHash)}</code>${ev.scanRecord ? `, carried by evidence record <code>${e(`${ev.scanRecord.seq}:${ev.scanRecord.hash}`)}</code>` : ', no evidence record (unrecorded scan)'}`;
  for (const q of detailed) {
    o.push(`<section class="requirement" id="${reqAnchor.get(q)}"><h3>${e(q.id)} ${e(q.title)} ${badge(q.status)}</h3>`);
    o.push(`<p>Resources: ${q.resources.map((x) => `<code>${e(x)}</code>`).join(', ')}</p>`);
    o.push(`<p class="evidence-ref">${evidenceLine}</p>`);
    o.push('<table class="findings"><thead><tr><th>Severity</th><th>Control</th><th>Resource</th><th>Path</th><th>Message</th><th>Location</th><th>Status</th></tr></thead><tbody>');
    o.push(findingRows([...q.findings, ...q.excepted]));
    o.push('</tbody></table></section>');
  }
  o.push('</section>');

  o.push('<section id="exceptions"><h2>Exceptions in force</h2>');
  if (r.exceptionsInForce.length === 0) o.push('<p>None.</p>');
  else {
    o.push('<table class="exceptions"><thead><tr><th>Exception</th><th>Controls</th><th>Justification</th><th>Approved by</th><th>Expires</th><th>Days left</th><th>Ticket</th><th>Findings covered</th></tr></thead><tbody>');
    for (const x of r.exceptionsInForce) {
      o.push(`<tr><td><code>${e(x.key)}</code></td><td>${x.controls.map((y) => `<code>${e(y)}</code>`).join(' ')}</td><td>${e(x.justification)}</td><td>${e(x.approvedBy ?? '')}</td><td>${e(x.expires ?? '')}</td><td${x.daysLeft !== undefined && x.daysLeft <= 14 ? ' class="warn"' : ''}>${e(x.daysLeft ?? '')}</td><td>${e(x.ticket ?? '')}</td><td>${x.findings}</td></tr>`);
    }
    o.push('</tbody></table>');
  }
  if (r.exceptionsNotInForce.length > 0) {
    o.push('<p>Not honoured by the scan:</p><ul class="not-in-force">');
    for (const x of r.exceptionsNotInForce) o.push(`<li><code>${e(x.key)}</code>: ${e(x.state)}${x.expires ? ` (expires ${e(x.expires)})` : ''}</li>`);
    o.push('</ul>');
  }
  o.push('</section>');

  o.push('<section id="checklist"><h2>Manual requirements checklist</h2>');
  if (r.checklist.length === 0) o.push('<p>None: every requirement is decided by automated checks.</p>');
  else {
    o.push('<ul class="checklist">');
    r.checklist.forEach((m, i) => {
      o.push(`<li><input type="checkbox" id="manual-${i + 1}"><label for="manual-${i + 1}"><strong>${e(m.id)}</strong> ${e(m.title)}</label>${m.guidance ? ` — ${e(m.guidance)}` : ''}</li>`);
    });
    o.push('</ul>');
  }
  o.push('</section>');

  o.push('<section id="evidence"><h2>Evidence</h2><ul>');
  o.push(`<li>Scan summary hash: <code>${e(ev.summaryHash)}</code>${ev.summaryVerified === null ? '' : ev.summaryVerified ? ' (the stored findings and objects still hash to it)' : ' <span class="warn">MISMATCH: the stored scan rows were altered</span>'}</li>`);
  o.push(`<li>"scan recorded" evidence record: ${ev.scanRecord ? `<code>${e(`${ev.scanRecord.seq}:${ev.scanRecord.hash}`)}</code>` : 'none'}</li>`);
  if (ev.chainHead) o.push(`<li>Evidence log head when reported: <code>${e(`${ev.chainHead.seq}:${ev.chainHead.hash}`)}</code> (check with <code>kubecomply evidence verify --anchor SEQ:HASH</code>)</li>`);
  for (const i of r.scan.inputs) o.push(`<li>Input <code>${e(i.path)}</code>: ${i.sha256 ? `sha256 <code>${e(i.sha256)}</code>` : 'missing'}, ${e(i.files)} ${i.files === 1 ? 'file' : 'files'}, ${e(i.bytes)} bytes</li>`);
  o.push('</ul></section></main>');

  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="${e(r.scan.tool)}">
<title>${e(`${r.framework.name} — posture report`)}</title>
<style>${CSS}</style></head>
<body>
${o.join('\n')}
</body></html>
`;
}

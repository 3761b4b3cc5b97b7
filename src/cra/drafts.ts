/**
 * Report drafts per Article 14 clock stage — fields per regulations.md §1.2, pre-filled from the case and the
 * product; what the case cannot know is left as a TODO for the person who submits it.
 *
 * Recipients (regulations.md §1.2): simultaneously the CSIRT designated as coordinator (of the Member State of the
 * manufacturer's main establishment; the paragraph number, 14(7), is marked [R] there) and ENISA, via the single
 * reporting platform (Art. 16).
 */
import { cveOf, vulnIds, type Case, type ReportStage } from './cases.js';
import { deadlinesFor, type Track } from './clocks.js';
import type { Product } from './product.js';

export interface DraftField {
  key: string;
  label: string;
  /** The Art. 14 point that asks for it. */
  article: string;
  value: string | string[] | boolean | null;
  /** Filled from the case/product (true) or left for a person (false: `value` is null or a placeholder). */
  prefilled: boolean;
  todo?: string;
}

export interface ReportDraft {
  kind: 'kubecomply.cra.report-draft';
  track: Track;
  stage: ReportStage;
  article: string;
  citation: 'regulations.md §1.2';
  caseId: string;
  product: { name: string; version: string; manufacturer: string };
  recipients: string[];
  due?: string;
  provisional: boolean;
  generatedAt: string;
  fields: DraftField[];
  /** Facts regulations.md marks uncertain, repeated so the reader sees them. */
  caveats: string[];
}

const RECIPIENTS = [
  'CSIRT designated as coordinator (Member State of the manufacturer\'s main establishment)',
  'ENISA',
];
const CAVEATS = [
  'Every period is "without undue delay and in any event within" the stated time (regulations.md §1.2): the due date is the latest permissible instant, not a target.',
  'Recipients and channel per regulations.md §1.2: simultaneously to the coordinating CSIRT and ENISA via the single reporting platform (Art. 16); the paragraph number designating the CSIRT (14(7)) is marked [R] (recall only) there.',
  'The CRA text was not read directly by regulations.md (marked [C], corroborated) — check the field list against the official text before submitting.',
];

const STAGE_ARTICLE: Record<Track, Record<ReportStage, string>> = {
  vulnerability: { early_warning: 'Art. 14(2)(a)', notification: 'Art. 14(2)(b)', final_report: 'Art. 14(2)(c)' },
  incident: { early_warning: 'Art. 14(4)(a)', notification: 'Art. 14(4)(b)', final_report: 'Art. 14(4)(c)' },
};

function f(key: string, label: string, article: string, value: DraftField['value'], todo?: string): DraftField {
  const empty = value === null || (Array.isArray(value) && value.length === 0) || value === '';
  const out: DraftField = { key, label, article, value: empty ? null : value, prefilled: !empty };
  if (empty || todo) out.todo = todo ?? `fill in: ${label}`;
  return out;
}

function productInfo(c: Case, p: Product): string {
  const t = c.target;
  return `${p.name} ${p.version} (${p.manufacturer.name}); affected component ${t.component}${t.bundledVersion ? ` ${t.bundledVersion}` : ''}${t.layer ? ` in layer ${t.layer}` : ''}${t.purl ? ` (${t.purl})` : ''}`;
}

function vulnInfo(c: Case): string {
  const v = c.vulnerability;
  const ids = vulnIds(c).join(', ');
  return `${ids}${v.summary ? `: ${v.summary}` : ''}; severity ${v.severity}${v.cvss ? ` (CVSS ${v.cvss.version} ${v.cvss.score} ${v.cvss.vector})` : ''}`;
}

function measures(c: Case): string | null {
  const parts: string[] = [];
  if (c.fixVersion) parts.push(`fixed in ${c.fixVersion}${c.state === 'fix_released' || c.state === 'closed' ? ' (released)' : ' (available)'}`);
  if (c.vulnerability.fixedVersions.length > 0) parts.push(`upstream fixed versions of ${c.target.component}: ${c.vulnerability.fixedVersions.join(', ')}`);
  return parts.length > 0 ? parts.join('; ') : null;
}

/** Measures taken and the ones users can take, for the stages that ask for both in one field. */
function allMeasures(c: Case): string | null {
  const parts = [measures(c), c.actionStatement ? `users can: ${c.actionStatement}` : null].filter((x): x is string => !!x);
  return parts.length > 0 ? parts.join('; ') : null;
}

function exploitSource(c: Case): string | null {
  const e = c.events.find((x) => x.type === 'exploited');
  if (!e || e.type !== 'exploited') return null;
  return e.source === 'kev' ? `listed in CISA KEV${e.kev ? ` (${e.kev.cveId}, added ${e.kev.dateAdded})` : ''}: ${e.reason}` : `marked by ${e.by}: ${e.reason}`;
}

/** Build the draft for one stage of one track. Throws when the case does not have that track. */
export function buildDraft(c: Case, p: Product, track: Track, stage: ReportStage, now: Date = new Date()): ReportDraft {
  if (track === 'vulnerability' && !c.exploitedAt) throw new Error(`case ${c.id} is not marked actively exploited: no Art. 14(2) report applies`);
  if (track === 'incident' && !c.incidentAt) throw new Error(`case ${c.id} is not a severe incident: no Art. 14(4) report applies`);
  const art = STAGE_ARTICLE[track][stage];
  const dl = deadlinesFor(c).find((d) => d.track === track && d.stage === stage);
  const states = p.memberStates;
  const fields: DraftField[] = [];
  const incidentEv = c.events.find((e) => e.type === 'incident');
  if (track === 'vulnerability') {
    // 14(2)(a): product + Member States where made available — regulations.md §1.2.
    fields.push(f('product', 'Product concerned', art, productInfo(c, p)));
    fields.push(f('vulnerability', 'Actively exploited vulnerability', art, vulnInfo(c)));
    fields.push(f('awareness', 'Became aware at (UTC)', art, c.exploitedAt ?? null));
    fields.push(f('exploitationEvidence', 'How active exploitation became known', art, exploitSource(c)));
    if (stage === 'early_warning') {
      fields.push(f('memberStates', 'Member States where the product has been made available', art, states, states.length ? undefined : 'list the Member States (product.yaml memberStates)'));
    }
    if (stage === 'notification') {
      // 14(2)(b): product info, nature of exploit/vuln, corrective/mitigating measures taken and ones users can take, sensitivity.
      fields.push(f('generalProductInformation', 'General information about the product', art, productInfo(c, p)));
      fields.push(f('natureOfExploit', 'General nature of the exploit and of the vulnerability', art, c.vulnerability.summary ?? null));
      fields.push(f('measuresTaken', 'Corrective or mitigating measures taken', art, measures(c)));
      fields.push(f('userMeasures', 'Corrective or mitigating measures users can take', art, c.actionStatement ?? null));
      fields.push(f('sensitivity', 'How sensitive the notified information is', art, null, 'state how sensitive the information is'));
    }
    if (stage === 'final_report') {
      // 14(2)(c): description/severity/impact, malicious actor info if known, security update details.
      fields.push(f('description', 'Description of the vulnerability', art, vulnInfo(c)));
      fields.push(f('severity', 'Severity', art, c.vulnerability.cvss ? `${c.vulnerability.severity} (CVSS ${c.vulnerability.cvss.score})` : c.vulnerability.severity === 'unknown' ? null : c.vulnerability.severity));
      fields.push(f('impact', 'Impact', art, null, 'describe the impact on the product and its users'));
      fields.push(f('maliciousActor', 'Information on any malicious actor that exploited or is exploiting it (where available)', art, null, 'if known'));
      fields.push(f('securityUpdate', 'Details of the security update or other corrective measures made available', art, measures(c)));
    }
  } else {
    fields.push(f('product', 'Product concerned', art, productInfo(c, p)));
    fields.push(f('awareness', 'Became aware at (UTC)', art, c.incidentAt ?? null));
    if (stage === 'early_warning') {
      // 14(4)(a): incl. whether suspected unlawful/malicious, Member States.
      fields.push(f('suspectedMalicious', 'Whether the incident is suspected of being caused by unlawful or malicious acts', art, null, 'yes / no / unknown'));
      fields.push(f('memberStates', 'Member States where the product has been made available', art, states, states.length ? undefined : 'list the Member States (product.yaml memberStates)'));
    }
    if (stage === 'notification') {
      // 14(4)(b): nature of incident, initial assessment, measures, sensitivity.
      fields.push(f('natureOfIncident', 'General information about the nature of the incident', art, incidentEv && incidentEv.type === 'incident' ? incidentEv.description ?? incidentEv.reason : null));
      fields.push(f('initialAssessment', 'Initial assessment of the incident', art, null));
      fields.push(f('measures', 'Corrective or mitigating measures taken, and ones users can take', art, allMeasures(c)));
      fields.push(f('sensitivity', 'How sensitive the notified information is', art, null, 'state how sensitive the information is'));
    }
    if (stage === 'final_report') {
      // 14(4)(c): detailed description, likely root cause/threat type, mitigation applied/ongoing.
      fields.push(f('detailedDescription', 'Detailed description of the incident, incl. severity and impact', art, null));
      fields.push(f('rootCause', 'Type of threat or root cause that likely triggered the incident', art, cveOf(c) ? `exploitation of ${vulnIds(c).join(', ')} in ${c.target.component}` : null, 'confirm the root cause'));
      fields.push(f('mitigation', 'Applied and ongoing mitigation measures', art, allMeasures(c)));
    }
  }
  const draft: ReportDraft = {
    kind: 'kubecomply.cra.report-draft',
    track,
    stage,
    article: art,
    citation: 'regulations.md §1.2',
    caseId: c.id,
    product: { name: p.name, version: p.version, manufacturer: p.manufacturer.name },
    recipients: RECIPIENTS,
    provisional: dl?.provisional ?? false,
    generatedAt: now.toISOString(),
    fields,
    caveats: [...CAVEATS, ...(dl?.pending ? [`Deadline not yet running: ${dl.pending}.`] : []), ...(dl?.provisional ? [`Deadline provisional: ${dl.basis}.`] : [])],
  };
  if (dl?.due) draft.due = dl.due;
  return draft;
}

/** The stages a case currently has drafts for (every stage of every track it is on). */
export function draftsFor(c: Case, p: Product, now: Date = new Date()): ReportDraft[] {
  const out: ReportDraft[] = [];
  const stages: ReportStage[] = ['early_warning', 'notification', 'final_report'];
  if (c.exploitedAt) for (const s of stages) out.push(buildDraft(c, p, 'vulnerability', s, now));
  if (c.incidentAt) for (const s of stages) out.push(buildDraft(c, p, 'incident', s, now));
  return out;
}

const TITLES: Record<ReportStage, string> = { early_warning: 'Early warning', notification: 'Notification', final_report: 'Final report' };

const mdEscape = (s: string): string => s.replace(/([\\`*_[\]|<>])/g, '\\$1').replace(/\r?\n/g, ' ');

export function draftToMarkdown(d: ReportDraft): string {
  const lines: string[] = [];
  lines.push(`# ${TITLES[d.stage]} — ${d.track === 'vulnerability' ? 'actively exploited vulnerability' : 'severe incident'} (${d.article})`);
  lines.push('');
  lines.push(`- Case: ${mdEscape(d.caseId)}`);
  lines.push(`- Product: ${mdEscape(`${d.product.name} ${d.product.version}`)} — ${mdEscape(d.product.manufacturer)}`);
  lines.push(`- Due: ${d.due ?? 'not yet running'}${d.provisional ? ' (provisional)' : ''} (UTC)`);
  lines.push(`- To: ${d.recipients.map(mdEscape).join('; ')}`);
  lines.push(`- Source of the field list: ${d.citation}`);
  lines.push('');
  lines.push('| Field | Article | Value |');
  lines.push('| --- | --- | --- |');
  for (const x of d.fields) {
    const v = x.value === null ? `**TODO**: ${mdEscape(x.todo ?? '')}` : Array.isArray(x.value) ? mdEscape(x.value.join(', ')) : mdEscape(String(x.value));
    lines.push(`| ${mdEscape(x.label)} | ${x.article} | ${v}${x.value !== null && x.todo ? ` (TODO: ${mdEscape(x.todo)})` : ''} |`);
  }
  lines.push('');
  lines.push('## Caveats');
  lines.push('');
  for (const c of d.caveats) lines.push(`- ${mdEscape(c)}`);
  lines.push('');
  return lines.join('\n');
}

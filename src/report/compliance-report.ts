/**
 * The per-framework posture report: one model, built from a recorded scan (or a scan result turned into
 * the same records by src/store/scans.ts buildScan), rendered by pure functions — JSON and Markdown here;
 * an HTML renderer takes the same model.
 *
 * The model holds no judgement of its own: requirement statuses and the score are the engine's
 * (src/frameworks/assess.ts), as recorded with the scan; this module only groups findings, resources,
 * exceptions and history behind them.
 */
import { displayName, SEVERITY_RANK } from '../core/types.js';
import type { ScanFindingRecord, ScanRecord } from '../store/types.js';

export const COMPLIANCE_REPORT_SCHEMA = 'kubecomply.io/compliance-report/v1';

export type ReportStatus = 'pass' | 'fail' | 'manual' | 'not-applicable';

export interface ReportFinding {
  control: string;
  severity: string;
  status: 'fail' | 'excepted';
  resource: string;
  path: string;
  message: string;
  location: string;
  exception?: string;
}

export interface ReportRequirement {
  id: string;
  title: string;
  section?: string;
  status: ReportStatus;
  /** The reference's confidence marker for the identifier (V, C, R). */
  confidence: string;
  controls: string[];
  /** Resources the mapped controls evaluated. */
  evaluated: number;
  findings: ReportFinding[];
  excepted: ReportFinding[];
  /** The resources behind the findings (failing and excepted), `Kind/namespace/name`. */
  resources: string[];
  guidance?: string;
}

export interface ReportException {
  key: string;
  state: string;
  controls: string[];
  justification: string;
  approvedBy?: string;
  approvedAt?: string;
  expires?: string;
  expiresAt?: string;
  daysLeft?: number;
  ticket?: string;
  /** Findings of this framework the exception covers. */
  findings: number;
}

export interface TrendPoint {
  scanId: number | null;
  time: string;
  score: number | null;
}

export interface ComplianceReport {
  schemaVersion: typeof COMPLIANCE_REPORT_SCHEMA;
  generatedAt: string;
  framework: { id: string; name: string; version: string; source: string };
  scan: {
    /** null when the report was made from scanning inputs directly (not recorded). */
    id: number | null;
    time: string;
    tool: string;
    inputs: ScanRecord['inputs'];
    configHash: string;
    config: Record<string, unknown>;
    resources: number;
  };
  score: number | null;
  counts: Record<ReportStatus, number>;
  /** Present with --min-score. */
  threshold?: { minScore: number; met: boolean };
  requirements: ReportRequirement[];
  /** Active exceptions (in force at scan time), with their justification and expiry. */
  exceptionsInForce: ReportException[];
  /** Exceptions the scan did not honour (expired, unapproved, invalid). */
  exceptionsNotInForce: ReportException[];
  /** The manual requirements, as a checklist for the auditor. */
  checklist: { id: string; title: string; section?: string; guidance?: string }[];
  /** This framework's score in the recorded scans, oldest first (the reported scan included). */
  trend: TrendPoint[];
  evidence: {
    /** sha256 over the scan's summary, findings and objects. */
    summaryHash: string;
    /** Whether the stored rows still hash to summaryHash (null: not recorded). */
    summaryVerified: boolean | null;
    /** The "scan recorded" evidence record carrying summaryHash. */
    scanRecord?: { seq: number; hash: string };
    /** The evidence log's head when the report was made. */
    chainHead?: { seq: number; hash: string };
  };
}

export interface ReportInput {
  frameworkId: string;
  /** The scan, as stored (id null when not recorded). */
  scan: Omit<ScanRecord, 'id'> & { id: number | null };
  findings: readonly ScanFindingRecord[];
  summaryVerified: boolean | null;
  /** Recorded scans for the trend, oldest first (may include the reported scan). */
  history?: readonly ScanRecord[];
  chainHead?: { seq: number; hash: string };
  minScore?: number;
  now?: Date;
}


function toReportFinding(f: ScanFindingRecord): ReportFinding {
  return {
    control: f.control,
    severity: f.severity,
    status: f.status,
    resource: displayName(f.resource),
    path: f.path,
    message: f.message,
    location: f.location,
    ...(f.exception ? { exception: f.exception } : {}),
  };
}

const RANK: Readonly<Record<string, number>> = SEVERITY_RANK;

/** Most severe first, then by resource, control, path and location: the same order in every report. */
function byImportance(a: ReportFinding, b: ReportFinding): number {
  const d = (RANK[b.severity] ?? 0) - (RANK[a.severity] ?? 0);
  if (d !== 0) return d;
  for (const [x, y] of [[a.resource, b.resource], [a.control, b.control], [a.path, b.path], [a.location, b.location]]) if (x !== y) return x < y ? -1 : 1;
  return 0;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

function toReportException(x: Record<string, unknown>, covered: Map<string, number>): ReportException {
  const key = String(x.key);
  const e: ReportException = {
    key,
    state: String(x.state),
    controls: Array.isArray(x.controls) ? x.controls.map(String) : [],
    justification: String(x.justification ?? ''),
    findings: covered.get(key) ?? 0,
  };
  for (const k of ['approvedBy', 'approvedAt', 'expires', 'expiresAt', 'ticket'] as const) {
    const v = str(x[k]);
    if (v !== undefined) e[k] = v;
  }
  if (typeof x.daysLeft === 'number') e.daysLeft = x.daysLeft;
  return e;
}

/** Thrown when the scan did not assess the framework (e.g. it was recorded with --framework for others). */
export class FrameworkNotAssessedError extends Error {}

export function buildComplianceReport(input: ReportInput): ComplianceReport {
  const s = input.scan;
  const fw = s.frameworks.find((f) => f.id === input.frameworkId);
  if (!fw) {
    throw new FrameworkNotAssessedError(
      `scan ${s.id ?? '(unrecorded)'} did not assess framework ${input.frameworkId} (it assessed: ${s.frameworks.map((f) => f.id).join(', ') || 'none'})`,
    );
  }
  const byControl = new Map<string, ScanFindingRecord[]>();
  for (const f of input.findings) {
    const l = byControl.get(f.control);
    if (l) l.push(f);
    else byControl.set(f.control, [f]);
  }
  const covered = new Map<string, number>();
  const counted = new Set<string>();
  const requirements = fw.requirements.map((q): ReportRequirement => {
    const all = q.status === 'manual' ? [] : q.controls.flatMap((c) => byControl.get(c) ?? []);
    for (const f of all) {
      if (f.status !== 'excepted' || !f.exception || counted.has(f.key)) continue;
      counted.add(f.key);
      covered.set(f.exception, (covered.get(f.exception) ?? 0) + 1);
    }
    return {
      id: q.id,
      title: q.title,
      ...(q.section ? { section: q.section } : {}),
      status: q.status,
      confidence: q.confidence,
      controls: q.controls,
      evaluated: q.evaluated,
      findings: all.filter((f) => f.status === 'fail').map(toReportFinding).sort(byImportance),
      excepted: all.filter((f) => f.status === 'excepted').map(toReportFinding).sort(byImportance),
      resources: [...new Set(all.map((f) => displayName(f.resource)))].sort(),
      ...(q.guidance ? { guidance: q.guidance } : {}),
    };
  });
  const exceptions = s.exceptions.map((x) => toReportException(x, covered));
  const trend: TrendPoint[] = (input.history ?? []).map((h) => ({ scanId: h.id, time: h.time, score: h.frameworks.find((f) => f.id === fw.id)?.score ?? null }));
  if (!trend.some((t) => t.scanId !== null && t.scanId === s.id)) trend.push({ scanId: s.id, time: s.time, score: fw.score });
  trend.sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : (a.scanId ?? Infinity) - (b.scanId ?? Infinity)));
  const report: ComplianceReport = {
    schemaVersion: COMPLIANCE_REPORT_SCHEMA,
    generatedAt: (input.now ?? new Date()).toISOString(),
    framework: { id: fw.id, name: fw.name, version: fw.version, source: fw.source },
    scan: { id: s.id, time: s.time, tool: s.tool, inputs: s.inputs, configHash: s.configHash, config: s.config, resources: s.counts.resources },
    score: fw.score,
    counts: { ...fw.counts },
    requirements,
    exceptionsInForce: exceptions.filter((e) => e.state === 'active'),
    exceptionsNotInForce: exceptions.filter((e) => e.state !== 'active'),
    checklist: fw.requirements.filter((q) => q.status === 'manual').map((q) => ({ id: q.id, title: q.title, ...(q.section ? { section: q.section } : {}), ...(q.guidance ? { guidance: q.guidance } : {}) })),
    trend,
    evidence: {
      summaryHash: s.summaryHash,
      summaryVerified: input.summaryVerified,
      ...(s.evidence ? { scanRecord: s.evidence } : {}),
      ...(input.chainHead ? { chainHead: input.chainHead } : {}),
    },
  };
  if (input.minScore !== undefined) report.threshold = { minScore: input.minScore, met: fw.score !== null && fw.score >= input.minScore };
  return report;
}

// ---------------------------------------------------------------------------------------- renderers

export function formatComplianceJson(r: ComplianceReport): string {
  return `${JSON.stringify(r, null, 2)}\n`;
}

/** A Markdown table cell: pipes escaped, newlines flattened. */
export const markdownCell = (s: string): string => s.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
const cell = markdownCell;
const code = (s: string): string => `\`${s.replace(/`/g, "'")}\``;
const pct = (v: number | null): string => (v === null ? 'no score (nothing decided)' : `${v}%`);
const STATUS_MARK: Record<ReportStatus, string> = { pass: '✅ pass', fail: '❌ fail', manual: '📋 manual', 'not-applicable': '➖ n/a' };

export function formatComplianceMarkdown(r: ComplianceReport): string {
  const o: string[] = [];
  const push = (...l: string[]): void => {
    o.push(...l);
  };
  push(`# ${r.framework.name} — posture report`, '');
  push(`- **Framework:** ${r.framework.name} ${r.framework.version} (${r.framework.source})`);
  push(`- **Scan:** ${r.scan.id === null ? 'not recorded (inputs scanned directly)' : `#${r.scan.id}`} at ${r.scan.time} by ${r.scan.tool}, ${r.scan.resources} resources`);
  push(`- **Inputs:** ${r.scan.inputs.map((i) => `${code(i.path)} (${i.kind}${i.sha256 ? `, sha256 ${code(i.sha256)}` : ''})`).join(', ') || 'none'}`);
  push(`- **Configuration hash:** ${code(r.scan.configHash)}`);
  push(`- **Generated:** ${r.generatedAt}`, '');
  const c = r.counts;
  push(`## Overall score: ${pct(r.score)}`, '');
  push(`${c.pass} passed, ${c.fail} failed, ${c.manual} manual, ${c['not-applicable']} not applicable (score = passed ÷ (passed + failed)).`);
  if (r.threshold) push('', `Threshold: ${r.threshold.minScore}% — **${r.threshold.met ? 'met' : 'NOT met'}**.`);
  push('');

  push('## Trend', '');
  push('| Scan | Time | Score |', '|---|---|---|');
  for (const t of r.trend) push(`| ${t.scanId ?? '(this report)'} | ${t.time} | ${t.score === null ? '–' : `${t.score}%`} |`);
  push('');

  push('## Requirements', '');
  push('| Requirement | Title | Status | Failing | Excepted | Resources evaluated | Controls |', '|---|---|---|---|---|---|---|');
  for (const q of r.requirements) {
    push(`| ${cell(q.id)} | ${cell(q.title)} | ${STATUS_MARK[q.status]} | ${q.findings.length} | ${q.excepted.length} | ${q.evaluated} | ${cell(q.controls.join(', '))} |`);
  }
  push('');

  const failing = r.requirements.filter((q) => q.status === 'fail' || q.excepted.length > 0);
  if (failing.length > 0) {
    push('## Findings behind the requirements', '');
    for (const q of failing) {
      push(`### ${q.id} ${q.title} — ${q.status}`, '');
      push(`Resources: ${q.resources.map(code).join(', ')}`, '');
      push('| Severity | Control | Resource | Path | Message | Location | Status |', '|---|---|---|---|---|---|---|');
      for (const f of [...q.findings, ...q.excepted]) {
        push(`| ${f.severity} | ${cell(f.control)} | ${cell(f.resource)} | ${code(cell(f.path))} | ${cell(f.message)} | ${cell(f.location)} | ${f.status === 'excepted' ? `excepted (${cell(f.exception ?? '')})` : 'fail'} |`);
      }
      push('');
    }
  }

  push('## Exceptions in force', '');
  if (r.exceptionsInForce.length === 0) push('None.', '');
  else {
    push('| Exception | Controls | Justification | Approved by | Expires | Days left | Ticket | Findings covered |', '|---|---|---|---|---|---|---|---|');
    for (const e of r.exceptionsInForce) {
      push(`| ${cell(e.key)} | ${cell(e.controls.join(', '))} | ${cell(e.justification)} | ${cell(e.approvedBy ?? '')} | ${cell(e.expires ?? '')} | ${e.daysLeft ?? ''} | ${cell(e.ticket ?? '')} | ${e.findings} |`);
    }
    push('');
  }
  if (r.exceptionsNotInForce.length > 0) {
    push('Not honoured by the scan:', '');
    for (const e of r.exceptionsNotInForce) push(`- ${code(e.key)}: ${e.state}${e.expires ? ` (expires ${e.expires})` : ''}`);
    push('');
  }

  push('## Manual requirements checklist', '');
  if (r.checklist.length === 0) push('None: every requirement is decided by automated checks.', '');
  else {
    for (const m of r.checklist) push(`- [ ] **${m.id}** ${m.title}${m.guidance ? ` — ${m.guidance}` : ''}`);
    push('');
  }

  push('## Evidence', '');
  push(`- Scan summary hash: ${code(r.evidence.summaryHash)}${r.evidence.summaryVerified === null ? '' : r.evidence.summaryVerified ? ' (the stored findings and objects still hash to it)' : ' — **MISMATCH: the stored scan rows were altered**'}`);
  push(`- "scan recorded" evidence record: ${r.evidence.scanRecord ? code(`${r.evidence.scanRecord.seq}:${r.evidence.scanRecord.hash}`) : 'none'}`);
  if (r.evidence.chainHead) push(`- Evidence log head when reported: ${code(`${r.evidence.chainHead.seq}:${r.evidence.chainHead.hash}`)} (check with \`kubecomply evidence verify --anchor SEQ:HASH\`)`);
  for (const i of r.scan.inputs) push(`- Input ${code(i.path)}: ${i.sha256 ? `sha256 ${code(i.sha256)}` : 'missing'}, ${i.files} ${i.files === 1 ? 'file' : 'files'}, ${i.bytes} bytes`);
  push('');
  return o.join('\n');
}

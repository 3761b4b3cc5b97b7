/**
 * The human-readable report: findings grouped by resource, each with the offending field and its
 * line, then a summary. Colour only when asked (the CLI asks on a TTY without NO_COLOR).
 */
import type { ExceptionRef, Finding, Severity } from '../core/types.js';
import { SEVERITIES, SEVERITY_RANK } from '../core/types.js';
import { daysLeft, exceptionKey, expiryOf } from '../policy/exceptions.js';
import { describeConfig, type ScanResult } from '../scanner.js';

export interface TableOptions {
  color: boolean;
  failOn: Severity | 'none';
  failed: boolean;
  /** Omit the banner and summary. */
  quiet?: boolean;
  /** List every requirement of each framework (--framework). */
  detailFrameworks?: boolean;
  minScore?: number;
}

const STATUS_STYLE = { pass: 'green', fail: 'red', manual: 'cyan', 'not-applicable': 'gray' } as const;
const STATUS_TEXT = { pass: 'PASS', fail: 'FAIL', manual: 'MANUAL', 'not-applicable': 'N/A' } as const;

function* frameworkSection(result: ScanResult, opts: TableOptions, p: Painter): Generator<string> {
  if (result.frameworks.length === 0) return;
  let s = '';
  if (opts.detailFrameworks) {
    for (const fr of result.frameworks) {
      const f = fr.framework;
      s += `\n${p('bold', `${f.name} ${f.version}`)} — ${scoreText(fr.score, opts.minScore, p)} ${p('dim', countsText(fr.counts))}\n`;
      const idw = Math.min(22, Math.max(...fr.requirements.map((r) => r.requirement.id.length)));
      for (const r of fr.requirements) {
        const ids = r.status === 'fail' ? [...new Set(r.findings.map((x) => x.control.id))] : [];
        const exc = r.excepted.length > 0 ? `${r.status === 'fail' ? ';' : ' —'} ${r.excepted.length} excepted` : '';
        const why = r.status === 'fail' ? p('dim', ` — ${r.findings.length} ${r.findings.length === 1 ? 'finding' : 'findings'}: ${ids.slice(0, 3).join(', ')}${ids.length > 3 ? ', …' : ''}${exc}`) : exc ? p('magenta', exc) : '';
        const conf = r.confidence === 'R' ? p('dim', ' [id: single source]') : '';
        s += `  ${p(STATUS_STYLE[r.status], STATUS_TEXT[r.status].padEnd(6))} ${r.requirement.id.padEnd(idw)} ${r.requirement.title}${conf}${why}\n`;
      }
    }
  }
  s += `\n${p('bold', 'Compliance')} ${p('dim', '(score = passed ÷ decided requirements; manual and not-applicable ones are not counted)')}\n`;
  const nameW = Math.max(...result.frameworks.map((fr) => `${fr.framework.name} ${fr.framework.version}`.length));
  for (const fr of result.frameworks) {
    const byExceptions = fr.requirements.filter((r) => r.status === 'pass' && r.excepted.length > 0).length;
    const exc = byExceptions > 0 ? p('magenta', ` (${byExceptions} pass with excepted findings)`) : '';
    s += `  ${`${fr.framework.name} ${fr.framework.version}`.padEnd(nameW)}  ${scoreText(fr.score, opts.minScore, p).padStart(4)}  ${p('dim', countsText(fr.counts))}${exc}\n`;
  }
  yield s;
}

function scoreText(score: number | null, min: number | undefined, p: Painter): string {
  if (score === null) return p('gray', '  —');
  const text = `${score}%`.padStart(4);
  if (min !== undefined) return p(score < min ? 'red' : 'green', text);
  return p(score >= 90 ? 'green' : score >= 60 ? 'yellow' : 'red', text);
}

function countsText(c: Record<'pass' | 'fail' | 'manual' | 'not-applicable', number>): string {
  return `${c.pass} pass, ${c.fail} fail, ${c.manual} manual, ${c['not-applicable']} n/a`;
}

const CODES: Record<string, [number, number]> = {
  bold: [1, 22],
  dim: [2, 22],
  red: [31, 39],
  green: [32, 39],
  yellow: [33, 39],
  blue: [34, 39],
  magenta: [35, 39],
  cyan: [36, 39],
  gray: [90, 39],
  boldRed: [1, 22],
};

export type Painter = (style: keyof typeof CODES | 'none', s: string) => string;

export function painter(color: boolean): Painter {
  return (style, s) => {
    if (!color || style === 'none') return s;
    if (style === 'boldRed') return `\u001b[1m\u001b[31m${s}\u001b[39m\u001b[22m`;
    const [open, close] = CODES[style];
    return `\u001b[${open}m${s}\u001b[${close}m`;
  };
}

const SEV_STYLE: Record<Severity, keyof typeof CODES> = { critical: 'boldRed', high: 'red', medium: 'yellow', low: 'blue', info: 'gray' };

function loc(f: Finding): string {
  return `line ${f.position?.line ?? f.resource.origin.line}`;
}

/** `EXCEPTED (monitoring/node-exporter-host, expires 2027-02-15, 76 days left)` */
function exceptedMarker(ref: ExceptionRef | undefined, now: Date | undefined): string {
  if (!ref) return 'EXCEPTED';
  const name = exceptionKey(ref);
  const at = expiryOf(ref.expires);
  const left = at && now ? daysLeft(at, now) : undefined;
  const days = left === undefined ? '' : left === 0 ? ', last day' : `, ${left} ${left === 1 ? 'day' : 'days'} left`;
  return `EXCEPTED (${name}, expires ${ref.expires}${days})`;
}

function exceptionsLine(result: ScanResult, p: Painter): string {
  const x = result.exceptions;
  if (!x || x.statuses.length === 0) return '';
  const by = (state: string): number => x.statuses.filter((st) => st.state === state).length;
  const parts = [p('green', `${by('active')} active`)];
  for (const state of ['expired', 'unapproved', 'invalid'] as const) {
    const n = by(state);
    if (n > 0) parts.push(p('yellow', `${n} ${state}`));
  }
  const notHonoured = x.statuses.length - by('active');
  let s = `Exceptions: ${x.statuses.length} (${parts.join(', ')})`;
  if (notHonoured > 0) s += `; ${notHonoured} not honoured (see the warnings)`;
  if (x.unused.length > 0) s += `; unused: ${x.unused.slice(0, 5).join(', ')}${x.unused.length > 5 ? ', …' : ''}`;
  return s + '.\n';
}

export function* formatTable(result: ScanResult, opts: TableOptions): Generator<string> {
  const p = painter(opts.color);
  const failing = result.findings.filter((f) => f.status === 'fail');
  if (!opts.quiet) {
    yield p('bold', `${result.tool.name} ${result.tool.version}`) + p('dim', ` · ${describeConfig(result.config)} · ${result.stats.resources} ${result.stats.resources === 1 ? 'resource' : 'resources'} in ${result.stats.files} ${result.stats.files === 1 ? 'input' : 'inputs'}`) + '\n\n';
  }
  const idWidth = Math.min(34, Math.max(10, ...result.findings.map((f) => f.control.id.length)));
  let current: Finding['resource'] | undefined;
  let out = '';
  for (const f of result.findings) {
    const r = f.resource;
    if (r !== current) {
      if (current) out += '\n';
      current = r;
      const name = r.namespace !== undefined ? `${r.namespace}/${r.name}` : r.name;
      const where = `${r.origin.file}:${r.origin.line}` + (r.origin.stream ? ` (${r.origin.stream.file}:${r.origin.stream.line})` : '') + (r.origin.sourcePath ? ` from ${r.origin.sourcePath}` : '');
      out += `${p('bold', `${r.kind} ${name}`)}  ${p('dim', where)}\n`;
    }
    const sev = f.control.severity.toUpperCase().padEnd(8);
    const excepted = f.status === 'excepted';
    const status = excepted ? `  ${p('magenta', exceptedMarker(f.exception, result.exceptions?.now))}` : '';
    out += `  ${p(excepted ? 'gray' : SEV_STYLE[f.control.severity], sev)} ${p('cyan', f.control.id.padEnd(idWidth))} ${f.message}${status}\n`;
    out += `  ${' '.repeat(8)} ${' '.repeat(idWidth)} ${p('dim', `${f.path} (${loc(f)})`)}\n`;
    if (out.length > 65536) {
      yield out;
      out = '';
    }
  }
  if (out) yield out;
  if (opts.quiet) return;
  yield* frameworkSection(result, opts, p);

  const errors = result.diagnostics.filter((d) => d.level === 'error').length;
  const warnings = result.diagnostics.filter((d) => d.level === 'warning').length;
  const notes = result.diagnostics.filter((d) => d.level === 'note').length;
  const resourcesFailed = new Set(failing.map((f) => f.resource)).size;
  // Controls that judged nothing (no resource in their scope) neither pass nor fail: said apart.
  const judged = result.controls.filter((c) => c.evaluated > 0);
  const passedControls = judged.filter((c) => c.failed === 0).length;
  const idle = result.controls.length - judged.length;
  const idleText = idle > 0 ? ` (${idle} had nothing in scope)` : '';
  const resourcesText = `${result.stats.resources} ${result.stats.resources === 1 ? 'resource' : 'resources'}`;
  const excepted = result.findings.length - failing.length;
  const exceptedText = `${excepted} ${excepted === 1 ? 'finding' : 'findings'} excepted`;
  let s = result.findings.length > 0 ? '\n' : '';
  if (failing.length === 0 && excepted === 0) {
    s += p('green', `No findings: ${resourcesText} ${result.stats.resources === 1 ? 'passes' : 'pass'} all ${judged.length} controls that apply${idleText}.`) + '\n';
  } else if (failing.length === 0) {
    s += p('green', `No failing findings`) + ` in ${resourcesText}; ${p('magenta', exceptedText)} by approved exceptions (shown above); ${passedControls} of ${judged.length} controls passed${idleText}.\n`;
  } else {
    const counts = SEVERITIES.filter((sev) => result.bySeverity[sev] > 0)
      .map((sev) => p(SEV_STYLE[sev], `${result.bySeverity[sev]} ${sev}`))
      .join(', ');
    const exc = excepted > 0 ? `; ${p('magenta', exceptedText)}` : '';
    s += `${p('bold', `${failing.length} ${failing.length === 1 ? 'finding' : 'findings'}`)} (${counts}) in ${resourcesFailed} of ${resourcesText}${exc}; ${passedControls} of ${judged.length} controls passed${idleText}.\n`;
  }
  s += exceptionsLine(result, p);
  if (errors + warnings + notes > 0) {
    const parts = [];
    if (errors) parts.push(p('red', `${errors} ${errors === 1 ? 'error' : 'errors'}`));
    if (warnings) parts.push(p('yellow', `${warnings} ${warnings === 1 ? 'warning' : 'warnings'}`));
    if (notes) parts.push(`${notes} ${notes === 1 ? 'note' : 'notes'}${p('dim', ' (shown with --verbose)')}`);
    s += `Input: ${parts.join(', ')}.\n`;
  }
  if (errors > 0) s += p('red', 'Result: ERROR — some input could not be scanned (exit code 2).') + '\n';
  else if (opts.failed) {
    const low = opts.minScore === undefined ? [] : result.frameworks.filter((f) => f.score !== null && f.score < opts.minScore!);
    const why = [
      ...(failing.some((f) => opts.failOn !== 'none' && SEVERITY_RANK[f.control.severity] >= SEVERITY_RANK[opts.failOn as Severity] && f.control.severity !== 'info') ? [`findings at or above "${opts.failOn}"`] : []),
      ...(low.length > 0 ? [`${low.map((f) => f.framework.id).join(', ')} below --min-score ${opts.minScore}`] : []),
    ];
    s += p('red', `Result: FAIL — ${why.join('; ')} (exit code 1).`) + '\n';
  }
  else if (failing.length > 0 && opts.failOn === 'none') s += `Result: findings reported, not failing (--fail-on none).\n`;
  else if (failing.length > 0) s += p('green', `Result: PASS — no findings at or above "${opts.failOn}".`) + '\n';
  else s += p('green', 'Result: PASS') + '\n';
  yield s;
}

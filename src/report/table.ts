/**
 * The human-readable report: findings grouped by resource, each with the offending field and its
 * line, then a summary. Colour only when asked (the CLI asks on a TTY without NO_COLOR).
 */
import type { Finding, Severity } from '../core/types.js';
import { SEVERITIES } from '../core/types.js';
import { describeConfig, type ScanResult } from '../scanner.js';

export interface TableOptions {
  color: boolean;
  failOn: Severity | 'none';
  failed: boolean;
  /** Omit the banner and summary. */
  quiet?: boolean;
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

export function* formatTable(result: ScanResult, opts: TableOptions): Generator<string> {
  const p = painter(opts.color);
  const failing = result.findings.filter((f) => f.status === 'fail');
  if (!opts.quiet) {
    yield p('bold', `${result.tool.name} ${result.tool.version}`) + p('dim', ` · ${describeConfig(result.config)} · ${result.stats.resources} resources in ${result.stats.files} ${result.stats.files === 1 ? 'input' : 'inputs'}`) + '\n\n';
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
    const status = f.status === 'excepted' ? p('gray', ' (excepted)') : '';
    out += `  ${p(SEV_STYLE[f.control.severity], sev)} ${p('cyan', f.control.id.padEnd(idWidth))} ${f.message}${status}\n`;
    out += `  ${' '.repeat(8)} ${' '.repeat(idWidth)} ${p('dim', `${f.path} (${loc(f)})`)}\n`;
    if (out.length > 65536) {
      yield out;
      out = '';
    }
  }
  if (out) yield out;
  if (opts.quiet) return;

  const errors = result.diagnostics.filter((d) => d.level === 'error').length;
  const warnings = result.diagnostics.filter((d) => d.level === 'warning').length;
  const notes = result.diagnostics.filter((d) => d.level === 'note').length;
  const resourcesFailed = new Set(failing.map((f) => f.resource)).size;
  const passedControls = result.controls.filter((c) => c.failed === 0).length;
  let s = result.findings.length > 0 ? '\n' : '';
  if (failing.length === 0) {
    s += p('green', `No findings: ${result.stats.resources} resources pass all ${result.controls.length} controls.`) + '\n';
  } else {
    const counts = SEVERITIES.filter((sev) => result.bySeverity[sev] > 0)
      .map((sev) => p(SEV_STYLE[sev], `${result.bySeverity[sev]} ${sev}`))
      .join(', ');
    s += `${p('bold', `${failing.length} ${failing.length === 1 ? 'finding' : 'findings'}`)} (${counts}) in ${resourcesFailed} of ${result.stats.resources} resources; ${passedControls} of ${result.controls.length} controls passed.\n`;
  }
  if (errors + warnings + notes > 0) {
    const parts = [];
    if (errors) parts.push(p('red', `${errors} ${errors === 1 ? 'error' : 'errors'}`));
    if (warnings) parts.push(p('yellow', `${warnings} ${warnings === 1 ? 'warning' : 'warnings'}`));
    if (notes) parts.push(`${notes} ${notes === 1 ? 'note' : 'notes'}${p('dim', ' (shown with --verbose)')}`);
    s += `Input: ${parts.join(', ')}.\n`;
  }
  if (errors > 0) s += p('red', 'Result: ERROR — some input could not be scanned (exit code 2).') + '\n';
  else if (opts.failed) s += p('red', `Result: FAIL — findings at or above "${opts.failOn}" (exit code 1).`) + '\n';
  else if (failing.length > 0 && opts.failOn === 'none') s += `Result: findings reported, not failing (--fail-on none).\n`;
  else if (failing.length > 0) s += p('green', `Result: PASS — no findings at or above "${opts.failOn}".`) + '\n';
  else s += p('green', 'Result: PASS') + '\n';
  yield s;
}

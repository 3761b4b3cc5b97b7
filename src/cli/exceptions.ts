import { Command, Option } from 'commander';
import { BUILTIN_CONTROLS } from '../controls/index.js';
import { parsePssVersion } from '../controls/pod-security/version.js';
import { selectControls, withSeverities } from '../controls/select.js';
import { defaultExceptionPolicy } from '../config/defaults.js';
import type { FileConfig } from '../config/config.js';
import type { Diagnostic, Resource } from '../core/types.js';
import { diagnosticToJson, exceptionToJson } from '../report/json.js';
import { painter, type Painter } from '../report/table.js';
import { daysLeft, exceptionKey, parseExceptions, reviewException, type ExceptionMatch, type ExceptionStatus, type ReviewProblem } from '../policy/exceptions.js';
import { knownBuiltinControl, loadExceptionDocuments, scan } from '../scanner.js';
import { currentTime, formatDiagnostic, readFileConfig } from './scan.js';
import { emit, EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, UsageError, useColor } from './util.js';

const FORMATS = ['table', 'json'] as const;

interface CommonFlags {
  format: (typeof FORMATS)[number];
  config?: string | false;
  color?: boolean;
}

interface CheckFlags extends CommonFlags {
  scan?: string[];
  expiringWithin: string;
}

const FORMAT_HELP = `
The ComplianceException format (apiVersion kubecomply.io/v1alpha1):

  apiVersion: kubecomply.io/v1alpha1
  kind: ComplianceException
  metadata:
    name: legacy-billing-root
    namespace: billing              # optional: only resources in this namespace match
  spec:
    controls: [pss-run-as-non-root] # control ids or globs ("kubecomply controls")
    match:                          # every criterion given must hold; at least one
      namespaces: [billing]         # globs allowed
      kinds: [Deployment]
      names: [legacy-*]             # globs allowed
      selector: {matchLabels: {app: billing}}   # a label selector on the resource's labels
    justification: "why the risk is accepted and how it is contained"
    approvedBy: jane.doe@example.com
    approvedAt: 2026-11-20          # a date or an RFC 3339 time; not in the future
    expires: 2027-01-31             # the end of that day UTC; at most exceptions.maxDays after approval
    ticket: PAY-123                 # optional

States: active (honoured), expired, unapproved (no approver or approval date, or approval in the
future), invalid (missing or malformed fields, unknown controls, a validity longer than maxDays).
Exceptions are judged at the current time, or at KUBECOMPLY_NOW (e.g. 2026-12-01) when it is set.`;

export function exceptionsCommand(): Command {
  const cmd = new Command('exceptions')
    .enablePositionalOptions()
    .summary('list and review governed exceptions (ComplianceException documents)')
    .description(
      'ComplianceException documents accept the risk of named controls on named resources, for a limited time, ' +
        'with a justification and an approver. "kubecomply scan" honours the active ones (findings are reported as ' +
        'excepted, never hidden); these commands list them and find the ones that need attention.',
    )
    .addHelpText(
      'after',
      `
Examples:
  kubecomply exceptions list exceptions/
  kubecomply exceptions list                           # the files named by kubecomply.yaml exceptions.files
  kubecomply exceptions check exceptions/ --scan k8s/  # also flags exceptions that match nothing
${FORMAT_HELP}`,
    );
  cmd.addCommand(listCommand());
  cmd.addCommand(checkCommand());
  return cmd;
}

function commonOptions(c: Command): Command {
  return c
    .addOption(new Option('-f, --format <format>', 'output format').choices(FORMATS).default('table'))
    .option('-c, --config <file>', 'settings file (default: ./kubecomply.yaml when it exists): exceptions.maxDays, minJustificationLength, files')
    .option('--no-config', 'ignore ./kubecomply.yaml')
    .option('--no-color', 'disable colour (also: NO_COLOR=1)');
}

function listCommand(): Command {
  return commonOptions(
    new Command('list')
      .summary('list exceptions with their state and days left')
      .description('List the ComplianceException documents in files or directories (default: kubecomply.yaml exceptions.files) with their controls, match, approver, expiry, state and days left. Other documents are skipped.')
      .argument('[paths...]', 'files or directories holding exceptions'),
  )
    .addHelpText(
      'after',
      `
Exit codes:
  0  listed (whatever the states; "exceptions check" fails on problems)
  2  usage error, an invalid kubecomply.yaml, or a file that could not be read or parsed

Examples:
  kubecomply exceptions list exceptions/
  kubecomply exceptions list exceptions/ --format json
  KUBECOMPLY_NOW=2027-02-01 kubecomply exceptions list exceptions/   # as they will stand on 1 February`,
    )
    .action(async (paths: string[], flags: CommonFlags) => {
      process.exitCode = await runList(paths, flags);
    });
}

function checkCommand(): Command {
  return commonOptions(
    new Command('check')
      .summary('find exceptions that are expired, unapproved, invalid, expiring soon, over-broad or unused')
      .description(
        'Review exceptions: flags expired, unapproved and invalid ones, active ones expiring soon, over-broad ones ' +
          '(no namespace, name or selector criterion; a "*" control; a whole control family) and — with --scan — ' +
          'active ones that match no finding in the given manifests.',
      )
      .argument('[paths...]', 'files or directories holding exceptions (default: kubecomply.yaml exceptions.files)'),
  )
    .option('--scan <manifests...>', 'scan these manifests (with the kubecomply.yaml settings) and flag exceptions that match no finding; exceptions inside them are reviewed too')
    .option('--expiring-within <days>', 'flag active exceptions that expire within this many days', '14')
    .addHelpText(
      'after',
      `
Exit codes:
  0  no problems
  1  at least one problem
  2  usage error, an invalid kubecomply.yaml, or a file that could not be read or parsed

Examples:
  kubecomply exceptions check exceptions/
  kubecomply exceptions check exceptions/ --scan k8s/ --expiring-within 30
  kubecomply exceptions check --scan k8s/ --format json     # exceptions kept next to the manifests`,
    )
    .action(async (paths: string[], flags: CheckFlags) => {
      process.exitCode = await runCheck(paths, flags);
    });
}

interface Loaded {
  fileConfig: FileConfig | undefined;
  sources: string[];
  resources: Resource[];
  diagnostics: Diagnostic[];
}

async function loadAll(paths: string[], flags: CommonFlags, required: boolean): Promise<Loaded> {
  const fileConfig = readFileConfig(flags.config);
  const sources = paths.length > 0 ? paths : (fileConfig?.exceptions.files ?? []);
  if (required && sources.length === 0) {
    throw new UsageError(
      'no exception files given',
      fileConfig ? `pass files or directories, or list them in ${fileConfig.file} under exceptions.files` : 'pass files or directories, or list them in kubecomply.yaml under exceptions.files',
    );
  }
  if (sources.includes('-')) throw new UsageError('exceptions are read from files or directories, not from standard input');
  const loaded = sources.length > 0 ? await loadExceptionDocuments(sources, 'default', false) : { resources: [], diagnostics: [] };
  return { fileConfig, sources, ...loaded };
}

function writeDiagnostics(diagnostics: readonly Diagnostic[], color: boolean): void {
  const p = painter(color);
  for (const d of diagnostics) if (d.level !== 'note') process.stderr.write(formatDiagnostic(d, p) + '\n');
}

function matchText(e: { namespace?: string; match: ExceptionMatch }): string {
  const parts: string[] = [];
  const m = e.match;
  if (m.namespaces) parts.push(`namespaces=${m.namespaces.join(',')}`);
  if (m.kinds) parts.push(`kinds=${m.kinds.join(',')}`);
  if (m.names) parts.push(`names=${m.names.join(',')}`);
  if (m.packages) parts.push(`packages=${m.packages.join(',')}`);
  if (m.selector) {
    const sel = [
      ...Object.entries(m.selector.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`),
      ...(m.selector.matchExpressions ?? []).map((x) =>
        x.operator === 'Exists' ? x.key : x.operator === 'DoesNotExist' ? `!${x.key}` : `${x.key} ${x.operator === 'In' ? 'in' : 'notin'} (${(x.values ?? []).join(',')})`,
      ),
    ];
    parts.push(`selector=${sel.join(',') || '{}'}`);
  }
  return parts.join(' ') || '—';
}

const STATE_STYLE = { active: 'green', expired: 'red', unapproved: 'yellow', invalid: 'red' } as const;

function daysText(s: ExceptionStatus, now: Date): string {
  if (!s.expiresAt) return '—';
  const d = daysLeft(s.expiresAt, now);
  return d < 0 ? `${d}` : String(d);
}

function table(rows: string[][], p: Painter, styles: Record<number, (cell: string, row: number) => string> = {}): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows
    .map((r, ri) =>
      r
        .map((cell, i) => {
          const padded = i === r.length - 1 ? cell : cell.padEnd(widths[i]);
          if (ri === 0) return p('bold', padded);
          return styles[i] ? styles[i](padded, ri) : padded;
        })
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

async function runList(paths: string[], flags: CommonFlags): Promise<number> {
  const now = currentTime();
  const loaded = await loadAll(paths, flags, true);
  const policy = loaded.fileConfig?.exceptions ?? defaultExceptionPolicy();
  const parsed = parseExceptions(loaded.resources, policy, knownBuiltinControl, now);
  const color = useColor(process.stdout) && flags.color !== false;
  const errColor = useColor(process.stderr) && flags.color !== false;
  // Per-exception problems are what "check" reports; here the state column says it.
  writeDiagnostics([...loaded.diagnostics, ...parsed.diagnostics.filter((d) => !/^exception-(invalid|unapproved|expired)$/.test(d.code))], errColor);
  const inputErrors = loaded.diagnostics.some((d) => d.level === 'error');
  if (flags.format === 'json') {
    const doc = { now: now.toISOString(), sources: loaded.sources, exceptions: parsed.statuses.map((s) => exceptionToJson(s, now)), diagnostics: [...loaded.diagnostics, ...parsed.diagnostics].map(diagnosticToJson) };
    await emit([JSON.stringify(doc, null, 2) + '\n'], undefined);
    return inputErrors ? EXIT_USAGE : EXIT_OK;
  }
  const p = painter(color);
  if (parsed.statuses.length === 0) {
    await emit([`No ComplianceException documents in ${loaded.sources.join(', ')}.\n`], undefined);
    return inputErrors ? EXIT_USAGE : EXIT_OK;
  }
  const rows = [['NAME', 'NAMESPACE', 'CONTROLS', 'MATCH', 'APPROVER', 'EXPIRES', 'STATE', 'DAYS LEFT']];
  for (const s of parsed.statuses) {
    const e = s.exception;
    rows.push([e.name, e.namespace ?? '—', (e.vulnerabilities ?? e.controls).join(',') || '—', matchText(e), e.approvedBy ?? '—', e.expires ?? '—', s.state, daysText(s, now)]);
  }
  const states = parsed.statuses.map((s) => s.state);
  const stateCol = (cell: string, ri: number): string => p(STATE_STYLE[states[ri - 1]], cell);
  let out = table(rows, p, { 6: stateCol }) + '\n';
  const notHonoured = states.filter((s) => s !== 'active').length;
  out += `\n${parsed.statuses.length} ${parsed.statuses.length === 1 ? 'exception' : 'exceptions'}, ${states.length - notHonoured} active`;
  out += notHonoured > 0 ? `; ${notHonoured} not honoured — "kubecomply exceptions check" says why.\n` : '.\n';
  await emit([out], undefined);
  return inputErrors ? EXIT_USAGE : EXIT_OK;
}

const KIND_TEXT: Record<ReviewProblem['kind'], string> = {
  invalid: 'INVALID',
  unapproved: 'UNAPPROVED',
  expired: 'EXPIRED',
  'expiring-soon': 'EXPIRING',
  'over-broad': 'OVER-BROAD',
  unused: 'UNUSED',
};

async function runCheck(paths: string[], flags: CheckFlags): Promise<number> {
  const within = Number(flags.expiringWithin);
  if (!/^\d+$/.test(flags.expiringWithin.trim()) || !Number.isFinite(within)) {
    throw new UsageError(`invalid --expiring-within "${flags.expiringWithin}": expected a whole number of days`);
  }
  const now = currentTime();
  const manifests = flags.scan ?? [];
  const loaded = await loadAll(paths, flags, manifests.length === 0);
  const fileConfig = loaded.fileConfig;
  const policy = fileConfig?.exceptions ?? defaultExceptionPolicy();
  let statuses: ExceptionStatus[];
  let diagnostics: Diagnostic[] = [...loaded.diagnostics];
  let used: ReadonlyMap<string, number> | undefined;
  if (manifests.length > 0) {
    if (manifests.filter((m) => m === '-').length > 1) throw new UsageError('"-" (standard input) can be given only once');
    const version = parsePssVersion(fileConfig?.podSecurity.version ?? 'latest');
    if (typeof version === 'string') throw new UsageError(version);
    const selected = selectControls(BUILTIN_CONTROLS, { exclude: fileConfig?.disabled ?? [] }).controls;
    const result = await scan(manifests, {
      config: { pss: { level: fileConfig?.podSecurity.level ?? 'restricted', version: version.version }, defaultNamespace: 'default', ...(fileConfig ? { settings: fileConfig.settings } : {}) },
      controls: withSeverities(selected, fileConfig?.severity ?? {}),
      exceptions: { policy, now, resources: loaded.resources },
    });
    statuses = result.exceptions?.statuses ?? [];
    used = result.exceptions?.used;
    // Input errors of the manifests matter (they make "unused" unreliable); their other notes do not.
    diagnostics = [...diagnostics, ...result.diagnostics.filter((d) => d.level === 'error' || d.code.startsWith('exception-'))];
  } else {
    const parsed = parseExceptions(loaded.resources, policy, knownBuiltinControl, now);
    statuses = parsed.statuses;
    diagnostics = [...diagnostics, ...parsed.diagnostics];
  }
  const reviews = statuses.map((s) => ({ status: s, problems: reviewException(s, { now, expiringWithinDays: within, catalog: BUILTIN_CONTROLS, ...(used ? { used } : {}) }) }));
  // Per-exception problems are listed below; other diagnostics (unsupported versions, input errors) go to stderr.
  const other = diagnostics.filter((d) => d.level !== 'note' && !/^exception-(invalid|unapproved|expired|unused)$/.test(d.code));
  const errColor = useColor(process.stderr) && flags.color !== false;
  writeDiagnostics(other, errColor);
  const inputErrors = other.some((d) => d.level === 'error');
  const problemCount = reviews.reduce((n, r) => n + r.problems.length, 0) + other.filter((d) => d.level === 'warning').length;
  const byKind: Record<string, number> = {};
  for (const r of reviews) for (const x of r.problems) byKind[x.kind] = (byKind[x.kind] ?? 0) + 1;
  const exit = inputErrors ? EXIT_USAGE : problemCount > 0 ? EXIT_FINDINGS : EXIT_OK;

  if (flags.format === 'json') {
    const doc = {
      now: now.toISOString(),
      expiringWithinDays: within,
      sources: loaded.sources,
      scanned: manifests,
      result: inputErrors ? 'error' : problemCount > 0 ? 'fail' : 'pass',
      summary: { exceptions: statuses.length, problems: problemCount, byKind },
      exceptions: reviews.map((r) => ({
        ...exceptionToJson(r.status, now, used ? (used.get(exceptionKey(r.status.exception)) ?? 0) : undefined),
        review: r.problems.map((x) => ({ kind: x.kind, ...(x.field !== undefined ? { field: x.field } : {}), line: x.position.line, column: x.position.column, message: x.message })),
      })),
      diagnostics: other.map(diagnosticToJson),
    };
    await emit([JSON.stringify(doc, null, 2) + '\n'], undefined);
    return exit;
  }

  const p = painter(useColor(process.stdout) && flags.color !== false);
  let out = '';
  if (statuses.length === 0) {
    out += `No ComplianceException documents in ${[...loaded.sources, ...manifests].join(', ')}.\n`;
  }
  const kindW = Math.max(...Object.values(KIND_TEXT).map((k) => k.length));
  for (const { status: s, problems } of reviews) {
    const e = s.exception;
    const left = s.expiresAt ? daysLeft(s.expiresAt, now) : undefined;
    const state = s.state === 'active' && left !== undefined ? `active, ${left} ${left === 1 ? 'day' : 'days'} left` : s.state;
    const n = used?.get(exceptionKey(e));
    const usage = n !== undefined && n > 0 ? p('dim', ` · covers ${n} ${n === 1 ? 'finding' : 'findings'}`) : '';
    out += `${p('bold', exceptionKey(e))}  ${p('dim', `${e.origin.file}:${e.origin.line}`)}  ${p(STATE_STYLE[s.state], state)}${usage}\n`;
    if (problems.length === 0) out += `  ${p('green', 'ok')}\n`;
    for (const x of problems) {
      const style = x.kind === 'expiring-soon' || x.kind === 'over-broad' || x.kind === 'unused' ? 'yellow' : 'red';
      out += `  ${p(style, KIND_TEXT[x.kind].padEnd(kindW))}  ${p('dim', `${e.origin.file}:${x.position.line}`)}  ${x.field ? `${x.field}: ` : ''}${x.message}\n`;
    }
    out += '\n';
  }
  const states = ['active', 'expired', 'unapproved', 'invalid'].map((st) => [st, statuses.filter((s) => s.state === st).length] as const).filter(([, n]) => n > 0);
  if (statuses.length > 0) out += `${statuses.length} ${statuses.length === 1 ? 'exception' : 'exceptions'} (${states.map(([st, n]) => `${n} ${st}`).join(', ')})${manifests.length === 0 ? p('dim', '; unused ones are found with --scan <manifests>') : ''}.\n`;
  if (inputErrors) out += p('red', 'Result: ERROR — some input could not be read (exit code 2).') + '\n';
  else if (problemCount > 0) {
    const kinds = Object.entries(byKind).map(([k, n]) => `${n} ${k}`);
    const others = other.filter((d) => d.level === 'warning').length;
    if (others > 0) kinds.push(`${others} other (see stderr)`);
    out += p('red', `Result: FAIL — ${problemCount} ${problemCount === 1 ? 'problem' : 'problems'} (${kinds.join(', ')}) (exit code 1).`) + '\n';
  } else out += p('green', 'Result: PASS — no problems.') + '\n';
  await emit([out], undefined);
  return exit;
}

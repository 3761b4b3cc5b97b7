import { Command, Option } from 'commander';
import { readFileSync } from 'node:fs';
import yaml from 'js-yaml';
import { findConfig } from '../config/config.js';
import {
  analyzeFiles, BUILTIN_RULES, compileFilter, expandInputs, lintPolicy, loadUserRules, parsePolicy, parseTimeArg,
  readAuditFile, readFalcoFile, falcoToDetection, rowOf, RulesFileError, severityAtLeast, SEVERITIES, timeline,
  type AuditDiagnostic, type AuditRule, type Detection, type PolicyFinding, type QueryFilter, type QueryRow, type Severity,
} from '../audit/index.js';
import { textTable } from '../audit/query.js';
import { detectionsToSarif } from '../audit/sarif.js';
import { TOOL } from '../core/version.js';
import { collectList, emit, EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, UsageError } from './util.js';

const FAIL_ON = [...SEVERITIES, 'none'] as const;
type FailOn = (typeof FAIL_ON)[number];
const FORMATS = ['table', 'json'] as const;

/**
 * The built-in rules, then kubecomply.yaml's `audit.rules` (the file `config` names, else ./kubecomply.yaml when it
 * exists; `false`: none), then the rule files given (`flag` names their option in messages). Shared by `audit
 * analyze`/`audit rules` and `serve --audit`.
 */
export function auditRulesFrom(files: readonly string[] | undefined, config: string | false | undefined, flag = '--rules'): AuditRule[] {
  const rules = [...BUILTIN_RULES];
  const ids = new Set(rules.map((r) => r.id));
  const add = (f: string, what: string): void => {
    try {
      for (const r of loadUserRules(f, ids)) {
        ids.add(r.id);
        rules.push(r);
      }
    } catch (e) {
      if (e instanceof RulesFileError) throw new UsageError(`invalid ${what}\n${e.message}`, 'see "kubecomply audit rules --help" for the rule format');
      throw new UsageError(`cannot read ${what} ${f}: ${(e as Error).message}`);
    }
  };
  const cfg = config === false ? undefined : typeof config === 'string' ? config : findConfig(process.cwd());
  if (cfg !== undefined) {
    let doc: unknown;
    try {
      doc = yaml.load(readFileSync(cfg, 'utf8'));
    } catch (e) {
      if (typeof config === 'string') throw new UsageError(`cannot read the configuration ${cfg}: ${(e as Error).message.split('\n')[0]}`);
    }
    const audit = doc && typeof doc === 'object' ? (doc as { audit?: { rules?: unknown } }).audit : undefined;
    if (audit && audit.rules !== undefined) add(cfg, `audit.rules in ${cfg}`);
  }
  for (const f of files ?? []) add(f, flag === '--rules' ? 'rules file' : `${flag} file`);
  return rules;
}

async function inputs(files: string[], rotated: boolean | undefined): Promise<string[]> {
  if (files.length === 0 && process.stdin.isTTY) throw new UsageError('no audit log given', 'name files or directories, or pipe events on stdin ("-")');
  try {
    return await expandInputs(files.length ? files : ['-'], rotated);
  } catch (e) {
    throw new UsageError(`cannot read ${(e as NodeJS.ErrnoException).path ?? ''}: ${(e as Error).message}`);
  }
}

function printDiagnostics(ds: AuditDiagnostic[]): void {
  const max = 50;
  for (const d of ds.slice(0, max)) process.stderr.write(`${d.file}:${d.line}: warning: ${d.message}\n`);
  if (ds.length > max) process.stderr.write(`… and ${ds.length - max} more input problems\n`);
}

function exitFor(dets: { severity: Severity }[], failOn: FailOn, diagnostics: number): number {
  if (diagnostics > 0) return EXIT_USAGE;
  if (failOn !== 'none' && dets.some((d) => severityAtLeast(d.severity, failOn))) return EXIT_FINDINGS;
  return EXIT_OK;
}

function sortDetections(d: Detection[]): Detection[] {
  return d.sort((a, b) => SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity) || (a.time < b.time ? -1 : a.time > b.time ? 1 : 0));
}

export function detectionsTable(dets: Detection[], events: number | undefined): string {
  if (dets.length === 0) return `No detections${events !== undefined ? ` in ${events} events` : ''}.\n`;
  const rows = dets.map((d) => [
    d.severity.toUpperCase(),
    d.time.replace('T', ' ').replace(/\.\d+Z$/, 'Z'),
    d.rule,
    (d.user || '-') + (d.impersonatedUser ? ` (as ${d.impersonatedUser})` : ''),
    [d.verb, d.resource, d.namespace || d.name ? `${d.namespace ? `${d.namespace}/` : ''}${d.name}` : ''].filter(Boolean).join(' ') + (d.count ? ` ×${d.count} from ${d.sourceIP || '?'}` : ''),
    d.mitre.join(','),
  ]);
  let out = textTable(['SEVERITY', 'TIME', 'RULE', 'USER', 'ACTION', 'MITRE'], rows);
  const fired = new Map<string, Detection>();
  for (const d of dets) if (!fired.has(d.rule)) fired.set(d.rule, d);
  out += '\nWhy it matters:\n';
  for (const d of fired.values()) {
    out += `  ${d.rule} — ${d.title} [${d.mitre.join(', ') || 'no ATT&CK id'}]\n`;
    if (d.explanation) out += `    ${d.explanation}\n`;
    if (d.remediation) out += `    Fix: ${d.remediation}\n`;
  }
  const counts = SEVERITIES.map((s) => [s, dets.filter((d) => d.severity === s).length] as const).filter(([, n]) => n > 0);
  out += `\n${dets.length} detection${dets.length === 1 ? '' : 's'}${events !== undefined ? ` in ${events} events` : ''}: ${counts.map(([s, n]) => `${n} ${s}`).join(', ')}\n`;
  return out;
}

function filterFlags(cmd: Command): Command {
  return cmd
    .option('--user <glob>', 'user (or impersonated user), globs allowed; repeatable', collectList)
    .option('--verb <verb>', 'verb (get, list, create, delete …); repeatable', collectList)
    .option('--resource <glob>', 'resource or resource/subresource (pods, pods/exec, secrets …); repeatable', collectList)
    .option('--namespace <glob>', 'namespace ("" for cluster-scoped); repeatable', collectList)
    .option('--name <glob>', 'object name; repeatable', collectList)
    .option('--since <time>', 'from this time: RFC 3339, a date, or a duration back from now (2h, 7d)')
    .option('--until <time>', 'up to this time')
    .addOption(new Option('--outcome <outcome>', 'only allowed (code < 400) or denied requests').choices(['allowed', 'denied']))
    .option('--rotated', 'also read the rotated files of each log file (audit-<time>.log[.gz], audit.log.1 …)')
    .addOption(new Option('--format <format>', 'output format').choices(FORMATS).default('table'))
    .option('-o, --output <file>', 'write the report to a file');
}

interface FilterOpts {
  user?: string[]; verb?: string[]; resource?: string[]; namespace?: string[]; name?: string[]; since?: string; until?: string;
  outcome?: 'allowed' | 'denied'; rotated?: boolean; format: (typeof FORMATS)[number]; output?: string;
}

function filterOf(o: FilterOpts): QueryFilter {
  try {
    return {
      user: o.user, verb: o.verb, resource: o.resource, namespace: o.namespace, name: o.name, outcome: o.outcome,
      since: o.since !== undefined ? parseTimeArg(o.since) : undefined,
      until: o.until !== undefined ? parseTimeArg(o.until) : undefined,
    };
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

async function collectRows(files: string[], o: FilterOpts, limit: number): Promise<{ rows: QueryRow[]; diagnostics: AuditDiagnostic[]; truncated: boolean }> {
  const match = compileFilter(filterOf(o));
  const rows: QueryRow[] = [];
  const diagnostics: AuditDiagnostic[] = [];
  let truncated = false;
  for (const f of await inputs(files, o.rotated)) {
    await readAuditFile(f, (e, origin) => {
      if (!match(e)) return;
      if (rows.length >= limit) truncated = true;
      else rows.push(rowOf(e, origin));
    }, (d) => diagnostics.push(d));
  }
  return { rows, diagnostics, truncated };
}

const rowCells = (r: QueryRow): string[] => [
  r.time.replace('T', ' ').replace(/\.\d+Z$/, 'Z'),
  r.user + (r.impersonatedUser ? ` (as ${r.impersonatedUser})` : ''),
  r.verb,
  r.resource,
  r.namespace ? `${r.namespace}/${r.name}` : r.name,
  r.code !== undefined ? String(r.code) : '',
  r.sourceIP,
];
const ROW_HEAD = ['TIME', 'USER', 'VERB', 'RESOURCE', 'OBJECT', 'CODE', 'SOURCE'];

const RULE_FORMAT = `
Rule format (a YAML file given with --rules; a "rules:" list, or "audit: {rules: …}" in kubecomply.yaml):

  rules:
    - id: exec-into-payments            # lower-case slug, unique
      title: Exec into a payments pod
      severity: critical                # critical | high | medium | low | info
      mitre: [T1609]                    # ATT&CK technique ids
      verbs: [create]                   # optional: the event's verb is one of these
      resources: [pods/exec]            # optional: resource or resource/subresource
      when:                             # optional: conditions over event fields
        all:
          - { field: objectRef.namespace, in: [payments] }
          - not: { field: "user.groups[]", equals: "system:masters" }
      explanation: why this matters
      remediation: what to do
    - id: token-spray
      title: Many 401s from one address
      severity: high
      when: { field: $code, equals: 401 }
      threshold: { count: 20, withinSeconds: 60, groupBy: $sourceIP }

Operators: equals, in, glob, regex, iregex, contains, startsWith, exists, gt, lt, equalsField; combine with
all / any / not. Paths: a.b.c, list[] (any element), list[0], list[-1], map.* (any value), map.$keys,
labels["app.kubernetes.io/name"] (quote paths with [ ] inside { } in YAML). Virtual fields: $resource, $sourceIP (last source IP), $code, $saNamespace.`;

export function auditCommand(): Command {
  const cmd = new Command('audit')
    .enablePositionalOptions()
    .summary('analyse Kubernetes audit logs: detections mapped to MITRE ATT&CK, queries, timelines, policy lint')
    .description(
      'Reads audit.k8s.io/v1 events (JSON lines as written by the log backend, EventList bodies as sent by the ' +
        'webhook backend, gzipped or not, rotated sets, stdin) and runs detection rules over them; answers who did ' +
        'what, where and when; lints audit Policy files; ingests Falco alerts (Falcosidekick JSON).',
    );

  cmd
    .command('analyze')
    .alias('analyse')
    .summary('run the detection rules over audit logs')
    .argument('[files...]', 'audit log files or directories ("-" or nothing: stdin)')
    .option('--rules <file>', 'extra rules from a YAML file; repeatable', collectList)
    .option('-c, --config <file>', "kubecomply.yaml whose audit.rules are added (default: ./kubecomply.yaml when it exists)")
    .option('--no-config', 'ignore ./kubecomply.yaml')
    .option('--rotated', 'also read the rotated files of each log file')
    .addOption(new Option('--format <format>', 'output format').choices([...FORMATS, 'sarif']).default('table'))
    .addOption(new Option('--fail-on <severity>', 'exit with code 1 when a detection is at or above this severity').choices(FAIL_ON).default('low'))
    .option('-o, --output <file>', 'write the report to a file')
    .addHelpText('after', `\nExit codes: 0 no detections at or above --fail-on, 1 detections, 2 usage or input errors (bad lines are\nreported with file:line and skipped).\n${RULE_FORMAT}`)
    .action(async (files: string[], o: { rules?: string[]; config?: string | false; rotated?: boolean; format: string; failOn: FailOn; output?: string }) => {
      const rules = auditRulesFrom(o.rules, o.config);
      const r = await analyzeFiles(await inputs(files, o.rotated), { rules });
      sortDetections(r.detections);
      printDiagnostics(r.diagnostics);
      const text = o.format === 'json'
        ? JSON.stringify({ events: r.events, detections: r.detections, diagnostics: r.diagnostics }, null, 2) + '\n'
        : o.format === 'sarif'
          ? JSON.stringify(detectionsToSarif(r.detections, r.diagnostics, TOOL), null, 2) + '\n'
          : detectionsTable(r.detections, r.events);
      await emit([text], o.output);
      process.exitCode = exitFor(r.detections, o.failOn, r.diagnostics.length);
    });

  filterFlags(
    cmd
      .command('query')
      .summary('who did what, where, when: events matching filters')
      .argument('[files...]', 'audit log files or directories ("-" or nothing: stdin)')
      .option('--limit <n>', 'at most this many rows', '10000'),
  )
    .addHelpText('after', '\nExample: kubecomply audit query audit.log --resource secrets --verb list --verb get --since 2026-12-01')
    .action(async (files: string[], o: FilterOpts & { limit: string }) => {
      const limit = Number(o.limit);
      if (!Number.isInteger(limit) || limit < 1) throw new UsageError(`--limit must be a positive integer, got "${o.limit}"`);
      const { rows, diagnostics, truncated } = await collectRows(files, o, limit);
      printDiagnostics(diagnostics);
      if (truncated) process.stderr.write(`note: output limited to ${limit} rows (--limit)\n`);
      const text = o.format === 'json' ? JSON.stringify(rows, null, 2) + '\n' : rows.length ? textTable(ROW_HEAD, rows.map(rowCells)) : 'No matching events.\n';
      await emit([text], o.output);
      process.exitCode = diagnostics.length ? EXIT_USAGE : EXIT_OK;
    });

  filterFlags(
    cmd
      .command('timeline')
      .summary('events in time order, grouped per user or per object')
      .argument('[files...]', 'audit log files or directories ("-" or nothing: stdin)')
      .addOption(new Option('--by <what>', 'group per user or per object').choices(['user', 'object']).default('user'))
      .option('--limit <n>', 'at most this many events', '100000'),
  ).action(async (files: string[], o: FilterOpts & { by: 'user' | 'object'; limit: string }) => {
    const limit = Number(o.limit);
    if (!Number.isInteger(limit) || limit < 1) throw new UsageError(`--limit must be a positive integer, got "${o.limit}"`);
    const { rows, diagnostics, truncated } = await collectRows(files, o, limit);
    printDiagnostics(diagnostics);
    if (truncated) process.stderr.write(`note: timeline limited to ${limit} events (--limit)\n`);
    const groups = timeline(rows, o.by);
    let text: string;
    if (o.format === 'json') text = JSON.stringify(groups, null, 2) + '\n';
    else if (groups.length === 0) text = 'No matching events.\n';
    else
      text = groups
        .map((g) => `== ${g.key}  (${g.rows.length} event${g.rows.length === 1 ? '' : 's'}, ${g.first} … ${g.last})\n` + textTable(ROW_HEAD, g.rows.map(rowCells)).replace(/^(?=.)/gm, '  '))
        .join('\n');
    await emit([text], o.output);
    process.exitCode = diagnostics.length ? EXIT_USAGE : EXIT_OK;
  });

  cmd
    .command('lint-policy')
    .summary('check an audit Policy against good design')
    .argument('<policy>', 'an audit.k8s.io/v1 Policy file')
    .addOption(new Option('--format <format>', 'output format').choices(FORMATS).default('table'))
    .addOption(new Option('--fail-on <severity>', 'exit with code 1 when a finding is at or above this severity').choices(FAIL_ON).default('medium'))
    .option('-o, --output <file>', 'write the report to a file')
    .addHelpText('after', `
Checks: a catch-all rule (not at None); Secrets, ConfigMaps and TokenReviews at Metadata only; RBAC changes at
RequestResponse; pods/exec, attach and portforward logged; RequestReceived omitted; no rule shadowed by an
earlier, broader one (first match wins); resources under their real API group; valid levels and stages.`)
    .action(async (file: string, o: { format: string; failOn: FailOn; output?: string }) => {
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (e) {
        throw new UsageError(`cannot read ${file}: ${(e as Error).message}`);
      }
      let parsed;
      try {
        parsed = parsePolicy(text, file);
      } catch (e) {
        throw new UsageError(`${file}: ${(e as Error).message}`);
      }
      const findings = lintPolicy(parsed.policy, parsed.lines);
      const out = o.format === 'json' ? JSON.stringify({ file, findings }, null, 2) + '\n' : lintTable(file, findings);
      await emit([out], o.output);
      process.exitCode = exitFor(findings, o.failOn, 0);
    });

  cmd
    .command('falco')
    .summary('read Falco alerts (Falcosidekick JSON) as detections mapped to MITRE ATT&CK')
    .argument('<files...>', 'files of Falcosidekick payloads (JSON lines, an array, or one object)')
    .addOption(new Option('--format <format>', 'output format').choices(FORMATS).default('table'))
    .addOption(new Option('--fail-on <severity>', 'exit with code 1 when an alert is at or above this severity').choices(FAIL_ON).default('low'))
    .option('-o, --output <file>', 'write the report to a file')
    .action(async (files: string[], o: { format: string; failOn: FailOn; output?: string }) => {
      const dets: Detection[] = [];
      const diagnostics: AuditDiagnostic[] = [];
      for (const f of files) {
        try {
          const r = await readFalcoFile(f);
          dets.push(...r.alerts.map(falcoToDetection));
          diagnostics.push(...r.diagnostics);
        } catch (e) {
          throw new UsageError(`cannot read ${f}: ${(e as Error).message}`);
        }
      }
      sortDetections(dets);
      printDiagnostics(diagnostics);
      const text = o.format === 'json' ? JSON.stringify({ detections: dets, diagnostics }, null, 2) + '\n' : detectionsTable(dets, undefined);
      await emit([text], o.output);
      process.exitCode = exitFor(dets, o.failOn, diagnostics.length);
    });

  cmd
    .command('rules')
    .summary('list the built-in audit detection rules')
    .option('--rules <file>', 'also list (and validate) rules from a YAML file; repeatable', collectList)
    .option('-c, --config <file>', "also list kubecomply.yaml's audit.rules (default: ./kubecomply.yaml when it exists)")
    .option('--no-config', 'ignore ./kubecomply.yaml')
    .addOption(new Option('--format <format>', 'output format').choices(FORMATS).default('table'))
    .addHelpText('after', RULE_FORMAT)
    .action(async (o: { rules?: string[]; config?: string | false; format: string }) => {
      const rules = auditRulesFrom(o.rules, o.config);
      const text = o.format === 'json'
        ? JSON.stringify(rules, null, 2) + '\n'
        : textTable(['ID', 'SEVERITY', 'MITRE', 'TITLE'], rules.map((r) => [r.id, r.severity, r.mitre.join(','), r.title])) + `\n${rules.length} rules\n`;
      await emit([text], undefined);
    });
  return cmd;
}

function lintTable(file: string, findings: PolicyFinding[]): string {
  if (findings.length === 0) return `${file}: no findings — the policy follows the recommended design.\n`;
  let out = '';
  for (const f of findings) out += `${file}:${f.line}: ${f.severity}: ${f.check}: ${f.message}\n    ${f.explanation}\n`;
  out += `\n${findings.length} finding${findings.length === 1 ? '' : 's'}\n`;
  return out;
}

import { createHash } from 'node:crypto';
import { Command, Option } from 'commander';
import { BUILTIN_CONTROLS } from '../controls/index.js';
import { controlsForFrameworks, selectControls, withSeverities } from '../controls/select.js';
import { defaultExceptionPolicy } from '../config/defaults.js';
import { findFramework, FRAMEWORKS } from '../frameworks/index.js';
import {
  buildComplianceReport,
  formatComplianceJson,
  formatComplianceMarkdown,
  FrameworkNotAssessedError,
  type ComplianceReport,
  type ReportInput,
} from '../report/compliance-report.js';
import { painter } from '../report/table.js';
import { scan } from '../scanner.js';
import { appendEvidence } from '../store/evidence.js';
import { buildScan, loadScan, verifyScanSummary } from '../store/scans.js';
import { currentTime, formatDiagnostic, podSecurityOf, readFileConfig } from './scan.js';
import { evidenceKey, resolveScanId, STORE_HELP, withCliStore } from './history.js';
import { collectList, emit, EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, suggest, UsageError, useColor } from './util.js';

const FORMATS = ['md', 'json'] as const;

interface ReportFlags {
  framework?: string;
  format: (typeof FORMATS)[number];
  minScore?: string;
  scan?: string;
  store?: string;
  output?: string;
  trend: number;
  config?: string | false;
  exceptions: string[];
  pssLevel: string;
  pssVersion: string;
  namespace: string;
  quiet?: boolean;
  record?: boolean;
  evidenceKey?: string;
}

export function reportCommand(): Command {
  return new Command('report')
    .summary('a per-framework posture report from the latest recorded scan, with a --min-score gate')
    .description(
      'A posture report for one framework: the overall score and its trend over the recorded scans, each ' +
        'requirement\'s status with the findings and resources behind it, the exceptions in force with their ' +
        'justification and expiry, the manual requirements as a checklist, and the hashes of the evidence ' +
        'records behind it. Made from the latest scan recorded with "kubecomply scan <paths> --store", from ' +
        '--scan ID, or — given paths — from scanning them directly (that scan is not recorded).',
    )
    .argument('[paths...]', 'scan these files or directories directly instead of reading a recorded scan')
    .requiredOption('--framework <id>', `the framework (${FRAMEWORKS.map((f) => f.id).join(', ')})`)
    .addOption(new Option('--format <format>', 'report format').choices(FORMATS).default('md'))
    .option('--min-score <percent>', 'exit with code 1 when the framework scores below this (0–100); a framework with no decided requirement has no score and fails it')
    .option('--scan <id>', 'the recorded scan to report on: an id from "kubecomply history", latest or latest~N (default: latest)')
    .option('--store <url>', STORE_HELP)
    .option('-o, --output <file>', 'write the report to a file instead of standard output')
    .option('--trend <n>', 'how many recorded scans the trend shows (default 30)', (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1) throw new UsageError(`invalid --trend "${v}": expected a positive integer`);
      return n;
    }, 30)
    .option('--exceptions <paths>', 'with paths: files or directories of ComplianceException documents', collectList, [])
    .option('-c, --config <file>', 'with paths: settings file (default: ./kubecomply.yaml when it exists)')
    .option('--no-config', 'with paths: ignore ./kubecomply.yaml')
    .option('--pss-level <level>', 'with paths: Pod Security Standards level to require', 'restricted')
    .option('--pss-version <version>', 'with paths: Pod Security Standards policy version', 'latest')
    .option('-n, --namespace <namespace>', 'with paths: namespace assumed for namespaced resources that name none', 'default')
    .option('--record', 'append a "report-issued" evidence record (framework, scan, score, the report\'s SHA-256) to the store')
    .option('--evidence-key <file>', 'with --record: the Ed25519 key that signs evidence checkpoints (default: as for "kubecomply evidence")')
    .option('-q, --quiet', 'no notes on standard error')
    .addHelpText(
      'after',
      `
Exit codes:
  0  report written (and the score at or above --min-score)
  1  the framework scores below --min-score, or has no score (no requirement decided)
  2  usage error, no recorded scan, a scan that did not assess the framework, unreadable input, or a store that cannot be opened

Examples:
  kubecomply scan k8s/ --fail-on none --store && kubecomply report --framework cis --min-score 90   # a CronJob or CI gate
  kubecomply report --framework pci-dss --format json -o pci.json
  kubecomply report --framework hipaa --scan 12 --record -o hipaa.md                 # and log it as evidence
  kubecomply report --framework nsa-cisa k8s/ --min-score 80                         # scan directly, record nothing`,
    )
    .action(async (paths: string[], flags: ReportFlags, cmd: Command) => {
      process.exitCode = await runReport(paths, flags, cmd);
    });
}

function parseMinScore(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n < 0 || n > 100) throw new UsageError(`invalid --min-score "${v}": expected a number from 0 to 100`);
  return n;
}

async function runReport(paths: string[], flags: ReportFlags, cmd: Command): Promise<number> {
  const id = flags.framework ?? '';
  const framework = findFramework(id);
  if (!framework) {
    const s = suggest(id, FRAMEWORKS.map((x) => x.id));
    throw new UsageError(`unknown framework "${id}"${s ? ` (did you mean "${s}"?)` : ''}`, `frameworks are: ${FRAMEWORKS.map((x) => x.id).join(', ')}`);
  }
  const minScore = parseMinScore(flags.minScore);
  if (paths.length > 0 && flags.scan !== undefined) throw new UsageError('give either paths to scan or --scan ID, not both');
  const stderr = process.stderr;
  const ep = painter(useColor(stderr));
  const base = { frameworkId: framework.id, ...(minScore !== undefined ? { minScore } : {}), now: currentTime() };
  let input: ReportInput;
  let inputErrors = false;

  if (paths.length > 0) {
    const fileConfig = readFileConfig(flags.config);
    const { pss, notes } = podSecurityOf(flags, cmd, fileConfig);
    for (const n of notes) if (!flags.quiet) stderr.write(`${ep('yellow', 'note:')} ${n}\n`);
    const catalog = controlsForFrameworks(BUILTIN_CONTROLS, [framework]);
    const controls = withSeverities(selectControls(catalog, { exclude: fileConfig?.disabled ?? [] }).controls, fileConfig?.severity ?? {});
    const policy = fileConfig?.exceptions ?? defaultExceptionPolicy();
    const result = await scan(paths, {
      config: { pss, defaultNamespace: flags.namespace, ...(fileConfig ? { settings: fileConfig.settings } : {}) },
      controls,
      frameworks: [framework],
      exceptions: { policy, now: base.now, files: [...policy.files, ...flags.exceptions] },
    });
    for (const d of result.diagnostics) {
      if (d.level === 'note' || (d.level === 'warning' && flags.quiet)) continue;
      stderr.write(`${formatDiagnostic(d, ep)}\n`);
    }
    inputErrors = result.diagnostics.some((d) => d.level === 'error');
    const built = buildScan(result);
    let history: ReportInput['history'] = [];
    let chainHead: ReportInput['chainHead'];
    if (flags.store !== undefined) {
      [history, chainHead] = await withCliStore(flags.store, async (s) => [await s.listScans({ limit: flags.trend }), await s.headEvidence()]);
    }
    input = { ...base, scan: { ...built.scan, id: null }, findings: built.findings, summaryVerified: null, history, ...(chainHead ? { chainHead } : {}) };
  } else {
    input = await withCliStore(flags.store, async (s) => {
      const scanId = await resolveScanId(s, flags.scan ?? 'latest', '--scan');
      const loaded = await loadScan(s, scanId);
      if (!loaded) throw new UsageError(`scan ${scanId} vanished while reading`);
      const history = await s.listScans({ limit: flags.trend, upToId: scanId });
      const head = await s.headEvidence();
      return {
        ...base,
        scan: loaded.scan,
        findings: loaded.findings,
        summaryVerified: verifyScanSummary(loaded.scan, loaded.findings, loaded.objects),
        history,
        ...(head ? { chainHead: head } : {}),
      };
    });
  }

  let report: ComplianceReport;
  try {
    report = buildComplianceReport(input);
  } catch (e) {
    if (e instanceof FrameworkNotAssessedError) throw new UsageError(e.message, `record a scan that assesses it: kubecomply scan <paths> --store (without --framework, or with --framework ${framework.id})`);
    throw e;
  }
  const text = flags.format === 'json' ? formatComplianceJson(report) : formatComplianceMarkdown(report);
  await emit([text], flags.output);
  if (report.evidence.summaryVerified === false) {
    stderr.write(`${ep('red', 'error:')} scan ${report.scan.id}: the stored findings or objects no longer match the summary hash its evidence record carries — the store was altered\n`);
    return EXIT_USAGE;
  }
  if (flags.record) {
    const key = evidenceKey(flags.evidenceKey, flags.store);
    const rec = await withCliStore(flags.store, (s) =>
      appendEvidence(
        s,
        'report-issued',
        {
          message: `report issued: ${framework.name}, ${report.scan.id === null ? 'unrecorded scan' : `scan ${report.scan.id}`}, score ${report.score === null ? 'none' : `${report.score}%`}`,
          framework: framework.id,
          scanId: report.scan.id,
          scanSummaryHash: report.evidence.summaryHash,
          score: report.score,
          ...(report.threshold ? { minScore: report.threshold.minScore, met: report.threshold.met } : {}),
          format: flags.format,
          sha256: createHash('sha256').update(text).digest('hex'),
        },
        { key },
      ),
    );
    if (!flags.quiet) stderr.write(`recorded report-issued evidence record ${rec.seq}:${rec.hash.slice(0, 16)}…\n`);
  }
  if (!flags.quiet && flags.output !== undefined && flags.output !== '-') {
    stderr.write(`wrote ${flags.format} report for ${framework.name} to ${flags.output}: score ${report.score === null ? 'none' : `${report.score}%`}\n`);
  }
  if (inputErrors) return EXIT_USAGE;
  if (report.threshold && !report.threshold.met) {
    stderr.write(`${ep('red', 'fail:')} ${framework.name} ${report.score === null ? 'has no score (no requirement decided)' : `scores ${report.score}%`}, below --min-score ${report.threshold.minScore}\n`);
    return EXIT_FINDINGS;
  }
  return EXIT_OK;
}

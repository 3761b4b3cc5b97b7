import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { BUILTIN_CONTROLS } from '../controls/index.js';
import { controlsForFrameworks } from '../controls/select.js';
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
import { formatComplianceHtml } from '../report/compliance-html.js';
import { EVIDENCE_EXPORT, FINDINGS, INDEX, PACK_SCHEMA, safeBaseName, verifyPack, writePack, type PackFile } from '../report/pack.js';
import { painter } from '../report/table.js';
import { scan } from '../scanner.js';
import { appendEvidence, publicKeyFromPem, sealedExport } from '../store/evidence.js';
import { buildScan, loadScan, verifyRecordedScan } from '../store/scans.js';
import type { ScanObjectRecord, Store } from '../store/types.js';
import { TOOL } from '../core/version.js';
import { buildConfig, configuredControls, currentTime, formatDiagnostic, readFileConfig } from './scan.js';
import { evidenceKey, resolveScanId, STORE_HELP, withCliStore } from './history.js';
import { collectList, emit, EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, frameworkFlag, positiveIntFlag, pssLevelOption, pssVersionOption, UsageError, useColor } from './util.js';

const FORMATS = ['md', 'json', 'html'] as const;

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
  const cmd = new Command('report')
    // Options after "pack" or "verify-pack" belong to them (report's own -o and --framework would take them otherwise).
    .enablePositionalOptions()
    .summary('a per-framework posture report from the latest recorded scan, with a --min-score gate')
    .description(
      'A posture report for one framework: the overall score and its trend over the recorded scans, each ' +
        'requirement\'s status with the findings and resources behind it, the exceptions in force with their ' +
        'justification and expiry, the manual requirements as a checklist, and the hashes of the evidence ' +
        'records behind it — Markdown, JSON, or one self-contained HTML page (inline SVG charts, no scripts or external assets). Made from the latest scan recorded with "kubecomply scan <paths> --store", from ' +
        '--scan ID, or — given paths — from scanning them directly (that scan is not recorded).',
    )
    .argument('[paths...]', 'scan these files or directories directly instead of reading a recorded scan')
    .option('--framework <id>', `the framework, required (${FRAMEWORKS.map((f) => f.id).join(', ')})`)
    .addOption(new Option('--format <format>', 'report format').choices(FORMATS).default('md'))
    .option('--min-score <percent>', 'exit with code 1 when the framework scores below this (0–100); a framework with no decided requirement has no score and fails it')
    .option('--scan <id>', 'the recorded scan to report on: an id from "kubecomply history", latest or latest~N (default: latest)')
    .option('--store <url>', STORE_HELP)
    .option('-o, --output <file>', 'write the report to a file instead of standard output')
    .option('--trend <n>', 'how many recorded scans the trend shows (default 30)', positiveIntFlag('--trend'), 30)
    .option('--exceptions <paths>', 'with paths: files or directories of ComplianceException documents', collectList, [])
    .option('-c, --config <file>', 'with paths: settings file (default: ./kubecomply.yaml when it exists)')
    .option('--no-config', 'with paths: ignore ./kubecomply.yaml')
    .addOption(pssLevelOption('with paths: '))
    .addOption(pssVersionOption('with paths: '))
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
  kubecomply report --framework nsa-cisa k8s/ --min-score 80                         # scan directly, record nothing
  kubecomply report --framework pci-dss --format html -o pci.html                   # one self-contained page
  kubecomply report pack -o evidence-pack.tar.gz --sbom bom.json                    # reports, findings, SBOMs, evidence, signed
  kubecomply report verify-pack evidence-pack.tar.gz --public-key evidence.pub.pem`,
    )
    .action(async (paths: string[], flags: ReportFlags, c: Command) => {
      process.exitCode = await runReport(paths, flags, c);
    });
  cmd.addCommand(packCommand());
  cmd.addCommand(verifyPackCommand());
  return cmd;
}

function render(report: ComplianceReport, format: (typeof FORMATS)[number]): string {
  return format === 'json' ? formatComplianceJson(report) : format === 'html' ? formatComplianceHtml(report) : formatComplianceMarkdown(report);
}

/** The report input from a recorded scan: the scan, its findings, whether they still hash to its summary, the trend and the log head. */
async function storedInput(s: Store, base: Pick<ReportInput, 'frameworkId' | 'minScore' | 'now'>, scanArg: string | undefined, trend: number): Promise<ReportInput & { objects: ScanObjectRecord[] }> {
  const scanId = await resolveScanId(s, scanArg ?? 'latest', '--scan');
  const loaded = await loadScan(s, scanId);
  if (!loaded) throw new UsageError(`scan ${scanId} vanished while reading`);
  const history = await s.listScans({ limit: trend, upToId: scanId });
  const head = await s.headEvidence();
  return {
    ...base,
    scan: loaded.scan,
    findings: loaded.findings,
    objects: loaded.objects,
    summaryVerified: await verifyRecordedScan(s, loaded),
    history,
    ...(head ? { chainHead: head } : {}),
  };
}

function buildOrExplain(input: ReportInput, frameworkId: string): ComplianceReport {
  try {
    return buildComplianceReport(input);
  } catch (e) {
    if (e instanceof FrameworkNotAssessedError) throw new UsageError(e.message, `record a scan that assesses it: kubecomply scan <paths> --store (without --framework, or with --framework ${frameworkId})`);
    throw e;
  }
}

function parseMinScore(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n < 0 || n > 100) throw new UsageError(`invalid --min-score "${v}": expected a number from 0 to 100`);
  return n;
}

async function runReport(paths: string[], flags: ReportFlags, cmd: Command): Promise<number> {
  // Not a commander requiredOption: commander checks those of every ancestor, so "report pack" would need it too.
  if (flags.framework === undefined) throw new UsageError("required option '--framework <id>' not specified", `frameworks are: ${FRAMEWORKS.map((x) => x.id).join(', ')}; or "kubecomply report pack" / "verify-pack"`);
  const id = flags.framework;
  const framework = frameworkFlag(id);
  const minScore = parseMinScore(flags.minScore);
  if (paths.length > 0 && flags.scan !== undefined) throw new UsageError('give either paths to scan or --scan ID, not both');
  const stderr = process.stderr;
  const ep = painter(useColor(stderr));
  const base = { frameworkId: framework.id, ...(minScore !== undefined ? { minScore } : {}), now: currentTime() };
  let input: ReportInput;
  let inputErrors = false;

  if (paths.length > 0) {
    const fileConfig = readFileConfig(flags.config);
    const { config, notes } = buildConfig(flags, cmd, fileConfig);
    for (const n of notes) if (!flags.quiet) stderr.write(`${ep('yellow', 'note:')} ${n}\n`);
    const policy = fileConfig?.exceptions ?? defaultExceptionPolicy();
    const result = await scan(paths, {
      config,
      controls: configuredControls(fileConfig, controlsForFrameworks(BUILTIN_CONTROLS, [framework])),
      frameworks: [framework],
      exceptions: { policy, now: base.now, files: [...policy.files, ...flags.exceptions] },
      hashInputs: true,
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
    input = await withCliStore(flags.store, (s) => storedInput(s, base, flags.scan, flags.trend));
  }

  const report = buildOrExplain(input, framework.id);
  const text = render(report, flags.format);
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

// ------------------------------------------------------------------------------------- evidence packs

interface PackFlags {
  output: string;
  framework: string[];
  scan?: string;
  store?: string;
  sbom: string[];
  trend: number;
  evidenceKey?: string;
  quiet?: boolean;
}

function packCommand(): Command {
  return new Command('pack')
    .summary('write an evidence pack (tar.gz): reports, raw findings, SBOMs, the evidence-log export, a signed SHA-256 manifest')
    .description(
      'An evidence pack for an auditor, from a recorded scan (default: the latest): reports/<framework>.{html,md,json} for ' +
        'each framework (default: every framework the scan assessed), findings.json (the scan, its findings and ' +
        'security-relevant objects as recorded), the SBOMs given, evidence/evidence.jsonl (the evidence-log export, ' +
        'sealed with a signed checkpoint as "kubecomply evidence export" writes it), public-key.pem (the evidence key), ' +
        'pack.json (what is in it), MANIFEST.sha256 (sha256sum -c reads it) and MANIFEST.sha256.sig (base64 Ed25519 ' +
        'signature over the manifest, by the evidence key). Check it with "kubecomply report verify-pack".',
    )
    .requiredOption('-o, --output <file.tar.gz>', 'where to write the pack')
    .option('--framework <ids>', 'frameworks to report (repeatable, comma-separated; default: every framework the scan assessed)', collectList, [])
    .option('--scan <id>', 'the recorded scan: an id from "kubecomply history", latest or latest~N (default: latest)')
    .option('--store <url>', STORE_HELP)
    .option('--sbom <files...>', 'SBOM files to include (CycloneDX, SPDX, any format), byte for byte under sbom/', (v: string, prev: string[] = []) => [...prev, v], [])
    .option('--trend <n>', 'how many recorded scans the reports\' trend shows (default 30)', positiveIntFlag('--trend'), 30)
    .option('--evidence-key <file>', 'the Ed25519 evidence key that seals the export and signs the manifest (default: as for "kubecomply evidence")')
    .option('-q, --quiet', 'no notes on standard error')
    .addHelpText(
      'after',
      `
Exit codes:
  0  pack written
  1  the evidence log is broken (nothing is sealed or written; see "kubecomply evidence verify")
  2  usage error, no recorded scan, a framework the scan did not assess, stored scan rows that no longer match
     their summary hash, an unreadable SBOM, or a store that cannot be opened

Examples:
  kubecomply report pack -o q4-evidence.tar.gz
  kubecomply report pack -o pci-pack.tar.gz --framework pci-dss --scan 12 --sbom bom.cdx.json --sbom app.spdx.json`,
    )
    .action(async (flags: PackFlags) => {
      process.exitCode = await runPack(flags);
    });
}

async function runPack(flags: PackFlags): Promise<number> {
  const ids = [...new Set(flags.framework)];
  for (const id of ids) frameworkFlag(id);
  const sboms: PackFile[] = [];
  const used = new Set<string>();
  for (const f of flags.sbom) {
    let data: Buffer;
    try {
      data = readFileSync(f);
    } catch (e) {
      throw new UsageError(`cannot read --sbom ${f}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    let name = safeBaseName(f);
    for (let i = 2; used.has(name); i++) name = `${i}-${safeBaseName(f)}`;
    used.add(name);
    sboms.push({ name: `sbom/${name}`, data });
  }
  const stderr = process.stderr;
  const ep = painter(useColor(stderr));
  const key = evidenceKey(flags.evidenceKey, flags.store);
  const now = currentTime();
  const out = await withCliStore(flags.store, async (s) => {
    // The scan first (a usage error changes nothing); sealing adds a checkpoint, not a record, so the
    // head the reports name is the one the export ends with.
    const input = await storedInput(s, { frameworkId: '', now }, flags.scan, flags.trend);
    const sealed = await sealedExport(s, key);
    if (!sealed.ok) return sealed;
    return { sealed, input };
  });
  if ('broken' in out) {
    stderr.write(`${ep('red', 'error:')} refusing to pack a broken evidence log: record ${out.broken.seq}: ${out.broken.reason}\n`);
    return EXIT_FINDINGS;
  }
  const { sealed, input } = out;
  const scanId = input.scan.id;
  if (input.summaryVerified === false) {
    stderr.write(`${ep('red', 'error:')} scan ${scanId}: the stored findings or objects no longer match the summary hash its evidence record carries — the store was altered\n`);
    return EXIT_USAGE;
  }
  const frameworks = ids.length > 0 ? ids.map((id) => findFramework(id)!.id) : input.scan.frameworks.map((f) => f.id);
  if (frameworks.length === 0) throw new UsageError(`scan ${scanId} assessed no framework`, 'record a scan without --framework (all frameworks) or name one');
  const files: PackFile[] = [];
  const summary: { id: string; name: string; score: number | null }[] = [];
  for (const id of frameworks) {
    const report = buildOrExplain({ ...input, frameworkId: id }, id);
    summary.push({ id: report.framework.id, name: report.framework.name, score: report.score });
    for (const format of ['html', 'md', 'json'] as const) files.push({ name: `reports/${report.framework.id}.${format}`, data: Buffer.from(render(report, format)) });
  }
  files.push({ name: FINDINGS, data: Buffer.from(`${JSON.stringify({ scan: input.scan, findings: input.findings, objects: input.objects }, null, 2)}\n`) });
  files.push({ name: EVIDENCE_EXPORT, data: Buffer.from(sealed.text) });
  files.push(...sboms);
  const index = {
    schemaVersion: PACK_SCHEMA,
    tool: `${TOOL.name} ${TOOL.version}`,
    createdAt: now.toISOString(),
    scan: { id: scanId, time: input.scan.time, summaryHash: input.scan.summaryHash, ...(input.scan.evidence ? { evidence: input.scan.evidence } : {}) },
    frameworks: summary,
    sboms: sboms.map((f) => f.name),
    evidence: { records: sealed.records.length, checkpoints: sealed.checkpoints.length, ...(sealed.head ? { head: sealed.head } : {}) },
    keyId: key.keyId,
  };
  files.push({ name: INDEX, data: Buffer.from(`${JSON.stringify(index, null, 2)}\n`) });
  const archive = await writePack(files, key, now);
  try {
    writeFileSync(flags.output, archive);
  } catch (e) {
    throw new UsageError(`cannot write ${flags.output}: ${(e as Error).message}`);
  }
  if (!flags.quiet) {
    stderr.write(
      `wrote evidence pack ${flags.output}: scan ${scanId}, ${summary.map((f) => `${f.id} ${f.score === null ? 'no score' : `${f.score}%`}`).join(', ')}; ` +
        `${files.length + 3} files, ${sealed.records.length} evidence records; signed by key ${key.keyId.slice(0, 16)}…\n`,
    );
  }
  return EXIT_OK;
}

interface VerifyPackFlags {
  publicKey?: string;
  format: 'table' | 'json';
}

function verifyPackCommand(): Command {
  return new Command('verify-pack')
    .summary('check an evidence pack: every file against the signed manifest, and the evidence chain inside')
    .argument('<pack.tar.gz>', 'the pack written by "kubecomply report pack"')
    .option('--public-key <pem>', 'the trusted Ed25519 public key (the evidence key\'s, e.g. from "kubecomply evidence export"); without it the key inside the pack is used, which proves integrity but not who signed')
    .addOption(new Option('-f, --format <format>', 'output format').choices(['table', 'json']).default('table'))
    .addHelpText(
      'after',
      `
Checks, naming the first problem: a readable tar.gz of plain files; MANIFEST.sha256, its signature and the key
present; the signature over the manifest (with --public-key: by that key); every listed file present and
unchanged (missing file, modified file) and nothing unlisted (extra file); the evidence export's hash chain
intact and sealed by the same key; findings.json hashing to the summary its "scan recorded" record carries.

Exit codes:
  0  the pack is intact
  1  a problem was found (the first is named)
  2  usage error, or the file cannot be read or is not a tar.gz`,
    )
    .action(async (file: string, flags: VerifyPackFlags) => {
      process.exitCode = await runVerifyPack(file, flags);
    });
}

async function runVerifyPack(file: string, flags: VerifyPackFlags): Promise<number> {
  let archive: Buffer;
  try {
    archive = readFileSync(file);
  } catch (e) {
    throw new UsageError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  let pinned;
  if (flags.publicKey !== undefined) {
    try {
      pinned = publicKeyFromPem(readFileSync(flags.publicKey, 'utf8'));
    } catch (e) {
      throw new UsageError(`cannot read the public key ${flags.publicKey}: ${(e as Error).message}`);
    }
  }
  const r = await verifyPack(archive, pinned ? { publicKey: pinned } : {});
  const unreadable = r.problems.some((p) => p.kind === 'unreadable');
  if (flags.format === 'json') {
    await emit([`${JSON.stringify(r, null, 2)}\n`], undefined);
  } else {
    const o: string[] = [];
    if (r.ok) {
      o.push(`pack intact: ${r.files} files, the manifest signed by key ${r.keyId}${r.pinned ? ' (the pinned --public-key)' : ' (the key inside the pack: pin it with --public-key to prove who signed)'}`);
      const idx = r.index as { scan?: { id?: unknown; summaryHash?: unknown }; frameworks?: { id: string; score: number | null }[] } | undefined;
      if (idx?.scan) o.push(`scan ${String(idx.scan.id)} (summary ${String(idx.scan.summaryHash).slice(0, 16)}…)${idx.frameworks ? `: ${idx.frameworks.map((f) => `${f.id} ${f.score === null ? 'no score' : `${f.score}%`}`).join(', ')}` : ''}`);
      if (r.evidence) o.push(`evidence intact: ${r.evidence.records} records, ${r.evidence.checkpoints} signed checkpoints${r.evidence.head ? `, head ${r.evidence.head.seq}:${r.evidence.head.hash}` : ''}`);
    } else {
      o.push(`pack BROKEN: ${r.problems[0].message}`);
      for (const p of r.problems.slice(1, 20)) o.push(`  also: ${p.message}`);
      if (r.problems.length > 20) o.push(`  … and ${r.problems.length - 20} more`);
    }
    await emit([`${o.join('\n')}\n`], undefined);
  }
  if (r.ok) return EXIT_OK;
  return unreadable ? EXIT_USAGE : EXIT_FINDINGS;
}


import { Command, Option } from 'commander';
import { BUILTIN_CONTROLS, controlFamilies } from '../controls/index.js';
import { formatVersion, isPssLevel, parsePssVersion } from '../controls/pod-security/version.js';
import { controlsForFrameworks, selectControls, withSeverities } from '../controls/select.js';
import { ConfigError, findConfig, loadConfig, type FileConfig } from '../config/config.js';
import type { imagePolicyControl } from '../supply/policy/control.js';

import type { RegistryClient } from '../supply/oci/client.js';
import { loadImagePolicies, registryClient } from './sign.js';
import { defaultExceptionPolicy } from '../config/defaults.js';
import type { Framework } from '../frameworks/index.js';
import type { Control, Diagnostic, PssLevel, ScanConfig, Severity } from '../core/types.js';
import { formatJson } from '../report/json.js';
import { formatJunit } from '../report/junit.js';
import { formatSarif } from '../report/sarif.js';
import { formatTable, painter } from '../report/table.js';
import { failsAt, knownBuiltinControl, scan } from '../scanner.js';
import { buildScan, recordScan } from '../store/scans.js';
import { evidenceKey, STORE_HELP, withCliStore } from './history.js';
import { collectList, emit, EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, frameworkFlag, pssLevelOption, pssVersionOption, suggest, UsageError, useColor } from './util.js';

const FORMATS = ['table', 'json', 'sarif', 'junit'] as const;
type Format = (typeof FORMATS)[number];
const FAIL_ON = ['critical', 'high', 'medium', 'low', 'none'] as const;

interface ScanFlags {
  format: Format;
  output?: string;
  failOn: Severity | 'none';
  controls: string[];
  skipControls: string[];
  family: string[];
  pssLevel: string;
  pssVersion: string;
  namespace: string;
  quiet?: boolean;
  verbose?: boolean;
  color?: boolean;
  framework: string[];
  minScore?: string;
  config?: string | false;
  exceptions: string[];
  ignoreExceptions?: boolean;
  /** true: the default store; a string: the store's URL. */
  store?: string | true;
  evidenceKey?: string;
  verifyImages?: boolean;
  imagePolicy: string[];
  insecureRegistry: string[];
  vulnDb?: string;
  registryCaFile?: string;
}

export function scanCommand(): Command {
  return new Command('scan')
    .summary('scan manifests for security and compliance problems')
    .description(
      'Scan Kubernetes manifests — files, directories (recursively: .yaml, .yml, .json), or "-" for stdin — ' +
        'against the control catalog. Reads multi-document YAML, JSON, kubectl List output, and Helm or ' +
        'Kustomize rendered output. Each finding names the control, the resource, the offending field and ' +
        'its line; each framework gets a compliance score.',
    )
    .argument('[paths...]', 'files or directories to scan; "-" reads standard input')
    .addOption(new Option('-f, --format <format>', 'output format').choices(FORMATS).default('table'))
    .option('-o, --output <file>', 'write the report to a file instead of standard output')
    .addOption(new Option('--fail-on <severity>', 'exit with code 1 when a finding is at or above this severity').choices(FAIL_ON).default('low'))
    .option('--controls <ids>', 'run only these controls (comma-separated ids, globs like "pss-*" allowed)', collectList, [])
    .option('--skip-controls <ids>', 'do not run these controls (comma-separated ids or globs)', collectList, [])
    .option('--family <families>', 'run only controls of these families, e.g. pod-security', collectList, [])
    .option('--framework <ids>', 'run only controls mapped to these frameworks and report each requirement (e.g. pci-dss,hipaa; see "kubecomply frameworks")', collectList, [])
    .option('--min-score <percent>', 'exit with code 1 when a framework scores below this (0–100)')
    .option('--exceptions <paths>', 'files or directories of ComplianceException documents (repeatable, comma-separated); exceptions in the scanned input and in kubecomply.yaml exceptions.files are read too', collectList, [])
    .option('--ignore-exceptions', 'honour no exception: report every finding as failing (an audit of the raw state)')
    .option('--store [url]', `record the scan (inputs' hashes, configuration, findings, framework scores, security-relevant objects) for "kubecomply history", "diff" and "report", with a "scan recorded" evidence record; ${STORE_HELP}. Put it after the paths, or write --store=URL`)
    .option('--evidence-key <file>', 'the Ed25519 key that signs evidence checkpoints (default: $KUBECOMPLY_EVIDENCE_KEY, else evidence-ed25519.pem beside the SQLite store)')
    .option('--verify-images', 'verify the images the workloads run against the ImagePolicy documents of --image-policy (signatures, attestations, provenance; talks to the registries) — control image-policy-verified')
    .option('--image-policy <file>', 'ImagePolicy documents for --verify-images (repeatable)', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('--insecure-registry <host>', 'with --verify-images: a registry that may be spoken to over plain HTTP (repeatable; loopback always may)', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('--registry-ca-file <file>', 'with --verify-images: extra CA certificates (PEM) for the registries')
    .option('--vuln-db <file>', "with --verify-images: the vulnerability index for policies' maxSeverity (default: kubecomply vuln db import's cache)")
    .option('-c, --config <file>', 'settings file (default: ./kubecomply.yaml when it exists)')
    .option('--no-config', 'ignore ./kubecomply.yaml')
    .addOption(pssLevelOption())
    .addOption(pssVersionOption())
    .option('-n, --namespace <namespace>', 'namespace assumed for namespaced resources that name none', 'default')
    .option('-q, --quiet', 'print only findings and errors (no banner, summary, warnings or progress)')
    .option('--verbose', 'also print notes, e.g. skipped documents that are not Kubernetes objects')
    .option('--no-color', 'disable colour in table output (also: NO_COLOR=1)')
    .addHelpText(
      'after',
      `
Exit codes:
  0  no findings at or above --fail-on (and every framework at or above --min-score)
  1  findings at or above --fail-on, or a framework below --min-score
  2  usage error, an invalid kubecomply.yaml, or input that could not be read or parsed (findings elsewhere are still reported)

Examples:
  # scan a directory of manifests
  kubecomply scan k8s/

  # SARIF for GitHub code scanning, failing the job on high or critical findings
  kubecomply scan k8s/ --format sarif --output results.sarif --fail-on high

  # a Helm chart, as rendered
  helm template ./chart | kubecomply scan -

  # a live cluster's workloads at the baseline level of Kubernetes 1.30
  kubectl get deploy,ds,sts,pods -A -o yaml | kubecomply scan - --pss-level baseline --pss-version v1.30

  # only the Pod Security checks, as JSON
  kubecomply scan k8s/ --family pod-security --format json

  # PCI DSS and HIPAA requirement by requirement; fail below 90 %
  kubecomply scan k8s/ --framework pci-dss,hipaa --min-score 90

  # record the scan in the default store, then compare it with the previous one
  kubecomply scan k8s/ --fail-on none --store && kubecomply diff

  # approved exceptions kept outside the manifests (see "kubecomply exceptions --help")
  kubecomply scan k8s/ --exceptions exceptions/ --fail-on high

Exceptions: findings an active ComplianceException covers are reported as excepted (table: EXCEPTED,
JSON: status "excepted", SARIF: an accepted suppression, JUnit: skipped) and never fail --fail-on.
Expired, unapproved and invalid exceptions are not honoured and are warned about with file:line.`,
    )
    .action(async (paths: string[], flags: ScanFlags, cmd: Command) => {
      process.exitCode = await runScan(paths, flags, cmd);
    });
}

/**
 * The Pod Security level and version from --pss-level/--pss-version and kubecomply.yaml's
 * podSecurity (the file sets the defaults; flags given on the command line win), with a note when
 * the version was clamped. Shared by every command that judges pods.
 */
export function podSecurityOf(flags: { pssLevel: string; pssVersion: string }, cmd: Command, file: Pick<FileConfig, 'podSecurity'> | undefined): { pss: ScanConfig['pss']; notes: string[] } {
  const fromFlag = (name: string): boolean => cmd.getOptionValueSource(name) === 'cli';
  const level = !fromFlag('pssLevel') && file?.podSecurity.level ? file.podSecurity.level : flags.pssLevel;
  const version = !fromFlag('pssVersion') && file?.podSecurity.version ? file.podSecurity.version : flags.pssVersion;
  if (!isPssLevel(level)) throw new UsageError(`invalid --pss-level "${level}"`);
  const parsed = parsePssVersion(version);
  if (typeof parsed === 'string') throw new UsageError(parsed, 'use --pss-version latest, or a version such as v1.30');
  const notes = parsed.clampedFrom
    ? [`Pod Security version ${parsed.clampedFrom} is newer than the newest policy version with rule changes; using ${formatVersion(parsed.version)} (as the API server does)`]
    : [];
  return { pss: { level: level as PssLevel, version: parsed.version }, notes };
}

/** The scan configuration of the flags and kubecomply.yaml: Pod Security (see podSecurityOf), the default namespace (validated), the file's settings. */
export function buildConfig(flags: { pssLevel: string; pssVersion: string; namespace: string }, cmd: Command, file: FileConfig | undefined): { config: ScanConfig; notes: string[] } {
  const { pss, notes } = podSecurityOf(flags, cmd, file);
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(flags.namespace) || flags.namespace.length > 63) {
    throw new UsageError(`invalid --namespace "${flags.namespace}": must be a DNS-1123 label (lowercase letters, digits and "-")`);
  }
  return {
    config: { pss, defaultNamespace: flags.namespace, ...(file ? { settings: file.settings } : {}) },
    notes,
  };
}

/**
 * The catalog as kubecomply.yaml leaves it: the built-in controls (or `catalog`) without its disabled
 * ones, with its severity overrides. Commands that scan without --controls selections run these.
 */
export function configuredControls(file: FileConfig | undefined, catalog: readonly Control[] = BUILTIN_CONTROLS): Control[] {
  return withSeverities(selectControls(catalog, { exclude: file?.disabled ?? [] }).controls, file?.severity ?? {});
}

/** The time exceptions are judged at: now, or KUBECOMPLY_NOW (a date or RFC 3339 time) for reproducible runs. */
export function currentTime(): Date {
  const fixed = process.env.KUBECOMPLY_NOW;
  if (fixed === undefined || fixed === '') return new Date();
  const ms = Date.parse(fixed);
  if (Number.isNaN(ms)) throw new UsageError(`invalid KUBECOMPLY_NOW "${fixed}"`, 'use a date such as 2026-12-01 or an RFC 3339 time such as 2026-12-01T09:00:00Z');
  return new Date(ms);
}

/** kubecomply.yaml: the file named (`--config`), ./kubecomply.yaml when it exists, or none (`--no-config`). */
export function readFileConfig(config: string | false | undefined): FileConfig | undefined {
  if (config === false) return undefined;
  const file = typeof config === 'string' ? config : findConfig(process.cwd());
  if (!file) return undefined;
  try {
    return loadConfig(file, knownBuiltinControl);
  } catch (e) {
    if (e instanceof ConfigError) throw new UsageError(`invalid configuration\n${e.message}`, 'the settings are described in schemas/config-v1.schema.json');
    throw e;
  }
}

function parseFrameworks(ids: string[]): Framework[] {
  return ids.map(frameworkFlag);
}

async function runScan(paths: string[], flags: ScanFlags, cmd: Command): Promise<number> {
  if (paths.length === 0) {
    throw new UsageError('no input given', 'pass files or directories, or "-" to read standard input (e.g. helm template ./chart | kubecomply scan -)');
  }
  if (paths.filter((p) => p === '-').length > 1) throw new UsageError('"-" (standard input) can be given only once');
  const fileConfig = readFileConfig(flags.config);
  const { config, notes } = buildConfig(flags, cmd, fileConfig);
  const frameworks = parseFrameworks(flags.framework);
  let minScore: number | undefined;
  if (flags.minScore !== undefined) {
    minScore = Number(flags.minScore);
    if (!Number.isFinite(minScore) || minScore < 0 || minScore > 100) throw new UsageError(`invalid --min-score "${flags.minScore}": expected a number from 0 to 100`);
  }
  // --verify-images adds the control image-policy-verified (it needs the registry, so it is not built in): it is
  // then part of the catalog like any other — selectable, skippable, filtered by family and framework.
  let imagePolicy: ReturnType<typeof imagePolicyControl> | undefined;
  let registry: RegistryClient | undefined;
  if (flags.verifyImages) {
    if (flags.imagePolicy.length === 0) throw new UsageError('--verify-images needs --image-policy FILE', 'write an ImagePolicy document (see "kubecomply verify --help" and the README)');
    const { policies, invalid } = await loadImagePolicies(flags.imagePolicy);
    registry = await registryClient({ insecureRegistry: flags.insecureRegistry, ...(flags.registryCaFile ? { caFile: flags.registryCaFile } : {}) });
    const [{ imagePolicyControl: make }, { ImageVerifier }, { lazyReadonlyDb }] = await Promise.all([import('../supply/policy/control.js'), import('../supply/policy/evaluate.js'), import('../supply/vuln/db.js')]);
    imagePolicy = make(new ImageVerifier({ policies, invalid, client: registry, vulnDb: lazyReadonlyDb(flags.vulnDb).get }));
  } else if (flags.imagePolicy.length > 0) throw new UsageError('--image-policy is for --verify-images');
  const known = imagePolicy ? [...BUILTIN_CONTROLS, imagePolicy.control] : BUILTIN_CONTROLS;
  const catalog = frameworks.length > 0 ? controlsForFrameworks(known, frameworks) : known;
  const selected = selectControls(catalog, { include: flags.controls, exclude: [...flags.skipControls, ...(fileConfig?.disabled ?? [])], families: flags.family });
  const problems = selectControls(known, { include: flags.controls, exclude: flags.skipControls, families: flags.family }).problems;
  const controls = withSeverities(selected.controls, fileConfig?.severity ?? {});
  for (const p of problems) {
    if (p.kind === 'unknown-family') {
      throw new UsageError(`unknown family "${p.value}"`, `families are: ${controlFamilies().join(', ')}`);
    }
    const s = suggest(p.value, known.map((c) => c.id));
    throw new UsageError(`unknown control "${p.value}"${s ? ` (did you mean "${s}"?)` : ''}`, 'run "kubecomply controls" to list them');
  }
  if (controls.length === 0) throw new UsageError('the control selection is empty', 'check --controls, --skip-controls and --family');

  const stderr = process.stderr;
  const errColor = useColor(stderr) && flags.color !== false;
  const ep = painter(errColor);
  for (const n of notes) if (!flags.quiet) stderr.write(`${ep('yellow', 'note:')} ${n}\n`);
  const inactive = flags.controls.length > 0 ? controls.filter((c) => c.isActive && !c.isActive(config)) : [];
  for (const c of inactive) {
    if (!flags.quiet) stderr.write(`${ep('yellow', 'note:')} control ${c.id} does not apply at Pod Security level ${config.pss.level} ${formatVersion(config.pss.version)}; not evaluated\n`);
  }

  const policy = fileConfig?.exceptions ?? defaultExceptionPolicy();
  const exceptionFiles = [...policy.files, ...flags.exceptions];
  if (flags.ignoreExceptions && flags.exceptions.length > 0) throw new UsageError('--exceptions and --ignore-exceptions contradict each other');
  if (flags.exceptions.includes('-')) throw new UsageError('--exceptions reads files or directories, not standard input', 'put exceptions in a file, or in the scanned input itself');
  const now = currentTime();

  const progress = !flags.quiet && stderr.isTTY === true ? makeProgress(stderr) : undefined;
  const result = await scan(paths, {
    config,
    controls,
    ...(imagePolicy && controls.some((c) => c.id === imagePolicy!.control.id) ? { prepare: imagePolicy.prepare } : {}),
    ...(frameworks.length > 0 ? { frameworks } : {}),
    collectEvaluations: flags.format === 'junit',
    // --store records the inputs' hashes: taken while reading them, so nothing is read twice.
    hashInputs: flags.store !== undefined,
    load: progress ? { onProgress: progress.update } : {},
    ...(flags.ignoreExceptions ? {} : { exceptions: { policy, now, files: exceptionFiles } }),
  });
  progress?.done();
  registry?.close();

  for (const d of result.diagnostics) {
    if (d.level === 'note' && !flags.verbose) continue;
    if (d.level === 'warning' && flags.quiet) continue;
    stderr.write(formatDiagnostic(d, ep) + '\n');
  }

  const belowScore = minScore === undefined ? [] : result.frameworks.filter((f) => f.score !== null && f.score < minScore!);
  const failed = failsAt(result, flags.failOn) || belowScore.length > 0;
  const inputErrors = result.diagnostics.some((d) => d.level === 'error');
  const toFile = flags.output !== undefined && flags.output !== '-';
  let chunks: Iterable<string | Uint8Array>;
  switch (flags.format) {
    case 'json':
      chunks = formatJson(result, { failOn: flags.failOn, failed, ...(minScore !== undefined ? { minScore } : {}) });
      break;
    case 'sarif':
      chunks = formatSarif(result);
      break;
    case 'junit':
      chunks = formatJunit(result);
      break;
    default:
      chunks = formatTable(result, {
        color: !toFile && flags.color !== false && useColor(process.stdout),
        failOn: flags.failOn,
        failed,
        quiet: flags.quiet ?? false,
        detailFrameworks: frameworks.length > 0,
        ...(minScore !== undefined ? { minScore } : {}),
      });
  }
  await emit(chunks, flags.output);
  if (toFile && !flags.quiet) {
    const n = result.findings.length;
    const excepted = result.findings.filter((f) => f.status === 'excepted').length;
    stderr.write(`wrote ${flags.format} report to ${flags.output}: ${n} ${n === 1 ? 'finding' : 'findings'} in ${result.stats.resources} resources${excepted > 0 ? ` (${excepted} excepted)` : ''}\n`);
  }
  for (const f of belowScore) {
    if (!flags.quiet || flags.format !== 'table') stderr.write(`${ep('red', 'fail:')} ${f.framework.name} scores ${f.score}%, below --min-score ${minScore}\n`);
  }
  if (flags.store !== undefined) {
    const url = flags.store === true ? undefined : flags.store;
    const key = evidenceKey(flags.evidenceKey, url);
    const built = buildScan(result);
    const rec = await withCliStore(url, async (store) => ({ ...(await recordScan(store, built, { key })), location: store.location }));
    if (!flags.quiet) {
      stderr.write(`recorded scan ${rec.id} in ${rec.location} (summary ${rec.summaryHash.slice(0, 16)}…, evidence record ${rec.evidence.seq}:${rec.evidence.hash.slice(0, 16)}…)\n`);
    }
  }
  if (inputErrors) return EXIT_USAGE;
  return failed ? EXIT_FINDINGS : EXIT_OK;
}

export function formatDiagnostic(d: Diagnostic, p: ReturnType<typeof painter>): string {
  const where = `${d.file}${d.line !== undefined ? `:${d.line}` : ''}${d.line !== undefined && d.column !== undefined ? `:${d.column}` : ''}`;
  const level = d.level === 'error' ? p('red', 'error') : d.level === 'warning' ? p('yellow', 'warning') : p('cyan', 'note');
  return `${where}: ${level}: ${d.message}`;
}

function makeProgress(stream: NodeJS.WriteStream): { update: (p: { files: number; documents: number; bytes: number }) => void; done: () => void } {
  const started = Date.now();
  // Small inputs finish before the indicator would flicker; the delay is adjustable for tests.
  const delay = Number(process.env.KUBECOMPLY_PROGRESS_DELAY_MS ?? 300);
  let shown = false;
  const frames = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
  let frame = 0;
  return {
    update(p) {
      if (Date.now() - started < delay) return;
      shown = true;
      const mb = (p.bytes / (1024 * 1024)).toFixed(1);
      stream.write(`\r${frames[frame++ % frames.length]} reading ${p.documents.toLocaleString('en-US')} documents from ${p.files} ${p.files === 1 ? 'input' : 'inputs'} (${mb} MB)…\u001b[K`);
    },
    done() {
      if (shown) stream.write('\r\u001b[K');
    },
  };
}

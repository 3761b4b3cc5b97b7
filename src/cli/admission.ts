import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { AdmissionConfigError, createDecider, GUARDS, isAdmissionGuard, type ReviewResult } from '../admission/index.js';
import type { FileConfig } from '../config/config.js';
import { defaultAdmissionSettings, defaultExceptionPolicy } from '../config/defaults.js';
import { BUILTIN_CONTROLS } from '../controls/index.js';
import { formatVersion } from '../controls/pod-security/version.js';
import { selectControls, withSeverities } from '../controls/select.js';
import type { AdmissionMode, ScanConfig } from '../core/types.js';
import { parseExceptions, type ExceptionStatus } from '../policy/exceptions.js';
import { knownBuiltinControl, loadExceptionDocuments } from '../scanner.js';
import { parseYamlDocument } from '../sources/yaml.js';
import { podSecurityOf, readFileConfig } from './scan.js';
import { collectList, emit, EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, pssLevelOption, pssVersionOption, UsageError } from './util.js';

interface ReviewFlags {
  config?: string | false;
  mode?: AdmissionMode;
  pssLevel: string;
  pssVersion: string;
  namespace: string;
  exceptions: string[];
  request?: boolean;
  quiet?: boolean;
}

/** Wraps `text` at `width` columns, every line after the first indented by `indent` spaces. */
function wrap(text: string, width: number, indent: number): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines.join(`\n${' '.repeat(indent)}`);
}

const GUARD_HELP = GUARDS.map((g) => `    ${g.id.padEnd(29)} ${wrap(g.description, 70, 34)}`).join('\n');

export function admissionCommand(): Command {
  const admission = new Command('admission').summary('the admission webhook’s decision, offline').description(
    'Work with the admission decision kubecomply serve makes for the API server. "review" answers one AdmissionReview the way the webhook would.',
  );
  admission.addCommand(reviewCommand());
  return admission;
}

function reviewCommand(): Command {
  return new Command('review')
    .summary('answer an AdmissionReview as the webhook would')
    .description(
      'Read an AdmissionReview (admission.k8s.io/v1 or v1beta1, JSON or YAML) from a file or "-" (stdin), decide it exactly as ' +
        'the admission webhook does with the same kubecomply.yaml, and print the AdmissionReview response as JSON.',
    )
    .argument('<file>', 'AdmissionReview file, or "-" for standard input')
    .option('-c, --config <file>', 'settings file (default: ./kubecomply.yaml when it exists)')
    .option('--no-config', 'ignore kubecomply.yaml')
    .addOption(new Option('--mode <mode>', 'decide in this mode, as the webhook URL /validate/<mode> does (default: admission.namespaceModes, then admission.mode)').choices(['enforce', 'warn', 'audit']))
    .addOption(pssLevelOption())
    .addOption(pssVersionOption())
    .option('-n, --namespace <ns>', 'namespace for hand-written requests that name none', 'default')
    .option('--exceptions <paths>', 'ComplianceException files or directories, besides exceptions.files (comma-separated or repeated)', collectList, [])
    .option('--request', 'the input is an AdmissionRequest (the "request" field, as kwctl and test data keep it): wrap it in an admission.k8s.io/v1 AdmissionReview')
    .option('-q, --quiet', 'print only the response (no summary on stderr)')
    .addHelpText(
      'after',
      `
Who may do what:
  Administrators (admission.administrators: users, groups, service accounts "namespace:name" with * as
  a wildcard; a service account's user is system:serviceaccount:<namespace>:<name>) are never denied:
  what a user would have been denied for is recorded in the audit annotations, and catalog findings
  are returned to people (not to system: components) as warnings. Everyone else is a user, and users
  are denied:

  - objects that fail the catalog controls in admission.controls (default: the Pod Security controls
    at the configured level and version, the image rules, required labels and the workload hardening
    controls that read only the object) — the same controls and engine as "kubecomply scan", so scan
    and webhook name the same findings. Only controls that read the object alone are evaluated;
    controls that need cluster state (RBAC bindings, NetworkPolicies, PodDisruptionBudgets, quotas)
    cannot be judged from one request and are left to scans. UPDATEs are judged as Pod Security
    admission does: a pod update that changes no image, container or seccomp annotation, and a
    workload update that leaves the pod template alone, are not judged again. pods/ephemeralcontainers
    updates are judged with the new ephemeral containers. DELETE and CONNECT are not judged by the catalog.
  - the safeguards (ids usable in deny messages and ComplianceExceptions like control ids):
${GUARD_HELP}

Modes:
  enforce  deny (HTTP 403 Forbidden, one line per violated control with its fix)
  warn     allow, with one warning per violated control
  audit    allow, recorded in the audit annotations only
  The mode comes from the URL (--mode here), else admission.namespaceModes[namespace], else
  admission.mode; cluster-scoped objects use admission.mode. Every answer carries audit annotations
  (decision, mode, role, violations, details, exceptions …), which the API server prefixes with the
  webhook's name. An active ComplianceException covering a violation lets the request through, with a
  warning naming it; expired, unapproved and invalid exceptions are named but not honoured. dryRun
  requests are judged identically.

Exit codes:
  0  allowed (also with warnings, or audited)
  1  denied
  2  bad input (not an AdmissionReview, or a request that cannot be judged), or a usage error

Examples:
  kubecomply admission review examples/admission/user-privileged-pod.json
  kubecomply admission review examples/admission/warn-mode-deployment.json --mode warn
  cat review.json | kubecomply admission review - --config kubecomply.yaml
  kubecomply admission review --request ../shared/fixtures/admission/…/privileged_container.json`,
    )
    .action(async (file: string, flags: ReviewFlags, cmd: Command) => {
      process.exitCode = await runReview(file, flags, cmd);
    });
}

function scanConfig(flags: ReviewFlags, cmd: Command, file: FileConfig | undefined): ScanConfig {
  // The webhook's Pod Security settings (kubecomply.yaml, flags given on the command line win).
  const { pss } = podSecurityOf(flags, cmd, file);
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(flags.namespace) || flags.namespace.length > 63) {
    throw new UsageError(`invalid --namespace "${flags.namespace}": must be a DNS-1123 label (lowercase letters, digits and "-")`);
  }
  return { pss, defaultNamespace: flags.namespace, ...(file ? { settings: file.settings } : {}) };
}

async function readInput(file: string): Promise<string> {
  if (file === '-') {
    const chunks: Buffer[] = [];
    for await (const c of process.stdin) chunks.push(c as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  }
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read ${file}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** JSON, or YAML when it is not JSON. */
function parseInput(text: string, name: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (jsonError) {
    const y = parseYamlDocument(text, name);
    if (y.ok) return y.value;
    throw new UsageError(`${name} is neither JSON nor YAML: ${jsonError instanceof Error ? jsonError.message : String(jsonError)}`);
  }
}

function looksLikeRequest(v: unknown): boolean {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && 'uid' in v && 'operation' in v && !('request' in v);
}

async function loadExceptions(paths: readonly string[], file: FileConfig | undefined, defaultNamespace: string, quiet: boolean): Promise<ExceptionStatus[]> {
  if (paths.length === 0) return [];
  const loaded = await loadExceptionDocuments(paths, defaultNamespace, false);
  const fatal = loaded.diagnostics.filter((d) => d.level === 'error');
  if (fatal.length > 0) throw new UsageError(`cannot read the exceptions: ${fatal.map((d) => `${d.file}${d.line ? `:${d.line}` : ''}: ${d.message}`).join('; ')}`);
  // As kubecomply serve judges them: catalog controls and safeguards.
  const known = (id: string): boolean => knownBuiltinControl(id) || isAdmissionGuard(id);
  const { statuses, diagnostics } = parseExceptions(loaded.resources, file?.exceptions ?? defaultExceptionPolicy(), known, new Date());
  if (!quiet) for (const d of diagnostics) process.stderr.write(`${d.file}${d.line ? `:${d.line}` : ''}: ${d.level}: ${d.message}\n`);
  return statuses;
}

async function runReview(file: string, flags: ReviewFlags, cmd: Command): Promise<number> {
  const fileConfig = readFileConfig(flags.config);
  const config = scanConfig(flags, cmd, fileConfig);
  const admission = fileConfig?.admission ?? defaultAdmissionSettings();
  const catalog = withSeverities(selectControls(BUILTIN_CONTROLS, { exclude: fileConfig?.disabled ?? [] }).controls, fileConfig?.severity ?? {});
  const exceptionPaths = [...(fileConfig?.exceptions.files ?? []), ...flags.exceptions];
  const statuses = await loadExceptions(exceptionPaths, fileConfig, config.defaultNamespace, flags.quiet ?? false);

  let decider;
  try {
    decider = createDecider({ config, admission, controls: catalog, exceptions: () => statuses });
  } catch (e) {
    if (e instanceof AdmissionConfigError) throw new UsageError(`invalid configuration: ${e.message}`);
    throw e;
  }

  const name = file === '-' ? '<stdin>' : file;
  let body = parseInput(await readInput(file), name);
  if (flags.request) body = { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: body };
  const result: ReviewResult = decider.review(body, flags.mode ? { pathMode: flags.mode } : {});
  await emit([JSON.stringify(result.body, null, 2) + '\n'], undefined);

  if (result.httpStatus !== 200) {
    const error = (result.body as { error?: string }).error ?? 'not an AdmissionReview';
    const hint = !flags.request && looksLikeRequest(body) ? '\nhint: this looks like an AdmissionRequest (the "request" field): pass --request to wrap it' : '';
    process.stderr.write(`kubecomply: error: ${name}: ${error}${hint}\n`);
    return EXIT_USAGE;
  }
  const o = result.outcome;
  if (!flags.quiet) {
    const levelNote = config.pss.level === 'privileged' ? '' : `, Pod Security ${config.pss.level} ${formatVersion(config.pss.version)}`;
    const what = o.controls.length > 0 ? `: ${o.controls.join(', ')}` : '';
    const exc = o.exceptions.length > 0 ? ` (exceptions: ${o.exceptions.join(', ')})` : '';
    process.stderr.write(`${o.result} (mode ${o.mode}${levelNote}) ${o.operation ?? ''} ${o.kind ?? ''}${what}${exc}\n`.replace(/ {2,}/g, ' '));
  }
  if (o.result === 'error') return EXIT_USAGE;
  return o.result === 'denied' ? EXIT_FINDINGS : EXIT_OK;
}

/**
 * The one flow: sources → inventory → engine → findings → result. The CLI, the tests and (later) the
 * admission webhook all scan through here, so they cannot disagree.
 */
import path from 'node:path';
import { BUILTIN_CONTROLS, findControl } from './controls/index.js';
import { formatVersion } from './controls/pod-security/version.js';
import { selectControls } from './controls/select.js';
import { adoptPrecomputed, evaluate, selectActive } from './core/engine.js';
import { Inventory } from './core/inventory.js';
import { resolvePositions } from './core/locations.js';
import type { Control, Diagnostic, ExceptionPolicy, Finding, Resource, ScanConfig, Severity } from './core/types.js';
import { SEVERITIES, SEVERITY_RANK } from './core/types.js';
import { TOOL } from './core/version.js';
import { assessFramework, indexFindings, type FrameworkResult } from './frameworks/assess.js';
import { FRAMEWORKS, type Framework } from './frameworks/index.js';
import { createDocumentHandler } from './parallel/batch.js';
import { defaultWorkerCount, ScanPool } from './parallel/pool.js';
import { applyExceptions, coversControl, exceptionKey, isExceptionDocument, parseExceptions, type ExceptionStatus } from './policy/exceptions.js';
import { loadSources, type LoadedInput, type LoadOptions, type LoadResult } from './sources/loader.js';
import { isImagePolicyDocument } from './supply/policy/image-policy.js';

/** How a scan honours ComplianceException documents. */
export interface ScanExceptionOptions {
  policy: ExceptionPolicy;
  /** The instant exceptions are judged at (expiry, approval dates). */
  now: Date;
  /** Files or directories of ComplianceException documents, besides those in the scanned input. */
  files?: readonly string[];
  /** Exception documents loaded already (e.g. by `kubecomply exceptions check`). */
  resources?: readonly Resource[];
  /** Whether a control id or glob names a known control. Default: the built-in catalog. */
  knownControl?: (id: string) => boolean;
}

/** Whether an id or glob names at least one built-in control. */
export function knownBuiltinControl(id: string): boolean {
  return selectControls(BUILTIN_CONTROLS, { include: [id] }).problems.length === 0;
}

export interface ScanOptions {
  config: ScanConfig;
  /** Controls to run (already filtered by --controls/--skip-controls/--family). Default: the whole catalog. */
  controls?: readonly Control[];
  /** Record every control × resource evaluation (JUnit needs the passing ones). */
  collectEvaluations?: boolean;
  /** Resolve line/column of every finding (needed by every output format except a summary). */
  locate?: boolean;
  /** Worker threads for large inputs (0: none). Default: KUBECOMPLY_WORKERS, else one per extra core. */
  workers?: number;
  /** Frameworks to assess (default: all). */
  frameworks?: readonly Framework[];
  load?: LoadOptions;
  /**
   * Apply ComplianceException documents (from the input and from `files`). Without it, exception
   * documents in the input are set aside (they are never scanned as cluster objects) but not applied.
   */
  exceptions?: ScanExceptionOptions;
  /**
   * Runs once the input is loaded, before the checks: for controls that need something fetched first (the image
   * policy's registry verdicts, supply/policy/control.ts).
   */
  prepare?: (resources: readonly Resource[]) => Promise<void>;
  /** Hash each input file's bytes as it is read (ScanResult.inputFiles): what recording a scan needs. */
  hashInputs?: boolean;
}

export interface ControlSummary {
  control: Control;
  evaluated: number;
  failed: number;
  /** Findings an exception covers (not counted in `failed`). */
  excepted: number;
}

/** The exceptions a scan judged and what they covered. */
export interface ScanExceptions {
  now: Date;
  statuses: ExceptionStatus[];
  /** Findings covered, by exception key (`namespace/name` or `name`). */
  used: Map<string, number>;
  /** Keys of active exceptions that covered nothing although some of their controls ran. */
  unused: string[];
}

export interface ScanResult {
  tool: { name: string; version: string };
  inputs: string[];
  config: ScanConfig;
  startedAt: Date;
  durationMs: number;
  /** `documentsOffThread`: see LoadResult (it varies from run to run, and no report shows it). */
  stats: { files: number; documents: number; bytes: number; resources: number; documentsOffThread: number };
  resources: readonly Resource[];
  findings: Finding[];
  diagnostics: Diagnostic[];
  controls: ControlSummary[];
  /** Resources each control evaluated (only with collectEvaluations). */
  evaluations?: Map<string, Resource[]>;
  bySeverity: Record<Severity, number>;
  /** Findings an exception covers, by severity (not counted in `bySeverity`). */
  exceptedBySeverity: Record<Severity, number>;
  /** Per-framework requirement status and score. */
  frameworks: FrameworkResult[];
  /** Present when the scan applied exceptions. */
  exceptions?: ScanExceptions;
  /** Each input and its files with the SHA-256 of the bytes read (only with ScanOptions.hashInputs). */
  inputFiles?: readonly LoadedInput[];
}

/**
 * With a single worker (a 2-core machine) the main thread parses about half the documents and takes in
 * the worker's results for the other half, which pays off only for larger inputs. Measured with the
 * bench corpus on 2 cores, load and checks only (one thread vs one worker): 3.6 MB 0.89 vs 0.99 s,
 * 7.3 MB 1.29 vs 1.47 s, 12 MB 1.75 vs 1.88 s, 17 MB 2.49 vs 2.36 s, 24 MB 3.1 vs 2.9 s, 122 MB 15.1 vs
 * 10.6 s; with the JSON report, 3.6 MB 0.89 vs 1.03 s and 7.3 MB 1.37 vs 1.60 s. With more workers
 * the default threshold (2 MB) stands.
 */
const ONE_WORKER_AFTER_CHARS = 16 * 1024 * 1024;

export async function scan(inputs: readonly string[], opts: ScanOptions): Promise<ScanResult> {
  const startedAt = new Date();
  const t0 = performance.now();
  const workers = opts.workers ?? defaultWorkerCount();
  const activeControls = selectActive(opts.controls ?? BUILTIN_CONTROLS, opts.config);
  // Per-resource built-in controls can run on the workers, right after parsing: their scope predicate
  // and check, which the workers look up by id, must be the built-in's (a caller may pass altered copies).
  const offloaded = activeControls.filter((c) => {
    const b = findControl(c.id);
    return c.scope === 'resource' && b !== undefined && b.scope === 'resource' && b.check === c.check && b.inScope === c.inScope;
  });
  const init = { config: opts.config, controls: offloaded.map((c) => c.id) };
  // The findings workers precomputed become Finding objects as each resource is read, while the
  // workers parse on: evaluating then only takes them.
  const active = new Map(activeControls.map((c) => [c.id, c]));
  const parallel = workers > 0 ? (): ScanPool => new ScanPool(workers, init) : undefined;
  const loaded = await loadSources(inputs, {
    defaultNamespace: opts.config.defaultNamespace,
    here: createDocumentHandler(init),
    adopt: (r) => adoptPrecomputed(r, active),
    ...(parallel ? { parallel, ...(workers === 1 ? { parallelAfterChars: ONE_WORKER_AFTER_CHARS } : {}) } : {}),
    ...(opts.hashInputs ? { hashFiles: true } : {}),
    ...opts.load,
  });
  const files = opts.exceptions?.files ?? [];
  if (opts.exceptions && files.length > 0) {
    const extra = await loadExceptionDocuments(files, opts.config.defaultNamespace);
    loaded.diagnostics.push(...extra.diagnostics);
    opts = { ...opts, exceptions: { ...opts.exceptions, resources: [...(opts.exceptions.resources ?? []), ...extra.resources] } };
  }
  if (opts.prepare) await opts.prepare(loaded.resources);
  return assess(inputs, loaded, opts, startedAt, t0);
}

/** A path as users read it: relative to the working directory when it is inside it. */
function displayPath(p: string): string {
  if (!path.isAbsolute(p)) return p;
  const rel = path.relative(process.cwd(), p);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : p;
}

/**
 * Loads ComplianceException documents from files or directories (kubecomply.yaml `exceptions.files`,
 * `--exceptions`). Other documents are reported (with `warnOthers`) and left out.
 */
export async function loadExceptionDocuments(
  files: readonly string[],
  defaultNamespace = 'default',
  warnOthers = true,
): Promise<{ resources: Resource[]; diagnostics: Diagnostic[] }> {
  const loaded = await loadSources(files.map(displayPath), { defaultNamespace });
  const resources: Resource[] = [];
  const diagnostics = [...loaded.diagnostics];
  for (const r of loaded.resources) {
    if (isExceptionDocument(r)) resources.push(r);
    else if (warnOthers) {
      diagnostics.push({
        level: 'warning',
        code: 'exception-file-other',
        file: r.origin.file,
        line: r.origin.line,
        message: `${r.kind} "${r.name}" (${r.apiVersion}) is not a kubecomply.io ComplianceException; exception files hold exceptions only — ignored (scan it as input instead)`,
      });
    }
  }
  return { resources: dedupeDocuments(resources), diagnostics };
}

/** The same document read twice (in the input and in exceptions.files) counts once. */
function dedupeDocuments(resources: readonly Resource[]): Resource[] {
  const seen = new Set<string>();
  return resources.filter((r) => {
    const o = r.origin;
    const key = `${path.resolve(o.stream?.file ?? o.file)}\u0000${o.doc}\u0000${o.itemPath ?? ''}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Evaluates already-loaded resources (used by `scan` and by callers that build resources themselves). */
export function assess(
  inputs: readonly string[],
  loaded: Omit<LoadResult, 'documentsOffThread' | 'inputs'> & Partial<Pick<LoadResult, 'documentsOffThread' | 'inputs'>>,
  opts: ScanOptions,
  startedAt = new Date(),
  t0 = performance.now(),
): ScanResult {
  // Exception and image-policy documents are kubecomply's own policy, not cluster objects to judge.
  const exceptionDocs: Resource[] = [];
  const resources: Resource[] = [];
  for (const r of loaded.resources) {
    if (isExceptionDocument(r)) exceptionDocs.push(r);
    else if (!isImagePolicyDocument(r)) resources.push(r);
  }
  const inventory = new Inventory(resources);
  const controls = opts.controls ?? BUILTIN_CONTROLS;
  const result = evaluate(inventory, controls, opts.config, { collectEvaluations: opts.collectEvaluations ?? false });
  let findings = result.findings;
  if (opts.locate !== false) resolvePositions(findings);
  sortFindings(findings);
  const diagnostics = [...loaded.diagnostics, ...result.diagnostics];

  let exceptions: ScanExceptions | undefined;
  if (opts.exceptions) {
    const x = opts.exceptions;
    const docs = dedupeDocuments([...exceptionDocs, ...(x.resources ?? [])]);
    const parsed = parseExceptions(docs, x.policy, x.knownControl ?? knownBuiltinControl, x.now);
    const applied = applyExceptions(findings, parsed.statuses);
    findings = applied.findings;
    diagnostics.push(...parsed.diagnostics);
    const ran = result.activeControls.filter((c) => (result.evaluatedCount.get(c.id) ?? 0) > 0);
    const unused: string[] = [];
    for (const s of parsed.statuses) {
      const key = exceptionKey(s.exception);
      if (s.state !== 'active' || applied.used.has(key)) continue;
      // An exception whose controls did not run in this scan cannot be judged unused.
      if (!ran.some((c) => coversControl(s.exception, c.id))) continue;
      unused.push(key);
      diagnostics.push({
        level: 'note',
        code: 'exception-unused',
        file: s.exception.origin.file,
        line: s.exception.origin.line,
        message: `exception "${key}" matched no finding in this scan (unused): remove it, or check its match`,
      });
    }
    exceptions = { now: x.now, statuses: parsed.statuses, used: applied.used, unused };
  }

  const failedBy = new Map<string, number>();
  const exceptedBy = new Map<string, number>();
  const bySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  const exceptedBySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  for (const f of findings) {
    if (f.status === 'excepted') {
      exceptedBySeverity[f.control.severity]++;
      exceptedBy.set(f.control.id, (exceptedBy.get(f.control.id) ?? 0) + 1);
      continue;
    }
    bySeverity[f.control.severity]++;
    failedBy.set(f.control.id, (failedBy.get(f.control.id) ?? 0) + 1);
  }
  const controlSummaries = result.activeControls.map((c) => ({
    control: c,
    evaluated: result.evaluatedCount.get(c.id) ?? 0,
    failed: failedBy.get(c.id) ?? 0,
    excepted: exceptedBy.get(c.id) ?? 0,
  }));
  return {
    tool: TOOL,
    inputs: [...inputs],
    config: opts.config,
    startedAt,
    durationMs: performance.now() - t0,
    stats: { files: loaded.files, documents: loaded.documents, bytes: loaded.bytes, resources: resources.length, documentsOffThread: loaded.documentsOffThread ?? 0 },
    resources: inventory.resources,
    findings,
    diagnostics,
    controls: controlSummaries,
    ...(result.evaluations ? { evaluations: result.evaluations } : {}),
    bySeverity,
    exceptedBySeverity,
    frameworks: frameworkResults(opts.frameworks ?? FRAMEWORKS, controlSummaries, findings),
    ...(exceptions ? { exceptions } : {}),
    ...(loaded.inputs ? { inputFiles: loaded.inputs } : {}),
  };
}

/**
 * Orders findings for reading: resources stay in input order (the engine emits each resource's
 * findings together); within a resource, most severe first, then by line.
 */
function sortFindings(findings: Finding[]): void {
  const byRank = (a: Finding, b: Finding): number => {
    const d = SEVERITY_RANK[b.control.severity] - SEVERITY_RANK[a.control.severity];
    return d !== 0 ? d : (a.position?.line ?? 0) - (b.position?.line ?? 0);
  };
  let start = 0;
  for (let i = 1; i <= findings.length; i++) {
    if (i === findings.length || findings[i].resource !== findings[start].resource) {
      if (i - start > 24) {
        const group = findings.slice(start, i).sort(byRank);
        for (let k = 0; k < group.length; k++) findings[start + k] = group[k];
      } else {
        // A resource's few findings: a stable insertion sort in place (the same order as the stable sort above).
        for (let k = start + 1; k < i; k++) {
          const f = findings[k];
          let j = k - 1;
          while (j >= start && byRank(findings[j], f) > 0) {
            findings[j + 1] = findings[j];
            j--;
          }
          findings[j + 1] = f;
        }
      }
      start = i;
    }
  }
}

/** Whether any failing finding is at or above `threshold` ('none' never fails). */
export function failsAt(result: ScanResult, threshold: Severity | 'none'): boolean {
  if (threshold === 'none') return false;
  const min = SEVERITY_RANK[threshold];
  return result.findings.some((f) => f.status === 'fail' && SEVERITY_RANK[f.control.severity] >= min && f.control.severity !== 'info');
}

export function describeConfig(config: ScanConfig): string {
  return config.pss.level === 'privileged'
    ? 'Pod Security Standards: privileged (no pod checks)'
    : `Pod Security Standards: ${config.pss.level} at ${formatVersion(config.pss.version)}`;
}

function frameworkResults(frameworks: readonly Framework[], summaries: readonly ControlSummary[], findings: readonly Finding[]): FrameworkResult[] {
  const runs = summaries.map((c) => ({ control: c.control, evaluated: c.evaluated }));
  const index = indexFindings(findings);
  return frameworks.map((f) => assessFramework(f, runs, index));
}

/**
 * The one flow: sources → inventory → engine → findings → result. The CLI, the tests and (later) the
 * admission webhook all scan through here, so they cannot disagree.
 */
import { BUILTIN_CONTROLS, findControl } from './controls/index.js';
import { formatVersion } from './controls/pod-security/version.js';
import { evaluate, selectActive } from './core/engine.js';
import { Inventory } from './core/inventory.js';
import { resolvePositions } from './core/locations.js';
import type { Control, Diagnostic, Finding, Resource, ScanConfig, Severity } from './core/types.js';
import { SEVERITIES, SEVERITY_RANK } from './core/types.js';
import { TOOL } from './core/version.js';
import { assessFramework, type FrameworkResult } from './frameworks/assess.js';
import { FRAMEWORKS, type Framework } from './frameworks/index.js';
import { createDocumentHandler } from './parallel/batch.js';
import { defaultWorkerCount, ScanPool } from './parallel/pool.js';
import { loadSources, type LoadOptions } from './sources/loader.js';

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
}

export interface ControlSummary {
  control: Control;
  evaluated: number;
  failed: number;
}

export interface ScanResult {
  tool: { name: string; version: string };
  inputs: string[];
  config: ScanConfig;
  startedAt: Date;
  durationMs: number;
  stats: { files: number; documents: number; bytes: number; resources: number };
  resources: readonly Resource[];
  findings: Finding[];
  diagnostics: Diagnostic[];
  controls: ControlSummary[];
  /** Resources each control evaluated (only with collectEvaluations). */
  evaluations?: Map<string, Resource[]>;
  bySeverity: Record<Severity, number>;
  /** Per-framework requirement status and score. */
  frameworks: FrameworkResult[];
}

export async function scan(inputs: readonly string[], opts: ScanOptions): Promise<ScanResult> {
  const startedAt = new Date();
  const t0 = performance.now();
  const workers = opts.workers ?? defaultWorkerCount();
  // Per-resource built-in controls can run on the workers, right after parsing.
  const offloaded = selectActive(opts.controls ?? BUILTIN_CONTROLS, opts.config)
    .filter((c) => c.scope === 'resource' && findControl(c.id)?.check === c.check)
    .map((c) => c.id);
  const init = { config: opts.config, controls: offloaded };
  const parallel = workers > 0 ? (): ScanPool => new ScanPool(workers, init) : undefined;
  const loaded = await loadSources(inputs, {
    defaultNamespace: opts.config.defaultNamespace,
    here: createDocumentHandler(init),
    ...(parallel ? { parallel } : {}),
    ...opts.load,
  });
  return assess(inputs, loaded, opts, startedAt, t0);
}

/** Evaluates already-loaded resources (used by `scan` and by callers that build resources themselves). */
export function assess(
  inputs: readonly string[],
  loaded: { resources: Resource[]; diagnostics: Diagnostic[]; files: number; documents: number; bytes: number },
  opts: ScanOptions,
  startedAt = new Date(),
  t0 = performance.now(),
): ScanResult {
  const inventory = new Inventory(loaded.resources);
  const controls = opts.controls ?? BUILTIN_CONTROLS;
  const result = evaluate(inventory, controls, opts.config, { collectEvaluations: opts.collectEvaluations ?? false });
  const findings = result.findings;
  if (opts.locate !== false) resolvePositions(findings);
  sortFindings(findings);

  const failedBy = new Map<string, number>();
  const bySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  for (const f of findings) {
    if (f.status !== 'fail') continue;
    bySeverity[f.control.severity]++;
    failedBy.set(f.control.id, (failedBy.get(f.control.id) ?? 0) + 1);
  }
  const controlSummaries = result.activeControls.map((c) => ({
    control: c,
    evaluated: result.evaluatedCount.get(c.id) ?? 0,
    failed: failedBy.get(c.id) ?? 0,
  }));
  return {
    tool: TOOL,
    inputs: [...inputs],
    config: opts.config,
    startedAt,
    durationMs: performance.now() - t0,
    stats: { files: loaded.files, documents: loaded.documents, bytes: loaded.bytes, resources: loaded.resources.length },
    resources: inventory.resources,
    findings,
    diagnostics: [...loaded.diagnostics, ...result.diagnostics],
    controls: controlSummaries,
    ...(result.evaluations ? { evaluations: result.evaluations } : {}),
    bySeverity,
    frameworks: (opts.frameworks ?? FRAMEWORKS).map((f) => assessFramework(f, controlSummaries.map((c) => ({ control: c.control, evaluated: c.evaluated })), findings)),
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
      if (i - start > 1) {
        const group = findings.slice(start, i).sort(byRank);
        for (let k = 0; k < group.length; k++) findings[start + k] = group[k];
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

/**
 * The engine: runs every active control against every resource it applies to, once.
 * Controls are pure; a control that throws is reported as a diagnostic and the scan goes on.
 */
import type { CheckContext, Control, Diagnostic, Finding, InventoryView, Resource, ScanConfig } from './types.js';

export interface EngineOptions {
  /** Record which resources each control evaluated (needed for JUnit's passing test cases). */
  collectEvaluations?: boolean;
}

export interface EngineResult {
  findings: Finding[];
  /** The controls that took part (after level/version gating). */
  activeControls: Control[];
  /** Number of resources each control evaluated, by control id. */
  evaluatedCount: Map<string, number>;
  /** Resources each control evaluated, by control id (only with `collectEvaluations`). */
  evaluations?: Map<string, Resource[]>;
  diagnostics: Diagnostic[];
}

export function selectActive(controls: readonly Control[], config: ScanConfig): Control[] {
  return controls.filter((c) => (c.isActive ? c.isActive(config) : true));
}

export function evaluate(inventory: InventoryView, controls: readonly Control[], config: ScanConfig, opts: EngineOptions = {}): EngineResult {
  const active = selectActive(controls, config);
  const wildcard: Control[] = [];
  const byKind = new Map<string, Control[]>();
  for (const c of active) {
    if (c.appliesTo.includes('*')) {
      wildcard.push(c);
      continue;
    }
    for (const k of c.appliesTo) {
      let list = byKind.get(k);
      if (!list) byKind.set(k, (list = []));
      list.push(c);
    }
  }
  const ctx: CheckContext = { config, inventory };
  const findings: Finding[] = [];
  const diagnostics: Diagnostic[] = [];
  const evaluatedCount = new Map<string, number>(active.map((c) => [c.id, 0]));
  const evaluations = opts.collectEvaluations ? new Map<string, Resource[]>(active.map((c) => [c.id, []])) : undefined;
  const kindCache = new Map<string, Control[]>();

  for (const r of inventory.resources) {
    let list = kindCache.get(r.kind);
    if (!list) {
      list = [...(byKind.get(r.kind) ?? []), ...wildcard];
      kindCache.set(r.kind, list);
    }
    for (const c of list) {
      evaluatedCount.set(c.id, (evaluatedCount.get(c.id) ?? 0) + 1);
      evaluations?.get(c.id)?.push(r);
      let violations;
      try {
        violations = c.check(r, ctx);
      } catch (e) {
        diagnostics.push({
          level: 'error',
          code: 'control-error',
          file: r.origin.file,
          line: r.origin.line,
          message: `control ${c.id} failed on ${r.kind}/${r.name}: ${e instanceof Error ? e.message : String(e)}`,
        });
        continue;
      }
      for (const v of violations) {
        findings.push({ control: c, resource: r, path: v.path, message: v.message, status: 'fail' });
      }
    }
  }
  return { findings, activeControls: active, evaluatedCount, ...(evaluations ? { evaluations } : {}), diagnostics };
}

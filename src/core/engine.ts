/**
 * The engine: runs every active control against every resource it applies to, once.
 * Controls are pure; a control that throws is reported as a diagnostic and the scan goes on.
 */
import type { CheckContext, Control, Diagnostic, Finding, InventoryView, Precomputed, Resource, ScanConfig } from './types.js';

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

// Resources checked by the same handler share one `controls` array: remember its Set.
let lastRan: readonly string[] | undefined;
let lastSet = new Set<string>();

function ranOn(pre: Precomputed): Set<string> {
  if (pre.controls !== lastRan) {
    lastRan = pre.controls;
    lastSet = new Set(pre.controls);
  }
  return lastSet;
}

/** A scope predicate that throws leaves the resource in scope: the check then reports the error. */
function inScope(c: Control, r: Resource, ctx: CheckContext): boolean {
  try {
    return c.inScope!(r, ctx);
  } catch {
    return true;
  }
}

export function selectActive(controls: readonly Control[], config: ScanConfig): Control[] {
  return controls.filter((c) => (c.isActive ? c.isActive(config) : true));
}

/** The engine prepared for one set of controls and one configuration: run it on any number of inventories. */
export interface PreparedEngine {
  readonly activeControls: readonly Control[];
  run(inventory: InventoryView, opts?: EngineOptions): EngineResult;
}

export function evaluate(inventory: InventoryView, controls: readonly Control[], config: ScanConfig, opts: EngineOptions = {}): EngineResult {
  return prepareEngine(controls, config).run(inventory, opts);
}

/**
 * Gating (isActive) and the per-kind control lists are computed once here, so the admission webhook,
 * which evaluates one object per request, pays for them once rather than per request.
 */
export function prepareEngine(controls: readonly Control[], config: ScanConfig): PreparedEngine {
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
  const index = new Map(active.map((c, i) => [c, i]));
  const activeById = new Map(active.map((c) => [c.id, c]));
  const kindCache = new Map<string, { controls: Control[]; idx: number[] }>();
  const forKind = (kind: string): { controls: Control[]; idx: number[] } => {
    let entry = kindCache.get(kind);
    if (!entry) {
      const list = [...(byKind.get(kind) ?? []), ...wildcard];
      entry = { controls: list, idx: list.map((c) => index.get(c)!) };
      // Bounded: kinds come from the input (custom resources).
      if (kindCache.size < 10000) kindCache.set(kind, entry);
    }
    return entry;
  };
  return { activeControls: active, run: (inventory, opts = {}) => run(inventory, opts) };

  function run(inventory: InventoryView, opts: EngineOptions): EngineResult {
    const ctx: CheckContext = { config, inventory };
    const findings: Finding[] = [];
    const diagnostics: Diagnostic[] = [];
    const counts = new Array<number>(active.length).fill(0);
    const evaluated: Resource[][] | undefined = opts.collectEvaluations ? active.map(() => []) : undefined;

    for (const r of inventory.resources) {
      const entry = forKind(r.kind);
      const list = entry.controls;
      const pre = r.precomputed;
      const ran = pre !== undefined ? ranOn(pre) : undefined;
      if (pre !== undefined && pre.findings.length > 0) {
        // A scan worker already ran these controls on this resource, with the same engine and
        // configuration: take its findings in one pass (they are sorted with the others later).
        for (const f of pre.findings) {
          const c = activeById.get(f.control);
          // The precomputed record has line and column: it serves as the position (one object less per finding).
          if (c !== undefined && c.scope === 'resource') findings.push({ control: c, resource: r, path: f.path, message: f.message, status: 'fail', position: f });
        }
      }
      for (let k = 0; k < list.length; k++) {
        const c = list[k];
        if (c.inScope !== undefined && !inScope(c, r, ctx)) continue;
        counts[entry.idx[k]]++;
        if (evaluated) evaluated[entry.idx[k]].push(r);
        if (ran !== undefined && c.scope === 'resource' && ran.has(c.id)) continue;
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
        for (let v = 0; v < violations.length; v++) {
          findings.push({ control: c, resource: r, path: violations[v].path, message: violations[v].message, status: 'fail' });
        }
      }
    }
    const evaluatedCount = new Map(active.map((c, i) => [c.id, counts[i]]));
    const evaluations = evaluated ? new Map(active.map((c, i) => [c.id, evaluated[i]])) : undefined;
    return { findings, activeControls: active, evaluatedCount, ...(evaluations ? { evaluations } : {}), diagnostics };
  }
}

/**
 * The engine: runs every active control against every resource it applies to, once.
 * Controls are pure; a control that throws is reported as a diagnostic and the scan goes on.
 */
import { PRE_STATE, type CheckContext, type Control, type Diagnostic, type Finding, type InventoryView, type Precomputed, type Resource, type ScanConfig } from './types.js';

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

const NO_FINDINGS: readonly never[] = Object.freeze([]);

/**
 * Turns a resource's precomputed findings into Finding objects of the given (active) controls, by
 * id. The scanner does it while loading, so that evaluating has only to take them.
 */
export function adoptPrecomputed(r: Resource, controls: ReadonlyMap<string, Control>): void {
  const pre = r.precomputed;
  if (pre === undefined || pre.made !== undefined) return;
  const { made, complete } = makeFindings(r, pre, controls);
  (pre as { made?: readonly (Finding | undefined)[] }).made = made;
  // Kept only when some control was unknown here (an engine with other controls may want them).
  if (complete) (pre as { findings: readonly (number | string)[] }).findings = NO_FINDINGS;
}

function makeFindings(r: Resource, pre: Precomputed, controls: ReadonlyMap<string, Control>): { made: (Finding | undefined)[]; complete: boolean } {
  const f = pre.findings;
  const made = new Array<Finding | undefined>(f.length / 5);
  let complete = true;
  for (let i = 0, j = 0; i < f.length; i += 5, j++) {
    const c = controls.get(pre.ids[f[i] as number]);
    if (c === undefined) complete = false;
    made[j] = c === undefined ? undefined : { control: c, resource: r, path: f[i + 1] as string, message: f[i + 2] as string, status: 'fail', position: { line: f[i + 3] as number, column: f[i + 4] as number } };
  }
  return { made, complete };
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

  // What a handler's `ids` mean here: each id's position → the active control (or undefined).
  let lastIds: readonly string[] | undefined;
  let lastMap: { controls: (Control | undefined)[]; pos: Map<string, number> } | undefined;
  const idsMap = (ids: readonly string[]): { controls: (Control | undefined)[]; pos: Map<string, number> } => {
    if (ids !== lastIds || lastMap === undefined) {
      lastIds = ids;
      lastMap = { controls: ids.map((id) => activeById.get(id)), pos: new Map(ids.map((id, i) => [id, i])) };
    }
    return lastMap;
  };

  /**
   * What to do for every resource of a kind whose precomputed state is the same (resources with
   * nothing precomputed share the state ''): the controls counted without further ado, the
   * controls whose precomputed findings are taken, and the steps, in the order of the kind's control
   * list, that need this thread. Computed once per (kind, state), not per resource.
   */
  interface Plan {
    counted: number[];
    /** Resources that took this plan (their `counted` controls are added up at the end). */
    uses: number;
    /** Controls the handler ran (state `ran`): their findings are in the precomputed record. */
    taken: Set<Control>;
    steps: Step[];
  }
  interface Step {
    control: Control;
    idx: number;
    /** Call inScope here (and count the resource when it is in scope); otherwise it is counted with the plan. */
    scope: boolean;
  }
  // By the handler's ids (one list per scan configuration), kind and state.
  const plans = new Map<readonly string[] | undefined, Map<string, Map<string, Plan>>>();
  const planFor = (kind: string, pre: Precomputed | undefined): Plan => {
    const key = pre === undefined ? '' : pre.state;
    let byKind = plans.get(pre?.ids);
    if (byKind === undefined) {
      if (plans.size > 16) plans.clear();
      plans.set(pre?.ids, (byKind = new Map()));
    }
    let byState = byKind.get(kind);
    if (byState === undefined) {
      byState = new Map();
      // Bounded: kinds come from the input (custom resources).
      if (byKind.size < 10000) byKind.set(kind, byState);
    }
    let plan = byState.get(key);
    if (plan !== undefined) return plan;
    plan = { counted: [], uses: 0, taken: new Set(), steps: [] };
    const entry = forKind(kind);
    const m = pre === undefined ? undefined : idsMap(pre.ids);
    for (let k = 0; k < entry.controls.length; k++) {
      const c = entry.controls[k];
      const idx = entry.idx[k];
      const at = m?.pos.get(c.id);
      // Precomputed states hold for the control the handler ran: the resource-scoped built-in of that id.
      const st = at !== undefined && m!.controls[at] === c && c.scope === 'resource' ? key.charAt(at) : '';
      switch (st) {
        case PRE_STATE.ran:
          plan.counted.push(idx);
          plan.taken.add(c);
          break;
        case PRE_STATE.run:
          plan.counted.push(idx);
          plan.steps.push({ control: c, idx, scope: false });
          break;
        case PRE_STATE.out:
          break;
        default:
          // Nothing decided (PRE_STATE.none, or no record): scope and check here.
          if (c.inScope === undefined) plan.counted.push(idx);
          plan.steps.push({ control: c, idx, scope: c.inScope !== undefined });
      }
    }
    // Bounded: states come from the input's variety.
    if (byState.size < 10000) byState.set(key, plan);
    return plan;
  };
  /** The precomputed findings, with this engine's control objects (those adopted with others are re-pointed). */
  const sameControls = (r: Resource, pre: Precomputed): readonly (Finding | undefined)[] => {
    let made = pre.made!;
    // Adopted with controls that did not include all of these: made again from the precomputed record.
    if (pre.findings.length > 0) return makeFindings(r, pre, activeById).made;
    for (let j = 0; j < made.length; j++) {
      const x = made[j];
      if (x === undefined) continue;
      const c = activeById.get(x.control.id);
      if (c === x.control) continue;
      if (made === pre.made) made = [...made];
      (made as (Finding | undefined)[])[j] = c === undefined ? undefined : { ...x, control: c };
    }
    return made;
  };
  return { activeControls: active, run: (inventory, opts = {}) => run(inventory, opts) };

  function run(inventory: InventoryView, opts: EngineOptions): EngineResult {
    const ctx: CheckContext = { config, inventory };
    const findings: Finding[] = [];
    const diagnostics: Diagnostic[] = [];
    const counts = new Array<number>(active.length).fill(0);
    const evaluated: Resource[][] | undefined = opts.collectEvaluations ? active.map(() => []) : undefined;
    const used = new Set<Plan>();

    for (const r of inventory.resources) {
      const pre = r.precomputed;
      const plan = planFor(r.kind, pre);
      if (plan.uses++ === 0) used.add(plan);
      if (evaluated) for (const i of plan.counted) evaluated[i].push(r);
      if (pre !== undefined && plan.taken.size > 0) {
        if (pre.made === undefined) adoptPrecomputed(r, activeById);
        // A handler already ran these resource-scoped controls on this resource, with the same
        // configuration: take their findings in one pass (they are sorted with the others later).
        const made = sameControls(r, pre);
        for (let j = 0; j < made.length; j++) {
          const x = made[j];
          if (x !== undefined && plan.taken.has(x.control)) findings.push(x);
        }
      }
      const steps = plan.steps;
      for (let k = 0; k < steps.length; k++) {
        const step = steps[k];
        const c = step.control;
        if (step.scope) {
          // Scope decided here, resource by resource: counted here, not with the plan.
          if (!inScope(c, r, ctx)) continue;
          counts[step.idx]++;
          if (evaluated) evaluated[step.idx].push(r);
        }
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
    for (const plan of used) {
      for (const i of plan.counted) counts[i] += plan.uses;
      plan.uses = 0;
    }
    const evaluatedCount = new Map(active.map((c, i) => [c.id, counts[i]]));
    const evaluations = evaluated ? new Map(active.map((c, i) => [c.id, evaluated[i]])) : undefined;
    return { findings, activeControls: active, evaluatedCount, ...(evaluations ? { evaluations } : {}), diagnostics };
  }
}

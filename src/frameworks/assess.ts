/**
 * Per-framework compliance: every requirement of a framework is pass, fail, manual or
 * not-applicable, judged from the findings of the controls mapped to it, and the framework gets a
 * score. The rules, also in the README:
 *   manual          — no automated check decides it (listed with guidance);
 *   fail            — a control mapped to it has a failing finding (excepted findings do not count:
 *                     they are listed as `excepted`, so a pass that rests on exceptions is visible);
 *   pass            — controls mapped to it evaluated at least one resource and none failed;
 *   not-applicable  — its controls did not run or found nothing of the kinds they check.
 *   score           — round(100 × pass / (pass + fail)); none when nothing was decided.
 */
import type { Control, Finding } from '../core/types.js';
import { citedIds, type Confidence, type Framework, type Requirement } from './index.js';

export type RequirementStatus = 'pass' | 'fail' | 'manual' | 'not-applicable';

export interface RequirementResult {
  requirement: Requirement;
  status: RequirementStatus;
  confidence: Confidence;
  /** Controls of the scan mapped to this requirement. */
  controls: Control[];
  /** Failing findings behind a fail. */
  findings: Finding[];
  /** Findings of the mapped controls that an approved exception covers (they do not fail the requirement). */
  excepted: Finding[];
  /** Resources evaluated by the mapped controls. */
  evaluated: number;
}

export interface FrameworkResult {
  framework: Framework;
  requirements: RequirementResult[];
  counts: Record<RequirementStatus, number>;
  /** 0–100, or null when no requirement was decided. */
  score: number | null;
}

export interface ControlRun {
  control: Control;
  evaluated: number;
}

/** Findings grouped by control id, failing and excepted apart: built once, shared by every framework. */
export interface FindingIndex {
  failingBy: Map<string, Finding[]>;
  exceptedBy: Map<string, Finding[]>;
}

export function indexFindings(findings: readonly Finding[]): FindingIndex {
  const failingBy = new Map<string, Finding[]>();
  const exceptedBy = new Map<string, Finding[]>();
  for (const x of findings) {
    const by = x.status === 'fail' ? failingBy : exceptedBy;
    let l = by.get(x.control.id);
    if (!l) by.set(x.control.id, (l = []));
    l.push(x);
  }
  return { failingBy, exceptedBy };
}

const EMPTY: Finding[] = [];

/** The findings of these controls: the one control's own list when there is one (no copy). */
function ofControls(controls: readonly Control[], by: Map<string, Finding[]>): Finding[] {
  let only: Finding[] | undefined;
  let lists: Finding[][] | undefined;
  for (const c of controls) {
    const l = by.get(c.id);
    if (l === undefined || l.length === 0) continue;
    if (only === undefined) only = l;
    else (lists ??= [only]).push(l);
  }
  if (lists === undefined) return only ?? EMPTY;
  return ([] as Finding[]).concat(...lists);
}

export function assessFramework(f: Framework, runs: readonly ControlRun[], findings: readonly Finding[] | FindingIndex): FrameworkResult {
  const { failingBy, exceptedBy } = Array.isArray(findings) ? indexFindings(findings as readonly Finding[]) : (findings as FindingIndex);
  const byReq = new Map<string, ControlRun[]>();
  for (const run of runs) {
    for (const id of citedIds(run.control.mappings, f)) {
      let l = byReq.get(id);
      if (!l) byReq.set(id, (l = []));
      l.push(run);
    }
  }
  const counts: Record<RequirementStatus, number> = { pass: 0, fail: 0, manual: 0, 'not-applicable': 0 };
  const requirements = f.requirements.map((req): RequirementResult => {
    const confidence = req.confidence ?? f.confidence;
    const mapped = byReq.get(req.id) ?? [];
    const controls = mapped.map((m) => m.control);
    const evaluated = mapped.reduce((n, m) => n + m.evaluated, 0);
    let status: RequirementStatus;
    let failing: Finding[] = [];
    let excepted: Finding[] = [];
    if (req.manual) status = 'manual';
    else {
      failing = ofControls(controls, failingBy);
      excepted = ofControls(controls, exceptedBy);
      status = failing.length > 0 ? 'fail' : evaluated > 0 ? 'pass' : 'not-applicable';
    }
    counts[status]++;
    return { requirement: req, status, confidence, controls, findings: failing, excepted, evaluated };
  });
  const decided = counts.pass + counts.fail;
  return { framework: f, requirements, counts, score: decided === 0 ? null : Math.round((100 * counts.pass) / decided) };
}

/**
 * Per-framework compliance: every requirement of a framework is pass, fail, manual or
 * not-applicable, judged from the findings of the controls mapped to it, and the framework gets a
 * score. The rules, also in the README:
 *   manual          — no automated check decides it (listed with guidance);
 *   fail            — a control mapped to it has a failing finding (excepted findings do not count);
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

export function assessFramework(f: Framework, runs: readonly ControlRun[], findings: readonly Finding[]): FrameworkResult {
  const failingBy = new Map<string, Finding[]>();
  for (const x of findings) {
    if (x.status !== 'fail') continue;
    let l = failingBy.get(x.control.id);
    if (!l) failingBy.set(x.control.id, (l = []));
    l.push(x);
  }
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
    if (req.manual) status = 'manual';
    else {
      failing = controls.flatMap((c) => failingBy.get(c.id) ?? []);
      status = failing.length > 0 ? 'fail' : evaluated > 0 ? 'pass' : 'not-applicable';
    }
    counts[status]++;
    return { requirement: req, status, confidence, controls, findings: failing, evaluated };
  });
  const decided = counts.pass + counts.fail;
  return { framework: f, requirements, counts, score: decided === 0 ? null : Math.round((100 * counts.pass) / decided) };
}

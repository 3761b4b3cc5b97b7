/**
 * CVSS scores computed from vector strings (v2.0, v3.0, v3.1, v4.0) — never the number an advisory printed beside
 * the vector.
 *
 * Which score `scoreCvss` returns:
 * - v4.0: the single CVSS v4.0 score of the metrics present (the spec's nomenclature: CVSS-B with base metrics only,
 *   CVSS-BT with E, CVSS-BE with environmental metrics, CVSS-BTE with both; supplemental metrics never change it).
 *   `cvssNomenclature` tells which.
 * - v3.0 / v3.1: the Environmental score when any environmental metric (CR, IR, AR, MAV … MA) is defined (not X),
 *   else the Temporal score when any temporal metric (E, RL, RC) is defined, else the Base score. (With every
 *   environmental metric X the v3 Environmental formula can differ from Base by 0.1 for Scope Changed, which is why
 *   it is only used when the vector carries environmental metrics.)
 * - v2.0: same rule (Environmental when CDP/TD/CR/IR/AR are defined, else Temporal when E/RL/RC are, else Base).
 *
 * Arithmetic follows the reference calculators exactly, floating point included:
 * - v3.1: FIRST's v3.1 calculator (cvsscalc31.js) and the v3.1 specification, Appendix A "Roundup" (integer-based,
 *   so 4.000000000000001 → 4.0).
 * - v3.0: FIRST's v3.0 calculator (cvsscalc30.js): Roundup is the older Math.ceil(x * 10) / 10, and the modified
 *   impact for a changed scope is the v3.0 formula (… − 3.25 × (MISS − 0.02)^15).
 * - v4.0: the macro-vector method of the v4.0 specification (section 8) as the FIRST/Red Hat reference calculator
 *   computes it, RedHatProductSecurity/cvss-v4-calculator cvss40.js @ 7faaaa5662d7c94e160c1193c96a970ced773301
 *   (round half up with the 1e-6 lift that commit introduced).
 * - v2.0: the v2 guide's equations, rounded half up to one decimal as exact decimal arithmetic would
 *   (RedHatProductSecurity/cvss cvss2.py computes in Decimal).
 *
 * Nothing here throws: malformed vectors (wrong prefix, unknown or duplicated metric, bad value, missing base
 * metric, empty field) give `undefined`.
 */
import type { CvssScore, VulnSeverity } from './types.js';

export type CvssVersion = CvssScore['version'];

export interface ParsedCvss {
  version: CvssVersion;
  /** The metrics exactly as the vector wrote them (metric → value); metrics not written are absent. */
  metrics: Record<string, string>;
}

/** Metric abbreviation → its allowed values. */
type MetricTable = ReadonlyMap<string, ReadonlySet<string>>;

function metricTable(spec: Record<string, readonly string[]>): MetricTable {
  return new Map(Object.entries(spec).map(([k, values]) => [k, new Set(values)]));
}

// ---------------------------------------------------------------------------------------------------------------
// Metric definitions (abbreviations and values from each version's specification).

const V2_METRICS: MetricTable = metricTable({
  AV: ['L', 'A', 'N'],
  AC: ['H', 'M', 'L'],
  Au: ['M', 'S', 'N'],
  C: ['N', 'P', 'C'],
  I: ['N', 'P', 'C'],
  A: ['N', 'P', 'C'],
  E: ['U', 'POC', 'F', 'H', 'ND'],
  RL: ['OF', 'TF', 'W', 'U', 'ND'],
  RC: ['UC', 'UR', 'C', 'ND'],
  CDP: ['N', 'L', 'LM', 'MH', 'H', 'ND'],
  TD: ['N', 'L', 'M', 'H', 'ND'],
  CR: ['L', 'M', 'H', 'ND'],
  IR: ['L', 'M', 'H', 'ND'],
  AR: ['L', 'M', 'H', 'ND'],
});
const V2_MANDATORY = ['AV', 'AC', 'Au', 'C', 'I', 'A'] as const;

const V3_METRICS: MetricTable = metricTable({
  AV: ['N', 'A', 'L', 'P'],
  AC: ['L', 'H'],
  PR: ['N', 'L', 'H'],
  UI: ['N', 'R'],
  S: ['U', 'C'],
  C: ['H', 'L', 'N'],
  I: ['H', 'L', 'N'],
  A: ['H', 'L', 'N'],
  E: ['X', 'H', 'F', 'P', 'U'],
  RL: ['X', 'U', 'W', 'T', 'O'],
  RC: ['X', 'C', 'R', 'U'],
  CR: ['X', 'H', 'M', 'L'],
  IR: ['X', 'H', 'M', 'L'],
  AR: ['X', 'H', 'M', 'L'],
  MAV: ['X', 'N', 'A', 'L', 'P'],
  MAC: ['X', 'L', 'H'],
  MPR: ['X', 'N', 'L', 'H'],
  MUI: ['X', 'N', 'R'],
  MS: ['X', 'U', 'C'],
  MC: ['X', 'H', 'L', 'N'],
  MI: ['X', 'H', 'L', 'N'],
  MA: ['X', 'H', 'L', 'N'],
});
const V3_MANDATORY = ['AV', 'AC', 'PR', 'UI', 'S', 'C', 'I', 'A'] as const;

const V4_METRICS: MetricTable = metricTable({
  // Base
  AV: ['N', 'A', 'L', 'P'],
  AC: ['L', 'H'],
  AT: ['N', 'P'],
  PR: ['N', 'L', 'H'],
  UI: ['N', 'P', 'A'],
  VC: ['H', 'L', 'N'],
  VI: ['H', 'L', 'N'],
  VA: ['H', 'L', 'N'],
  SC: ['H', 'L', 'N'],
  SI: ['H', 'L', 'N'],
  SA: ['H', 'L', 'N'],
  // Threat
  E: ['X', 'A', 'P', 'U'],
  // Environmental
  CR: ['X', 'H', 'M', 'L'],
  IR: ['X', 'H', 'M', 'L'],
  AR: ['X', 'H', 'M', 'L'],
  MAV: ['X', 'N', 'A', 'L', 'P'],
  MAC: ['X', 'L', 'H'],
  MAT: ['X', 'N', 'P'],
  MPR: ['X', 'N', 'L', 'H'],
  MUI: ['X', 'N', 'P', 'A'],
  MVC: ['X', 'H', 'L', 'N'],
  MVI: ['X', 'H', 'L', 'N'],
  MVA: ['X', 'H', 'L', 'N'],
  MSC: ['X', 'H', 'L', 'N'],
  MSI: ['X', 'S', 'H', 'L', 'N'],
  MSA: ['X', 'S', 'H', 'L', 'N'],
  // Supplemental (never part of the score)
  S: ['X', 'N', 'P'],
  AU: ['X', 'N', 'Y'],
  R: ['X', 'A', 'U', 'I'],
  V: ['X', 'D', 'C'],
  RE: ['X', 'L', 'M', 'H'],
  U: ['X', 'Clear', 'Green', 'Amber', 'Red'],
});
const V4_MANDATORY = ['AV', 'AC', 'AT', 'PR', 'UI', 'VC', 'VI', 'VA', 'SC', 'SI', 'SA'] as const;
const V4_ENVIRONMENTAL = ['CR', 'IR', 'AR', 'MAV', 'MAC', 'MAT', 'MPR', 'MUI', 'MVC', 'MVI', 'MVA', 'MSC', 'MSI', 'MSA'] as const;

const V3_TEMPORAL = ['E', 'RL', 'RC'] as const;
const V3_ENVIRONMENTAL = ['CR', 'IR', 'AR', 'MAV', 'MAC', 'MPR', 'MUI', 'MS', 'MC', 'MI', 'MA'] as const;
const V2_TEMPORAL = ['E', 'RL', 'RC'] as const;
const V2_ENVIRONMENTAL = ['CDP', 'TD', 'CR', 'IR', 'AR'] as const;

// ---------------------------------------------------------------------------------------------------------------
// Parsing

/**
 * Validates `body` (the vector after its prefix) against `table` and returns its metrics in a prototype-less object
 * (cheap to fill in any order), or undefined.
 */
function parseBody(body: string, table: MetricTable, mandatory: readonly string[]): Record<string, string> | undefined {
  const metrics: Record<string, string> = Object.create(null) as Record<string, string>;
  const length = body.length;
  let start = 0;
  for (;;) {
    let end = body.indexOf('/', start);
    if (end === -1) end = length;
    // Exactly one ':' inside the field, with a key before and a value after it.
    const colon = body.indexOf(':', start);
    if (colon <= start || colon >= end - 1) return undefined;
    const key = body.slice(start, colon);
    const value = body.slice(colon + 1, end);
    if (value.includes(':')) return undefined;
    const allowed = table.get(key);
    if (allowed === undefined || !allowed.has(value) || metrics[key] !== undefined) return undefined;
    metrics[key] = value;
    if (end === length) break;
    start = end + 1;
  }
  for (const k of mandatory) if (metrics[k] === undefined) return undefined;
  return metrics;
}

interface Parsed {
  version: CvssVersion;
  metrics: Record<string, string>;
}

function parse(vector: string): Parsed | undefined {
  let s = vector;
  let version: CvssVersion;
  let table: MetricTable;
  let mandatory: readonly string[];
  if (s.startsWith('CVSS:')) {
    const prefix = s.slice(0, 9);
    if (prefix === 'CVSS:4.0/') {
      version = '4.0';
      table = V4_METRICS;
      mandatory = V4_MANDATORY;
    } else if (prefix === 'CVSS:3.1/' || prefix === 'CVSS:3.0/') {
      version = prefix === 'CVSS:3.1/' ? '3.1' : '3.0';
      table = V3_METRICS;
      mandatory = V3_MANDATORY;
    } else if (prefix === 'CVSS:2.0/') {
      version = '2.0';
      table = V2_METRICS;
      mandatory = V2_MANDATORY;
    } else {
      return undefined;
    }
    s = s.slice(9);
  } else {
    if (s.startsWith('(') && s.endsWith(')')) s = s.slice(1, -1);
    version = '2.0';
    table = V2_METRICS;
    mandatory = V2_MANDATORY;
  }
  if (s.length === 0) return undefined;
  const metrics = parseBody(s, table, mandatory);
  return metrics === undefined ? undefined : { version, metrics };
}

/**
 * Splits a CVSS vector into its version and metrics, validating it against that version's metric table.
 * v3/v4 need their `CVSS:3.0/`, `CVSS:3.1/`, `CVSS:4.0/` prefix; a v2 vector has none (as NVD and OSV write it),
 * optionally in parentheses or behind a `CVSS:2.0/` prefix. Metric order is not checked.
 */
export function parseCvss(vector: string): ParsedCvss | undefined {
  if (typeof vector !== 'string') return undefined;
  const parsed = parse(vector.trim());
  return parsed === undefined ? undefined : { version: parsed.version, metrics: { ...parsed.metrics } };
}

// ---------------------------------------------------------------------------------------------------------------
// Qualitative severity

/**
 * The qualitative rating of a score. v3.x and v4.0: the specifications' scale (None 0.0, Low 0.1–3.9,
 * Medium 4.0–6.9, High 7.0–8.9, Critical 9.0–10.0). v2.0 defines no scale; NVD's (Low 0.0–3.9, Medium 4.0–6.9,
 * High 7.0–10.0) is used, with 0.0 as 'none'. Anything outside 0–10 (or NaN) is 'unknown'.
 */
export function severityOf(score: number, version: CvssVersion): VulnSeverity {
  if (!(score >= 0 && score <= 10)) return 'unknown';
  if (score === 0) return 'none';
  if (version === '2.0') return score >= 7 ? 'high' : score >= 4 ? 'medium' : 'low';
  if (score >= 9) return 'critical';
  if (score >= 7) return 'high';
  if (score >= 4) return 'medium';
  return 'low';
}

// ---------------------------------------------------------------------------------------------------------------
// v3.0 / v3.1

/** CVSS v3.1 specification, Appendix A: Roundup without floating-point surprises. */
function roundUp31(input: number): number {
  const intInput = Math.round(input * 100000);
  return intInput % 10000 === 0 ? intInput / 100000 : (Math.floor(intInput / 10000) + 1) / 10;
}

/** CVSS v3.0 (cvsscalc30.js): Roundup as the smallest one-decimal number ≥ the input, in floating point. */
function roundUp30(input: number): number {
  return Math.ceil(input * 10) / 10;
}

const W3_AV: Record<string, number> = { N: 0.85, A: 0.62, L: 0.55, P: 0.2 };
const W3_AC: Record<string, number> = { L: 0.77, H: 0.44 };
const W3_PR_U: Record<string, number> = { N: 0.85, L: 0.62, H: 0.27 };
const W3_PR_C: Record<string, number> = { N: 0.85, L: 0.68, H: 0.5 };
const W3_UI: Record<string, number> = { N: 0.85, R: 0.62 };
const W3_CIA: Record<string, number> = { H: 0.56, L: 0.22, N: 0 };
const W3_E: Record<string, number> = { X: 1, U: 0.91, P: 0.94, F: 0.97, H: 1 };
const W3_RL: Record<string, number> = { X: 1, O: 0.95, T: 0.96, W: 0.97, U: 1 };
const W3_RC: Record<string, number> = { X: 1, U: 0.92, R: 0.96, C: 1 };
const W3_REQ: Record<string, number> = { X: 1, L: 0.5, M: 1, H: 1.5 };

function defined(m: Record<string, string>, keys: readonly string[], notDefined: string): boolean {
  for (const k of keys) {
    const v = m[k];
    if (v !== undefined && v !== notDefined) return true;
  }
  return false;
}

/** Modified metric value: the M-metric when defined, else the base metric. */
function mod3(m: Record<string, string>, key: string): string {
  const v = m['M' + key];
  return v === undefined || v === 'X' ? m[key] : v;
}

function score3(m: Record<string, string>, minor: 0 | 1): number {
  const roundUp = minor === 1 ? roundUp31 : roundUp30;
  const scope = m.S;
  const e = W3_E[m.E ?? 'X'];
  const rl = W3_RL[m.RL ?? 'X'];
  const rc = W3_RC[m.RC ?? 'X'];

  if (defined(m, V3_ENVIRONMENTAL, 'X')) {
    const ms = m.MS === undefined || m.MS === 'X' ? scope : m.MS;
    const miss = Math.min(
      1 -
        (1 - W3_CIA[mod3(m, 'C')] * W3_REQ[m.CR ?? 'X']) *
          (1 - W3_CIA[mod3(m, 'I')] * W3_REQ[m.IR ?? 'X']) *
          (1 - W3_CIA[mod3(m, 'A')] * W3_REQ[m.AR ?? 'X']),
      0.915,
    );
    let modifiedImpact: number;
    if (ms === 'U') modifiedImpact = 6.42 * miss;
    else if (minor === 1) modifiedImpact = 7.52 * (miss - 0.029) - 3.25 * Math.pow(miss * 0.9731 - 0.02, 13);
    else modifiedImpact = 7.52 * (miss - 0.029) - 3.25 * Math.pow(miss - 0.02, 15);
    const modifiedExploitability =
      8.22 * W3_AV[mod3(m, 'AV')] * W3_AC[mod3(m, 'AC')] * (ms === 'U' ? W3_PR_U : W3_PR_C)[mod3(m, 'PR')] * W3_UI[mod3(m, 'UI')];
    if (modifiedImpact <= 0) return 0;
    const inner = ms === 'U' ? Math.min(modifiedImpact + modifiedExploitability, 10) : Math.min(1.08 * (modifiedImpact + modifiedExploitability), 10);
    return roundUp(roundUp(inner) * e * rl * rc);
  }

  const iss = 1 - (1 - W3_CIA[m.C]) * (1 - W3_CIA[m.I]) * (1 - W3_CIA[m.A]);
  const impact = scope === 'U' ? 6.42 * iss : 7.52 * (iss - 0.029) - 3.25 * Math.pow(iss - 0.02, 15);
  const exploitability = 8.22 * W3_AV[m.AV] * W3_AC[m.AC] * (scope === 'U' ? W3_PR_U : W3_PR_C)[m.PR] * W3_UI[m.UI];
  let base: number;
  if (impact <= 0) base = 0;
  else if (scope === 'U') base = roundUp(Math.min(exploitability + impact, 10));
  else base = roundUp(Math.min(1.08 * (exploitability + impact), 10));

  if (defined(m, V3_TEMPORAL, 'X')) return roundUp(base * e * rl * rc);
  return base;
}

// ---------------------------------------------------------------------------------------------------------------
// v2.0

const W2_AV: Record<string, number> = { L: 0.395, A: 0.646, N: 1.0 };
const W2_AC: Record<string, number> = { H: 0.35, M: 0.61, L: 0.71 };
const W2_AU: Record<string, number> = { M: 0.45, S: 0.56, N: 0.704 };
const W2_CIA: Record<string, number> = { N: 0, P: 0.275, C: 0.66 };
const W2_E: Record<string, number> = { U: 0.85, POC: 0.9, F: 0.95, H: 1, ND: 1 };
const W2_RL: Record<string, number> = { OF: 0.87, TF: 0.9, W: 0.95, U: 1, ND: 1 };
const W2_RC: Record<string, number> = { UC: 0.9, UR: 0.95, C: 1, ND: 1 };
const W2_CDP: Record<string, number> = { N: 0, L: 0.1, LM: 0.3, MH: 0.4, H: 0.5, ND: 0 };
const W2_TD: Record<string, number> = { N: 0, L: 0.25, M: 0.75, H: 1, ND: 1 };
const W2_REQ: Record<string, number> = { L: 0.5, M: 1, H: 1.51, ND: 1 };

/**
 * round_to_1_decimal of the v2 guide, half up, as exact decimal arithmetic rounds: the value is first brought to
 * nine decimals (shedding binary noise such as 8.549999999999999), then a tie goes up.
 */
function round2(x: number): number {
  const n = Math.round(x * 1e9);
  return Math.floor((n + 5e7) / 1e8) / 10;
}

function score2(m: Record<string, string>): number {
  const av = W2_AV[m.AV];
  const ac = W2_AC[m.AC];
  const au = W2_AU[m.Au];
  const exploitability = 20 * av * ac * au;
  const baseWith = (impact: number): number => round2((0.6 * impact + 0.4 * exploitability - 1.5) * (impact === 0 ? 0 : 1.176));
  const e = W2_E[m.E ?? 'ND'];
  const rl = W2_RL[m.RL ?? 'ND'];
  const rc = W2_RC[m.RC ?? 'ND'];
  const c = W2_CIA[m.C];
  const i = W2_CIA[m.I];
  const a = W2_CIA[m.A];

  if (defined(m, V2_ENVIRONMENTAL, 'ND')) {
    const adjustedImpact = Math.min(10, 10.41 * (1 - (1 - c * W2_REQ[m.CR ?? 'ND']) * (1 - i * W2_REQ[m.IR ?? 'ND']) * (1 - a * W2_REQ[m.AR ?? 'ND'])));
    const adjustedTemporal = round2(baseWith(adjustedImpact) * e * rl * rc);
    const env = round2((adjustedTemporal + (10 - adjustedTemporal) * W2_CDP[m.CDP ?? 'ND']) * W2_TD[m.TD ?? 'ND']);
    return Math.max(0, env);
  }
  const base = Math.max(0, baseWith(10.41 * (1 - (1 - c) * (1 - i) * (1 - a))));
  if (defined(m, V2_TEMPORAL, 'ND')) return Math.max(0, round2(base * e * rl * rc));
  return base;
}

// ---------------------------------------------------------------------------------------------------------------
// v4.0 — data tables transcribed from the reference calculator, RedHatProductSecurity/cvss-v4-calculator
// cvss40.js @ 7faaaa5662d7c94e160c1193c96a970ced773301 (CVSS40.LOOKUP_TABLE, MAX_COMPOSED, MAX_SEVERITY and
// METRIC_LEVELS; identical to src/cvss/cvss_lookup.js, max_composed.js, max_severity.js @ b0c4b8fe…). These tables
// are the specification's data (v4.0 spec section 8); BSD-2-Clause, Copyright FIRST, Red Hat, and contributors.

/** Score of each MacroVector (EQ1…EQ6 levels as a six-digit key). */
const LOOKUP_TABLE: Readonly<Record<string, number>> = {
  '000000': 10, '000001': 9.9, '000010': 9.8, '000011': 9.5, '000020': 9.5, '000021': 9.2,
  '000100': 10, '000101': 9.6, '000110': 9.3, '000111': 8.7, '000120': 9.1, '000121': 8.1,
  '000200': 9.3, '000201': 9, '000210': 8.9, '000211': 8, '000220': 8.1, '000221': 6.8,
  '001000': 9.8, '001001': 9.5, '001010': 9.5, '001011': 9.2, '001020': 9, '001021': 8.4,
  '001100': 9.3, '001101': 9.2, '001110': 8.9, '001111': 8.1, '001120': 8.1, '001121': 6.5,
  '001200': 8.8, '001201': 8, '001210': 7.8, '001211': 7, '001220': 6.9, '001221': 4.8,
  '002001': 9.2, '002011': 8.2, '002021': 7.2, '002101': 7.9, '002111': 6.9, '002121': 5,
  '002201': 6.9, '002211': 5.5, '002221': 2.7,
  '010000': 9.9, '010001': 9.7, '010010': 9.5, '010011': 9.2, '010020': 9.2, '010021': 8.5,
  '010100': 9.5, '010101': 9.1, '010110': 9, '010111': 8.3, '010120': 8.4, '010121': 7.1,
  '010200': 9.2, '010201': 8.1, '010210': 8.2, '010211': 7.1, '010220': 7.2, '010221': 5.3,
  '011000': 9.5, '011001': 9.3, '011010': 9.2, '011011': 8.5, '011020': 8.5, '011021': 7.3,
  '011100': 9.2, '011101': 8.2, '011110': 8, '011111': 7.2, '011120': 7, '011121': 5.9,
  '011200': 8.4, '011201': 7, '011210': 7.1, '011211': 5.2, '011220': 5, '011221': 3,
  '012001': 8.6, '012011': 7.5, '012021': 5.2, '012101': 7.1, '012111': 5.2, '012121': 2.9,
  '012201': 6.3, '012211': 2.9, '012221': 1.7,
  '100000': 9.8, '100001': 9.5, '100010': 9.4, '100011': 8.7, '100020': 9.1, '100021': 8.1,
  '100100': 9.4, '100101': 8.9, '100110': 8.6, '100111': 7.4, '100120': 7.7, '100121': 6.4,
  '100200': 8.7, '100201': 7.5, '100210': 7.4, '100211': 6.3, '100220': 6.3, '100221': 4.9,
  '101000': 9.4, '101001': 8.9, '101010': 8.8, '101011': 7.7, '101020': 7.6, '101021': 6.7,
  '101100': 8.6, '101101': 7.6, '101110': 7.4, '101111': 5.8, '101120': 5.9, '101121': 5,
  '101200': 7.2, '101201': 5.7, '101210': 5.7, '101211': 5.2, '101220': 5.2, '101221': 2.5,
  '102001': 8.3, '102011': 7, '102021': 5.4, '102101': 6.5, '102111': 5.8, '102121': 2.6,
  '102201': 5.3, '102211': 2.1, '102221': 1.3,
  '110000': 9.5, '110001': 9, '110010': 8.8, '110011': 7.6, '110020': 7.6, '110021': 7,
  '110100': 9, '110101': 7.7, '110110': 7.5, '110111': 6.2, '110120': 6.1, '110121': 5.3,
  '110200': 7.7, '110201': 6.6, '110210': 6.8, '110211': 5.9, '110220': 5.2, '110221': 3,
  '111000': 8.9, '111001': 7.8, '111010': 7.6, '111011': 6.7, '111020': 6.2, '111021': 5.8,
  '111100': 7.4, '111101': 5.9, '111110': 5.7, '111111': 5.7, '111120': 4.7, '111121': 2.3,
  '111200': 6.1, '111201': 5.2, '111210': 5.7, '111211': 2.9, '111220': 2.4, '111221': 1.6,
  '112001': 7.1, '112011': 5.9, '112021': 3, '112101': 5.8, '112111': 2.6, '112121': 1.5,
  '112201': 2.3, '112211': 1.3, '112221': 0.6,
  '200000': 9.3, '200001': 8.7, '200010': 8.6, '200011': 7.2, '200020': 7.5, '200021': 5.8,
  '200100': 8.6, '200101': 7.4, '200110': 7.4, '200111': 6.1, '200120': 5.6, '200121': 3.4,
  '200200': 7, '200201': 5.4, '200210': 5.2, '200211': 4, '200220': 4, '200221': 2.2,
  '201000': 8.5, '201001': 7.5, '201010': 7.4, '201011': 5.5, '201020': 6.2, '201021': 5.1,
  '201100': 7.2, '201101': 5.7, '201110': 5.5, '201111': 4.1, '201120': 4.6, '201121': 1.9,
  '201200': 5.3, '201201': 3.6, '201210': 3.4, '201211': 1.9, '201220': 1.9, '201221': 0.8,
  '202001': 6.4, '202011': 5.1, '202021': 2, '202101': 4.7, '202111': 2.1, '202121': 1.1,
  '202201': 2.4, '202211': 0.9, '202221': 0.4,
  '210000': 8.8, '210001': 7.5, '210010': 7.3, '210011': 5.3, '210020': 6, '210021': 5,
  '210100': 7.3, '210101': 5.5, '210110': 5.9, '210111': 4, '210120': 4.1, '210121': 2,
  '210200': 5.4, '210201': 4.3, '210210': 4.5, '210211': 2.2, '210220': 2, '210221': 1.1,
  '211000': 7.5, '211001': 5.5, '211010': 5.8, '211011': 4.5, '211020': 4, '211021': 2.1,
  '211100': 6.1, '211101': 5.1, '211110': 4.8, '211111': 1.8, '211120': 2, '211121': 0.9,
  '211200': 4.6, '211201': 1.8, '211210': 1.7, '211211': 0.7, '211220': 0.8, '211221': 0.2,
  '212001': 5.3, '212011': 2.4, '212021': 1.4, '212101': 2.4, '212111': 1.2, '212121': 0.5,
  '212201': 1, '212211': 0.3, '212221': 0.1,
};

/** Highest-severity vectors of each EQ level (EQ3 and EQ6 together: eq3 level → eq6 level → vectors). */
const MAX_COMPOSED = {
  eq1: { 0: ['AV:N/PR:N/UI:N/'], 1: ['AV:A/PR:N/UI:N/', 'AV:N/PR:L/UI:N/', 'AV:N/PR:N/UI:P/'], 2: ['AV:P/PR:N/UI:N/', 'AV:A/PR:L/UI:P/'] },
  eq2: { 0: ['AC:L/AT:N/'], 1: ['AC:H/AT:N/', 'AC:L/AT:P/'] },
  eq3: {
    0: { 0: ['VC:H/VI:H/VA:H/CR:H/IR:H/AR:H/'], 1: ['VC:H/VI:H/VA:L/CR:M/IR:M/AR:H/', 'VC:H/VI:H/VA:H/CR:M/IR:M/AR:M/'] },
    1: {
      0: ['VC:L/VI:H/VA:H/CR:H/IR:H/AR:H/', 'VC:H/VI:L/VA:H/CR:H/IR:H/AR:H/'],
      1: ['VC:L/VI:H/VA:L/CR:H/IR:M/AR:H/', 'VC:L/VI:H/VA:H/CR:H/IR:M/AR:M/', 'VC:H/VI:L/VA:H/CR:M/IR:H/AR:M/', 'VC:H/VI:L/VA:L/CR:M/IR:H/AR:H/', 'VC:L/VI:L/VA:H/CR:H/IR:H/AR:M/'],
    },
    2: { 1: ['VC:L/VI:L/VA:L/CR:H/IR:H/AR:H/'] },
  },
  eq4: { 0: ['SC:H/SI:S/SA:S/'], 1: ['SC:H/SI:H/SA:H/'], 2: ['SC:L/SI:L/SA:L/'] },
} as const;

/** Max severity distances in the EQ MacroVectors (+1), in steps of 0.1. */
const MAX_SEVERITY = {
  eq1: [1, 4, 5],
  eq2: [1, 2],
  eq3eq6: [[7, 6], [8, 8], [NaN, 10]],
  eq4: [6, 5, 4],
} as const;

/** Index of each metric value, used for the severity distance to a highest-severity vector. */
const LEVELS: Readonly<Record<string, Readonly<Record<string, number>>>> = {
  AV: { N: 0.0, A: 0.1, L: 0.2, P: 0.3 },
  PR: { N: 0.0, L: 0.1, H: 0.2 },
  UI: { N: 0.0, P: 0.1, A: 0.2 },
  AC: { L: 0.0, H: 0.1 },
  AT: { N: 0.0, P: 0.1 },
  VC: { H: 0.0, L: 0.1, N: 0.2 },
  VI: { H: 0.0, L: 0.1, N: 0.2 },
  VA: { H: 0.0, L: 0.1, N: 0.2 },
  SC: { H: 0.1, L: 0.2, N: 0.3 },
  SI: { S: 0.0, H: 0.1, L: 0.2, N: 0.3 },
  SA: { S: 0.0, H: 0.1, L: 0.2, N: 0.3 },
  CR: { H: 0.0, M: 0.1, L: 0.2 },
  IR: { H: 0.0, M: 0.1, L: 0.2 },
  AR: { H: 0.0, M: 0.1, L: 0.2 },
};

const STEP = 0.1;
/** The reference's final-rounding lift (cvss40.js roundToDecimalPlaces). */
const EPSILON = Math.pow(10, -6);

/** LOOKUP_TABLE as a flat array indexed by the EQ levels; NaN where no MacroVector exists. */
const LOOKUP = new Float64Array(3 * 2 * 3 * 3 * 3 * 2).fill(NaN);
function lookupIndex(e1: number, e2: number, e3: number, e4: number, e5: number, e6: number): number {
  return ((((e1 * 2 + e2) * 3 + e3) * 3 + e4) * 3 + e5) * 2 + e6;
}
for (const [key, value] of Object.entries(LOOKUP_TABLE)) {
  const d = Array.from(key, Number);
  LOOKUP[lookupIndex(d[0], d[1], d[2], d[3], d[4], d[5])] = value;
}
/** Score of a MacroVector, NaN when it does not exist (as `LOOKUP_TABLE[key]` is undefined in the reference). */
function macroScore(e1: number, e2: number, e3: number, e4: number, e5: number, e6: number): number {
  if (e1 > 2 || e2 > 1 || e3 > 2 || e4 > 2 || e5 > 2 || e6 > 1) return NaN;
  return LOOKUP[lookupIndex(e1, e2, e3, e4, e5, e6)];
}

/** A highest-severity vector fragment as the levels of its metrics, in the fragment's metric order. */
function levelsOf(fragment: string): number[] {
  const out: number[] = [];
  for (const part of fragment.split('/')) {
    if (part === '') continue;
    const [k, v] = part.split(':');
    out.push(LEVELS[k][v]);
  }
  return out;
}
const MAX1: readonly (readonly number[][])[] = [0, 1, 2].map((l) => MAX_COMPOSED.eq1[l as 0 | 1 | 2].map(levelsOf));
const MAX2: readonly (readonly number[][])[] = [0, 1].map((l) => MAX_COMPOSED.eq2[l as 0 | 1].map(levelsOf));
const MAX36: readonly (readonly (readonly number[][])[])[] = [
  [MAX_COMPOSED.eq3[0][0].map(levelsOf), MAX_COMPOSED.eq3[0][1].map(levelsOf)],
  [MAX_COMPOSED.eq3[1][0].map(levelsOf), MAX_COMPOSED.eq3[1][1].map(levelsOf)],
  [[], MAX_COMPOSED.eq3[2][1].map(levelsOf)],
];
const MAX4: readonly (readonly number[][])[] = [0, 1, 2].map((l) => MAX_COMPOSED.eq4[l as 0 | 1 | 2].map(levelsOf));

/** The value a v4 metric takes in the score: the modified metric when defined, else the base metric. */
function mod4(m: Record<string, string>, key: string, modified: string): string {
  const v = m[modified];
  return v === undefined || v === 'X' ? m[key] : v;
}
function req4(v: string | undefined): string {
  return v === undefined || v === 'X' ? 'H' : v;
}

function score4(m: Record<string, string>): number {
  const AV = mod4(m, 'AV', 'MAV');
  const AC = mod4(m, 'AC', 'MAC');
  const AT = mod4(m, 'AT', 'MAT');
  const PR = mod4(m, 'PR', 'MPR');
  const UI = mod4(m, 'UI', 'MUI');
  const VC = mod4(m, 'VC', 'MVC');
  const VI = mod4(m, 'VI', 'MVI');
  const VA = mod4(m, 'VA', 'MVA');
  const SC = mod4(m, 'SC', 'MSC');
  const SI = mod4(m, 'SI', 'MSI');
  const SA = mod4(m, 'SA', 'MSA');
  const MSI = m.MSI ?? 'X';
  const MSA = m.MSA ?? 'X';
  const E = m.E === undefined || m.E === 'X' ? 'A' : m.E;
  const CR = req4(m.CR);
  const IR = req4(m.IR);
  const AR = req4(m.AR);

  // No impact on the vulnerable or subsequent systems.
  if (VC === 'N' && VI === 'N' && VA === 'N' && SC === 'N' && SI === 'N' && SA === 'N') return 0;

  // MacroVector (spec tables 24–29).
  const eq1 = AV === 'N' && PR === 'N' && UI === 'N' ? 0 : (AV === 'N' || PR === 'N' || UI === 'N') && AV !== 'P' ? 1 : 2;
  const eq2 = AC === 'L' && AT === 'N' ? 0 : 1;
  const eq3 = VC === 'H' && VI === 'H' ? 0 : VC === 'H' || VI === 'H' || VA === 'H' ? 1 : 2;
  const eq4 = MSI === 'S' || MSA === 'S' ? 0 : SC === 'H' || SI === 'H' || SA === 'H' ? 1 : 2;
  const eq5 = E === 'A' ? 0 : E === 'P' ? 1 : 2;
  const eq6 = (CR === 'H' && VC === 'H') || (IR === 'H' && VI === 'H') || (AR === 'H' && VA === 'H') ? 0 : 1;

  const value = macroScore(eq1, eq2, eq3, eq4, eq5, eq6);

  // Scores of the next lower MacroVectors (NaN where none exists).
  const lower1 = macroScore(eq1 + 1, eq2, eq3, eq4, eq5, eq6);
  const lower2 = macroScore(eq1, eq2 + 1, eq3, eq4, eq5, eq6);
  let lower36: number;
  if (eq3 === 1 && eq6 === 1) lower36 = macroScore(eq1, eq2, eq3 + 1, eq4, eq5, eq6);
  else if (eq3 === 0 && eq6 === 1) lower36 = macroScore(eq1, eq2, eq3 + 1, eq4, eq5, eq6);
  else if (eq3 === 1 && eq6 === 0) lower36 = macroScore(eq1, eq2, eq3, eq4, eq5, eq6 + 1);
  else if (eq3 === 0 && eq6 === 0) lower36 = Math.max(macroScore(eq1, eq2, eq3, eq4, eq5, eq6 + 1), macroScore(eq1, eq2, eq3 + 1, eq4, eq5, eq6));
  else lower36 = macroScore(eq1, eq2, eq3 + 1, eq4, eq5, eq6 + 1);
  const lower4 = macroScore(eq1, eq2, eq3, eq4 + 1, eq5, eq6);
  const lower5 = macroScore(eq1, eq2, eq3, eq4, eq5 + 1, eq6);

  const lAV = LEVELS.AV[AV], lPR = LEVELS.PR[PR], lUI = LEVELS.UI[UI];
  const lAC = LEVELS.AC[AC], lAT = LEVELS.AT[AT];
  const lVC = LEVELS.VC[VC], lVI = LEVELS.VI[VI], lVA = LEVELS.VA[VA];
  const lSC = LEVELS.SC[SC], lSI = LEVELS.SI[SI], lSA = LEVELS.SA[SA];
  const lCR = LEVELS.CR[CR], lIR = LEVELS.IR[IR], lAR = LEVELS.AR[AR];

  // Severity distance to the first highest-severity vector of this MacroVector that the vector does not exceed
  // (the reference composes eq1 × eq2 × eq3eq6 × eq4 × eq5 in this order; if none fits it keeps the last one).
  let dAV = 0, dPR = 0, dUI = 0, dAC = 0, dAT = 0, dVC = 0, dVI = 0, dVA = 0, dSC = 0, dSI = 0, dSA = 0, dCR = 0, dIR = 0, dAR = 0;
  const maxes1 = MAX1[eq1], maxes2 = MAX2[eq2], maxes36 = MAX36[eq3][eq6], maxes4 = MAX4[eq4];
  search: for (const x1 of maxes1) {
    for (const x2 of maxes2) {
      for (const x3 of maxes36) {
        for (const x4 of maxes4) {
          dAV = lAV - x1[0]; dPR = lPR - x1[1]; dUI = lUI - x1[2];
          dAC = lAC - x2[0]; dAT = lAT - x2[1];
          dVC = lVC - x3[0]; dVI = lVI - x3[1]; dVA = lVA - x3[2]; dCR = lCR - x3[3]; dIR = lIR - x3[4]; dAR = lAR - x3[5];
          dSC = lSC - x4[0]; dSI = lSI - x4[1]; dSA = lSA - x4[2];
          // (E's distance is always 0: EQ5's highest vector is the vector's own E.)
          if (dAV >= 0 && dPR >= 0 && dUI >= 0 && dAC >= 0 && dAT >= 0 && dVC >= 0 && dVI >= 0 && dVA >= 0 &&
              dSC >= 0 && dSI >= 0 && dSA >= 0 && dCR >= 0 && dIR >= 0 && dAR >= 0) break search;
        }
      }
    }
  }
  const current1 = dAV + dPR + dUI;
  const current2 = dAC + dAT;
  const current36 = dVC + dVI + dVA + dCR + dIR + dAR;
  const current4 = dSC + dSI + dSA;

  // Maximal scoring differences; NaN where there is no lower MacroVector, then left out of the mean.
  const available1 = value - lower1;
  const available2 = value - lower2;
  const available36 = value - lower36;
  const available4 = value - lower4;
  const available5 = value - lower5;

  let n = 0;
  let normalized1 = 0, normalized2 = 0, normalized36 = 0, normalized4 = 0, normalized5 = 0;
  if (!Number.isNaN(available1)) {
    n++;
    normalized1 = available1 * (current1 / (MAX_SEVERITY.eq1[eq1] * STEP));
  }
  if (!Number.isNaN(available2)) {
    n++;
    normalized2 = available2 * (current2 / (MAX_SEVERITY.eq2[eq2] * STEP));
  }
  if (!Number.isNaN(available36)) {
    n++;
    normalized36 = available36 * (current36 / (MAX_SEVERITY.eq3eq6[eq3][eq6] * STEP));
  }
  if (!Number.isNaN(available4)) {
    n++;
    normalized4 = available4 * (current4 / (MAX_SEVERITY.eq4[eq4] * STEP));
  }
  if (!Number.isNaN(available5)) {
    // EQ5's proportion is always 0.
    n++;
    normalized5 = available5 * 0;
  }
  const mean = n === 0 ? 0 : (normalized1 + normalized2 + normalized36 + normalized4 + normalized5) / n;
  return Math.round((Math.max(0, Math.min(10, value - mean)) + EPSILON) * 10) / 10;
}

/**
 * CVSS v4.0 nomenclature of a v4 vector: CVSS-B (base only), CVSS-BT (threat), CVSS-BE (environmental),
 * CVSS-BTE (both). undefined for anything that is not a valid v4.0 vector.
 */
export function cvssNomenclature(vector: string): 'CVSS-B' | 'CVSS-BT' | 'CVSS-BE' | 'CVSS-BTE' | undefined {
  const parsed = parseCvss(vector);
  if (parsed === undefined || parsed.version !== '4.0') return undefined;
  const t = defined(parsed.metrics, ['E'], 'X');
  const e = defined(parsed.metrics, V4_ENVIRONMENTAL, 'X');
  return t ? (e ? 'CVSS-BTE' : 'CVSS-BT') : e ? 'CVSS-BE' : 'CVSS-B';
}

// ---------------------------------------------------------------------------------------------------------------
// Scoring entry point, cached by vector string.

interface Computed {
  version: CvssVersion;
  score: number;
  severity: VulnSeverity;
}

const CACHE_LIMIT = 50_000;
const cache = new Map<string, Computed | null>();

function compute(vector: string): Computed | null {
  const parsed = parse(vector);
  if (parsed === undefined) return null;
  const { version, metrics } = parsed;
  let score: number;
  switch (version) {
    case '4.0':
      score = score4(metrics);
      break;
    case '3.1':
      score = score3(metrics, 1);
      break;
    case '3.0':
      score = score3(metrics, 0);
      break;
    default:
      score = score2(metrics);
  }
  if (!Number.isFinite(score)) return null;
  return { version, score, severity: severityOf(score, version) };
}

/**
 * The score of a CVSS vector (see the module comment for which score each version yields) with its qualitative
 * severity, or undefined when the vector is not valid. Results are cached by vector string.
 */
export function scoreCvss(vector: string): CvssScore | undefined {
  if (typeof vector !== 'string') return undefined;
  const key = vector.trim();
  let hit = cache.get(key);
  if (hit === undefined) {
    try {
      hit = compute(key);
    } catch {
      hit = null;
    }
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(key, hit);
  }
  return hit === null ? undefined : { version: hit.version, vector: key, score: hit.score, severity: hit.severity };
}

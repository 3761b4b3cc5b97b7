/**
 * OSV records (ossf/osv-schema, docs/schema.md, schema 1.x): parsing, checking, and the evaluation
 * algorithm ("Evaluation" section, `IsVulnerable`) that decides whether a package version is affected.
 *
 * Checking follows the schema's requirements plus the offline checks of the OSV linter
 * (ossf/osv-schema tools/osv-linter: every range has an `introduced` event; a range's introduced values
 * differ from its fixed/last_affected values). A record is REJECTED (not indexed) when it cannot be used
 * at all — not JSON/YAML, not an object, no `id`, no `affected` entry that names a package. Everything
 * else is a WARNING: the record is indexed and the problem is reported with the record's file.
 */
import yaml from 'js-yaml';
import type { VersionScheme } from './versions/index.js';

export interface OsvEvent {
  introduced?: string;
  fixed?: string;
  last_affected?: string;
  limit?: string;
}

export interface OsvRange {
  type: string;
  repo?: string;
  events: OsvEvent[];
  database_specific?: unknown;
}

export interface OsvSeverity {
  type: string;
  score: string;
}

export interface OsvPackageRef {
  ecosystem: string;
  name: string;
  purl?: string;
}

export interface OsvAffected {
  package?: OsvPackageRef;
  severity?: OsvSeverity[];
  ranges?: OsvRange[];
  versions?: string[];
  ecosystem_specific?: unknown;
  database_specific?: unknown;
}

export interface OsvReference {
  type: string;
  url: string;
}

export interface OsvRecord {
  schema_version?: string;
  id: string;
  modified: string;
  published?: string;
  withdrawn?: string;
  aliases?: string[];
  upstream?: string[];
  related?: string[];
  summary?: string;
  details?: string;
  severity?: OsvSeverity[];
  affected?: OsvAffected[];
  references?: OsvReference[];
  credits?: unknown[];
  database_specific?: Record<string, unknown>;
  [k: string]: unknown;
}

export interface OsvCheck {
  /** Present when the record can be indexed. */
  record?: OsvRecord;
  /** Why the record cannot be used (set when record is undefined). */
  error?: string;
  /** Problems that do not stop indexing. */
  warnings: string[];
}

/** YAML as OSV sources write it (PyPA): every scalar a string except null/true/false, so "1.10" stays "1.10". */
const yamlTypes = (yaml as unknown as { types: Record<'null' | 'bool', yaml.Type> }).types; // present at runtime, missing from @types/js-yaml
const OSV_YAML_SCHEMA = yaml.FAILSAFE_SCHEMA.extend({ implicit: [yamlTypes.null, yamlTypes.bool] });

/** Parses JSON or YAML text (chosen by the file name; JSON when it ends in .json). Throws on bad syntax. */
export function parseOsvText(text: string, fileName: string): unknown {
  if (/\.ya?ml$/i.test(fileName)) return yaml.load(text, { schema: OSV_YAML_SCHEMA, filename: fileName });
  return JSON.parse(text);
}

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
const isStringArray = (x: unknown): x is string[] => Array.isArray(x) && x.every((s) => typeof s === 'string');
const EVENT_KEYS = ['introduced', 'fixed', 'last_affected', 'limit'] as const;

/**
 * Checks a parsed value against what the index needs from an OSV record. The returned record is the
 * input object itself (no copy); malformed optional parts are dropped from it with a warning.
 */
export function checkOsvRecord(value: unknown): OsvCheck {
  const warnings: string[] = [];
  if (!isObject(value)) return { error: 'not a JSON object', warnings };
  const id = value.id;
  if (typeof id !== 'string' || id.trim() === '') return { error: "missing 'id'", warnings };
  const rec = value as OsvRecord;
  if (typeof rec.modified !== 'string') {
    warnings.push(`${id}: missing 'modified' (required by the schema)`);
    rec.modified = '';
  }
  for (const f of ['aliases', 'related', 'upstream'] as const) {
    if (rec[f] !== undefined && !isStringArray(rec[f])) {
      warnings.push(`${id}: '${f}' is not a list of strings; ignored`);
      delete rec[f];
    }
  }
  if (rec.severity !== undefined && !validSeverity(rec.severity)) {
    warnings.push(`${id}: 'severity' is malformed; ignored`);
    delete rec.severity;
  }
  if (rec.references !== undefined && !(Array.isArray(rec.references) && rec.references.every((r) => isObject(r) && typeof r.url === 'string'))) {
    warnings.push(`${id}: 'references' is malformed; ignored`);
    delete rec.references;
  }
  if (rec.withdrawn !== undefined) return { record: rec, warnings };
  const affected = rec.affected;
  if (affected === undefined || (Array.isArray(affected) && affected.length === 0)) return { error: `${id}: no 'affected' packages`, warnings };
  if (!Array.isArray(affected)) return { error: `${id}: 'affected' is not a list`, warnings };
  let usable = 0;
  affected.forEach((a, i) => {
    const where = `${id}: affected[${i}]`;
    if (!isObject(a)) {
      warnings.push(`${where} is not an object; ignored`);
      return;
    }
    const aff = a as OsvAffected;
    const pkg = aff.package as unknown;
    const hasPackage = isObject(pkg) && typeof pkg.ecosystem === 'string' && pkg.ecosystem !== '' && typeof pkg.name === 'string' && pkg.name !== '';
    if (pkg !== undefined && !hasPackage) warnings.push(`${where}.package needs 'ecosystem' and 'name'`);
    if (aff.versions !== undefined && !isStringArray(aff.versions)) {
      warnings.push(`${where}.versions is not a list of strings; ignored`);
      delete aff.versions;
    }
    if (aff.severity !== undefined && !validSeverity(aff.severity)) {
      warnings.push(`${where}.severity is malformed; ignored`);
      delete aff.severity;
    }
    if (aff.ranges !== undefined) {
      if (!Array.isArray(aff.ranges)) {
        warnings.push(`${where}.ranges is not a list; ignored`);
        delete aff.ranges;
      } else {
        aff.ranges = aff.ranges.filter((r, j) => checkRange(r, `${where}.ranges[${j}]`, hasPackage, warnings));
      }
    }
    if (hasPackage) usable++;
    else if (!pkg) {
      const types = (aff.ranges ?? []).map((r) => r.type);
      warnings.push(`${where} has no package${types.length > 0 && types.every((t) => t === 'GIT') ? ' (GIT ranges only: commit ranges cannot be matched to package versions)' : ''}; ignored`);
    }
  });
  if (usable === 0) return { error: `${id}: no 'affected' entry names a package (ecosystem and name)`, warnings };
  return { record: rec, warnings };
}

function validSeverity(x: unknown): x is OsvSeverity[] {
  return Array.isArray(x) && x.every((s) => isObject(s) && typeof s.type === 'string' && typeof s.score === 'string');
}

/** Keeps a range (returns true) unless it is unusable; reports what the schema and linter object to. */
function checkRange(r: unknown, where: string, hasPackage: boolean, warnings: string[]): boolean {
  if (!isObject(r) || typeof r.type !== 'string' || !Array.isArray(r.events)) {
    warnings.push(`${where} needs 'type' and 'events'; ignored`);
    return false;
  }
  if (!hasPackage && r.type !== 'GIT') warnings.push(`${where}: range type ${r.type} without a package`);
  if (r.type === 'GIT' && typeof r.repo !== 'string') warnings.push(`${where}: GIT range without 'repo'`);
  let ok = true;
  const introduced: string[] = [];
  const ends: string[] = [];
  let fixed = false;
  let lastAffected = false;
  for (const [k, e] of r.events.entries()) {
    const keys = isObject(e) ? Object.keys(e).filter((x) => (EVENT_KEYS as readonly string[]).includes(x)) : [];
    if (!isObject(e) || keys.length !== 1 || typeof e[keys[0]!] !== 'string') {
      warnings.push(`${where}.events[${k}] must have exactly one of introduced/fixed/last_affected/limit (a string)`);
      ok = false;
      continue;
    }
    const key = keys[0]!;
    const val = e[key] as string;
    if (key === 'introduced') introduced.push(val);
    else if (key === 'fixed') {
      fixed = true;
      ends.push(val);
    } else if (key === 'last_affected') {
      lastAffected = true;
      ends.push(val);
    }
  }
  if (!ok) return false;
  if (introduced.length === 0) {
    // Linter check "introduced-event-exists": without one, no version can be in the range.
    warnings.push(`${where}: no 'introduced' event (the schema requires at least one); the range cannot match`);
    return false;
  }
  const same = introduced.filter((v) => ends.includes(v));
  if (same.length > 0) warnings.push(`${where}: range is not distinct: ${same.map((v) => `'${v}'`).join(', ')} both introduced and fixed/last_affected`);
  if (fixed && lastAffected) warnings.push(`${where}: has both 'fixed' and 'last_affected' events (the schema allows one kind)`);
  return true;
}

// ───────────────────────────── evaluation ─────────────────────────────

/** `v < limit` for BeforeLimits ('*' is infinity). */
function belowLimit(v: string, limit: string, scheme: VersionScheme): boolean {
  return limit.includes('*') || scheme.compare(v, limit) < 0;
}

const INTRODUCED = 0;
const FIXED = 1;
const LAST_AFFECTED = 2;

/**
 * The schema's IncludedInRanges for ONE range: BeforeLimits, then the walk over the events sorted by
 * version (introduced ≤ v → vulnerable; fixed ≤ v → not; last_affected < v → not).
 *
 * Every step of that walk overwrites the state, so the state it ends with is the one set by the LAST
 * applicable event in sorted order — the greatest applicable event, and among equal versions the later
 * one in the record (the order a stable sort keeps). That is computed here without sorting: one
 * comparison with `v` per event, one more per applicable event. `introduced: "0"` sorts before every
 * version; the test suite checks this against a literal transcription of the pseudo-code.
 */
export function rangeContains(range: OsvRange, version: string, scheme: VersionScheme): boolean {
  const events = range.events;
  let limited = false;
  let before = false;
  for (const e of events) {
    if (e.limit !== undefined) {
      limited = true;
      if (!before && belowLimit(version, e.limit, scheme)) before = true;
    }
  }
  if (limited && !before) return false;
  let bestKind = -1;
  let bestV = '';
  let bestZero = false;
  for (const e of events) {
    let kind: number;
    let ev: string;
    if (e.introduced !== undefined) (kind = INTRODUCED), (ev = e.introduced);
    else if (e.fixed !== undefined) (kind = FIXED), (ev = e.fixed);
    else if (e.last_affected !== undefined) (kind = LAST_AFFECTED), (ev = e.last_affected);
    else continue;
    const zero = kind === INTRODUCED && ev === '0';
    if (!zero) {
      const c = scheme.compare(version, ev);
      if (kind === LAST_AFFECTED ? c <= 0 : c < 0) continue; // not applicable
    }
    if (bestKind >= 0) {
      // Keep the greater (in sorted order); on a tie the later event wins.
      const c = zero || bestZero ? (zero && bestZero ? 0 : zero ? -1 : 1) : scheme.compare(ev, bestV);
      if (c < 0) continue;
    }
    bestKind = kind;
    bestV = ev;
    bestZero = zero;
  }
  return bestKind === INTRODUCED;
}

export interface EvaluateOptions {
  /** Ordering for SEMVER-typed ranges when it differs from the ecosystem's (default: the ecosystem scheme). */
  semver?: VersionScheme;
}

export interface Evaluation {
  affected: boolean;
  /** How: inside a range (checked first), or else listed in `versions`. */
  via?: 'versions' | 'ranges';
  /** `fixed` events greater than the version in the ranges that contain it (else in all ranges, when matched by the list), ecosystem order. */
  fixed: readonly string[];
}

/**
 * The schema's IncludedInVersions: exact string equality (`v == version`). One normalisation only: a
 * leading "v" (Go module versions are written "v1.2.3" by SBOM tools and "1.2.3" in OSV). A scan under
 * the ecosystem's ordering would cost a comparison per listed version for every clean component, and
 * OSV lists the registry's own version strings, which is what an SBOM records.
 */
const NOT_AFFECTED: Evaluation = Object.freeze({ affected: false, fixed: Object.freeze([]) });

function inVersionList(list: readonly string[] | undefined, version: string): boolean {
  if (!list || list.length === 0) return false;
  if (list.includes(version)) return true;
  const c = version.charCodeAt(0);
  if (c === 118 /* v */ || c === 86 /* V */) return list.includes(version.slice(1));
  return list.includes('v' + version);
}

/**
 * The schema's evaluation for one `affected` entry (the package is assumed to match already):
 * listed in `versions` OR inside any non-GIT range. GIT ranges are ignored (commit graphs are not
 * package versions). Without a scheme only the `versions` list can be consulted.
 */
export function evaluateAffected(affected: OsvAffected, version: string, scheme: VersionScheme | undefined, opts: EvaluateOptions = {}): Evaluation {
  const ranges = affected.ranges ?? [];
  // Most evaluations say "not affected": decide that before allocating anything.
  let containing: OsvRange[] | undefined;
  for (const r of ranges) {
    if (r.type === 'GIT') continue;
    const s = r.type === 'SEMVER' ? (opts.semver ?? scheme) : scheme;
    if (s && rangeContains(r, version, s)) (containing ??= []).push(r);
  }
  const listed = containing === undefined && inVersionList(affected.versions, version);
  if (!listed && containing === undefined) return NOT_AFFECTED;
  // Fixed versions: from the ranges that contain the version — or, matched by the list alone, from all usable ranges.
  const from = containing ?? ranges.filter((r) => r.type !== 'GIT' && (r.type === 'SEMVER' ? (opts.semver ?? scheme) : scheme) !== undefined);
  const fixed: string[] = [];
  for (const r of from) {
    const s = (r.type === 'SEMVER' ? (opts.semver ?? scheme) : scheme)!;
    for (const e of r.events) {
      if (e.fixed === undefined) continue;
      if (s.compare(e.fixed, version) <= 0) continue;
      if (!fixed.some((f) => s.compare(f, e.fixed!) === 0)) fixed.push(e.fixed);
    }
  }
  const order = scheme ?? opts.semver;
  if (order && fixed.length > 1) fixed.sort((a, b) => order.compare(a, b));
  return { affected: true, via: listed ? 'versions' : 'ranges', fixed };
}

/** IsVulnerable for one affected entry: in its versions list or in one of its (non-GIT) ranges. */
export function isAffected(affected: OsvAffected, version: string, scheme: VersionScheme | undefined, opts: EvaluateOptions = {}): boolean {
  return evaluateAffected(affected, version, scheme, opts).affected;
}

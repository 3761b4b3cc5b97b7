/**
 * CRA vulnerability cases: pure functions over a Case and its event list (persistence is elsewhere).
 *
 * States: new → triaged (affected | not_affected with a justification | under_investigation) → fix_available →
 * fix_released → closed. Every change is an event with who, when, why; a function never mutates its input.
 *
 * Reporting (regulations.md §1.2, Art. 14): a case marked actively exploited (from KEV or by hand) starts the
 * vulnerability clocks at awareness; a case marked as a severe incident starts the incident clocks. clocks.ts
 * computes the deadlines from the events recorded here.
 */
import { allComponents, property, type Component, type Sbom } from '../supply/sbom/model.js';
import { LAYER_PROPERTY } from '../supply/sbom/merge.js';
import { parsePurl, purlKey } from '../supply/purl.js';
import type { CvssScore, VulnMatch, VulnSeverity } from '../supply/vuln/types.js';
import { ecosystemMatches, indexName, osvPackageOf } from '../supply/vuln/ecosystem.js';
import { evaluateAffected, type OsvRecord } from '../supply/vuln/osv.js';
import { schemeFor } from '../supply/vuln/versions/index.js';

export const CASE_STATES = ['new', 'under_investigation', 'affected', 'not_affected', 'fix_available', 'fix_released', 'closed'] as const;
export type CaseState = (typeof CASE_STATES)[number];

/** OpenVEX v0.2.0 justifications for not_affected (regulations.md §12.1); CSAF flags use the same labels (§12.2). */
export const JUSTIFICATIONS = [
  'component_not_present',
  'vulnerable_code_not_present',
  'vulnerable_code_not_in_execute_path',
  'vulnerable_code_cannot_be_controlled_by_adversary',
  'inline_mitigations_already_exist',
] as const;
export type Justification = (typeof JUSTIFICATIONS)[number];

/** Allowed transitions. closed → under_investigation is a reopen (new information). */
export const TRANSITIONS: Readonly<Record<CaseState, readonly CaseState[]>> = {
  new: ['under_investigation', 'affected', 'not_affected'],
  under_investigation: ['affected', 'not_affected'],
  affected: ['fix_available', 'not_affected', 'under_investigation'],
  not_affected: ['affected', 'under_investigation', 'closed'],
  fix_available: ['fix_released'],
  fix_released: ['closed'],
  closed: ['under_investigation'],
};

export interface Actor {
  by: string;
  /** ISO 8601 instant (UTC or with offset). */
  at: string;
  reason: string;
}

export type CaseEvent =
  | ({ type: 'opened'; source: CaseSource } & Actor)
  | ({ type: 'transition'; from: CaseState; to: CaseState; justification?: Justification; impactStatement?: string; actionStatement?: string; fixVersion?: string } & Actor)
  | ({ type: 'exploited'; source: 'kev' | 'manual'; kev?: VulnMatch['kev'] } & Actor)
  | ({ type: 'incident'; description?: string } & Actor)
  | ({ type: 'report'; stage: ReportStage; track: 'vulnerability' | 'incident'; reference?: string } & Actor);

export type ReportStage = 'early_warning' | 'notification' | 'final_report';

export type CaseSource =
  | { kind: 'match'; ecosystem: string; componentRef: string }
  | { kind: 'advisory'; format: 'osv' | 'csaf' | 'openvex' | 'cyclonedx'; id: string; file?: string }
  | { kind: 'manual' };

export interface CaseVulnerability {
  id: string;
  aliases: string[];
  summary?: string;
  severity: VulnSeverity;
  cvss?: CvssScore;
  references: string[];
  fixedVersions: string[];
}

export interface CaseTarget {
  layer?: string;
  component: string;
  componentRef?: string;
  purl?: string;
  /** The version the product bundles. */
  bundledVersion?: string;
  /** Whether the bundled version is affected: true/false, or 'unknown' until triage. */
  bundledAffected: boolean | 'unknown';
}

export interface Case {
  id: string;
  vulnerability: CaseVulnerability;
  target: CaseTarget;
  state: CaseState;
  justification?: Justification;
  impactStatement?: string;
  actionStatement?: string;
  /** Product version that ships the fix (fix_available / fix_released). */
  fixVersion?: string;
  openedAt: string;
  /** Awareness instant of active exploitation (starts the Art. 14(2) clocks). */
  exploitedAt?: string;
  /** Awareness instant of a severe incident (starts the Art. 14(4) clocks). */
  incidentAt?: string;
  events: CaseEvent[];
}

export class CaseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CaseError';
  }
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: string };

function checkActor(a: Partial<Actor>, last: string | undefined): string | undefined {
  if (typeof a.by !== 'string' || a.by.trim() === '') return 'who (by) is required';
  if (typeof a.reason !== 'string' || a.reason.trim() === '') return 'why (reason) is required';
  if (typeof a.at !== 'string' || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(a.at) || Number.isNaN(Date.parse(a.at))) {
    return `when (at) must be an ISO 8601 instant with a time zone, got ${JSON.stringify(a.at)}`;
  }
  if (last !== undefined && Date.parse(a.at) < Date.parse(last)) return `when (at) ${a.at} is before the case's last event (${last})`;
  return undefined;
}

const lastAt = (c: Case): string | undefined => c.events[c.events.length - 1]?.at;
const iso = (s: string): string => new Date(Date.parse(s)).toISOString();

export interface TransitionInput extends Actor {
  justification?: Justification;
  impactStatement?: string;
  actionStatement?: string;
  fixVersion?: string;
}

/** Why `from → to` is not allowed, or undefined when it is. */
export function transitionError(c: Case, to: CaseState, input: Partial<TransitionInput>): string | undefined {
  if (!(CASE_STATES as readonly string[]).includes(to)) return `unknown state ${JSON.stringify(to)}`;
  if (c.state === to) return `case ${c.id} is already ${to}`;
  const allowed = TRANSITIONS[c.state];
  if (!allowed.includes(to)) return `case ${c.id}: ${c.state} → ${to} is not allowed (from ${c.state}: ${allowed.join(', ') || 'none'})`;
  const a = checkActor(input, lastAt(c));
  if (a) return `case ${c.id}: ${a}`;
  if (to === 'not_affected') {
    if (input.justification === undefined && !input.impactStatement) {
      return `case ${c.id}: not_affected needs a justification (${JUSTIFICATIONS.join(', ')}) or an impact statement (regulations.md §12.1)`;
    }
    if (input.justification !== undefined && !(JUSTIFICATIONS as readonly string[]).includes(input.justification)) {
      return `case ${c.id}: unknown justification ${JSON.stringify(input.justification)} (expected ${JUSTIFICATIONS.join(', ')})`;
    }
  }
  if (to === 'closed' && c.state === 'not_affected' && c.exploitedAt) {
    return `case ${c.id}: an actively exploited case cannot be closed as not affected; re-triage it (affected or under_investigation) first`;
  }
  if ((to === 'fix_available' || to === 'fix_released') && !(input.fixVersion ?? c.fixVersion)) return `case ${c.id}: ${to} needs the fixed product version (fixVersion)`;
  return undefined;
}

/** Apply a transition; returns the new case or the reason it is not allowed. The input case is not changed. */
export function transition(c: Case, to: CaseState, input: TransitionInput): Result<Case> {
  const error = transitionError(c, to, input);
  if (error) return { ok: false, error };
  const ev: CaseEvent = { type: 'transition', from: c.state, to, by: input.by, at: iso(input.at), reason: input.reason };
  const next: Case = { ...c, state: to, events: [...c.events, ev] };
  if (input.justification !== undefined) ev.justification = input.justification;
  if (input.impactStatement) ev.impactStatement = input.impactStatement;
  if (input.actionStatement) ev.actionStatement = input.actionStatement;
  if (input.fixVersion) ev.fixVersion = input.fixVersion;
  if (to === 'not_affected') {
    next.target = { ...c.target, bundledAffected: false };
    if (input.justification !== undefined) next.justification = input.justification;
    else delete next.justification;
    if (input.impactStatement) next.impactStatement = input.impactStatement;
    else delete next.impactStatement;
  } else if (to === 'affected' || to === 'fix_available') {
    next.target = { ...c.target, bundledAffected: true };
    delete next.justification;
    delete next.impactStatement;
  } else if (to === 'under_investigation') {
    delete next.justification;
    delete next.impactStatement;
  }
  if (input.actionStatement) next.actionStatement = input.actionStatement;
  if (input.fixVersion) next.fixVersion = input.fixVersion;
  return { ok: true, value: next };
}

/** Mark the case actively exploited (KEV listing or by hand): awareness `at` starts the Art. 14(2) clocks. */
export function markExploited(c: Case, input: Actor & { source: 'kev' | 'manual'; kev?: VulnMatch['kev'] }): Result<Case> {
  if (c.exploitedAt) return { ok: false, error: `case ${c.id} is already marked actively exploited (aware since ${c.exploitedAt})` };
  const a = checkActor(input, lastAt(c));
  if (a) return { ok: false, error: `case ${c.id}: ${a}` };
  const ev: CaseEvent = { type: 'exploited', source: input.source, by: input.by, at: iso(input.at), reason: input.reason };
  if (input.kev) ev.kev = input.kev;
  return { ok: true, value: { ...c, exploitedAt: ev.at, events: [...c.events, ev] } };
}

/** Mark a severe incident affecting the product's security: awareness `at` starts the Art. 14(4) clocks. */
export function markIncident(c: Case, input: Actor & { description?: string }): Result<Case> {
  if (c.incidentAt) return { ok: false, error: `case ${c.id} is already a severe incident (aware since ${c.incidentAt})` };
  const a = checkActor(input, lastAt(c));
  if (a) return { ok: false, error: `case ${c.id}: ${a}` };
  const ev: CaseEvent = { type: 'incident', by: input.by, at: iso(input.at), reason: input.reason };
  if (input.description) ev.description = input.description;
  return { ok: true, value: { ...c, incidentAt: ev.at, events: [...c.events, ev] } };
}

/** Record that a report stage was submitted (to the CSIRT coordinator and ENISA, regulations.md §1.2). */
export function recordReport(c: Case, input: Actor & { track: 'vulnerability' | 'incident'; stage: ReportStage; reference?: string }): Result<Case> {
  if (input.track === 'vulnerability' && !c.exploitedAt) return { ok: false, error: `case ${c.id} is not marked actively exploited: no vulnerability report is due` };
  if (input.track === 'incident' && !c.incidentAt) return { ok: false, error: `case ${c.id} is not a severe incident: no incident report is due` };
  if (c.events.some((e) => e.type === 'report' && e.track === input.track && e.stage === input.stage)) return { ok: false, error: `case ${c.id}: ${input.track} ${input.stage} already recorded` };
  const a = checkActor(input, lastAt(c));
  if (a) return { ok: false, error: `case ${c.id}: ${a}` };
  const ev: CaseEvent = { type: 'report', track: input.track, stage: input.stage, by: input.by, at: iso(input.at), reason: input.reason };
  if (input.reference) ev.reference = input.reference;
  return { ok: true, value: { ...c, events: [...c.events, ev] } };
}

/** Unwrap a Result, throwing CaseError (for callers that treat a refusal as a bug). */
export function must<T>(r: Result<T>): T {
  if (!r.ok) throw new CaseError(r.error);
  return r.value;
}

// ---------------------------------------------------------------------------------------------------------------
// Opening cases

export interface OpenInput {
  id: string;
  by: string;
  at: string;
  reason?: string;
}

/**
 * Same package and version (qualifiers and subpath ignored: a VEX statement may leave out arch/distro). A purl
 * without a version (`statement`) names the package in any version.
 */
export function samePackageVersion(statement: string, component: string): boolean {
  const ka = purlKey(statement);
  if (ka === undefined || ka !== purlKey(component)) return false;
  const v = parsePurl(statement)?.version;
  return v === undefined || v === '' || v === (parsePurl(component)?.version ?? '');
}

/** Find the component of a merged product SBOM a match names (by ref, then by purl and version). */
export function findComponent(sbom: Sbom, ref: string | undefined, purl: string | undefined): Component | undefined {
  let byPurl: Component | undefined;
  for (const c of allComponents(sbom)) {
    if (ref !== undefined && c.ref === ref) return c;
    if (!byPurl && purl !== undefined && c.purl && samePackageVersion(c.purl, purl)) byPurl = c;
  }
  return byPurl;
}

function opened(input: OpenInput, source: CaseSource, vulnerability: CaseVulnerability, target: CaseTarget): Case {
  const a = checkActor({ by: input.by, at: input.at, reason: input.reason ?? 'opened' }, undefined);
  if (a) throw new CaseError(`case ${input.id}: ${a}`);
  if (!input.id.trim()) throw new CaseError('case id is required');
  const at = iso(input.at);
  return {
    id: input.id,
    vulnerability,
    target,
    state: 'new',
    openedAt: at,
    events: [{ type: 'opened', source, by: input.by, at, reason: input.reason ?? defaultReason(source, vulnerability.id) }],
  };
}

const defaultReason = (s: CaseSource, id: string): string =>
  s.kind === 'match' ? `vulnerability match ${id} against the product SBOM` : s.kind === 'advisory' ? `imported ${s.format} advisory ${s.id}` : `opened by hand for ${id}`;

/**
 * Open a case from a VulnMatch against the merged product SBOM (mergeLayers): the layer comes from the component's
 * `kubecomply:layer` property, the bundled version from the SBOM. A match means the matcher found the bundled version
 * in an affected range, so bundledAffected starts true. A KEV-listed match is marked actively exploited at `at`.
 */
export function openFromMatch(match: VulnMatch, sbom: Sbom, input: OpenInput): Case {
  const comp = findComponent(sbom, match.component.ref, match.component.purl);
  const target: CaseTarget = { component: comp?.name ?? match.component.name, bundledAffected: true };
  const layer = (comp ? property(comp, LAYER_PROPERTY) : undefined) ?? match.component.layer;
  if (layer) target.layer = layer;
  target.componentRef = comp?.ref ?? match.component.ref;
  const purl = comp?.purl ?? match.component.purl;
  if (purl) target.purl = purl;
  const version = comp?.version ?? match.component.version;
  if (version) target.bundledVersion = version;
  else target.bundledAffected = 'unknown';
  const vulnerability: CaseVulnerability = {
    id: match.id,
    aliases: [...match.aliases],
    severity: match.severity,
    references: [...match.references],
    fixedVersions: [...match.fixedVersions],
  };
  if (match.summary) vulnerability.summary = match.summary;
  if (match.cvss) vulnerability.cvss = match.cvss;
  let c = opened(input, { kind: 'match', ecosystem: match.ecosystem, componentRef: match.component.ref }, vulnerability, target);
  if (match.exploited) {
    c = must(markExploited(c, { source: 'kev', by: input.by, at: input.at, reason: `listed in CISA KEV${match.kev ? ` (${match.kev.cveId}, added ${match.kev.dateAdded})` : ''}`, ...(match.kev ? { kev: match.kev } : {}) }));
  }
  return c;
}

export interface AdvisoryInput {
  format: 'osv' | 'csaf' | 'openvex' | 'cyclonedx';
  id: string;
  aliases?: string[];
  summary?: string;
  severity?: VulnSeverity;
  references?: string[];
  fixedVersions?: string[];
  file?: string;
  /** The component it names: a purl or a component name. */
  purl?: string;
  component?: string;
  /** What the advisory says about the bundled version, when it says. */
  bundledAffected?: boolean;
}

/** Open a case from an imported advisory (OSV, CSAF …), locating the component in the product SBOM when possible. */
export function openFromAdvisory(adv: AdvisoryInput, sbom: Sbom | undefined, input: OpenInput): Case {
  let comp = sbom ? findComponent(sbom, undefined, adv.purl) : undefined;
  if (!comp && sbom && adv.component) for (const c of allComponents(sbom)) if (c.name === adv.component) { comp = c; break; }
  const target: CaseTarget = { component: comp?.name ?? adv.component ?? adv.purl ?? '(unknown)', bundledAffected: adv.bundledAffected ?? 'unknown' };
  const layer = comp ? property(comp, LAYER_PROPERTY) : undefined;
  if (layer) target.layer = layer;
  if (comp) target.componentRef = comp.ref;
  const purl = comp?.purl ?? adv.purl;
  if (purl) target.purl = purl;
  if (comp?.version) target.bundledVersion = comp.version;
  const vulnerability: CaseVulnerability = { id: adv.id, aliases: adv.aliases ?? [], severity: adv.severity ?? 'unknown', references: adv.references ?? [], fixedVersions: adv.fixedVersions ?? [] };
  if (adv.summary) vulnerability.summary = adv.summary;
  const source: CaseSource = { kind: 'advisory', format: adv.format, id: adv.id };
  if (adv.file) source.file = adv.file;
  return opened(input, source, vulnerability, target);
}

/** Open a case by hand. */
export function openManual(v: { id: string; aliases?: string[]; summary?: string; severity?: VulnSeverity }, target: Omit<CaseTarget, 'bundledAffected'> & { bundledAffected?: boolean | 'unknown' }, input: OpenInput): Case {
  const vulnerability: CaseVulnerability = { id: v.id, aliases: v.aliases ?? [], severity: v.severity ?? 'unknown', references: [], fixedVersions: [] };
  if (v.summary) vulnerability.summary = v.summary;
  return opened(input, { kind: 'manual' }, vulnerability, { ...target, bundledAffected: target.bundledAffected ?? 'unknown' });
}

/** Every id the case's vulnerability is known by (id first). */
export function vulnIds(c: Pick<Case, 'vulnerability'>): string[] {
  return [...new Set([c.vulnerability.id, ...c.vulnerability.aliases])];
}

/** The CVE id among the vulnerability's ids, if any. */
export function cveOf(c: Pick<Case, 'vulnerability'>): string | undefined {
  return vulnIds(c).find((x) => /^CVE-\d{4}-\d{4,}$/.test(x));
}

/** The state before `closed` (what a closed case was closed as). */
export function resolvedState(c: Case): CaseState {
  if (c.state !== 'closed') return c.state;
  for (let i = c.events.length - 1; i >= 0; i--) {
    const e = c.events[i]!;
    if (e.type === 'transition' && e.to === 'closed') return e.from;
  }
  return 'closed';
}

/** When a corrective or mitigating measure first became available (first transition to fix_available). */
export function correctiveMeasureAt(c: Case): string | undefined {
  return c.events.find((e) => e.type === 'transition' && e.to === 'fix_available')?.at;
}

/**
 * The components of the product SBOM an OSV record names, each with whether its bundled version is affected
 * (evaluated with the ecosystem's version ordering). One AdvisoryInput per named component; open a case per entry
 * with `openFromAdvisory`.
 */
export function advisoriesFromOsv(record: OsvRecord, sbom: Sbom, file?: string): AdvisoryInput[] {
  const out: AdvisoryInput[] = [];
  // The record's own label (GHSA database_specific.severity); CVSS scoring stays with the matcher (vuln/db.ts).
  const label = String((record.database_specific as { severity?: unknown } | undefined)?.severity ?? '').toLowerCase();
  const severity: VulnSeverity = label === 'moderate' ? 'medium' : (['critical', 'high', 'medium', 'low'] as const).find((x) => x === label) ?? 'unknown';
  for (const comp of allComponents(sbom)) {
    if (!comp.purl) continue;
    for (const pkg of osvPackageOf(comp.purl)) {
      const hits = (record.affected ?? []).filter(
        (a) => a.package && ecosystemMatches(pkg.ecosystem, a.package.ecosystem) !== undefined && indexName(a.package.ecosystem, a.package.name) === indexName(pkg.ecosystem, pkg.name),
      );
      if (hits.length === 0) continue;
      const version = pkg.version ?? comp.version;
      let affected: boolean | undefined;
      const fixed = new Set<string>();
      if (version) {
        for (const a of hits) {
          const ev = evaluateAffected(a, version, schemeFor(a.package!.ecosystem));
          if (ev.affected) {
            affected = true;
            ev.fixed.forEach((f) => fixed.add(f));
          }
        }
        affected ??= false;
      }
      const adv: AdvisoryInput = {
        format: 'osv',
        id: record.id,
        aliases: record.aliases ?? [],
        severity,
        references: (record.references ?? []).map((r) => r.url),
        fixedVersions: [...fixed],
        purl: comp.purl,
      };
      if (record.summary) adv.summary = record.summary;
      if (affected !== undefined) adv.bundledAffected = affected;
      if (file) adv.file = file;
      out.push(adv);
      break;
    }
  }
  return out;
}

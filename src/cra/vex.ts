/**
 * VEX: export case states as OpenVEX v0.2.0, CycloneDX 1.6 VEX and CSAF 2.0 `csaf_vex`; import statements from any
 * of the three as suggested triage.
 *
 * Status vocabulary and required companions: regulations.md §12.1 (OpenVEX), §12.2 (CSAF VEX profile), §12.3
 * (CycloneDX). The cross-walk between them is regulations.md §12.3's "rough cross-walk (not normative)"; CycloneDX
 * justifications do not map 1:1, so the OpenVEX label is also carried in a `kubecomply:vex:justification` property
 * and preferred on import.
 *
 * Case state → VEX status:
 *   new, under_investigation → under_investigation / in_triage / under_investigation
 *   affected, fix_available  → affected (action statement) / exploitable / known_affected (+ remediation)
 *   not_affected             → not_affected (+ justification or impact statement) / not_affected / known_not_affected (+ flag or impact threat)
 *   fix_released             → fixed (the product version that ships the fix) / resolved / fixed
 *   closed                   → what it was closed as
 */
import { randomUUID } from 'node:crypto';
import { TOOL } from '../core/version.js';
import { purlKey } from '../supply/purl.js';
import { cveOf, JUSTIFICATIONS, type AdvisoryInput, resolvedState, samePackageVersion, transition, vulnIds, type Actor, type Case, type CaseState, type Justification, type Result } from './cases.js';
import { productPurl, type Product } from './product.js';

export type VexStatus = 'not_affected' | 'affected' | 'fixed' | 'under_investigation';

export function vexStatusOf(c: Case): VexStatus {
  switch (resolvedState(c)) {
    case 'new':
    case 'under_investigation':
    case 'closed':
      return 'under_investigation';
    case 'affected':
    case 'fix_available':
      return 'affected';
    case 'not_affected':
      return 'not_affected';
    case 'fix_released':
      return 'fixed';
  }
}

function actionStatement(c: Case): string {
  if (c.actionStatement) return c.actionStatement;
  if (c.state === 'fix_available' && c.fixVersion) return `A fix is available and will ship in ${c.fixVersion}; update to it once released.`;
  const up = c.vulnerability.fixedVersions;
  return `The manufacturer is remediating; no user action is available yet.${up.length ? ` Upstream fixed versions of ${c.target.component}: ${up.join(', ')}.` : ''}`;
}

const lastUpdated = (c: Case): string => c.events[c.events.length - 1]?.at ?? c.openedAt;
const componentRef = (c: Case): string => c.target.componentRef ?? `component:${c.target.component}@${c.target.bundledVersion ?? 'unknown'}`;

export interface ExportOptions {
  author: string;
  now?: Date;
  /** Document id (OpenVEX @id, CSAF tracking id, CycloneDX serial); generated when absent. */
  id?: string;
}

// ---------------------------------------------------------------------------------------------------------------
// OpenVEX v0.2.0 (regulations.md §12.1)

export function toOpenVex(cases: readonly Case[], product: Product, opts: ExportOptions): Record<string, unknown> {
  const now = (opts.now ?? new Date()).toISOString();
  return {
    '@context': 'https://openvex.dev/ns/v0.2.0',
    '@id': opts.id ?? `urn:uuid:${randomUUID()}`,
    author: opts.author,
    role: 'manufacturer',
    timestamp: now,
    version: 1,
    tooling: `${TOOL.name} ${TOOL.version}`,
    statements: cases.map((c) => {
      const status = vexStatusOf(c);
      const productId = productPurl(product, status === 'fixed' && c.fixVersion ? c.fixVersion : product.version);
      const sub: Record<string, unknown> = {};
      // A fixed statement is about the component in the fixed product version, whose component version this case
      // does not know: name the package without a version rather than claim the bundled version is fixed.
      if (c.target.purl) sub['@id'] = status === 'fixed' ? (purlKey(c.target.purl) ?? c.target.purl) : c.target.purl;
      const s: Record<string, unknown> = {
        vulnerability: { name: c.vulnerability.id, ...(c.vulnerability.aliases.length ? { aliases: [...new Set(c.vulnerability.aliases)] } : {}) },
        timestamp: lastUpdated(c),
        products: [{ '@id': productId, ...(c.target.purl ? { subcomponents: [sub] } : {}) }],
        status,
      };
      if (c.vulnerability.summary) (s.vulnerability as Record<string, unknown>).description = c.vulnerability.summary;
      if (status === 'not_affected') {
        // Exactly one of justification / impact_statement (the OpenVEX schema's oneOf).
        if (c.justification) s.justification = c.justification;
        else s.impact_statement = c.impactStatement ?? 'not affected';
        if (c.justification && c.impactStatement) s.status_notes = c.impactStatement;
      }
      if (status === 'affected') s.action_statement = actionStatement(c);
      return s;
    }),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// CycloneDX 1.6 VEX (regulations.md §12.3)

const CDX_JUSTIFICATION: Readonly<Record<Justification, string>> = {
  component_not_present: 'code_not_present',
  vulnerable_code_not_present: 'code_not_present',
  vulnerable_code_not_in_execute_path: 'code_not_reachable',
  vulnerable_code_cannot_be_controlled_by_adversary: 'requires_environment',
  inline_mitigations_already_exist: 'protected_by_mitigating_control',
};
const FROM_CDX_JUSTIFICATION: Readonly<Record<string, Justification>> = {
  code_not_present: 'vulnerable_code_not_present',
  code_not_reachable: 'vulnerable_code_not_in_execute_path',
  requires_configuration: 'vulnerable_code_cannot_be_controlled_by_adversary',
  requires_dependency: 'component_not_present',
  requires_environment: 'vulnerable_code_cannot_be_controlled_by_adversary',
  protected_by_compiler: 'inline_mitigations_already_exist',
  protected_at_runtime: 'inline_mitigations_already_exist',
  protected_at_perimeter: 'inline_mitigations_already_exist',
  protected_by_mitigating_control: 'inline_mitigations_already_exist',
};
const CDX_STATE: Readonly<Record<VexStatus, string>> = { under_investigation: 'in_triage', affected: 'exploitable', not_affected: 'not_affected', fixed: 'resolved' };
const CDX_SEVERITY = new Set(['critical', 'high', 'medium', 'low', 'none', 'unknown']);

export function toCycloneDxVex(cases: readonly Case[], product: Product, opts: ExportOptions): Record<string, unknown> {
  const now = (opts.now ?? new Date()).toISOString();
  const components = new Map<string, Record<string, unknown>>();
  for (const c of cases) {
    const ref = componentRef(c);
    if (components.has(ref)) continue;
    const comp: Record<string, unknown> = { type: 'library', 'bom-ref': ref, name: c.target.component };
    if (c.target.bundledVersion) comp.version = c.target.bundledVersion;
    if (c.target.purl) comp.purl = c.target.purl;
    if (c.target.layer) comp.properties = [{ name: 'kubecomply:layer', value: c.target.layer }];
    components.set(ref, comp);
  }
  return {
    bomFormat: 'CycloneDX',
    specVersion: '1.6',
    serialNumber: opts.id && /^urn:uuid:/.test(opts.id) ? opts.id : `urn:uuid:${randomUUID()}`,
    version: 1,
    metadata: {
      timestamp: now,
      tools: { components: [{ type: 'application', name: TOOL.name, version: TOOL.version }] },
      authors: [{ name: opts.author }],
      component: { type: 'platform', 'bom-ref': `product:${product.name}`, name: product.name, version: product.version, supplier: { name: product.manufacturer.name } },
    },
    components: [...components.values()],
    vulnerabilities: cases.map((c, i) => {
      const status = vexStatusOf(c);
      const analysis: Record<string, unknown> = { state: CDX_STATE[status], firstIssued: c.openedAt, lastUpdated: lastUpdated(c) };
      if (status === 'not_affected' && c.justification) analysis.justification = CDX_JUSTIFICATION[c.justification];
      if (status === 'affected') {
        analysis.response = c.state === 'fix_available' ? ['update'] : c.actionStatement ? ['workaround_available'] : [];
        analysis.detail = actionStatement(c);
      }
      if (status === 'not_affected' && c.impactStatement) analysis.detail = c.impactStatement;
      if (status === 'fixed' && c.fixVersion) analysis.detail = `Fixed in ${product.name} ${c.fixVersion}.`;
      const v: Record<string, unknown> = {
        'bom-ref': `vuln:${i + 1}:${c.vulnerability.id}`,
        id: c.vulnerability.id,
      };
      const aliases = c.vulnerability.aliases.filter((a) => a !== c.vulnerability.id);
      if (aliases.length) v.references = aliases.map((a) => ({ id: a, source: { name: a.startsWith('CVE-') ? 'NVD' : a.startsWith('GHSA-') ? 'GitHub' : 'OSV' } }));
      if (c.vulnerability.cvss || CDX_SEVERITY.has(c.vulnerability.severity)) {
        const r: Record<string, unknown> = { severity: c.vulnerability.severity };
        const cv = c.vulnerability.cvss;
        if (cv) Object.assign(r, { score: cv.score, vector: cv.vector, method: cv.version === '4.0' ? 'CVSSv4' : cv.version === '3.1' ? 'CVSSv31' : cv.version === '3.0' ? 'CVSSv3' : 'CVSSv2' });
        v.ratings = [r];
      }
      if (c.vulnerability.summary) v.description = c.vulnerability.summary;
      v.analysis = analysis;
      const affects: Record<string, unknown> = { ref: componentRef(c) };
      // resolved: remediated in the fixed product version; the bundled version itself stays affected, so no version claim.
      if (c.target.bundledVersion && status !== 'fixed') affects.versions = [{ version: c.target.bundledVersion, status: status === 'not_affected' ? 'unaffected' : status === 'affected' ? 'affected' : 'unknown' }];
      v.affects = [affects];
      const props = [{ name: 'kubecomply:case', value: c.id }];
      if (c.justification && status === 'not_affected') props.push({ name: 'kubecomply:vex:justification', value: c.justification });
      if (status === 'fixed' && c.fixVersion) props.push({ name: 'kubecomply:vex:fixed-in', value: c.fixVersion });
      v.properties = props;
      return v;
    }),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// CSAF 2.0 csaf_vex (regulations.md §12.2)

export interface CsafOptions extends ExportOptions {
  /** Publisher namespace (a URL of the manufacturer); default from manufacturer.url or https://example.invalid. */
  namespace?: string;
  status?: 'draft' | 'interim' | 'final';
  /** TLP label (CSAF 2.0 uses TLP 1.0 labels); default WHITE. */
  tlp?: 'WHITE' | 'GREEN' | 'AMBER' | 'RED';
}

export interface CsafTree {
  /** The product_tree built so far. */
  tree(): Record<string, unknown>;
  /** Product id of "the case's component as part of the platform at `platformVersion`" (a relationship). */
  pid(c: Case, platformVersion: string, fixed?: boolean): string;
}

/** Product tree: the platform at each version named, the components, and "default_component_of" relationships. */
export function csafProductTree(cases: readonly Case[], product: Product, versionsOf: (c: Case) => [version: string, fixed: boolean][]): CsafTree {
  const platforms = new Map<string, string>();
  const comps = new Map<string, { id: string; c: Case; fixed: boolean }>();
  const rels = new Map<string, Record<string, unknown>>();
  const platformId = (v: string): string => {
    let id = platforms.get(v);
    if (!id) platforms.set(v, (id = `PLATFORM-${platforms.size + 1}`));
    return id;
  };
  const compId = (c: Case, fixed: boolean): string => {
    const key = `${componentRef(c)}${fixed ? '#fixed' : ''}`;
    let e = comps.get(key);
    if (!e) comps.set(key, (e = { id: `COMPONENT-${comps.size + 1}`, c, fixed }));
    return e.id;
  };
  /** `fixed`: the component as shipped in a fixed product version (its version unknown to the case). */
  const pid = (c: Case, v: string, fixed = false): string => {
    const cp = compId(c, fixed);
    const pp = platformId(v);
    const id = `${cp}:${pp}`;
    if (!rels.has(id)) {
      rels.set(id, {
        category: 'default_component_of',
        product_reference: cp,
        relates_to_product_reference: pp,
        full_product_name: { name: `${c.target.component}${!fixed && c.target.bundledVersion ? ` ${c.target.bundledVersion}` : ''} as part of ${product.name} ${v}`, product_id: id },
      });
    }
    return id;
  };
  for (const c of cases) for (const [v, fixed] of versionsOf(c)) pid(c, v, fixed);
  const helper = (purl: string | undefined): Record<string, unknown> => (purl && /^pkg:[A-Za-z.\-+][A-Za-z0-9.\-+]*\/.+/.test(purl) ? { product_identification_helper: { purl } } : {});
  const tree = (): Record<string, unknown> => ({
    full_product_names: [
      ...[...platforms].map(([v, id]) => ({ name: `${product.name} ${v}`, product_id: id, ...helper(productPurl(product, v)) })),
      ...[...comps.values()].map(({ id, c, fixed }) => ({
        name: `${c.target.component}${fixed ? ' (fixed)' : c.target.bundledVersion ? ` ${c.target.bundledVersion}` : ''}`,
        product_id: id,
        ...helper(fixed && c.target.purl ? (purlKey(c.target.purl) ?? c.target.purl) : c.target.purl),
      })),
    ],
    relationships: [...rels.values()],
  });
  return { tree, pid };
}

const GENERATOR = () => ({ engine: { name: TOOL.name, version: TOOL.version } });

export function csafDocument(category: 'csaf_vex' | 'csaf_security_advisory', title: string, product: Product, opts: CsafOptions, summary: string): Record<string, unknown> {
  const now = (opts.now ?? new Date()).toISOString();
  return {
    category,
    csaf_version: '2.0',
    distribution: { tlp: { label: opts.tlp ?? 'WHITE' } },
    lang: 'en',
    notes: [{ category: 'summary', title: 'Summary', text: summary }],
    publisher: { category: 'vendor', name: product.manufacturer.name, namespace: opts.namespace ?? product.manufacturer.url ?? 'https://example.invalid' },
    title,
    tracking: {
      current_release_date: now,
      generator: { date: now, ...GENERATOR() },
      id: opts.id ?? `${product.name}-${category}-${now.slice(0, 10)}`,
      initial_release_date: now,
      revision_history: [{ date: now, number: '1', summary: 'Initial version.' }],
      status: opts.status ?? 'interim',
      version: '1',
    },
  };
}

/** CSAF ids for the non-CVE identifiers (ids[] needs system_name + text). */
export function csafIds(c: Case): Record<string, unknown> {
  const cve = cveOf(c);
  const others = vulnIds(c).filter((x) => x !== cve);
  const out: Record<string, unknown> = {};
  if (cve) out.cve = cve;
  if (others.length) out.ids = others.map((x) => ({ system_name: x.startsWith('GHSA-') ? 'GitHub Security Advisory' : x.startsWith('GO-') ? 'Go Vulnerability Database' : 'OSV', text: x }));
  return out;
}

export function toCsafVex(cases: readonly Case[], product: Product, opts: CsafOptions): Record<string, unknown> {
  if (cases.length === 0) throw new Error('CSAF VEX: at least one case is required (the profile requires /vulnerabilities)');
  const versionsOf = (c: Case): [string, boolean][] => [vexStatusOf(c) === 'fixed' && c.fixVersion ? [c.fixVersion, true] : [product.version, false]];
  const pt = csafProductTree(cases, product, versionsOf);
  const vulnerabilities = cases.map((c) => {
    const status = vexStatusOf(c);
    const [version, fixed] = versionsOf(c)[0]!;
    const id = pt.pid(c, version, fixed);
    const v: Record<string, unknown> = {
      ...csafIds(c),
      notes: [{ category: 'description', title: 'Description', text: c.vulnerability.summary ?? `${c.vulnerability.id} in ${c.target.component}` }],
    };
    if (status === 'under_investigation') v.product_status = { under_investigation: [id] };
    if (status === 'fixed') v.product_status = { fixed: [id] };
    if (status === 'affected') {
      v.product_status = { known_affected: [id] };
      // Each known_affected product needs an action statement (regulations.md §12.2).
      v.remediations = [{ category: c.state === 'fix_available' ? 'vendor_fix' : c.actionStatement ? 'workaround' : 'none_available', details: actionStatement(c), product_ids: [id] }];
    }
    if (status === 'not_affected') {
      v.product_status = { known_not_affected: [id] };
      // Each known_not_affected product needs an impact statement: a flag, or a threat of category impact (§12.2).
      if (c.justification) v.flags = [{ label: c.justification, product_ids: [id] }];
      if (c.impactStatement || !c.justification) v.threats = [{ category: 'impact', details: c.impactStatement ?? 'not affected', product_ids: [id] }];
    }
    return v;
  });
  return {
    document: csafDocument('csaf_vex', `VEX for ${product.name} ${product.version}`, product, opts, `Exploitability of ${cases.length} vulnerabilit${cases.length === 1 ? 'y' : 'ies'} in ${product.name}.`),
    product_tree: pt.tree(),
    vulnerabilities,
  };
}

/** The CSAF VEX profile's rules beyond the JSON schema (regulations.md §12.2); returns the violations. */
export function checkCsafVexProfile(doc: Record<string, unknown>): string[] {
  const errs: string[] = [];
  const d = doc.document as Record<string, unknown> | undefined;
  if (d?.category !== 'csaf_vex') errs.push('/document/category must be csaf_vex');
  if (!doc.product_tree) errs.push('/product_tree is required');
  const vs = doc.vulnerabilities as Record<string, unknown>[] | undefined;
  if (!Array.isArray(vs) || vs.length === 0) errs.push('/vulnerabilities is required');
  (vs ?? []).forEach((v, i) => {
    if (!v.cve && !v.ids) errs.push(`/vulnerabilities/${i}: cve or ids required`);
    if (!v.notes) errs.push(`/vulnerabilities/${i}/notes required`);
    const ps = (v.product_status ?? {}) as Record<string, string[]>;
    if (!['fixed', 'known_affected', 'known_not_affected', 'under_investigation'].some((k) => ps[k]?.length)) errs.push(`/vulnerabilities/${i}/product_status needs fixed, known_affected, known_not_affected or under_investigation`);
    const flagged = new Set(((v.flags ?? []) as { product_ids?: string[] }[]).flatMap((f) => f.product_ids ?? []));
    const threatened = new Set(((v.threats ?? []) as { category: string; product_ids?: string[] }[]).filter((t) => t.category === 'impact').flatMap((t) => t.product_ids ?? []));
    for (const p of ps.known_not_affected ?? []) if (!flagged.has(p) && !threatened.has(p)) errs.push(`/vulnerabilities/${i}: known_not_affected ${p} has no impact statement`);
    const remediated = new Set(((v.remediations ?? []) as { product_ids?: string[] }[]).flatMap((r) => r.product_ids ?? []));
    for (const p of ps.known_affected ?? []) if (!remediated.has(p)) errs.push(`/vulnerabilities/${i}: known_affected ${p} has no action statement (remediation)`);
  });
  return errs;
}

// ---------------------------------------------------------------------------------------------------------------
// Import

export interface VexStatement {
  format: 'openvex' | 'cyclonedx' | 'csaf';
  vulnerability: string;
  aliases: string[];
  /** Component purls the statement is about (empty: the whole product). */
  purls: string[];
  status: VexStatus;
  justification?: Justification;
  impactStatement?: string;
  actionStatement?: string;
  fixVersion?: string;
}

type O = Record<string, unknown>;
const isO = (x: unknown): x is O => typeof x === 'object' && x !== null && !Array.isArray(x);
const arr = (x: unknown): unknown[] => (Array.isArray(x) ? x : []);
const str = (x: unknown): string | undefined => (typeof x === 'string' && x !== '' ? x : undefined);
const isJust = (x: unknown): x is Justification => (JUSTIFICATIONS as readonly unknown[]).includes(x);

export function detectVexFormat(doc: unknown): VexStatement['format'] | undefined {
  if (!isO(doc)) return undefined;
  if (typeof doc['@context'] === 'string' && doc['@context'].startsWith('https://openvex.dev/ns')) return 'openvex';
  if (doc.bomFormat === 'CycloneDX') return 'cyclonedx';
  if (isO(doc.document) && doc.document.csaf_version === '2.0') return 'csaf';
  return undefined;
}

/** Statements from an OpenVEX, CycloneDX (VEX) or CSAF document. Throws on an unknown format. */
export function parseVex(doc: unknown): VexStatement[] {
  const fmt = detectVexFormat(doc);
  if (!fmt || !isO(doc)) throw new Error('not an OpenVEX, CycloneDX or CSAF 2.0 document');
  if (fmt === 'openvex') return parseOpenVex(doc);
  if (fmt === 'cyclonedx') return parseCdx(doc);
  return parseCsaf(doc);
}

function parseOpenVex(doc: O): VexStatement[] {
  const out: VexStatement[] = [];
  for (const s of arr(doc.statements)) {
    if (!isO(s) || !isO(s.vulnerability)) continue;
    const name = str(s.vulnerability.name);
    const status = s.status as VexStatus;
    if (!name || !['not_affected', 'affected', 'fixed', 'under_investigation'].includes(status)) continue;
    const purls: string[] = [];
    for (const p of arr(s.products)) {
      if (!isO(p)) continue;
      const subs = arr(p.subcomponents).filter(isO);
      const ids = subs.length ? subs : [p];
      for (const x of ids) {
        const id = str(x['@id']) ?? (isO(x.identifiers) ? str(x.identifiers.purl) : undefined);
        if (id?.startsWith('pkg:')) purls.push(id);
      }
    }
    const st: VexStatement = { format: 'openvex', vulnerability: name, aliases: arr(s.vulnerability.aliases).filter((a): a is string => typeof a === 'string'), purls, status };
    if (isJust(s.justification)) st.justification = s.justification;
    const impact = str(s.impact_statement) ?? str(s.status_notes);
    if (impact && status === 'not_affected') st.impactStatement = impact;
    if (str(s.action_statement)) st.actionStatement = s.action_statement as string;
    if (status === 'fixed') {
      for (const p of arr(s.products)) {
        const m = isO(p) ? /@([^@?#]+)(?:[?#].*)?$/.exec(str(p['@id']) ?? '') : null;
        if (m && str((p as O)['@id'])?.startsWith('pkg:generic/')) st.fixVersion = decodeURIComponent(m[1]!);
      }
    }
    out.push(st);
  }
  return out;
}

function parseCdx(doc: O): VexStatement[] {
  const byRef = new Map<string, string>();
  const walk = (cs: unknown[]): void => {
    for (const c of cs) {
      if (!isO(c)) continue;
      const r = str(c['bom-ref']);
      const p = str(c.purl);
      if (r && p) byRef.set(r, p);
      walk(arr(c.components));
    }
  };
  walk(arr(doc.components));
  const out: VexStatement[] = [];
  const stateMap: Record<string, VexStatus> = { resolved: 'fixed', resolved_with_pedigree: 'fixed', exploitable: 'affected', in_triage: 'under_investigation', false_positive: 'not_affected', not_affected: 'not_affected' };
  for (const v of arr(doc.vulnerabilities)) {
    if (!isO(v) || !isO(v.analysis)) continue;
    const id = str(v.id);
    const status = stateMap[String(v.analysis.state)];
    if (!id || !status) continue;
    const props = new Map(arr(v.properties).filter(isO).map((p) => [String(p.name), String(p.value)]));
    const purls = arr(v.affects).filter(isO).map((a) => byRef.get(String(a.ref)) ?? (String(a.ref).startsWith('pkg:') ? String(a.ref) : undefined)).filter((x): x is string => !!x);
    const st: VexStatement = { format: 'cyclonedx', vulnerability: id, aliases: arr(v.references).filter(isO).map((r) => str(r.id)).filter((x): x is string => !!x), purls, status };
    if (status === 'not_affected') {
      const own = props.get('kubecomply:vex:justification');
      const j = isJust(own) ? own : v.analysis.state === 'false_positive' ? 'vulnerable_code_not_present' : FROM_CDX_JUSTIFICATION[String(v.analysis.justification)];
      if (j) st.justification = j;
      if (str(v.analysis.detail)) st.impactStatement = v.analysis.detail as string;
    }
    if (status === 'affected' && str(v.analysis.detail)) st.actionStatement = v.analysis.detail as string;
    const fixed = props.get('kubecomply:vex:fixed-in');
    if (status === 'fixed' && fixed) st.fixVersion = fixed;
    out.push(st);
  }
  return out;
}

function parseCsaf(doc: O): VexStatement[] {
  const purlOf = new Map<string, string>();
  const nameOf = new Map<string, string>();
  const tree = isO(doc.product_tree) ? doc.product_tree : {};
  const addFpn = (f: unknown): void => {
    if (!isO(f)) return;
    const id = str(f.product_id);
    if (!id) return;
    if (str(f.name)) nameOf.set(id, f.name as string);
    const p = isO(f.product_identification_helper) ? str(f.product_identification_helper.purl) : undefined;
    if (p) purlOf.set(id, p);
  };
  const walkBranches = (bs: unknown[]): void => {
    for (const b of bs) if (isO(b)) {
      addFpn(b.product);
      walkBranches(arr(b.branches));
    }
  };
  arr(tree.full_product_names).forEach(addFpn);
  walkBranches(arr(tree.branches));
  const relComp = new Map<string, { comp: string; platform: string }>();
  for (const r of arr(tree.relationships)) {
    if (!isO(r) || !isO(r.full_product_name)) continue;
    const id = str(r.full_product_name.product_id);
    if (id) relComp.set(id, { comp: String(r.product_reference), platform: String(r.relates_to_product_reference) });
  }
  const purlsFor = (pid: string): string[] => {
    const rel = relComp.get(pid);
    const p = purlOf.get(rel ? rel.comp : pid);
    return p ? [p] : [];
  };
  const fixVersionFor = (pid: string): string | undefined => {
    const rel = relComp.get(pid);
    const p = rel ? purlOf.get(rel.platform) : undefined;
    const m = p && p.startsWith('pkg:generic/') ? /@([^@?#]+)(?:[?#].*)?$/.exec(p) : null;
    return m ? decodeURIComponent(m[1]!) : undefined;
  };
  const out: VexStatement[] = [];
  const order: [string, VexStatus][] = [
    ['known_not_affected', 'not_affected'],
    ['known_affected', 'affected'],
    ['first_affected', 'affected'],
    ['last_affected', 'affected'],
    ['fixed', 'fixed'],
    ['first_fixed', 'fixed'],
    ['under_investigation', 'under_investigation'],
  ];
  for (const v of arr(doc.vulnerabilities)) {
    if (!isO(v)) continue;
    const ids = [str(v.cve), ...arr(v.ids).filter(isO).map((x) => str(x.text))].filter((x): x is string => !!x);
    if (ids.length === 0) continue;
    const ps = isO(v.product_status) ? v.product_status : {};
    for (const [key, status] of order) {
      for (const pid of arr(ps[key]).filter((x): x is string => typeof x === 'string')) {
        const st: VexStatement = { format: 'csaf', vulnerability: ids[0]!, aliases: ids.slice(1), purls: purlsFor(pid), status };
        if (status === 'not_affected') {
          const flag = arr(v.flags).filter(isO).find((f) => arr(f.product_ids).includes(pid));
          if (flag && isJust(flag.label)) st.justification = flag.label;
          const threat = arr(v.threats).filter(isO).find((t) => t.category === 'impact' && arr(t.product_ids).includes(pid));
          if (threat && str(threat.details)) st.impactStatement = threat.details as string;
        }
        if (status === 'affected') {
          const rem = arr(v.remediations).filter(isO).find((r) => arr(r.product_ids).includes(pid));
          if (rem && str(rem.details)) st.actionStatement = rem.details as string;
        }
        if (status === 'fixed') {
          const fv = fixVersionFor(pid);
          if (fv) st.fixVersion = fv;
        }
        out.push(st);
      }
    }
  }
  return out;
}

/** The statement that applies to a case: same vulnerability (id or alias) and, when it names components, the case's purl. */
export function statementFor(c: Case, statements: readonly VexStatement[]): VexStatement | undefined {
  const ids = new Set(vulnIds(c));
  const purl = c.target.purl;
  return statements.find((s) => {
    if (![s.vulnerability, ...s.aliases].some((x) => ids.has(x))) return false;
    if (s.purls.length === 0) return true;
    return purl !== undefined && s.purls.some((p) => samePackageVersion(p, purl));
  });
}

export interface TriageSuggestion {
  caseId: string;
  statement: VexStatement;
  /** The state the statement suggests. */
  to: CaseState;
}

export function suggestTriage(cases: readonly Case[], statements: readonly VexStatement[]): TriageSuggestion[] {
  const out: TriageSuggestion[] = [];
  for (const c of cases) {
    const s = statementFor(c, statements);
    if (!s) continue;
    const to: CaseState = s.status === 'fixed' ? 'fix_released' : s.status;
    out.push({ caseId: c.id, statement: s, to });
  }
  return out;
}

/**
 * Apply a suggestion to a case in `new` state (pre-triage). `fixed` statements are not applied automatically:
 * a released fix is the manufacturer's own fact, so they stay suggestions.
 */
export function applyTriage(c: Case, s: TriageSuggestion, actor: Actor): Result<Case> {
  if (c.state !== 'new') return { ok: false, error: `case ${c.id} is ${c.state}: pre-triage only applies to new cases` };
  if (s.to === 'fix_released' || s.to === 'fix_available' || s.to === 'closed') return { ok: false, error: `case ${c.id}: a "fixed" VEX statement is not applied automatically; triage by hand` };
  const input: Parameters<typeof transition>[2] = { ...actor, reason: `${actor.reason} (${s.statement.format} statement for ${s.statement.vulnerability})` };
  if (s.statement.justification) input.justification = s.statement.justification;
  if (s.statement.impactStatement) input.impactStatement = s.statement.impactStatement;
  if (s.statement.actionStatement) input.actionStatement = s.statement.actionStatement;
  return transition(c, s.to, input);
}

/** Imported CSAF (or any VEX) statements as advisory inputs for `openFromAdvisory` (one per named component). */
export function advisoriesFromStatements(statements: readonly VexStatement[], file?: string): AdvisoryInput[] {
  const out: AdvisoryInput[] = [];
  for (const s of statements) {
    const purls = s.purls.length ? s.purls : [undefined];
    for (const purl of purls) {
      const a: AdvisoryInput = { format: s.format, id: s.vulnerability, aliases: s.aliases };
      if (purl) a.purl = purl;
      if (s.status === 'affected') a.bundledAffected = true;
      if (s.status === 'not_affected' || s.status === 'fixed') a.bundledAffected = false;
      if (file) a.file = file;
      out.push(a);
    }
  }
  return out;
}

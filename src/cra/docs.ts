/**
 * `kubecomply cra docs`: the technical documentation outline the CRA requires (Annex VII; its eight points as
 * paraphrased in ../shared/reference/regulations.md §1.7), assembled from what kubecomply knows — the product and
 * its layers (product.yaml), the product SBOM (the layer SBOMs merged), the security architecture as measured by a
 * scan (Pod Security levels per namespace, network isolation, RBAC posture, admission guardrails, framework scores),
 * the vulnerability-handling cases with their Article 14 clocks, and the support period — and, point by point, what
 * the manufacturer must still write by hand. Rendered as Markdown or as one self-contained HTML file (no external
 * assets). Not legal advice: the point texts are regulations.md's paraphrases, marked [C] there (corroborated by
 * secondary sources, not the official text).
 */
import { readPolicy, isDefaultDeny } from '../controls/network/model.js';
import { PSA_LABEL_PREFIX } from '../controls/pod-security/index.js';
import type { FrameworkResult } from '../frameworks/assess.js';
import { escapeHtml } from '../report/compliance-html.js';
import { markdownCell } from '../report/compliance-report.js';
import type { ScanResult } from '../scanner.js';
import { allComponents, type Sbom } from '../supply/sbom/model.js';
import type { Case } from './cases.js';
import type { ProductClassification } from './classify.js';
import { casesOverview } from './clocks.js';
import type { Product } from './product.js';

/** Annex VII points as regulations.md §1.7 paraphrases them, and what kubecomply can fill in for each. */
export const ANNEX_VII = [
  { point: '1', title: 'General description', text: 'Intended purpose; software versions affecting compliance; hardware photos/layout; Annex II user information' },
  { point: '2(a)', title: 'Design and development: architecture', text: 'Architecture and how the components build on or feed into each other' },
  { point: '2(b)', title: 'Vulnerability handling', text: 'Vulnerability handling, including the SBOM, the coordinated vulnerability disclosure policy, evidence of a reporting contact, and the secure update distribution solution' },
  { point: '2(c)', title: 'Production and monitoring', text: 'Production and monitoring processes and their validation' },
  { point: '3', title: 'Cybersecurity risk assessment', text: 'The cybersecurity risk assessment (Art. 13) and how Annex I Part I applies' },
  { point: '4', title: 'Support period', text: 'Information used to determine the support period (Art. 13(8))' },
  { point: '5', title: 'Standards applied', text: 'Harmonised standards, common specifications or EU certification schemes applied (which parts, if partially), or the alternative solutions' },
  { point: '6', title: 'Test reports', text: 'Test reports verifying conformity of the product and of the vulnerability handling with Annex I Parts I and II' },
  { point: '7', title: 'EU declaration of conformity', text: 'A copy of the EU declaration of conformity' },
  { point: '8', title: 'SBOM on request', text: 'The SBOM, where applicable, on a reasoned request of a market surveillance authority' },
] as const;

export const SOURCE_NOTE = 'Annex VII point texts: ../shared/reference/regulations.md §1.7 (paraphrases, confidence [C]); support period: §1.3, Art. 13(8) (at least 5 years unless expected use is shorter) and Art. 13(13) (keep the documentation at least 10 years, or the support period if longer).';

export interface NamespacePosture {
  namespace: string;
  /** pod-security.kubernetes.io/enforce (and warn/audit) labels, as set on the Namespace object. */
  enforce?: string;
  warn?: string;
  audit?: string;
  /** Whether any NetworkPolicy in the namespace selects all pods with Ingress / Egress policy types. */
  defaultDenyIngress: boolean;
  defaultDenyEgress: boolean;
}

export interface FamilyPosture {
  family: string;
  controls: number;
  failing: number;
  findings: number;
  excepted: number;
}

export interface SecurityArchitecture {
  scannedAt: string;
  inputs: string[];
  resources: number;
  namespaces: NamespacePosture[];
  families: FamilyPosture[];
  /** Admission webhooks among the scanned objects (kind/name), kubecomply's own recognised by name. */
  admissionWebhooks: { kind: string; name: string; failurePolicy: string[] }[];
  frameworks: { id: string; name: string; score: number | null; pass: number; fail: number; manual: number }[];
}

export interface TechnicalDocs {
  generatedAt: string;
  product: { name: string; version: string; manufacturer: Product['manufacturer']; supportPeriodEnd: string; memberStates: string[] };
  layers: { layer: string; components: { name: string; version: string; class: string; annex?: string; override?: string; sbom?: string; securitySources: string[] }[] }[];
  highestClass: string;
  sbom?: { components: number; withPurl: number; withLicense: number; byLayer: Record<string, number> };
  architecture?: SecurityArchitecture;
  cases: { total: number; open: number; exploited: number; overdue: number; rows: { id: string; state: string; vulnerability: string; component: string; next?: string; overdue: boolean }[] };
  /** Per Annex VII point: what kubecomply filled in, and what the manufacturer must still write. */
  points: { point: string; title: string; text: string; filled: string[]; todo: string[] }[];
  sourceNote: string;
}

export interface DocsInput {
  product: Product;
  classification: ProductClassification;
  sbom?: Sbom;
  scan?: ScanResult;
  cases: readonly Case[];
  now: Date;
}


function str(x: unknown): string | undefined {
  return typeof x === 'string' ? x : undefined;
}

/** The scan as the documentation describes it: per-namespace Pod Security and isolation, families, webhooks, scores. */
export function securityArchitecture(r: ScanResult): SecurityArchitecture {
  const ns = new Map<string, NamespacePosture>();
  const get = (n: string): NamespacePosture => {
    let p = ns.get(n);
    if (!p) ns.set(n, (p = { namespace: n, defaultDenyIngress: false, defaultDenyEgress: false }));
    return p;
  };
  const webhooks: SecurityArchitecture['admissionWebhooks'] = [];
  for (const res of r.resources) {
    if (res.kind === 'Namespace') {
      const p = get(res.name);
      const labels = res.metadata.labels ?? {};
      const e = str(labels[`${PSA_LABEL_PREFIX}enforce`]);
      const w = str(labels[`${PSA_LABEL_PREFIX}warn`]);
      const a = str(labels[`${PSA_LABEL_PREFIX}audit`]);
      if (e) p.enforce = e;
      if (w) p.warn = w;
      if (a) p.audit = a;
    } else if (res.kind === 'NetworkPolicy' && res.namespace) {
      // Default deny as the network controls judge it (controls/network/model.ts): a valid policy
      // selecting every pod, with the direction in its effective policy types and no rule for it.
      const policy = readPolicy(res);
      const p = get(res.namespace);
      if (isDefaultDeny(policy, 'ingress')) p.defaultDenyIngress = true;
      if (isDefaultDeny(policy, 'egress')) p.defaultDenyEgress = true;
    } else if (res.kind === 'ValidatingWebhookConfiguration' || res.kind === 'MutatingWebhookConfiguration') {
      const hooks = Array.isArray(res.object.webhooks) ? res.object.webhooks : [];
      const fp = [...new Set(hooks.map((h) => str((h as Record<string, unknown>).failurePolicy) ?? 'Fail'))];
      webhooks.push({ kind: res.kind, name: res.name, failurePolicy: fp });
    } else if (res.namespace) get(res.namespace);
  }
  const families = new Map<string, FamilyPosture>();
  for (const c of r.controls) {
    const f = families.get(c.control.family) ?? { family: c.control.family, controls: 0, failing: 0, findings: 0, excepted: 0 };
    f.controls++;
    if (c.failed > 0) f.failing++;
    f.findings += c.failed;
    f.excepted += c.excepted;
    families.set(c.control.family, f);
  }
  return {
    scannedAt: r.startedAt.toISOString(),
    inputs: [...r.inputs],
    resources: r.resources.length,
    namespaces: [...ns.values()].sort((a, b) => a.namespace.localeCompare(b.namespace)),
    families: [...families.values()].sort((a, b) => a.family.localeCompare(b.family)),
    admissionWebhooks: webhooks.sort((a, b) => a.name.localeCompare(b.name)),
    frameworks: r.frameworks.map((f: FrameworkResult) => ({ id: f.framework.id, name: f.framework.name, score: f.score, pass: f.counts.pass, fail: f.counts.fail, manual: f.counts.manual })),
  };
}

export function buildTechnicalDocs(input: DocsInput): TechnicalDocs {
  const { product: p, classification: cls, now } = input;
  const byLayer = new Map<string, TechnicalDocs['layers'][number]>();
  for (const c of p.components) {
    const k = cls.components.find((x) => x.component === c.name);
    let l = byLayer.get(c.layer);
    if (!l) byLayer.set(c.layer, (l = { layer: c.layer, components: [] }));
    const entry: TechnicalDocs['layers'][number]['components'][number] = { name: c.name, version: c.version, class: k?.class ?? 'default', securitySources: c.securitySources };
    if (k?.suggested.entry) entry.annex = `Annex ${k.suggested.entry.annex} ${k.suggested.entry.point}`;
    if (c.classOverride) entry.override = `${c.classOverride.class}: ${c.classOverride.reason}`;
    if (c.sbomDeclared) entry.sbom = c.sbomDeclared;
    l.components.push(entry);
  }
  let sbom: TechnicalDocs['sbom'];
  if (input.sbom) {
    sbom = { components: 0, withPurl: 0, withLicense: 0, byLayer: {} };
    // The merged SBOM's top-level components are its layers (merge.ts); the software sits beneath them.
    for (const layer of input.sbom.components) {
      const name = layer.properties.find((x) => x.name === 'kubecomply:layer')?.value ?? layer.name;
      for (const c of allComponents({ components: layer.components ?? [] })) {
        sbom.components++;
        if (c.purl) sbom.withPurl++;
        if (c.licenses.length > 0) sbom.withLicense++;
        sbom.byLayer[name] = (sbom.byLayer[name] ?? 0) + 1;
      }
    }
  }
  const architecture = input.scan ? securityArchitecture(input.scan) : undefined;
  const ov = casesOverview(input.cases, now);
  const cases: TechnicalDocs['cases'] = {
    total: input.cases.length,
    open: input.cases.filter((c) => c.state !== 'closed').length,
    exploited: input.cases.filter((c) => c.exploitedAt).length,
    overdue: ov.rows.filter((r) => r.overdue).length,
    rows: ov.rows.map((r) => {
      const c = input.cases.find((x) => x.id === r.id)!;
      return { id: r.id, state: r.state, vulnerability: c.vulnerability.id, component: c.target.component, ...(r.next ? { next: `${r.next.track} ${r.next.stage} due ${r.next.due}` } : {}), overdue: r.overdue };
    }),
  };
  const layerList = [...byLayer.values()];
  const points: TechnicalDocs['points'] = ANNEX_VII.map((a) => ({ ...a, filled: [] as string[], todo: [] as string[] }));
  const pt = (id: string) => points.find((x) => x.point === id)!;
  pt('1').filled.push(`Product ${p.name} ${p.version} by ${p.manufacturer.name}; ${p.components.length} components in ${layerList.length} layers, each with its version (section "Product and layers").`);
  pt('1').todo.push('Intended purpose of the product.', 'Photographs or illustrations of hardware, if any (for software-only platforms: say so).', 'The user information and instructions of Annex II.');
  pt('2(a)').filled.push('Layers and components (section "Product and layers").');
  if (architecture) pt('2(a)').filled.push(`Security architecture measured by a scan of ${architecture.resources} objects at ${architecture.scannedAt} (section "Security architecture as measured").`);
  else pt('2(a)').todo.push('No scan was given: run `kubecomply cra docs --scan <manifests or cluster export>` to measure the security architecture.');
  pt('2(a)').todo.push('A narrative of how the components build on or feed into each other (data flows, trust boundaries).');
  if (sbom) pt('2(b)').filled.push(`Product SBOM: ${sbom.components} components merged from the layer SBOMs (section "Product SBOM").`);
  else pt('2(b)').todo.push('No layer SBOM is declared in product.yaml (components[].sbom): the product SBOM cannot be summarised.');
  pt('2(b)').filled.push(`Vulnerability cases with their Article 14 reporting clocks: ${cases.total} in the store, ${cases.open} open, ${cases.exploited} marked actively exploited, ${cases.overdue} overdue (section "Vulnerability handling").`);
  const sources = p.components.filter((c) => c.securitySources.length > 0).length;
  pt('2(b)').filled.push(`Upstream security sources monitored: declared for ${sources} of ${p.components.length} components.`);
  if (p.manufacturer.contact) pt('2(b)').filled.push(`Reporting contact: ${p.manufacturer.contact}.`);
  else pt('2(b)').todo.push('A single point of contact for vulnerability reports (manufacturer.contact in product.yaml).');
  pt('2(b)').todo.push('The coordinated vulnerability disclosure policy.', 'The secure update distribution solution (how fixes reach users, and how they are authenticated).');
  pt('2(c)').todo.push('Production and monitoring processes and how they were validated.');
  if (architecture) pt('3').filled.push(`Framework scores from the scan (CRA mapping included): ${architecture.frameworks.map((f) => `${f.id} ${f.score ?? 'n/a'}`).join(', ')}.`);
  pt('3').todo.push('The cybersecurity risk assessment itself (Art. 13), and how each Annex I Part I requirement applies.');
  pt('4').filled.push(`Support period end as declared: ${p.supportPeriodEnd}.`);
  pt('4').todo.push('The information used to determine the support period (expected use time; at least 5 years unless shorter expected use, Art. 13(8)).');
  pt('5').todo.push('Harmonised standards, common specifications or certification schemes applied. (The CRA harmonised standards are still in preparation: regulations.md §1.8.)');
  if (architecture) pt('6').filled.push(`The scan report behind section "Security architecture as measured" (kubecomply scan; ${architecture.families.reduce((n, f) => n + f.controls, 0)} controls run).`);
  pt('6').todo.push('Test reports for the product and for the vulnerability handling against Annex I Parts I and II (penetration tests, conformity tests).');
  pt('7').todo.push('A copy of the EU declaration of conformity.');
  if (sbom) pt('8').filled.push('`kubecomply cra sbom` produces the product SBOM (CycloneDX 1.6) for a request by a market surveillance authority.');
  return {
    generatedAt: now.toISOString(),
    product: { name: p.name, version: p.version, manufacturer: p.manufacturer, supportPeriodEnd: p.supportPeriodEnd, memberStates: p.memberStates },
    layers: layerList,
    highestClass: cls.highest,
    ...(sbom ? { sbom } : {}),
    ...(architecture ? { architecture } : {}),
    cases,
    points,
    sourceNote: SOURCE_NOTE,
  };
}

// ------------------------------------------------------------------------------------------------ rendering

/** A document as headings, paragraphs, lists and tables, so Markdown and HTML say exactly the same. */
type Block = { h: number; text: string } | { p: string } | { ul: string[] } | { table: { head: string[]; rows: string[][] } };

function blocks(d: TechnicalDocs): Block[] {
  const b: Block[] = [];
  b.push({ h: 1, text: `Technical documentation (CRA Annex VII): ${d.product.name} ${d.product.version}` });
  b.push({ p: `Generated by kubecomply at ${d.generatedAt}. An outline: what kubecomply measured is filled in; what the manufacturer must write is listed per point under "Still to write".` });
  b.push({ h: 2, text: 'Product and layers' });
  b.push({
    ul: [
      `Manufacturer: ${d.product.manufacturer.name}${d.product.manufacturer.country ? ` (${d.product.manufacturer.country})` : ''}${d.product.manufacturer.contact ? `, contact ${d.product.manufacturer.contact}` : ''}`,
      `Support period end: ${d.product.supportPeriodEnd}`,
      `Member states: ${d.product.memberStates.join(', ') || 'not declared'}`,
      `Highest CRA class among the components: ${d.highestClass}`,
    ],
  });
  b.push({ table: { head: ['Layer', 'Component', 'Version', 'Class', 'Annex entry', 'Override', 'SBOM'], rows: d.layers.flatMap((l) => l.components.map((c) => [l.layer, c.name, c.version, c.class, c.annex ?? '-', c.override ?? '-', c.sbom ?? '-'])) } });
  if (d.sbom) {
    b.push({ h: 2, text: 'Product SBOM' });
    b.push({ p: `${d.sbom.components} components; ${d.sbom.withPurl} with a package URL, ${d.sbom.withLicense} with a license.` });
    b.push({ table: { head: ['Layer', 'Components'], rows: Object.entries(d.sbom.byLayer).map(([k, v]) => [k, String(v)]) } });
  }
  if (d.architecture) {
    const a = d.architecture;
    b.push({ h: 2, text: 'Security architecture as measured' });
    b.push({ p: `Scan of ${a.inputs.join(', ')} at ${a.scannedAt}: ${a.resources} objects.` });
    b.push({ h: 3, text: 'Pod Security and network isolation per namespace' });
    b.push({ table: { head: ['Namespace', 'PSA enforce', 'PSA warn', 'PSA audit', 'Default-deny ingress', 'Default-deny egress'], rows: a.namespaces.map((n) => [n.namespace, n.enforce ?? 'not set', n.warn ?? '-', n.audit ?? '-', n.defaultDenyIngress ? 'yes' : 'no', n.defaultDenyEgress ? 'yes' : 'no']) } });
    b.push({ h: 3, text: 'Controls by family' });
    b.push({ table: { head: ['Family', 'Controls', 'Failing', 'Findings', 'Excepted'], rows: a.families.map((f) => [f.family, String(f.controls), String(f.failing), String(f.findings), String(f.excepted)]) } });
    b.push({ h: 3, text: 'Admission guardrails' });
    b.push(a.admissionWebhooks.length > 0 ? { table: { head: ['Kind', 'Name', 'Failure policy'], rows: a.admissionWebhooks.map((w) => [w.kind, w.name, w.failurePolicy.join(', ')]) } } : { p: 'No admission webhook configuration among the scanned objects.' });
    b.push({ h: 3, text: 'Framework scores' });
    b.push({ table: { head: ['Framework', 'Score', 'Pass', 'Fail', 'Manual'], rows: a.frameworks.map((f) => [f.name, f.score === null ? 'n/a' : String(f.score), String(f.pass), String(f.fail), String(f.manual)]) } });
  }
  b.push({ h: 2, text: 'Vulnerability handling' });
  b.push({ p: `${d.cases.total} cases, ${d.cases.open} open, ${d.cases.exploited} marked actively exploited, ${d.cases.overdue} overdue.` });
  if (d.cases.rows.length > 0) b.push({ table: { head: ['Case', 'State', 'Vulnerability', 'Component', 'Next deadline', 'Overdue'], rows: d.cases.rows.map((r) => [r.id, r.state, r.vulnerability, r.component, r.next ?? '-', r.overdue ? 'OVERDUE' : '-']) } });
  b.push({ h: 2, text: 'Annex VII, point by point' });
  for (const p of d.points) {
    b.push({ h: 3, text: `Point ${p.point}: ${p.title}` });
    b.push({ p: `Required: ${p.text}.` });
    if (p.filled.length > 0) b.push({ p: 'Filled in by kubecomply:' }, { ul: p.filled });
    if (p.todo.length > 0) b.push({ p: 'Still to write:' }, { ul: p.todo });
  }
  b.push({ h: 2, text: 'Sources' });
  b.push({ p: d.sourceNote });
  return b;
}


export function docsToMarkdown(d: TechnicalDocs): string {
  const out: string[] = [];
  for (const x of blocks(d)) {
    if ('h' in x) out.push(`${'#'.repeat(x.h)} ${x.text}\n`);
    else if ('p' in x) out.push(`${x.p}\n`);
    else if ('ul' in x) out.push(x.ul.map((i) => `- ${i}`).join('\n') + '\n');
    else out.push([`| ${x.table.head.map(markdownCell).join(' | ')} |`, `|${x.table.head.map(() => ' --- |').join('')}`, ...x.table.rows.map((r) => `| ${r.map(markdownCell).join(' | ')} |`)].join('\n') + '\n');
  }
  return out.join('\n');
}

const esc = escapeHtml;
/** `code` spans of the Markdown rendering become <code> in HTML (after escaping). */
const inline = (s: string): string => esc(s).replace(/`([^`]+)`/g, '<code>$1</code>');

export function docsToHtml(d: TechnicalDocs): string {
  const body: string[] = [];
  for (const x of blocks(d)) {
    if ('h' in x) body.push(`<h${x.h}>${inline(x.text)}</h${x.h}>`);
    else if ('p' in x) body.push(`<p>${inline(x.p)}</p>`);
    else if ('ul' in x) body.push(`<ul>${x.ul.map((i) => `<li>${inline(i)}</li>`).join('')}</ul>`);
    else body.push(`<table><thead><tr>${x.table.head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${x.table.rows.map((r) => `<tr>${r.map((c) => `<td${c === 'OVERDUE' || c === 'no' || c === 'not set' ? ' class="warn"' : ''}>${inline(c)}</td>`).join('')}</tr>`).join('')}</tbody></table>`);
  }
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(`Technical documentation: ${d.product.name} ${d.product.version}`)}</title>
<style>
body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#1a1a1a}
h1{font-size:1.6em}h2{border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:2em}
table{border-collapse:collapse;margin:.5em 0 1em;width:100%}th,td{border:1px solid #ccc;padding:.3em .5em;text-align:left;vertical-align:top}
th{background:#f3f3f3}td.warn{color:#a40000;font-weight:600}code{background:#f3f3f3;padding:0 .2em}
</style></head>
<body>
${body.join('\n')}
</body></html>
`;
}

/**
 * CRA product classification: a suggested class per component from its layer category (and, when product.yaml says
 * so, its core function), with the Annex III/IV entry that justifies it, an override with a reason, and what
 * conformity-assessment route each class implies.
 *
 * Sources: every annex entry text below is the paraphrase in regulations.md §1.6 (Annex III, Annex IV) — itself
 * marked [C] (corroborated, the official text not read directly). The "K8s relevance" column there is the reference's
 * interpretation, not a legal classification: classification depends on the product's *core functionality*
 * (regulations.md §1.6 intro). Suggestions are therefore suggestions; `uncertain` flags where regulations.md itself
 * says "borderline", "mostly n/a" or gives several candidates.
 *
 * Conformity-assessment routes: regulations.md does not cover the article that assigns assessment procedures
 * (modules) to classes — only the dates (§1.1: Chapter IV notified bodies from 11 Jun 2026, general application
 * 11 Dec 2027) and the harmonised standards in preparation (§1.8, none yet cited in the OJ). Article 32 was looked
 * up (ARTICLE_32_SOURCES: a mirror of the final text and two commentaries) and `routeFor()` states its routes with
 * that source and confidence [C], never from memory.
 */
import type { ComponentFunction, CraClass, LayerCategory, Product, ProductComponent } from './product.js';

export interface AnnexEntry {
  /** "Annex III class I point 11", "Annex III class II point 1", "Annex IV point 1" … */
  annex: 'III' | 'IV';
  point: string;
  class: CraClass;
  /** The category as regulations.md paraphrases it. */
  text: string;
  citation: string;
  /** Harmonised standard in preparation for the category (regulations.md §1.8), when it names one. */
  standard?: string;
}

const c16 = 'regulations.md §1.6';
/** Annex III/IV entries relevant to a Kubernetes platform, keyed by Annex point — regulations.md §1.6. */
export const ANNEX_ENTRIES: Readonly<Record<string, AnnexEntry>> = {
  'I.1': { annex: 'III', point: 'I.1', class: 'important-I', text: 'Identity management & privileged access management SW/HW (incl. authentication/access-control readers)', citation: c16, standard: '(CEN, M/606 line 16) Identity & privileged access management — regulations.md §1.8' },
  'I.5': { annex: 'III', point: 'I.5', class: 'important-I', text: 'Products with VPN function', citation: c16, standard: 'EN 304 620 (VPNs) — regulations.md §1.8' },
  'I.6': { annex: 'III', point: 'I.6', class: 'important-I', text: 'Network management systems', citation: c16, standard: 'EN 304 621 (Network management systems) — regulations.md §1.8' },
  'I.7': { annex: 'III', point: 'I.7', class: 'important-I', text: 'SIEM systems', citation: c16, standard: 'EN 304 622 (SIEM) — regulations.md §1.8' },
  'I.8': { annex: 'III', point: 'I.8', class: 'important-I', text: 'Boot managers', citation: c16, standard: 'EN 304 623 (Boot managers) — regulations.md §1.8' },
  'I.9': { annex: 'III', point: 'I.9', class: 'important-I', text: 'PKI and digital certificate issuance software', citation: c16, standard: 'EN 304 624 (PKI & certificate issuance software) — regulations.md §1.8' },
  'I.10': { annex: 'III', point: 'I.10', class: 'important-I', text: 'Physical and virtual network interfaces', citation: c16, standard: 'EN 304 625 (Physical & virtual network interfaces) — regulations.md §1.8' },
  'I.11': { annex: 'III', point: 'I.11', class: 'important-I', text: 'Operating systems', citation: c16, standard: 'EN 304 626 (Operating systems) — regulations.md §1.8' },
  'I.12': { annex: 'III', point: 'I.12', class: 'important-I', text: 'Routers, internet modems, switches', citation: c16, standard: 'EN 304 627 (Routers, modems, switches) — regulations.md §1.8' },
  'II.1': { annex: 'III', point: 'II.1', class: 'important-II', text: 'Hypervisors and container runtime systems supporting virtualised execution of OSs and similar environments', citation: c16, standard: 'EN 304 635 (Hypervisors & container runtime systems, Class II.1) — regulations.md §1.8' },
  'II.2': { annex: 'III', point: 'II.2', class: 'important-II', text: 'Firewalls, intrusion detection and prevention systems', citation: c16, standard: 'EN 304 636 (Firewalls, IDS/IPS, Class II.2) — regulations.md §1.8' },
  'IV.1': { annex: 'IV', point: 'IV.1', class: 'critical', text: 'Hardware devices with security boxes', citation: c16 },
  'IV.2': { annex: 'IV', point: 'IV.2', class: 'critical', text: 'Smart meter gateways and other devices for advanced security purposes incl. secure cryptoprocessing', citation: c16 },
  'IV.3': { annex: 'IV', point: 'IV.3', class: 'critical', text: 'Smartcards or similar, incl. secure elements', citation: c16 },
};

export interface Suggestion {
  class: CraClass;
  /** The entry that justifies an important/critical class; absent for default. */
  entry?: AnnexEntry;
  /** Other entries to review (regulations.md §1.6 names several candidates, or calls the fit borderline). */
  candidates: AnnexEntry[];
  rationale: string;
  /** regulations.md itself is uncertain about the fit (borderline, interpretation only, several candidates). */
  uncertain: boolean;
}

const e = (k: string): AnnexEntry => ANNEX_ENTRIES[k]!;

/** Suggested class by layer category, following the "K8s relevance" column of regulations.md §1.6. */
export function suggestForCategory(layer: LayerCategory): Suggestion {
  switch (layer) {
    case 'operating-system':
      return { class: 'important-I', entry: e('I.11'), candidates: [e('I.8')], uncertain: false, rationale: 'Node OS / container-optimised OS: Annex III class I point 11 "Operating systems" (regulations.md §1.6); review I.8 if the layer ships a boot manager.' };
    case 'container-runtime':
      return { class: 'important-II', entry: e('II.1'), candidates: [], uncertain: false, rationale: 'containerd/CRI-O/runc, Kata, KubeVirt: Annex III class II point 1 (regulations.md §1.6).' };
    case 'kubernetes':
      return {
        class: 'default',
        candidates: [e('II.1')],
        uncertain: true,
        rationale:
          'regulations.md §1.6 lists no Annex III category for orchestration itself, but notes that the draft EN 304 635 scope defines a "Container Execution Stack" that also pulls in management/orchestration components (Class II.1) — uncertain; review against Implementing Regulation (EU) 2025/2392 and override with a reason.',
      };
    case 'networking':
      return {
        class: 'important-I',
        entry: e('I.10'),
        candidates: [e('I.5'), e('I.6'), e('II.2')],
        uncertain: true,
        rationale:
          'CNI virtual interfaces: Annex III class I point 10 (regulations.md §1.6). If the CNI encrypts with WireGuard/IPsec review I.5 (VPN function); network controllers/managers I.6; NetworkPolicy enforcement II.2 (firewalls) — these are the reference\'s interpretation, not a legal classification.',
      };
    case 'ingress':
      return { class: 'important-I', entry: e('I.12'), candidates: [e('II.2')], uncertain: true, rationale: 'Ingress/virtual switches: Annex III class I point 12, which regulations.md §1.6 marks as borderline; review II.2 if it is a web application firewall.' };
    case 'security':
      return {
        class: 'default',
        candidates: [e('I.1'), e('I.7'), e('I.9'), e('II.2')],
        uncertain: true,
        rationale: 'Security components have no single Annex III category: set `function` (identity-management, siem, pki, firewall, intrusion-detection …) in product.yaml or override; candidates per regulations.md §1.6.',
      };
    case 'management-ui':
      return { class: 'default', candidates: [e('I.1'), e('I.6')], uncertain: true, rationale: 'regulations.md §1.6 lists no Annex III category for management consoles; review I.1 if it manages identities/privileged access, I.6 if it manages networks.' };
    case 'cli':
      return { class: 'default', candidates: [], uncertain: false, rationale: 'No Annex III/IV category in regulations.md §1.6 covers CLI tools.' };
    case 'application':
      return { class: 'default', candidates: [], uncertain: false, rationale: 'No Annex III/IV category in regulations.md §1.6 covers general applications; classify by core functionality if it has one listed there.' };
  }
}

const FUNCTION_ENTRY: Readonly<Record<ComponentFunction, string>> = {
  'identity-management': 'I.1',
  vpn: 'I.5',
  'network-management': 'I.6',
  siem: 'I.7',
  'boot-manager': 'I.8',
  pki: 'I.9',
  'network-interface': 'I.10',
  'operating-system': 'I.11',
  'router-switch': 'I.12',
  'container-runtime': 'II.1',
  hypervisor: 'II.1',
  firewall: 'II.2',
  'intrusion-detection': 'II.2',
};

/** The suggestion when product.yaml states the component's core function. */
export function suggestForFunction(fn: ComponentFunction): Suggestion {
  const entry = e(FUNCTION_ENTRY[fn]);
  return { class: entry.class, entry, candidates: [], uncertain: false, rationale: `Core function "${fn}": Annex ${entry.annex} ${entry.point} "${entry.text}" (${entry.citation}).` };
}

export interface ConformityRoute {
  class: CraClass;
  /**
   * Where the procedures come from: Article 32 of Regulation (EU) 2024/2847, which ../shared/reference/regulations.md
   * does not cover; looked up in a mirror of the final text and two commentaries (ARTICLE_32_SOURCES), so marked
   * [C] (corroborated, not read from the Official Journal).
   */
  source: typeof ARTICLE_32_SOURCES;
  /** The procedures the manufacturer may use (Article 32 paragraph). */
  procedures: string[];
  /** Whether a notified body (third party) must be involved. 'unless-standards': not when harmonised standards etc. are applied in full. */
  thirdParty: 'no' | 'unless-standards' | 'yes';
  statement: string;
  /** Harmonised standards in preparation for the justifying category (regulations.md §1.8). */
  standards: string[];
  relevantDates: { item: string; date: string; citation: string }[];
}

/** Article 32 is not in regulations.md; these are where its text was read (December 2026). */
export const ARTICLE_32_SOURCES = {
  article: 'Regulation (EU) 2024/2847, Article 32 (conformity assessment procedures), Annex VIII (modules)',
  confidence: 'C',
  readFrom: [
    'https://www.european-cyber-resilience-act.com/Cyber_Resilience_Act_Article_32.html (final text, paragraphs 1–2)',
    'https://www.eucybersecurity.org/obligations/obl-art32-01 (paragraphs 1–4 per class)',
    'https://enobyte.com/en/legal/cra/32/index.html (paragraph structure)',
  ],
} as const;

const MODULE_A = 'internal control (module A, Annex VIII) — self-assessment';
const MODULE_BC = 'EU-type examination by a notified body (module B) followed by conformity to type based on internal production control (module C), Annex VIII';
const MODULE_H = 'full quality assurance assessed by a notified body (module H, Annex VIII)';
const EUCC = 'a European cybersecurity certification scheme pursuant to Article 27(9), where available and applicable';

/** The conformity-assessment route of a class (Article 32; see ARTICLE_32_SOURCES). */
export function routeFor(cls: CraClass, entry?: AnnexEntry): ConformityRoute {
  const standards = entry?.standard ? [entry.standard] : [];
  const noStandard = 'regulations.md §1.8: no CRA harmonised standard is yet cited in the OJ, so none gives a presumption of conformity yet.';
  let procedures: string[];
  let thirdParty: ConformityRoute['thirdParty'];
  let statement: string;
  switch (cls) {
    case 'default':
      procedures = [MODULE_A, MODULE_BC, MODULE_H, EUCC];
      thirdParty = 'no';
      statement = `Art. 32(1): any of ${procedures.length} procedures; internal control (module A) — self-assessment — suffices.`;
      break;
    case 'important-I':
      procedures = [MODULE_A, MODULE_BC, MODULE_H];
      thirdParty = 'unless-standards';
      statement = `Art. 32(2): module A (self-assessment) only where harmonised standards, common specifications or a certification scheme at assurance level at least "substantial" are applied in full; otherwise module B+C or module H (a notified body). ${noStandard}`;
      break;
    case 'important-II':
      procedures = [MODULE_BC, MODULE_H, EUCC];
      thirdParty = 'yes';
      statement = 'Art. 32(3): module B+C, module H or a European cybersecurity certification scheme — third-party assessment; self-assessment is not available.';
      break;
    case 'critical':
      procedures = [EUCC, MODULE_BC, MODULE_H];
      thirdParty = 'yes';
      statement = 'Art. 32(4): a European cybersecurity certification scheme where one is required (Art. 8(1)); otherwise the class II procedures (module B+C or module H).';
      break;
  }
  return {
    class: cls,
    source: ARTICLE_32_SOURCES,
    procedures,
    thirdParty,
    statement: `${statement} [C: Article 32 read from a mirror of the final text and commentaries, not from regulations.md; confirm against the Official Journal]`,
    standards,
    relevantDates: [
      { item: 'Chapter IV (notification of conformity assessment bodies) applies', date: '2026-06-11', citation: 'regulations.md §1.1' },
      { item: 'General application (CE marking, Annex I conformity)', date: '2027-12-11', citation: 'regulations.md §1.1' },
    ],
  };
}

export interface Classification {
  component: string;
  layer: LayerCategory;
  suggested: Suggestion;
  /** The class that applies: the override when product.yaml gives one, else the suggestion. */
  class: CraClass;
  override?: { class: CraClass; reason: string; /** the override lowers the suggested class */ lowers: boolean };
  route: ConformityRoute;
}

const RANK: Readonly<Record<CraClass, number>> = { default: 0, 'important-I': 1, 'important-II': 2, critical: 3 };

export function classifyComponent(c: Pick<ProductComponent, 'name' | 'layer' | 'function' | 'classOverride'>): Classification {
  const suggested = c.function ? suggestForFunction(c.function) : suggestForCategory(c.layer);
  const cls = c.classOverride?.class ?? suggested.class;
  const out: Classification = { component: c.name, layer: c.layer, suggested, class: cls, route: routeFor(cls, c.classOverride ? undefined : suggested.entry) };
  if (c.classOverride) {
    out.override = { ...c.classOverride, lowers: RANK[c.classOverride.class] < RANK[suggested.class] };
    const matching = [suggested.entry, ...suggested.candidates].find((x) => x?.class === cls);
    out.route = routeFor(cls, matching);
  }
  return out;
}

export interface ProductClassification {
  product: string;
  components: Classification[];
  /** The highest class among the components (what the product as a whole must be assessed against is for the
   * manufacturer to determine by core functionality — regulations.md §1.6; this is a pointer, not a ruling). */
  highest: CraClass;
}

export function classifyProduct(p: Pick<Product, 'name' | 'components'>): ProductClassification {
  const components = p.components.map(classifyComponent);
  const highest = components.reduce<CraClass>((h, c) => (RANK[c.class] > RANK[h] ? c.class : h), 'default');
  return { product: p.name, components, highest };
}

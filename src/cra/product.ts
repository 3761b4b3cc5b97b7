/**
 * product.yaml: the product a manufacturer places on the market under the EU Cyber Resilience Act, described by
 * its layers (operating system, container runtime, Kubernetes, networking/CNI, ingress/gateway, security
 * components, management UI, CLI tools, applications).
 *
 * ```yaml
 * apiVersion: kubecomply.io/v1alpha1   # optional (lets `kubecomply scan` recognise and skip the file)
 * kind: Product                       # optional
 * name: acme-platform
 * version: 2.3.0
 * manufacturer: { name: ACME GmbH, contact: security@acme.example, country: DE }
 * supportPeriodEnd: 2031-12           # at least month and year (regulations.md §1.3, Art. 13(19))
 * memberStates: [DE, FR]              # where the product is made available (asked by Art. 14(2)(a), §1.2)
 * components:
 *   - name: containerd
 *     layer: container-runtime
 *     version: 1.7.27
 *     purl: pkg:github/containerd/containerd@v1.7.27      # optional
 *     sbom: sboms/containerd.cdx.json                     # relative to this file
 *     securitySources: [https://github.com/containerd/containerd/security/advisories]
 *     function: vpn                   # optional refinement for classification (see classify.ts)
 *     class: important-II             # optional override of the suggested class…
 *     classReason: "…"                # …which then needs a reason
 * ```
 *
 * Parsing is pure (`parseProduct(text, file)`); every error names the file, the line and the field.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import yaml from 'js-yaml';

export const LAYER_CATEGORIES = [
  'operating-system',
  'container-runtime',
  'kubernetes',
  'networking',
  'ingress',
  'security',
  'management-ui',
  'cli',
  'application',
] as const;
export type LayerCategory = (typeof LAYER_CATEGORIES)[number];

/** CRA classes: default, important class I / II (Annex III), critical (Annex IV) — regulations.md §1.6. */
export const CRA_CLASSES = ['default', 'important-I', 'important-II', 'critical'] as const;
export type CraClass = (typeof CRA_CLASSES)[number];

/** Optional refinements of what a component's core functionality is (classify.ts maps them to Annex III points). */
export const COMPONENT_FUNCTIONS = [
  'identity-management',
  'vpn',
  'network-management',
  'siem',
  'boot-manager',
  'pki',
  'network-interface',
  'operating-system',
  'router-switch',
  'container-runtime',
  'hypervisor',
  'firewall',
  'intrusion-detection',
] as const;
export type ComponentFunction = (typeof COMPONENT_FUNCTIONS)[number];

export interface ProductComponent {
  name: string;
  layer: LayerCategory;
  version: string;
  purl?: string;
  /** The SBOM path as written in the file. */
  sbomDeclared?: string;
  /** The SBOM path resolved against the product file's directory. */
  sbom?: string;
  securitySources: string[];
  function?: ComponentFunction;
  classOverride?: { class: CraClass; reason: string };
  /** 1-based line of the component's entry in product.yaml. */
  line: number;
}

export interface Product {
  file: string;
  name: string;
  version: string;
  manufacturer: { name: string; contact?: string; country?: string; url?: string };
  /** "YYYY-MM" or "YYYY-MM-DD" as written. */
  supportPeriodEnd: string;
  memberStates: string[];
  components: ProductComponent[];
}

export class ProductError extends Error {
  constructor(
    readonly file: string,
    readonly line: number | undefined,
    readonly field: string,
    readonly detail: string,
  ) {
    super(`${file}${line !== undefined ? `:${line}` : ''}: ${field}: ${detail}`);
    this.name = 'ProductError';
  }
}

/** Thrown with every problem found (not just the first). */
export class ProductErrors extends Error {
  constructor(readonly errors: ProductError[]) {
    super(errors.map((e) => e.message).join('\n'));
    this.name = 'ProductErrors';
  }
}

type Obj = Record<string, unknown>;
const isObj = (x: unknown): x is Obj => typeof x === 'object' && x !== null && !Array.isArray(x);

const MAX_BYTES = 1024 * 1024;

/** Parse and validate product.yaml text. `file` is used for messages and to resolve SBOM paths. */
export function parseProduct(text: string, file: string): Product {
  if (text.length > MAX_BYTES) throw new ProductErrors([new ProductError(file, undefined, '(document)', `larger than ${MAX_BYTES} bytes`)]);
  const lines = new WeakMap<object, number>();
  const stack: number[] = [];
  let doc: unknown;
  try {
    doc = yaml.load(text, {
      filename: file,
      json: false,
      listener(event, state) {
        if (event === 'open') stack.push(state.line);
        else {
          const l = stack.pop();
          const r: unknown = state.result;
          if (l !== undefined && typeof r === 'object' && r !== null && !lines.has(r)) lines.set(r, l + 1);
        }
      },
    });
  } catch (e) {
    const m = e as { mark?: { line: number }; reason?: string; message: string };
    throw new ProductErrors([new ProductError(file, m.mark ? m.mark.line + 1 : undefined, '(document)', m.reason ?? m.message)]);
  }
  const src = text.split('\n');
  const errors: ProductError[] = [];
  /** Line of `key:` at or after the object's first line (the key's own line when it can be found). */
  const lineOf = (o: object | undefined, key?: string): number | undefined => {
    const start = o ? lines.get(o) : undefined;
    if (start === undefined || key === undefined) return start;
    const re = new RegExp(`^\\s*(-\\s+)?["']?${key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}["']?\\s*:`);
    for (let i = start - 1; i < Math.min(src.length, start + 200); i++) if (re.test(src[i]!)) return i + 1;
    return start;
  };
  const err = (o: object | undefined, field: string, key: string | undefined, detail: string): void => {
    errors.push(new ProductError(file, lineOf(o, key), field, detail));
  };

  if (!isObj(doc)) throw new ProductErrors([new ProductError(file, 1, '(document)', 'expected a mapping (name, version, manufacturer, supportPeriodEnd, components)')]);
  const str = (o: Obj, key: string, field: string, required: boolean): string | undefined => {
    const v = o[key];
    if (v === undefined || v === null) {
      if (required) err(o, field, undefined, 'is required');
      return undefined;
    }
    if (typeof v === 'number') return String(v);
    if (typeof v !== 'string' || v.trim() === '') {
      err(o, field, key, 'expected a non-empty string');
      return undefined;
    }
    return v;
  };
  const strList = (o: Obj, key: string, field: string): string[] => {
    const v = o[key];
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) {
      err(o, field, key, 'expected a list of strings');
      return [];
    }
    return v as string[];
  };

  if (doc.kind !== undefined && doc.kind !== 'Product') err(doc, 'kind', 'kind', `expected "Product", got ${JSON.stringify(doc.kind)}`);
  // Optional, so that \`kubecomply scan\` of a directory holding product.yaml recognises and skips it.
  if (doc.apiVersion !== undefined && doc.apiVersion !== 'kubecomply.io/v1alpha1') err(doc, 'apiVersion', 'apiVersion', `expected "kubecomply.io/v1alpha1", got ${JSON.stringify(doc.apiVersion)}`);
  const name = str(doc, 'name', 'name', true);
  const version = str(doc, 'version', 'version', true);

  let manufacturer: Product['manufacturer'] = { name: '' };
  const m = doc.manufacturer;
  if (typeof m === 'string' && m.trim() !== '') manufacturer = { name: m };
  else if (isObj(m)) {
    const mn = str(m, 'name', 'manufacturer.name', true);
    manufacturer = { name: mn ?? '' };
    for (const k of ['contact', 'country', 'url'] as const) {
      const v = str(m, k, `manufacturer.${k}`, false);
      if (v !== undefined) manufacturer[k] = v;
    }
  } else err(doc, 'manufacturer', m === undefined ? undefined : 'manufacturer', 'is required (a name, or a mapping with name, contact, country, url)');

  // Support period end date: at least month and year — regulations.md §1.3 (Art. 13(19)).
  let supportPeriodEnd = '';
  const spRaw = doc.supportPeriodEnd instanceof Date ? doc.supportPeriodEnd.toISOString().slice(0, 10) : doc.supportPeriodEnd;
  if (spRaw === undefined) err(doc, 'supportPeriodEnd', undefined, 'is required (YYYY-MM or YYYY-MM-DD; regulations.md §1.3, Art. 13(19): at least month and year)');
  else if (typeof spRaw !== 'string' || !/^\d{4}-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?$/.test(spRaw)) {
    err(doc, 'supportPeriodEnd', 'supportPeriodEnd', `expected YYYY-MM or YYYY-MM-DD, got ${JSON.stringify(spRaw)}`);
  } else supportPeriodEnd = spRaw;

  const memberStates = strList(doc, 'memberStates', 'memberStates');
  memberStates.forEach((s) => {
    if (!/^[A-Z]{2}$/.test(s)) err(doc, 'memberStates', 'memberStates', `expected two-letter country codes, got ${JSON.stringify(s)}`);
  });

  const components: ProductComponent[] = [];
  const list = doc.components;
  if (!Array.isArray(list) || list.length === 0) err(doc, 'components', list === undefined ? undefined : 'components', 'expected a non-empty list of components');
  else {
    const dir = path.dirname(file);
    const seen = new Map<string, number>();
    list.forEach((c: unknown, i) => {
      const f = `components[${i}]`;
      if (!isObj(c)) {
        err(list, f, undefined, 'expected a mapping');
        return;
      }
      const cname = str(c, 'name', `${f}.name`, true);
      const cversion = str(c, 'version', `${f}.version`, true);
      const layer = c.layer;
      if (layer === undefined) err(c, `${f}.layer`, undefined, `is required (one of ${LAYER_CATEGORIES.join(', ')})`);
      else if (!(LAYER_CATEGORIES as readonly unknown[]).includes(layer)) err(c, `${f}.layer`, 'layer', `expected one of ${LAYER_CATEGORIES.join(', ')}, got ${JSON.stringify(layer)}`);
      const purl = str(c, 'purl', `${f}.purl`, false);
      if (purl !== undefined && !purl.startsWith('pkg:')) err(c, `${f}.purl`, 'purl', 'expected a package URL (pkg:…)');
      const sbomDeclared = str(c, 'sbom', `${f}.sbom`, false);
      const securitySources = strList(c, 'securitySources', `${f}.securitySources`);
      const fn = c.function;
      if (fn !== undefined && !(COMPONENT_FUNCTIONS as readonly unknown[]).includes(fn)) err(c, `${f}.function`, 'function', `expected one of ${COMPONENT_FUNCTIONS.join(', ')}, got ${JSON.stringify(fn)}`);
      let classOverride: ProductComponent['classOverride'];
      if (c.class !== undefined) {
        if (!(CRA_CLASSES as readonly unknown[]).includes(c.class)) err(c, `${f}.class`, 'class', `expected one of ${CRA_CLASSES.join(', ')}, got ${JSON.stringify(c.class)}`);
        else {
          const reason = str(c, 'classReason', `${f}.classReason`, false);
          if (reason === undefined) err(c, `${f}.classReason`, 'class', 'overriding the suggested class needs a reason (classReason)');
          else classOverride = { class: c.class as CraClass, reason };
        }
      } else if (c.classReason !== undefined) err(c, `${f}.classReason`, 'classReason', 'given without class');
      const known = new Set(['name', 'layer', 'version', 'purl', 'sbom', 'securitySources', 'function', 'class', 'classReason', 'description']);
      for (const k of Object.keys(c)) if (!known.has(k)) err(c, `${f}.${k}`, k, 'unknown field');
      if (cname !== undefined) {
        const prev = seen.get(cname);
        if (prev !== undefined) err(c, `${f}.name`, 'name', `duplicate component name ${JSON.stringify(cname)} (also components[${prev}])`);
        seen.set(cname, i);
      }
      if (cname === undefined || cversion === undefined || !(LAYER_CATEGORIES as readonly unknown[]).includes(layer)) return;
      const pc: ProductComponent = { name: cname, layer: layer as LayerCategory, version: cversion, securitySources, line: lines.get(c) ?? 0 };
      if (purl !== undefined) pc.purl = purl;
      if (sbomDeclared !== undefined) {
        pc.sbomDeclared = sbomDeclared;
        pc.sbom = path.resolve(dir, sbomDeclared);
      }
      if (fn !== undefined && (COMPONENT_FUNCTIONS as readonly unknown[]).includes(fn)) pc.function = fn as ComponentFunction;
      if (classOverride) pc.classOverride = classOverride;
      components.push(pc);
    });
  }
  if (errors.length > 0) throw new ProductErrors(errors);
  return { file, name: name!, version: version!, manufacturer, supportPeriodEnd, memberStates, components };
}

export async function readProduct(file: string): Promise<Product> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new ProductErrors([new ProductError(file, undefined, '(file)', (e as Error).message)]);
  }
  return parseProduct(text.replace(/^\uFEFF/, ''), file);
}

/** The product's identifier used in VEX/CSAF output (a generic purl unless the caller has a better one). */
export function productPurl(p: Pick<Product, 'name' | 'version'>, version = p.version): string {
  return `pkg:generic/${encodeURIComponent(p.name)}@${encodeURIComponent(version)}`;
}

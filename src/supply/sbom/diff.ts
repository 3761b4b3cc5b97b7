/**
 * SBOM diff for change control: which components were added, removed, or changed (version, licenses,
 * hashes) between two SBOMs.
 *
 * Identity: a component is "the same package" on both sides when its purl without version matches
 * (`purlKey`), refined by what distinguishes packages that share a purl name — the subpath (the
 * Kubernetes components, `pkg:golang/k8s.io/kubernetes#cmd/kube-apiserver`) and, for `oci` purls,
 * the `repository_url` (nginx from Docker Hub is not nginx from a private registry). Components
 * without a usable purl are identified by (type, group, name).
 *
 * Each side is a set of (identity, version): the same package version listed twice (found at two
 * paths in an image) counts once. Several versions of one package on both sides (two lodash versions)
 * pair as: exact versions first, then the leftovers by closeness (the longest common leading
 * version parts, 4.17.20 → 4.17.21 before 3.10.1 → 4.17.21), in version order; what is left over
 * is added or removed. Nested components count like top-level ones; subjects are not compared.
 */
import type { Component, Sbom } from './model.js';
import { allComponents } from './model.js';
import { parsePurl, purlKey } from '../purl.js';

export type DiffField = 'version' | 'licenses' | 'hashes';

export interface SbomDiff {
  added: Component[];
  removed: Component[];
  changed: { before: Component; after: Component; fields: DiffField[] }[];
  /** Package versions present on both sides with the same licenses and hashes. */
  unchanged: number;
}

/** The identity a component is matched by across SBOMs (see the module comment). */
export function identityOf(c: Component): string {
  if (c.purl) {
    const key = purlKey(c.purl);
    const p = parsePurl(c.purl);
    if (key && p) {
      let id = key;
      if (p.type === 'oci' && p.qualifiers.repository_url) id += `?repository_url=${p.qualifiers.repository_url.toLowerCase()}`;
      if (p.subpath) id += `#${p.subpath}`;
      return id;
    }
  }
  return `\u0000${c.type}\u0000${c.group ?? ''}\u0000${c.name}`;
}

const licenseText = (c: Component): string =>
  c.licenses
    .map((l) => ('id' in l ? l.id : 'expression' in l ? l.expression : l.name))
    .sort()
    .join('\n');

const hashText = (c: Component): string =>
  c.hashes
    .map((h) => `${h.alg}:${h.content.toLowerCase()}`)
    .sort()
    .join('\n');

function differences(a: Component, b: Component): DiffField[] {
  const out: DiffField[] = [];
  if ((a.version ?? '') !== (b.version ?? '')) out.push('version');
  if (licenseText(a) !== licenseText(b)) out.push('licenses');
  if (hashText(a) !== hashText(b)) out.push('hashes');
  return out;
}

/** Natural order of version strings: numeric runs compare as numbers. */
export function compareVersions(a: string, b: string): number {
  const ta = a.match(/\d+|\D+/g) ?? [];
  const tb = b.match(/\d+|\D+/g) ?? [];
  for (let i = 0; i < Math.min(ta.length, tb.length); i++) {
    const x = ta[i]!;
    const y = tb[i]!;
    if (x === y) continue;
    const nx = /^\d/.test(x);
    const ny = /^\d/.test(y);
    if (nx && ny) {
      const d = Number(x) - Number(y);
      if (d !== 0) return d < 0 ? -1 : 1;
      continue;
    }
    return x < y ? -1 : 1;
  }
  return ta.length - tb.length;
}

/** How many leading version parts two versions share (`v1.31.0` and `1.31.2`: 2). */
function closeness(a: string, b: string): number {
  const pa = a.replace(/^v/i, '').split(/[.\-+_:]/);
  const pb = b.replace(/^v/i, '').split(/[.\-+_:]/);
  let n = 0;
  while (n < pa.length && n < pb.length && pa[n] === pb[n]) n++;
  return n;
}

/** Groups a side by identity, keeping the first component of each (identity, version). */
function index(sbom: Sbom): Map<string, Map<string, Component>> {
  const out = new Map<string, Map<string, Component>>();
  for (const c of allComponents(sbom)) {
    const id = identityOf(c);
    let versions = out.get(id);
    if (!versions) out.set(id, (versions = new Map()));
    const v = c.version ?? '';
    if (!versions.has(v)) versions.set(v, c);
  }
  return out;
}

const displayName = (c: Component): string => (c.group ? `${c.group}/${c.name}` : c.name);

function byName(a: Component, b: Component): number {
  const n = displayName(a).localeCompare(displayName(b));
  return n !== 0 ? n : compareVersions(a.version ?? '', b.version ?? '');
}

export function diffSboms(before: Sbom, after: Sbom): SbomDiff {
  const b = index(before);
  const a = index(after);
  const result: SbomDiff = { added: [], removed: [], changed: [], unchanged: 0 };
  for (const [id, bv] of b) {
    const av = a.get(id);
    if (!av) {
      result.removed.push(...bv.values());
      continue;
    }
    const leftB: Component[] = [];
    for (const [v, bc] of bv) {
      const ac = av.get(v);
      if (!ac) {
        leftB.push(bc);
        continue;
      }
      const fields = differences(bc, ac);
      if (fields.length === 0) result.unchanged++;
      else result.changed.push({ before: bc, after: ac, fields });
    }
    const leftA = [...av].filter(([v]) => !bv.has(v)).map(([, c]) => c);
    const ver = (c: Component): string => c.version ?? '';
    leftB.sort((x, y) => compareVersions(ver(x), ver(y)));
    leftA.sort((x, y) => compareVersions(ver(x), ver(y)));
    // Greedy pairing, closest versions first; ties keep version order.
    const candidates: { i: number; j: number; score: number }[] = [];
    for (let i = 0; i < leftB.length; i++) for (let j = 0; j < leftA.length; j++) candidates.push({ i, j, score: closeness(ver(leftB[i]!), ver(leftA[j]!)) });
    candidates.sort((x, y) => y.score - x.score || x.i - y.i || x.j - y.j);
    const usedB = new Set<number>();
    const usedA = new Set<number>();
    const pairs: [number, number][] = [];
    for (const c of candidates) {
      if (usedB.has(c.i) || usedA.has(c.j)) continue;
      usedB.add(c.i);
      usedA.add(c.j);
      pairs.push([c.i, c.j]);
    }
    pairs.sort((x, y) => x[0] - y[0]);
    for (const [i, j] of pairs) result.changed.push({ before: leftB[i]!, after: leftA[j]!, fields: differences(leftB[i]!, leftA[j]!) });
    leftB.forEach((c, i) => usedB.has(i) || result.removed.push(c));
    leftA.forEach((c, j) => usedA.has(j) || result.added.push(c));
  }
  for (const [id, av] of a) if (!b.has(id)) result.added.push(...av.values());
  result.added.sort(byName);
  result.removed.sort(byName);
  result.changed.sort((x, y) => byName(x.before, y.before));
  return result;
}

// ---------------------------------------------------------------------------------------------------
// Formatters

const ANSI = { green: [32, 39], red: [31, 39], yellow: [33, 39], dim: [2, 22] } as const;

function paint(color: boolean, style: keyof typeof ANSI, s: string): string {
  if (!color) return s;
  const [open, close] = ANSI[style];
  return `\u001b[${open}m${s}\u001b[${close}m`;
}

const MAX_NAME_WIDTH = 60;

/**
 * A readable change list:
 *
 *     + left-pad               1.3.0
 *     - request                2.88.2
 *     ~ lodash                 4.17.20 → 4.17.21
 *     ~ openssl                3.0.13 (licenses, hashes)
 *     2 added, 1 removed, 2 changed, 40 unchanged
 */
export function formatDiffTable(d: SbomDiff, opts: { color: boolean }): string {
  const names = [...d.added, ...d.removed, ...d.changed.map((c) => c.after)].map(displayName);
  const width = Math.min(MAX_NAME_WIDTH, names.reduce((w, n) => Math.max(w, [...n].length), 0));
  const pad = (s: string): string => s + ' '.repeat(Math.max(0, width - [...s].length));
  const lines: string[] = [];
  for (const c of d.added) lines.push(paint(opts.color, 'green', `+ ${pad(displayName(c))}  ${c.version ?? '(no version)'}`));
  for (const c of d.removed) lines.push(paint(opts.color, 'red', `- ${pad(displayName(c))}  ${c.version ?? '(no version)'}`));
  for (const ch of d.changed) {
    const other = ch.fields.filter((f) => f !== 'version');
    const v = ch.fields.includes('version') ? `${ch.before.version ?? '(no version)'} → ${ch.after.version ?? '(no version)'}` : (ch.after.version ?? '(no version)');
    const extra = other.length > 0 ? ` (${other.join(', ')})` : '';
    lines.push(paint(opts.color, 'yellow', `~ ${pad(displayName(ch.after))}  ${v}${extra}`));
  }
  const summary = `${d.added.length} added, ${d.removed.length} removed, ${d.changed.length} changed, ${d.unchanged} unchanged`;
  if (lines.length === 0) return `No component changes (${d.unchanged} unchanged)\n`;
  lines.push(paint(opts.color, 'dim', summary));
  return lines.join('\n') + '\n';
}

function componentJson(c: Component): Record<string, unknown> {
  const out: Record<string, unknown> = { name: c.name, type: c.type };
  if (c.group !== undefined) out.group = c.group;
  if (c.version !== undefined) out.version = c.version;
  if (c.purl !== undefined) out.purl = c.purl;
  out.ref = c.ref;
  return out;
}

function detailJson(c: Component): Record<string, unknown> {
  const out = componentJson(c);
  out.licenses = c.licenses.map((l) => ('id' in l ? l.id : 'expression' in l ? l.expression : l.name));
  out.hashes = c.hashes.map((h) => ({ alg: h.alg, content: h.content }));
  return out;
}

export const SBOM_DIFF_SCHEMA_VERSION = 'kubecomply.io/sbom-diff/v1';

/** The diff as a JSON-ready object (the CLI stringifies it). */
export function diffToJson(d: SbomDiff): Record<string, unknown> {
  return {
    schemaVersion: SBOM_DIFF_SCHEMA_VERSION,
    summary: { added: d.added.length, removed: d.removed.length, changed: d.changed.length, unchanged: d.unchanged },
    added: d.added.map(componentJson),
    removed: d.removed.map(componentJson),
    changed: d.changed.map((c) => ({ name: displayName(c.after), fields: c.fields, before: detailJson(c.before), after: detailJson(c.after) })),
  };
}

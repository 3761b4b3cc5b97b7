import type { Control, Severity } from '../core/types.js';
import { citedIds, type Framework } from '../frameworks/index.js';

export interface Selection {
  /** Control ids or globs (`pss-*`) to run; empty = all. */
  include?: readonly string[];
  /** Control ids or globs to leave out. */
  exclude?: readonly string[];
  /** Families to run; empty = all. */
  families?: readonly string[];
}

export interface SelectionProblem {
  kind: 'unknown-control' | 'unknown-family';
  value: string;
}

/** A control-id glob (`pss-*`; only `*` is special) as a predicate. Shared by every place that names controls. */
export function idGlob(pattern: string): (id: string) => boolean {
  if (!pattern.includes('*')) return (id) => id === pattern;
  const re = new RegExp('^' + pattern.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*') + '$');
  return (id) => re.test(id);
}

/** Applies --controls / --skip-controls / --family. Unknown ids and families are returned as problems. */
export function selectControls(all: readonly Control[], sel: Selection): { controls: Control[]; problems: SelectionProblem[] } {
  const problems: SelectionProblem[] = [];
  const families = new Set(all.map((c) => c.family));
  for (const f of sel.families ?? []) if (!families.has(f)) problems.push({ kind: 'unknown-family', value: f });
  for (const p of [...(sel.include ?? []), ...(sel.exclude ?? [])]) {
    const m = idGlob(p);
    if (!all.some((c) => m(c.id))) problems.push({ kind: 'unknown-control', value: p });
  }
  const inc = (sel.include ?? []).map(idGlob);
  const exc = (sel.exclude ?? []).map(idGlob);
  const fam = new Set(sel.families ?? []);
  const controls = all.filter(
    (c) => (inc.length === 0 || inc.some((m) => m(c.id))) && !exc.some((m) => m(c.id)) && (fam.size === 0 || fam.has(c.family)),
  );
  return { controls, problems };
}

/** Controls with the configuration's severity overrides applied (the check itself is shared). */
export function withSeverities(controls: readonly Control[], overrides: Readonly<Record<string, Severity>>): Control[] {
  return controls.map((c) => (overrides[c.id] && overrides[c.id] !== c.severity ? { ...c, severity: overrides[c.id] } : c));
}

/** Controls mapped to at least one requirement of the given frameworks. */
export function controlsForFrameworks(all: readonly Control[], frameworks: readonly Framework[]): Control[] {
  return all.filter((c) => frameworks.some((f) => citedIds(c.mappings, f).length > 0));
}

/** User rules from a YAML file: `rules: [...]` (or `audit: {rules: [...]}` in the configuration file). */
import { readFileSync } from 'node:fs';
import yaml from 'js-yaml';
import { validateRule } from './engine.js';
import type { AuditRule } from './rules.js';

export class RulesFileError extends Error {
  constructor(readonly problems: { file: string; line: number; message: string }[]) {
    super(problems.map((p) => `${p.file}:${p.line}: ${p.message}`).join('\n'));
  }
}

/** The 1-based line of the n-th list item ("- ") under the rules key, best effort. */
export function itemLines(text: string): number[] {
  const lines = text.split('\n');
  let listIndent = -1;
  const out: number[] = [];
  let inRules = false;
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i];
    if (/^\s*#/.test(l) || l.trim() === '') continue;
    if (/^\s*rules\s*:/.test(l)) {
      inRules = true;
      listIndent = -1;
      continue;
    }
    if (!inRules) continue;
    const m = /^(\s*)- /.exec(l) ?? /^(\s*)-$/.exec(l);
    if (m) {
      if (listIndent < 0) listIndent = m[1].length;
      if (m[1].length === listIndent) out.push(i + 1);
    } else if (listIndent >= 0 && /^\S/.test(l)) inRules = false;
  }
  return out;
}

/** The line of `key:` at or after `from` within the item (best effort), else `from`. */
function keyLine(text: string, from: number, to: number, ...keys: string[]): number {
  const lines = text.split('\n');
  for (const key of keys) {
    const re = new RegExp(`^\\s*(- )?${key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*:`);
    for (let i = from - 1; i < Math.min(to - 1, lines.length); i++) if (re.test(lines[i])) return i + 1;
  }
  return from;
}

export function parseUserRules(text: string, file: string, builtinIds: Set<string> = new Set()): AuditRule[] {
  let doc: unknown;
  try {
    doc = yaml.load(text, { filename: file, schema: yaml.CORE_SCHEMA });
  } catch (e) {
    const mark = (e as { mark?: { line?: number } }).mark;
    throw new RulesFileError([{ file, line: (mark?.line ?? 0) + 1, message: `invalid YAML: ${(e as { reason?: string }).reason ?? (e as Error).message}` }]);
  }
  let list: unknown = undefined;
  if (doc && typeof doc === 'object' && !Array.isArray(doc)) {
    const o = doc as Record<string, unknown>;
    list = o.rules ?? (o.audit && typeof o.audit === 'object' ? (o.audit as Record<string, unknown>).rules : undefined);
  }
  if (!Array.isArray(list)) throw new RulesFileError([{ file, line: 1, message: 'expected a "rules:" list of audit rules (or audit.rules in the configuration file)' }]);
  const starts = itemLines(text);
  const problems: { file: string; line: number; message: string }[] = [];
  const rules: AuditRule[] = [];
  const seen = new Set<string>();
  list.forEach((r, i) => {
    const start = starts[i] ?? 1;
    const end = starts[i + 1] ?? Number.MAX_SAFE_INTEGER;
    const errs = validateRule(r, `rules[${i}]`);
    const id = (r as { id?: unknown })?.id;
    if (typeof id === 'string') {
      if (builtinIds.has(id)) errs.push(`rules[${i}].id: "${id}" is a built-in rule id; choose another`);
      if (seen.has(id)) errs.push(`rules[${i}].id: duplicate id "${id}"`);
      seen.add(id);
    }
    for (const m of errs) {
      const key = /^rules\[\d+\]\.([A-Za-z]+)/.exec(m)?.[1];
      const deepest = [...m.matchAll(/\.([A-Za-z]+)(?:\[\d+\])?(?=[.:\s])/g)].map((x) => x[1]).pop();
      const line = key ? keyLine(text, start, end, ...(deepest && deepest !== key ? [deepest, key] : [key])) : start;
      problems.push({ file, line, message: m });
    }
    if (errs.length === 0) {
      const u = r as AuditRule;
      const rule: AuditRule = { ...u, mitre: u.mitre ?? [], explanation: u.explanation ?? '', remediation: u.remediation ?? '', source: file };
      rules.push(rule);
    }
  });
  if (problems.length) throw new RulesFileError(problems);
  return rules;
}

export function loadUserRules(file: string, builtinIds?: Set<string>): AuditRule[] {
  return parseUserRules(readFileSync(file, 'utf8'), file, builtinIds);
}

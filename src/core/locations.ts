import { concat } from './path.js';
import type { DocumentLocator, Finding, Position, Resource } from './types.js';

/**
 * Fills in `position` for findings, scanning each source document once for all its findings.
 * Documents without findings are never scanned.
 */
export function resolvePositions(findings: readonly Finding[]): void {
  const byDoc = new Map<DocumentLocator, { finding: Finding; path: string }[]>();
  for (const f of findings) {
    if (f.position) continue;
    const loc = f.resource.origin.locator;
    if (!loc) {
      f.position = { line: f.resource.origin.line, column: 1 };
      continue;
    }
    const doc = loc.doc;
    let list = byDoc.get(doc);
    if (!list) byDoc.set(doc, (list = []));
    list.push({ finding: f, path: concat(loc.prefix, f.path) });
  }
  for (const [doc, list] of byDoc) {
    const positions = doc.locate(list.map((x) => x.path));
    for (let i = 0; i < list.length; i++) list[i].finding.position = positions[i];
  }
}

/** Positions of fields (paths relative to the resource) in a resource's document, one scan of the text for all of them. */
export function locateFields(r: Resource, fields: readonly string[]): Position[] {
  const loc = r.origin.locator;
  if (!loc || fields.length === 0) return fields.map(() => ({ line: r.origin.line, column: 1 }));
  return loc.doc.locate(fields.map((f) => concat(loc.prefix, f)));
}

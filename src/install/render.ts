/**
 * Manifests as text: a YAML stream with a comment above each object (what kubectl apply reads), or
 * a JSON `kind: List` (comments cannot be written in JSON). YAML scalars that a YAML 1.1 reader would
 * take for something else ("yes", "0644") are quoted by the dumper, so kubectl reads what was meant.
 */
import yaml from 'js-yaml';
import type { Manifest } from './manifests.js';

export type OutputFormat = 'yaml' | 'json';

function comment(lines: readonly string[]): string {
  return lines.map((l) => (l === '' ? '#\n' : `# ${l}\n`)).join('');
}

export function renderYaml(manifests: readonly Manifest[], header: readonly string[]): string {
  const docs = manifests.map((m) => `${m.comment ? comment(m.comment) : ''}${yaml.dump(m.object, { lineWidth: -1, noRefs: true, quotingType: '"' })}`);
  return `${comment(header)}${docs.map((d) => `---\n${d}`).join('')}`;
}

export function renderJson(manifests: readonly Manifest[]): string {
  return `${JSON.stringify({ apiVersion: 'v1', kind: 'List', items: manifests.map((m) => m.object) }, null, 2)}\n`;
}

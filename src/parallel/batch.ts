/**
 * The per-document work of a scan: parse, classify, run per-resource controls, locate findings.
 */
import { findControl } from '../controls/index.js';
import { extractPodSpecs, isObject, resourceName } from '../core/inventory.js';
import { CLUSTER_SCOPED_KINDS } from '../core/kinds.js';
import { concat } from '../core/path.js';
import type { CheckContext, Control, InventoryView, PodSpecRef, Precomputed, Resource, ScanConfig } from '../core/types.js';
import { classifyDocument } from '../sources/classify.js';
import { createLocator } from '../sources/locate.js';
import type { ProcessedOutcome } from '../sources/loader.js';
import { parseYamlDocument } from '../sources/yaml.js';

export interface HandlerInit {
  config: ScanConfig;
  /** Ids of built-in controls with scope 'resource' to run. */
  controls: string[];
}

export interface BatchDoc {
  text: string;
  lineBase: number;
  docNo: number;
}

/** The inventory a per-resource control sees: its target only. Anything else is a scope violation. */
class SingleResourceView implements InventoryView {
  constructor(private readonly target: Resource) {}
  get resources(): readonly Resource[] {
    return [this.target];
  }
  podSpecsOf(r: Resource): readonly PodSpecRef[] {
    return (r.podSpecs ??= extractPodSpecs(r));
  }
  byKind(): readonly Resource[] {
    throw new Error('a resource-scoped control read other resources (byKind)');
  }
  inNamespace(): readonly Resource[] {
    throw new Error('a resource-scoped control read other resources (inNamespace)');
  }
  get(): Resource | undefined {
    throw new Error('a resource-scoped control read other resources (get)');
  }
  withLabel(): readonly Resource[] {
    throw new Error('a resource-scoped control read other resources (withLabel)');
  }
  namespaces(): readonly string[] {
    throw new Error('a resource-scoped control read other resources (namespaces)');
  }
  memo<T>(): T {
    throw new Error('a resource-scoped control read other resources (memo)');
  }
}

/**
 * Parses documents and runs the per-resource controls on what they hold, locating each finding:
 * the same work on the main thread and on every worker, done while each document is still hot in
 * the CPU cache.
 */
export function createDocumentHandler(init: HandlerInit): (filename: string, docs: readonly BatchDoc[]) => ProcessedOutcome[] {
  const controls: Control[] = init.controls.map((id) => findControl(id)).filter((c): c is Control => c !== undefined && c.scope === 'resource');
  const ran = controls.map((c) => c.id);
  const byKind = new Map<string, Control[]>();
  const forKind = (kind: string): Control[] => {
    let l = byKind.get(kind);
    if (!l) byKind.set(kind, (l = controls.filter((c) => c.appliesTo.includes('*') || c.appliesTo.includes(kind))));
    return l;
  };

  const checkDocument = (text: string, lineBase: number, value: unknown, docNo: number): [number, Precomputed][] => {
    const c = classifyDocument(value, docNo);
    const out: [number, Precomputed][] = [];
    // Findings are created once, with their position filled in after one locate pass over the text.
    type Found = Precomputed['findings'][number];
    const pending: Found[] = [];
    const pendingItem: number[] = [];
    for (const item of c.items) {
      const metadata = isObject(item.object.metadata) ? item.object.metadata : {};
      const r: Resource = {
        apiVersion: item.apiVersion,
        kind: item.kind,
        name: resourceName(metadata),
        // as the main thread decides it (custom kinds' scope from CRDs is unknown here; resource-scoped checks must not depend on it)
        namespace: CLUSTER_SCOPED_KINDS.has(item.kind) ? undefined : typeof metadata.namespace === 'string' && metadata.namespace !== '' ? metadata.namespace : init.config.defaultNamespace,
        metadata,
        object: item.object,
        origin: { file: '', doc: docNo - 1, line: 0 },
      };
      const ctx: CheckContext = { config: init.config, inventory: new SingleResourceView(r) };
      const list = forKind(item.kind);
      const found: Found[] = [];
      let failed: string[] | undefined;
      for (const control of list) {
        try {
          const vs = control.check(r, ctx);
          for (let v = 0; v < vs.length; v++) {
            const f: Found = { control: control.id, path: vs[v].path, message: vs[v].message, line: 0, column: 0 };
            found.push(f);
            pending.push(f);
            pendingItem.push(item.itemIndex);
          }
        } catch {
          // Left to the main thread, which reports the failure the same way for every resource.
          (failed ??= []).push(control.id);
        }
      }
      // Nothing failed: every offloaded control ran (the engine asks only about those of this kind), and
      // one shared list goes with every resource; otherwise the shorter list of those that did run.
      const ok = failed === undefined ? ran : list.map((c) => c.id).filter((id) => !failed!.includes(id));
      out.push([item.itemIndex, { controls: ok, findings: found }]);
    }
    if (pending.length > 0) {
      const loc = createLocator(text, lineBase, 'yaml');
      const positions = loc.locate(pending.map((f, k) => (pendingItem[k] >= 0 ? concat(`items[${pendingItem[k]}]`, f.path) : f.path)));
      for (let k = 0; k < pending.length; k++) {
        const f = pending[k] as { line: number; column: number };
        f.line = positions[k].line;
        f.column = positions[k].column;
      }
    }
    return out;
  };

  return (filename, docs) => {
    const out: ProcessedOutcome[] = [];
    for (const d of docs) {
      if (d.text === '') {
        out.push({ ok: true, value: null, warnings: [] });
        continue;
      }
      const r = parseYamlDocument(d.text, filename);
      if (!r.ok || controls.length === 0) {
        out.push(r);
        continue;
      }
      out.push({ ...r, precomputed: new Map(checkDocument(d.text, d.lineBase, r.value, d.docNo)) });
    }
    return out;
  };
}

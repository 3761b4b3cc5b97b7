/**
 * Loads Kubernetes objects from files, directories and stdin: multi-document YAML, JSON, `kind: List`
 * (kubectl output), Helm-rendered streams (`# Source:` comments) and Kustomize output. Every resource
 * keeps where it came from. Bad input is reported as diagnostics with file and line; the rest of the
 * input is still loaded.
 */
import { isUtf8 } from 'node:buffer';
import { createReadStream, promises as fsp } from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { CLUSTER_SCOPED_KINDS } from '../core/kinds.js';
import { isObject } from '../core/inventory.js';
import type { Diagnostic, DocumentLocator, JsonObject, ObjectMeta, Origin, Resource } from '../core/types.js';
import { createLocator } from './locate.js';
import { invalidUtf8Offsets, readText } from './reader.js';
import { DocumentSplitter, type RawDocument } from './splitter.js';
import { depthExceeds, MAX_DEPTH, parseYamlDocument, tooDeepMessage } from './yaml.js';

export const YAML_EXTENSIONS = ['.yaml', '.yml', '.json'];

/** Documents larger than this are refused (the API server's own request limit is 3 MiB, etcd's 1.5 MiB). */
export const DEFAULT_MAX_DOCUMENT_BYTES = 16 * 1024 * 1024;

/** JSON files are one document (often a whole `kubectl get -o json` List) and may be large. */
export const MAX_JSON_BYTES = 512 * 1024 * 1024;

/** Directories skipped when walking a tree (never when named explicitly). */
const SKIPPED_DIRS = new Set(['.git', 'node_modules', '.terraform', '.venv']);

export interface LoadOptions {
  /** Namespace for namespaced resources that name none (kubectl's `-n`). Default `default`. */
  defaultNamespace?: string;
  maxDocumentBytes?: number;
  /** Read stdin from here instead of process.stdin (tests). */
  stdin?: Readable;
  /** Called now and then while loading large inputs. */
  onProgress?: (p: LoadProgress) => void;
}

export interface LoadProgress {
  files: number;
  documents: number;
  bytes: number;
}

export interface LoadResult {
  resources: Resource[];
  diagnostics: Diagnostic[];
  files: number;
  documents: number;
  bytes: number;
}

interface PendingResource {
  object: JsonObject;
  apiVersion: string;
  kind: string;
  origin: Origin;
}

export async function loadSources(inputs: readonly string[], opts: LoadOptions = {}): Promise<LoadResult> {
  const state: LoadState = {
    pending: [],
    diagnostics: [],
    files: 0,
    documents: 0,
    bytes: 0,
    maxDoc: opts.maxDocumentBytes ?? DEFAULT_MAX_DOCUMENT_BYTES,
    onProgress: opts.onProgress,
    lastProgress: 0,
    inFlight: 0,
  };
  for (const input of inputs) {
    if (input === '-') {
      await loadStream(state, opts.stdin ?? process.stdin, '<stdin>', 'sniff');
      continue;
    }
    let st;
    try {
      st = await fsp.stat(input);
    } catch (e) {
      state.diagnostics.push({ level: 'error', code: 'input-missing', file: input, message: `cannot read ${input}: ${errMessage(e)}` });
      continue;
    }
    if (st.isDirectory()) {
      const files = await walk(input, state);
      if (files.length === 0) {
        state.diagnostics.push({ level: 'warning', code: 'empty-directory', file: input, message: `no .yaml, .yml or .json files under ${input}` });
      }
      for (const f of files) await loadFile(state, f);
    } else {
      await loadFile(state, input);
    }
  }
  const resources = finalize(state.pending, opts.defaultNamespace ?? 'default');
  return { resources, diagnostics: state.diagnostics, files: state.files, documents: state.documents, bytes: state.bytes };
}

interface LoadState {
  pending: PendingResource[];
  diagnostics: Diagnostic[];
  files: number;
  documents: number;
  bytes: number;
  maxDoc: number;
  onProgress: ((p: LoadProgress) => void) | undefined;
  lastProgress: number;
  /** Characters of the file being read (progress only). */
  inFlight: number;
}

function errMessage(e: unknown): string {
  if (e && typeof e === 'object' && 'code' in e && (e as { code: string }).code === 'ENOENT') return 'no such file or directory';
  return e instanceof Error ? e.message : String(e);
}

async function walk(dir: string, state: LoadState): Promise<string[]> {
  const out: string[] = [];
  const visit = async (d: string): Promise<void> => {
    let entries;
    try {
      entries = await fsp.readdir(d, { withFileTypes: true });
    } catch (e) {
      state.diagnostics.push({ level: 'error', code: 'input-unreadable', file: d, message: `cannot read directory ${d}: ${errMessage(e)}` });
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) {
        if (!SKIPPED_DIRS.has(e.name)) await visit(p);
      } else if ((e.isFile() || e.isSymbolicLink()) && YAML_EXTENSIONS.includes(path.extname(e.name).toLowerCase())) {
        out.push(p);
      }
    }
  };
  await visit(dir);
  return out;
}

async function loadFile(state: LoadState, file: string): Promise<void> {
  const format = path.extname(file).toLowerCase() === '.json' ? 'json' : 'yaml';
  let stream: Readable;
  try {
    stream = createReadStream(file, { highWaterMark: 1 << 20 });
    await new Promise<void>((resolve, reject) => {
      stream.once('open', () => resolve());
      stream.once('error', reject);
    });
  } catch (e) {
    state.diagnostics.push({ level: 'error', code: 'input-unreadable', file, message: `cannot read ${file}: ${errMessage(e)}` });
    return;
  }
  await loadStream(state, stream, file, format);
}

async function loadStream(state: LoadState, stream: Readable, file: string, format: 'yaml' | 'json' | 'sniff'): Promise<void> {
  state.files++;
  if (format === 'sniff' || format === 'json') {
    // Buffer the first chunk to decide; JSON is read whole (one document), YAML streams.
    const it = stream[Symbol.asyncIterator]();
    const first = await it.next();
    if (first.done) return;
    const head = Buffer.isBuffer(first.value) ? first.value : Buffer.from(String(first.value));
    const rest = restOf(head, it);
    const lead = head.toString('utf8', 0, Math.min(head.length, 4096)).replace(/^\uFEFF/, '').trimStart();
    if (format === 'json' || lead.startsWith('{') || lead.startsWith('[')) {
      await loadJson(state, rest, file, format === 'json');
      return;
    }
    await loadYaml(state, rest, file);
    return;
  }
  await loadYaml(state, stream, file);
}

/** Re-assembles a stream whose first chunk was already consumed. */
async function* restOf(head: Buffer, it: AsyncIterator<unknown>): AsyncGenerator<Buffer> {
  yield head;
  for (;;) {
    const n = await it.next();
    if (n.done) return;
    yield Buffer.isBuffer(n.value) ? n.value : Buffer.from(String(n.value));
  }
}

async function loadYaml(state: LoadState, stream: AsyncIterable<unknown>, file: string): Promise<void> {
  const splitter = new DocumentSplitter(state.maxDoc, (d) => {
    handleYamlDocument(state, d, file);
  });
  try {
    const bytes = await readText(stream, {
      invalidUtf8: (line) => splitter.markInvalidUtf8(line),
      text: (s) => {
        splitter.push(s);
        state.inFlight += s.length;
        progress(state);
      },
    });
    state.bytes += bytes;
    state.inFlight = 0;
  } catch (e) {
    state.diagnostics.push({ level: 'error', code: 'input-unreadable', file, message: `error reading ${file}: ${errMessage(e)}` });
  }
  splitter.end();
}

function progress(state: LoadState): void {
  if (!state.onProgress) return;
  const now = Date.now();
  if (now - state.lastProgress < 100) return;
  state.lastProgress = now;
  state.onProgress({ files: state.files, documents: state.documents, bytes: state.bytes + state.inFlight });
}

const SOURCE_RE = /^# Source: (.+?)\s*$/;

function handleYamlDocument(state: LoadState, d: RawDocument, file: string): void {
  state.documents++;
  if (d.oversizedChars !== undefined) {
    const mb = (d.oversizedChars / (1024 * 1024)).toFixed(1);
    state.diagnostics.push({
      level: 'error',
      code: 'document-too-large',
      file,
      line: d.firstContentLine,
      message: `document ${d.index + 1} (starting at line ${d.startLine}) is ${mb} MiB, over the ${(state.maxDoc / (1024 * 1024)).toFixed(0)} MiB limit; skipped (Kubernetes itself rejects objects over 1.5 MiB)`,
    });
    return;
  }
  if (d.invalidUtf8Line !== undefined) {
    state.diagnostics.push({
      level: 'error',
      code: 'invalid-utf8',
      file,
      line: d.invalidUtf8Line,
      message: `invalid UTF-8 byte sequence at line ${d.invalidUtf8Line}; document ${d.index + 1} skipped (Kubernetes manifests must be UTF-8)`,
    });
    return;
  }
  // Helm: `# Source: chart/templates/x.yaml` right after the document marker names the template.
  let reportFile = file;
  let lineBase = d.startLine;
  let stream: Origin['stream'];
  const helm = helmSource(d.text);
  if (helm) {
    reportFile = helm.source;
    // Lines are reported within the rendered template: the line after the comment is line 1.
    lineBase = -helm.line;
    stream = { file, line: d.firstContentLine };
  }
  const parsed = parseYamlDocument(d.text, file);
  if (!parsed.ok) {
    const e = parsed.error;
    const positioned = e.code !== 'yaml-alias-bomb';
    state.diagnostics.push({
      level: 'error',
      code: e.code,
      file,
      line: positioned ? d.startLine + e.line : d.firstContentLine,
      ...(positioned ? { column: e.column + 1 } : {}),
      message: `${e.code === 'yaml-syntax' ? `YAML syntax error: ${e.message}` : e.message} (document ${d.index + 1})`,
    });
    return;
  }
  for (const w of parsed.warnings) {
    state.diagnostics.push({ level: 'warning', code: 'yaml-duplicate-key', file, line: d.startLine + w.line, column: w.column + 1, message: w.message });
  }
  const origin: Origin = {
    file: reportFile,
    doc: d.index,
    line: d.firstContentLine - d.startLine + lineBase,
    ...(stream ? { stream } : {}),
  };
  let locator: DocumentLocator | undefined;
  const getLocator = (): DocumentLocator => (locator ??= createLocator(d.text, lineBase, 'yaml'));
  addDocument(state, parsed.value, origin, getLocator, { file, line: d.firstContentLine });
}

function helmSource(text: string): { source: string; line: number } | undefined {
  let pos = 0;
  let line = 0;
  while (pos < text.length) {
    let end = text.indexOf('\n', pos);
    if (end < 0) end = text.length;
    const l = text.slice(pos, end).trim();
    if (l.length > 0) {
      if (!l.startsWith('#')) return undefined;
      const m = SOURCE_RE.exec(l);
      if (m) return { source: m[1], line };
    }
    pos = end + 1;
    line++;
  }
  return undefined;
}

async function loadJson(state: LoadState, stream: AsyncIterable<Buffer>, file: string, strictJson: boolean): Promise<void> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of stream) {
    size += c.length;
    if (size > MAX_JSON_BYTES) {
      state.diagnostics.push({ level: 'error', code: 'document-too-large', file, line: 1, message: `${file} is larger than ${MAX_JSON_BYTES / (1024 * 1024)} MiB; skipped` });
      for await (const _ of stream) void _; // drain
      return;
    }
    chunks.push(c);
  }
  state.bytes += size;
  state.documents++;
  const buf = Buffer.concat(chunks);
  if (!isUtf8(buf)) {
    const off = invalidUtf8Offsets(buf)[0] ?? 0;
    const line = buf.subarray(0, off).toString('latin1').split('\n').length;
    state.diagnostics.push({ level: 'error', code: 'invalid-utf8', file, line, message: `invalid UTF-8 byte sequence at line ${line}; file skipped (Kubernetes manifests must be UTF-8)` });
    return;
  }
  const text = buf.toString('utf8').replace(/^\uFEFF/, '');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    // Not JSON after all (stdin sniffing), or malformed JSON: YAML is a superset, so let it decide.
    if (!strictJson) {
      const splitter = new DocumentSplitter(state.maxDoc, (d) => handleYamlDocument(state, d, file));
      state.documents--;
      splitter.push(text);
      splitter.end();
      return;
    }
    const pos = /position (\d+)/.exec(errMessage(e));
    let line = 1;
    let column = 1;
    if (pos) {
      const before = text.slice(0, Number(pos[1]));
      line = before.split('\n').length;
      column = Number(pos[1]) - before.lastIndexOf('\n');
    }
    state.diagnostics.push({ level: 'error', code: 'json-syntax', file, line, column, message: `JSON syntax error: ${errMessage(e).replace(/ in JSON at position \d+.*$/, '')}` });
    return;
  }
  if (depthExceeds(value, MAX_DEPTH)) {
    state.diagnostics.push({ level: 'error', code: 'json-too-deep', file, line: 1, message: tooDeepMessage() });
    return;
  }
  const origin: Origin = { file, doc: 0, line: 1 };
  let locator: DocumentLocator | undefined;
  const getLocator = (): DocumentLocator => (locator ??= createLocator(text, 1, 'json'));
  addDocument(state, value, origin, getLocator, { file, line: 1 });
}

/** Turns one parsed document into resources (flattening Lists) or a diagnostic. */
function addDocument(
  state: LoadState,
  value: unknown,
  origin: Origin,
  getLocator: () => DocumentLocator,
  physical: { file: string; line: number },
): void {
  if (value === null || value === undefined) return; // an empty document
  if (!isObject(value)) {
    const what = Array.isArray(value) ? 'a sequence' : `a ${typeof value} scalar`;
    state.diagnostics.push({
      level: 'error',
      code: 'not-an-object',
      file: physical.file,
      line: physical.line,
      message: `document ${origin.doc + 1} is ${what}, expected a Kubernetes object (a mapping with apiVersion and kind)`,
    });
    return;
  }
  const hasKind = value.kind !== undefined;
  const hasApiVersion = value.apiVersion !== undefined;
  if (!hasKind && !hasApiVersion) {
    state.diagnostics.push({
      level: 'note',
      code: 'not-kubernetes',
      file: physical.file,
      line: physical.line,
      message: `document ${origin.doc + 1} is not a Kubernetes object (no apiVersion or kind); skipped`,
    });
    return;
  }
  if (typeof value.kind !== 'string' || value.kind === '') {
    state.diagnostics.push({
      level: 'error',
      code: 'missing-kind',
      file: physical.file,
      line: physical.line,
      message: `document ${origin.doc + 1} has ${hasKind ? 'a kind that is not a non-empty string' : 'apiVersion but no kind'}; expected e.g. "kind: Deployment"`,
    });
    return;
  }
  if (typeof value.apiVersion !== 'string' || value.apiVersion === '') {
    state.diagnostics.push({
      level: 'error',
      code: 'missing-apiversion',
      file: physical.file,
      line: physical.line,
      message: `${value.kind} in document ${origin.doc + 1} has ${hasApiVersion ? 'an apiVersion that is not a non-empty string' : 'no apiVersion'}; expected e.g. "apiVersion: apps/v1"`,
    });
    return;
  }
  const kind = value.kind;
  const apiVersion = value.apiVersion;
  if (apiVersion.startsWith('kustomize.config.k8s.io/') || apiVersion.startsWith('config.kubernetes.io/') || kind === 'Kustomization' || kind === 'Component') {
    state.diagnostics.push({
      level: 'note',
      code: 'kustomization',
      file: physical.file,
      line: physical.line,
      message: `${kind} is Kustomize configuration, not a cluster object; skipped (scan the output of \`kustomize build\` instead)`,
    });
    return;
  }
  if (Array.isArray(value.items) && (kind === 'List' || kind.endsWith('List'))) {
    addList(state, value, kind, apiVersion, origin, getLocator);
    return;
  }
  state.pending.push({ object: value, apiVersion, kind, origin: { ...origin, locator: lazyLocator(getLocator, '') } });
}

function addList(state: LoadState, list: JsonObject, kind: string, apiVersion: string, origin: Origin, getLocator: () => DocumentLocator): void {
  const items = list.items as unknown[];
  const itemKind = kind === 'List' ? undefined : kind.slice(0, -'List'.length);
  const paths = items.map((_, i) => `items[${i}]`);
  // One pass over the document finds every item's first line.
  const positions = items.length > 0 ? getLocator().locate(paths) : [];
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    const line = positions[i]?.line ?? origin.line;
    if (!isObject(item)) {
      state.diagnostics.push({ level: 'error', code: 'not-an-object', file: origin.stream?.file ?? origin.file, line, message: `${kind} item ${i} is not an object; skipped` });
      continue;
    }
    const k = typeof item.kind === 'string' && item.kind !== '' ? item.kind : itemKind;
    const av = typeof item.apiVersion === 'string' && item.apiVersion !== '' ? item.apiVersion : apiVersion;
    if (!k) {
      state.diagnostics.push({ level: 'error', code: 'missing-kind', file: origin.stream?.file ?? origin.file, line, message: `${kind} item ${i} has no kind; skipped` });
      continue;
    }
    if (Array.isArray(item.items) && (k === 'List' || k.endsWith('List'))) {
      state.diagnostics.push({ level: 'warning', code: 'nested-list', file: origin.file, line, message: `nested ${k} inside ${kind} item ${i} is not expanded` });
      continue;
    }
    state.pending.push({
      object: item,
      apiVersion: av,
      kind: k,
      origin: { ...origin, line, itemPath: paths[i], locator: lazyLocator(getLocator, paths[i]) },
    });
  }
}

/** A Locator whose document scanner is only created when a finding first needs a position. */
function lazyLocator(getLocator: () => DocumentLocator, prefix: string): NonNullable<Origin['locator']> {
  let doc: DocumentLocator | undefined;
  return {
    prefix,
    get doc(): DocumentLocator {
      return (doc ??= getLocator());
    },
  };
}

const KUSTOMIZE_ORIGIN = 'config.kubernetes.io/origin';

/** Resolves names and namespaces once every document is known (CRDs in the input decide custom kinds' scope). */
function finalize(pending: PendingResource[], defaultNamespace: string): Resource[] {
  const clusterCustomKinds = new Set<string>();
  const namespacedCustomKinds = new Set<string>();
  for (const p of pending) {
    if (p.kind !== 'CustomResourceDefinition') continue;
    const spec = p.object.spec;
    if (!isObject(spec) || !isObject(spec.names) || typeof spec.names.kind !== 'string') continue;
    (spec.scope === 'Cluster' ? clusterCustomKinds : namespacedCustomKinds).add(spec.names.kind);
  }
  const out: Resource[] = [];
  for (const p of pending) {
    const metadata: ObjectMeta = isObject(p.object.metadata) ? (p.object.metadata as ObjectMeta) : {};
    const name =
      typeof metadata.name === 'string' && metadata.name !== ''
        ? metadata.name
        : typeof metadata.generateName === 'string' && metadata.generateName !== ''
          ? `${metadata.generateName}*`
          : '<unnamed>';
    const clusterScoped = (CLUSTER_SCOPED_KINDS.has(p.kind) && !namespacedCustomKinds.has(p.kind)) || clusterCustomKinds.has(p.kind);
    const namespace = clusterScoped ? undefined : typeof metadata.namespace === 'string' && metadata.namespace !== '' ? metadata.namespace : defaultNamespace;
    const origin = p.origin;
    const ann = metadata.annotations;
    if (isObject(ann) && typeof ann[KUSTOMIZE_ORIGIN] === 'string') {
      const m = /(?:^|\n)\s*path:\s*(\S+)/.exec(ann[KUSTOMIZE_ORIGIN] as string);
      if (m) origin.sourcePath = m[1];
    }
    out.push({ apiVersion: p.apiVersion, kind: p.kind, name, namespace, metadata, object: p.object, origin });
  }
  return out;
}

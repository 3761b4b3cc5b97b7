/**
 * Loads Kubernetes objects from files, directories and stdin: multi-document YAML, JSON, `kind: List`
 * (kubectl output), Helm-rendered streams (`# Source:` comments) and Kustomize output. Every resource
 * keeps where it came from. Bad input is reported as diagnostics with file and line; the rest of the
 * input is still loaded.
 */
import { isUtf8 } from 'node:buffer';
import { createHash } from 'node:crypto';
import { createReadStream, promises as fsp } from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { CLUSTER_SCOPED_KINDS } from '../core/kinds.js';
import { isObject, resourceName } from '../core/inventory.js';
import type { Diagnostic, DocumentLocator, JsonObject, Locator, ObjectMeta, Origin, Position, Precomputed, Resource } from '../core/types.js';
import { classifyDocument, docGeometry } from './classify.js';
import { createLocator } from './locate.js';
import { invalidUtf8Offsets, readText } from './reader.js';
import { DocumentSplitter, type RawDocument } from './splitter.js';
import { depthExceeds, MAX_DEPTH, parseYamlDocument, tooDeepMessage, type ParseOutcome } from './yaml.js';

export const YAML_EXTENSIONS = ['.yaml', '.yml', '.json'];

/** Documents larger than this are refused (the API server's own request limit is 3 MiB, etcd's 1.5 MiB). */
export const DEFAULT_MAX_DOCUMENT_BYTES = 16 * 1024 * 1024;

/** JSON files are one document (often a whole `kubectl get -o json` List) and may be large. */
export const MAX_JSON_BYTES = 512 * 1024 * 1024;

/** Directories skipped when walking a tree (never when named explicitly). */
const SKIPPED_DIRS = new Set(['.git', 'node_modules', '.terraform', '.venv']);
/** kubecomply's own settings files are not manifests: skipped when walking a tree. */
const SKIPPED_FILES = new Set(['kubecomply.yaml', 'kubecomply.yml', '.kubecomply.yaml']);

/** Inputs smaller than this are parsed on the main thread only: starting workers would cost more (default of LoadOptions.parallelAfterChars). */
export const PARALLEL_THRESHOLD_CHARS = 2 * 1024 * 1024;
/** Documents are sent to workers in batches of about this many characters. */
const BATCH_CHARS = 256 * 1024;
/** Batches in flight before the reader waits for the oldest one (bounds memory on huge streams). */
const MAX_INFLIGHT = 16;

/** A YAML document's parse outcome, with what a worker already checked, if it did. */
export type ProcessedOutcome = ParseOutcome & { precomputed?: Map<number, Precomputed> };

/**
 * Processes batches of YAML documents off the main thread (parsing, and possibly running
 * per-resource controls). The loader still handles every outcome on the main thread, in order.
 */
export interface BatchProcessor {
  /** How many batches the processor takes for every one the main thread parses itself (when it cannot `helpOut`). */
  readonly share: number;
  process(file: string, docs: readonly { text: string; lineBase: number; docNo: number }[]): Promise<ProcessedOutcome[]>;
  /**
   * Processes, on this thread and with `here`, one batch that no worker has started yet (completing
   * its promise); false when there is none. The loader calls it instead of waiting idle.
   */
  helpOut?(here: NonNullable<LoadOptions['here']>): boolean;
  /** Documents that worker threads processed so far (not those the main thread took back). */
  readonly documentsOffThread?: number;
  close(): Promise<void>;
}

export interface LoadOptions {
  /** Namespace for namespaced resources that name none (kubectl's `-n`). Default `default`. */
  defaultNamespace?: string;
  maxDocumentBytes?: number;
  /** Read stdin from here instead of process.stdin (tests). */
  stdin?: Readable;
  /** Called now and then while loading large inputs. */
  onProgress?: (p: LoadProgress) => void;
  /** Handles batches of documents on this thread (default: parse only). */
  here?: (file: string, docs: readonly { text: string; lineBase: number; docNo: number }[]) => ProcessedOutcome[];
  /** Creates the off-thread processor once the input turns out to be large. */
  parallel?: () => BatchProcessor | undefined;
  /** How large (in characters) the input must be before `parallel` is called. Default PARALLEL_THRESHOLD_CHARS (2 MB). */
  parallelAfterChars?: number;
  /**
   * Called with every resource as soon as it is read, while later input is still being parsed (on
   * several cores): work done here is off the evaluation's critical path. Its namespace may still
   * change (a CustomResourceDefinition later in the input can make its kind cluster-scoped), and then
   * its `precomputed` is dropped.
   */
  adopt?: (r: Resource) => void;
  /**
   * Hash every file's bytes (SHA-256) as they are read, for the scan's evidence record: the hash is of
   * exactly what was scanned, even if the file changes afterwards, and nothing is read twice.
   */
  hashFiles?: boolean;
}

/** A file as the loader read it (LoadOptions.hashFiles). */
export interface LoadedFile {
  file: string;
  /** SHA-256 hex of its bytes; null when it could not be read to the end. */
  sha256: string | null;
  bytes: number;
}

/** One input as the loader read it (LoadOptions.hashFiles): a directory's files in the order it walked them. */
export interface LoadedInput {
  path: string;
  kind: 'file' | 'directory' | 'stdin' | 'missing';
  files: LoadedFile[];
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
  /**
   * How many of the documents worker threads processed and returned: 0 for a small input, without
   * workers, or when they could not start. How many exactly varies from run to run (the main thread
   * takes the batches no worker has started); nothing that depends on it does.
   */
  documentsOffThread: number;
  /** Each input and the files read for it, hashed (only with LoadOptions.hashFiles). */
  inputs?: LoadedInput[];
}

interface LoadState {
  pending: Resource[];
  defaultNamespace: string;
  adopt: ((r: Resource) => void) | undefined;
  diagnostics: Diagnostic[];
  files: number;
  documents: number;
  bytes: number;
  maxDoc: number;
  onProgress: ((p: LoadProgress) => void) | undefined;
  lastProgress: number;
  /** Characters of the file being read (progress only). */
  inFlight: number;
  /** Document characters seen so far (decides when workers are worth starting). */
  seenChars: number;
  parallel: (() => BatchProcessor | undefined) | undefined;
  parallelAfter: number;
  processor: BatchProcessor | undefined;
  here: NonNullable<LoadOptions['here']>;
  /** With LoadOptions.hashFiles: the inputs read so far, the last one being read now. */
  inputs: LoadedInput[] | undefined;
}

export async function loadSources(inputs: readonly string[], opts: LoadOptions = {}): Promise<LoadResult> {
  const state: LoadState = {
    pending: [],
    defaultNamespace: opts.defaultNamespace ?? 'default',
    adopt: opts.adopt,
    diagnostics: [],
    files: 0,
    documents: 0,
    bytes: 0,
    maxDoc: opts.maxDocumentBytes ?? DEFAULT_MAX_DOCUMENT_BYTES,
    onProgress: opts.onProgress,
    lastProgress: 0,
    inFlight: 0,
    seenChars: 0,
    parallel: opts.parallel,
    parallelAfter: opts.parallelAfterChars ?? PARALLEL_THRESHOLD_CHARS,
    processor: undefined,
    here: opts.here ?? ((file, docs) => docs.map((d) => (d.text === '' ? EMPTY_OUTCOME : parseYamlDocument(d.text, file)))),
    inputs: opts.hashFiles ? [] : undefined,
  };
  try {
    await loadInputs(state, inputs, opts);
  } finally {
    await state.processor?.close();
  }
  const resources = finalize(state.pending, state.defaultNamespace);
  const documentsOffThread = state.processor?.documentsOffThread ?? 0;
  return { resources, diagnostics: state.diagnostics, files: state.files, documents: state.documents, bytes: state.bytes, documentsOffThread, ...(state.inputs ? { inputs: state.inputs } : {}) };
}

async function loadInputs(state: LoadState, inputs: readonly string[], opts: LoadOptions): Promise<void> {
  const track = (p: string, kind: LoadedInput['kind']): void => void state.inputs?.push({ path: p, kind, files: [] });
  for (const input of inputs) {
    if (input === '-') {
      // Not hashed as bytes: the evidence record hashes the documents read from it.
      track(input, 'stdin');
      await loadStream(state, opts.stdin ?? process.stdin, '<stdin>', 'sniff');
      continue;
    }
    let st;
    try {
      st = await fsp.stat(input);
    } catch (e) {
      track(input, 'missing');
      state.diagnostics.push({ level: 'error', code: 'input-missing', file: input, message: `cannot read ${input}: ${errMessage(e)}` });
      continue;
    }
    track(input, st.isDirectory() ? 'directory' : 'file');
    if (st.isDirectory()) {
      const files = await walk(input, state);
      if (files.length === 0) {
        state.diagnostics.push({ level: 'warning', code: 'empty-directory', file: input, message: `no .yaml, .yml or .json files under ${input}` });
      }
      for (const f of files) await loadFile(state, f);
    } else {
      // A large file: start the workers now, so they are ready when its first batches are.
      if (st.size > state.parallelAfter && path.extname(input).toLowerCase() !== '.json') startParallel(state);
      await loadFile(state, input);
    }
  }
}

function startParallel(state: LoadState): void {
  if (state.processor || !state.parallel) return;
  state.processor = state.parallel();
  state.parallel = undefined;
}

/** Lets queued work (worker messages, I/O) run. */
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

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
        // `..2026_12_01_…` is the kubelet's atomic-writer copy of a mounted ConfigMap/Secret: its files are
        // already reachable through the volume's top-level links, and reading both would double every document.
        if (!SKIPPED_DIRS.has(e.name) && !e.name.startsWith('..')) await visit(p);
      } else if ((e.isFile() || e.isSymbolicLink()) && YAML_EXTENSIONS.includes(path.extname(e.name).toLowerCase()) && !SKIPPED_FILES.has(e.name)) {
        out.push(p);
      }
    }
  };
  await visit(dir);
  return out;
}

async function loadFile(state: LoadState, file: string): Promise<void> {
  const format = path.extname(file).toLowerCase() === '.json' ? 'json' : 'yaml';
  let hashed: LoadedFile | undefined;
  if (state.inputs !== undefined) state.inputs[state.inputs.length - 1].files.push((hashed = { file, sha256: null, bytes: 0 }));
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
  await loadStream(state, hashed ? hashing(stream, hashed) : stream, file, format);
}

/** A stream chunk as bytes (file streams give Buffers; other readables may give strings). */
const asBuffer = (c: unknown): Buffer => (Buffer.isBuffer(c) ? c : Buffer.from(String(c)));

/** The chunks of `stream`, passed on as they are hashed into `into`, whose sha256 is set once the stream has ended. */
async function* hashing(stream: AsyncIterable<unknown>, into: LoadedFile): AsyncGenerator<Buffer> {
  const h = createHash('sha256');
  for await (const c of stream) {
    const b = asBuffer(c);
    h.update(b);
    into.bytes += b.length;
    yield b;
  }
  into.sha256 = h.digest('hex');
}

async function loadStream(state: LoadState, stream: AsyncIterable<unknown>, file: string, format: 'yaml' | 'json' | 'sniff'): Promise<void> {
  state.files++;
  if (format === 'sniff' || format === 'json') {
    // Buffer the first chunk to decide; JSON is read whole (one document), YAML streams.
    const it = stream[Symbol.asyncIterator]();
    const first = await it.next();
    if (first.done) return;
    const head = asBuffer(first.value);
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
    yield asBuffer(n.value);
  }
}

const EMPTY_OUTCOME: ProcessedOutcome = { ok: true, value: null, warnings: [] };

async function loadYaml(state: LoadState, stream: AsyncIterable<unknown>, file: string): Promise<void> {
  // Documents are parsed in batches — partly off the main thread once the input is large — and
  // handled in stream order as their batches complete.
  const queue: Array<{ docs: RawDocument[]; outcomes: Promise<ProcessedOutcome[]> | ProcessedOutcome[]; done: boolean }> = [];
  let batch: RawDocument[] = [];
  let batchChars = 0;
  let batchNo = 0;

  const batchDocs = (docs: RawDocument[]): { text: string; lineBase: number; docNo: number }[] =>
    docs.map((d) => ({ text: d.text, lineBase: docGeometry(d.text, d.startLine).lineBase, docNo: d.index + 1 }));
  const flush = (): void => {
    if (batch.length === 0) return;
    const docs = batch;
    batch = [];
    batchChars = 0;
    if (state.seenChars > state.parallelAfter) startParallel(state);
    const p = state.processor;
    // The main thread takes a share of the batches too, so no core sits idle: those no worker has
    // started when it would otherwise wait (or, for a processor that cannot hand them back, a fixed share).
    const onMain = !p || (p.helpOut === undefined && batchNo++ % (p.share + 1) === p.share);
    if (onMain) {
      queue.push({ docs, outcomes: state.here(file, batchDocs(docs)), done: true });
      return;
    }
    const entry = { docs, outcomes: p.process(file, batchDocs(docs)), done: false };
    void entry.outcomes.then(
      () => (entry.done = true),
      () => (entry.done = true),
    );
    queue.push(entry);
  };
  const drain = async (keep: number): Promise<void> => {
    while (queue.length > keep) {
      const head = queue[0];
      const p = state.processor;
      if (!head.done && p?.helpOut !== undefined) {
        while (!head.done && p.helpOut(state.here)) await nextTurn();
      }
      queue.shift();
      const outcomes = await head.outcomes;
      for (let i = 0; i < head.docs.length; i++) handleYamlDocument(state, head.docs[i], file, outcomes[i]);
    }
  };
  const splitter = new DocumentSplitter(state.maxDoc, (d) => {
    state.seenChars += d.text.length;
    batch.push(d);
    batchChars += d.text.length;
    if (batchChars >= BATCH_CHARS) flush();
  });
  try {
    const bytes = await readText(stream, {
      invalidUtf8: (line) => splitter.markInvalidUtf8(line),
      text: async (s) => {
        splitter.push(s);
        state.inFlight += s.length;
        progress(state);
        // Without workers every batch is already parsed: handle it now and keep memory flat.
        await drain(state.processor ? MAX_INFLIGHT : 0);
      },
    });
    state.bytes += bytes;
    state.inFlight = 0;
  } catch (e) {
    state.diagnostics.push({ level: 'error', code: 'input-unreadable', file, message: `error reading ${file}: ${errMessage(e)}` });
  }
  splitter.end();
  flush();
  await drain(0);
}

function progress(state: LoadState): void {
  if (!state.onProgress) return;
  const now = Date.now();
  if (now - state.lastProgress < 100) return;
  state.lastProgress = now;
  state.onProgress({ files: state.files, documents: state.documents, bytes: state.bytes + state.inFlight });
}

function handleYamlDocument(state: LoadState, d: RawDocument, file: string, parsed: ProcessedOutcome): void {
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
  // Helm: `# Source: chart/templates/x.yaml` right after the document marker names the template.
  const geo = docGeometry(d.text, d.startLine);
  const origin: Origin = {
    file: geo.helmSource ?? file,
    doc: d.index,
    line: d.firstContentLine - d.startLine + geo.lineBase,
    ...(geo.helmSource ? { stream: { file, line: d.firstContentLine } } : {}),
  };
  addDocument(state, parsed.value, origin, new DocumentText(d.text, geo.lineBase, 'yaml'), { file, line: d.firstContentLine }, parsed.precomputed);
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
      state.documents--;
      const splitter = new DocumentSplitter(state.maxDoc, (d) => handleYamlDocument(state, d, file, parseYamlDocument(d.text, file)));
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
  addDocument(state, value, origin, new DocumentText(text, 1, 'json'), { file, line: 1 });
}

/** Turns one parsed document into resources (flattening Lists) or diagnostics. */
function addDocument(
  state: LoadState,
  value: unknown,
  origin: Origin,
  text: DocumentText,
  physical: { file: string; line: number },
  precomputed?: Map<number, Precomputed>,
): void {
  const c = classifyDocument(value, origin.doc + 1);
  if (!c.isList) {
    for (const p of c.problems) state.diagnostics.push({ level: p.level, code: p.code, file: physical.file, line: physical.line, message: p.message });
    for (const item of c.items) {
      const pre = precomputed?.get(-1);
      addResource(state, item.object, item.apiVersion, item.kind, { ...origin, locator: text }, pre);
    }
    return;
  }
  // One pass over the document finds every item's first line.
  const indexes = [...c.items.map((i) => i.itemIndex), ...c.problems.filter((p) => p.itemIndex !== undefined).map((p) => p.itemIndex!)];
  const positions = indexes.length > 0 ? text.locate(indexes.map((i) => `items[${i}]`)) : [];
  const lineOf = new Map(indexes.map((i, k) => [i, positions[k]?.line ?? origin.line]));
  for (const p of c.problems) {
    state.diagnostics.push({ level: p.level, code: p.code, file: origin.stream?.file ?? origin.file, line: p.itemIndex !== undefined ? lineOf.get(p.itemIndex)! : physical.line, message: p.message });
  }
  for (const item of c.items) {
    const itemPath = `items[${item.itemIndex}]`;
    const pre = precomputed?.get(item.itemIndex);
    addResource(state, item.object, item.apiVersion, item.kind, { ...origin, line: lineOf.get(item.itemIndex)!, itemPath, locator: { doc: text, prefix: itemPath } }, pre);
  }
}

/**
 * A document's text, scanned for positions only when a finding first needs one. For a document that
 * is one resource it is also that resource's Locator (one object per document, nothing more).
 */
class DocumentText implements DocumentLocator, Locator {
  readonly prefix = '';
  constructor(
    private readonly text: string,
    private readonly lineBase: number,
    private readonly format: 'yaml' | 'json',
  ) {}
  get doc(): DocumentLocator {
    return this;
  }
  locate(paths: readonly string[]): Position[] {
    return createLocator(this.text, this.lineBase, this.format).locate(paths);
  }
}

const KUSTOMIZE_ORIGIN = 'config.kubernetes.io/origin';

/** A resource as read, with the namespace its kind has unless a CRD in the input says otherwise (see finalize). */
function addResource(state: LoadState, object: JsonObject, apiVersion: string, kind: string, origin: Origin, precomputed: Precomputed | undefined): void {
  const metadata: ObjectMeta = isObject(object.metadata) ? (object.metadata as ObjectMeta) : {};
  const ann = metadata.annotations;
  if (isObject(ann) && typeof ann[KUSTOMIZE_ORIGIN] === 'string') {
    const m = /(?:^|\n)\s*path:\s*(\S+)/.exec(ann[KUSTOMIZE_ORIGIN] as string);
    if (m) origin.sourcePath = m[1];
  }
  // All fields present from the start: one object shape for every resource.
  const r: Resource = {
    apiVersion,
    kind,
    name: resourceName(metadata),
    namespace: namespaceOf(metadata, CLUSTER_SCOPED_KINDS.has(kind), state.defaultNamespace),
    metadata,
    object,
    origin,
    precomputed,
    podSpecs: undefined,
  };
  state.pending.push(r);
  state.adopt?.(r);
}

function namespaceOf(metadata: ObjectMeta, clusterScoped: boolean, defaultNamespace: string): string | undefined {
  return clusterScoped ? undefined : typeof metadata.namespace === 'string' && metadata.namespace !== '' ? metadata.namespace : defaultNamespace;
}

/** Settles namespaces once every document is known: CRDs in the input decide custom kinds' scope. */
function finalize(resources: Resource[], defaultNamespace: string): Resource[] {
  const clusterCustomKinds = new Set<string>();
  const namespacedCustomKinds = new Set<string>();
  for (const r of resources) {
    if (r.kind !== 'CustomResourceDefinition') continue;
    const spec = r.object.spec;
    if (!isObject(spec) || !isObject(spec.names) || typeof spec.names.kind !== 'string') continue;
    (spec.scope === 'Cluster' ? clusterCustomKinds : namespacedCustomKinds).add(spec.names.kind);
  }
  if (clusterCustomKinds.size === 0 && namespacedCustomKinds.size === 0) return resources;
  for (const r of resources) {
    if (!clusterCustomKinds.has(r.kind) && !namespacedCustomKinds.has(r.kind)) continue;
    const builtin = CLUSTER_SCOPED_KINDS.has(r.kind);
    const clusterScoped = (builtin && !namespacedCustomKinds.has(r.kind)) || clusterCustomKinds.has(r.kind);
    r.namespace = namespaceOf(r.metadata, clusterScoped, defaultNamespace);
    // What was precomputed assumed the kind's built-in scope: a CRD that says otherwise voids it.
    if (clusterScoped !== builtin) r.precomputed = undefined;
  }
  return resources;
}

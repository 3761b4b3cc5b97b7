/**
 * Decides what a parsed document is — a resource, a List of resources, something to skip, or an
 * error — without side effects, so the main thread and the scan workers agree exactly.
 */
import { isObject } from '../core/inventory.js';
import type { DiagnosticLevel, JsonObject } from '../core/types.js';

export interface DocItem {
  object: JsonObject;
  apiVersion: string;
  kind: string;
  /** Index in the List's `items`, or -1 for a plain document. */
  itemIndex: number;
}

export interface DocProblem {
  level: DiagnosticLevel;
  code: string;
  message: string;
  /** Set when the problem is about one item of a List. */
  itemIndex?: number;
}

export interface Classified {
  items: DocItem[];
  problems: DocProblem[];
  /** True when the document is a List (items are located below `items[i]`). */
  isList: boolean;
}

function isListKind(kind: string, value: JsonObject): boolean {
  return Array.isArray(value.items) && (kind === 'List' || kind.endsWith('List'));
}

/** `docNo` is the 1-based document number used in messages. */
export function classifyDocument(value: unknown, docNo: number): Classified {
  const out: Classified = { items: [], problems: [], isList: false };
  if (value === null || value === undefined) return out; // an empty document
  if (!isObject(value)) {
    const what = Array.isArray(value) ? 'a sequence' : `a ${typeof value} scalar`;
    out.problems.push({ level: 'error', code: 'not-an-object', message: `document ${docNo} is ${what}, expected a Kubernetes object (a mapping with apiVersion and kind)` });
    return out;
  }
  const hasKind = value.kind !== undefined;
  const hasApiVersion = value.apiVersion !== undefined;
  if (!hasKind && !hasApiVersion) {
    out.problems.push({ level: 'note', code: 'not-kubernetes', message: `document ${docNo} is not a Kubernetes object (no apiVersion or kind); skipped` });
    return out;
  }
  if (typeof value.kind !== 'string' || value.kind === '') {
    out.problems.push({
      level: 'error',
      code: 'missing-kind',
      message: `document ${docNo} has ${hasKind ? 'a kind that is not a non-empty string' : 'apiVersion but no kind'}; expected e.g. "kind: Deployment"`,
    });
    return out;
  }
  if (typeof value.apiVersion !== 'string' || value.apiVersion === '') {
    out.problems.push({
      level: 'error',
      code: 'missing-apiversion',
      message: `${value.kind} in document ${docNo} has ${hasApiVersion ? 'an apiVersion that is not a non-empty string' : 'no apiVersion'}; expected e.g. "apiVersion: apps/v1"`,
    });
    return out;
  }
  const kind = value.kind;
  const apiVersion = value.apiVersion;
  if (apiVersion.startsWith('kustomize.config.k8s.io/') || apiVersion.startsWith('config.kubernetes.io/') || kind === 'Kustomization' || kind === 'Component') {
    out.problems.push({
      level: 'note',
      code: 'kustomization',
      message: `${kind} is Kustomize configuration, not a cluster object; skipped (scan the output of \`kustomize build\` instead)`,
    });
    return out;
  }
  // kubecomply's own descriptions that are not cluster objects (the CRA product model, examples/cra/).
  if (apiVersion.startsWith('kubecomply.io/') && kind === 'Product') {
    out.problems.push({ level: 'note', code: 'kubecomply-config', message: `${kind} (${apiVersion}) is a kubecomply product description (see "kubecomply cra"), not a cluster object; skipped` });
    return out;
  }
  // API messages that are not stored objects: admission requests (examples/admission/), audit events, reviews.
  if (/^(admission|audit|authentication|authorization)\.k8s\.io\//.test(apiVersion) && /^(AdmissionReview|Event|EventList|TokenReview|SubjectAccessReview|SelfSubjectAccessReview|LocalSubjectAccessReview|SelfSubjectRulesReview|SelfSubjectReview)$/.test(kind)) {
    out.problems.push({ level: 'note', code: 'api-message', message: `${kind} (${apiVersion}) is an API message, not a cluster object; skipped` });
    return out;
  }
  if (!isListKind(kind, value)) {
    out.items.push({ object: value, apiVersion, kind, itemIndex: -1 });
    return out;
  }
  out.isList = true;
  const items = value.items as unknown[];
  const itemKind = kind === 'List' ? undefined : kind.slice(0, -'List'.length);
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    if (!isObject(item)) {
      out.problems.push({ level: 'error', code: 'not-an-object', message: `${kind} item ${i} is not an object; skipped`, itemIndex: i });
      continue;
    }
    const k = typeof item.kind === 'string' && item.kind !== '' ? item.kind : itemKind;
    const av = typeof item.apiVersion === 'string' && item.apiVersion !== '' ? item.apiVersion : apiVersion;
    if (!k) {
      out.problems.push({ level: 'error', code: 'missing-kind', message: `${kind} item ${i} has no kind; skipped`, itemIndex: i });
      continue;
    }
    if (isListKind(k, item)) {
      out.problems.push({ level: 'warning', code: 'nested-list', message: `nested ${k} inside ${kind} item ${i} is not expanded`, itemIndex: i });
      continue;
    }
    out.items.push({ object: item, apiVersion: av, kind: k, itemIndex: i });
  }
  return out;
}

/** Where a YAML document's lines are reported: Helm's `# Source:` names the template file. */
export interface DocGeometry {
  /** The template path from a Helm `# Source:` comment, if any. */
  helmSource?: string;
  /** Reported line of text line k (0-based) is `lineBase + k`. */
  lineBase: number;
}

const SOURCE_RE = /^# Source: (.+?)\s*$/;

export function docGeometry(text: string, startLine: number): DocGeometry {
  let pos = 0;
  let line = 0;
  while (pos < text.length) {
    let end = text.indexOf('\n', pos);
    if (end < 0) end = text.length;
    const l = text.slice(pos, end).trim();
    if (l.length > 0) {
      if (!l.startsWith('#')) break;
      const m = SOURCE_RE.exec(l);
      // The line after the comment is line 1 of the rendered template.
      if (m) return { helmSource: m[1], lineBase: -line };
    }
    pos = end + 1;
    line++;
  }
  return { lineBase: startLine };
}

/**
 * Reads an AdmissionReview as the API server sends it (admission.k8s.io/v1 or v1beta1). Nothing here
 * throws: a body that is not an AdmissionReview is a `bad-review` (answered with HTTP 400, because
 * without a uid there is nothing to answer); a review whose request is malformed is an
 * `invalid-request` (answered in an AdmissionReview, by the configured failure policy).
 */
import { isObject } from '../core/inventory.js';
import { asString } from '../core/podspec.js';
import type { JsonObject } from '../core/types.js';
import type { AdmissionRequest, AdmissionReviewVersion, GroupVersionKind, GroupVersionResource, Operation } from './types.js';

export const REVIEW_VERSIONS: readonly AdmissionReviewVersion[] = ['admission.k8s.io/v1', 'admission.k8s.io/v1beta1'];
const OPERATIONS: readonly Operation[] = ['CREATE', 'UPDATE', 'DELETE', 'CONNECT'];

export type ParsedReview =
  | { ok: true; apiVersion: AdmissionReviewVersion; request: AdmissionRequest }
  | { ok: false; kind: 'bad-review'; error: string }
  | { ok: false; kind: 'invalid-request'; apiVersion: AdmissionReviewVersion; uid: string; error: string; request: Partial<AdmissionRequest> };

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'undefined';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return v.length > 40 ? `"${v.slice(0, 40)}…"` : JSON.stringify(v);
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

/** Resource names of the kinds whose plural the decider needs when a request carries no `resource`. */
const PLURALS: Readonly<Record<string, string>> = {
  Pod: 'pods',
  Node: 'nodes',
  Namespace: 'namespaces',
  PodExecOptions: 'pods',
  PodAttachOptions: 'pods',
  PodPortForwardOptions: 'pods',
  PodProxyOptions: 'pods',
  NodeProxyOptions: 'nodes',
  EphemeralContainers: 'pods',
  Policy: 'policies',
  NetworkPolicy: 'networkpolicies',
  Ingress: 'ingresses',
  ComplianceException: 'complianceexceptions',
};

/** kubectl's guess of a kind's resource name, for hand-written requests without `resource`. */
export function pluralOf(kind: string): string {
  const known = PLURALS[kind];
  if (known) return known;
  const k = kind.toLowerCase();
  if (/(s|x|z|ch|sh)$/.test(k)) return `${k}es`;
  if (/[^aeiou]y$/.test(k)) return `${k.slice(0, -1)}ies`;
  return `${k}s`;
}

function gvk(v: unknown): GroupVersionKind | undefined {
  if (!isObject(v) || typeof v.kind !== 'string' || v.kind === '') return undefined;
  return { group: asString(v.group) ?? '', version: asString(v.version) ?? '', kind: v.kind };
}

function gvr(v: unknown): GroupVersionResource | undefined {
  if (!isObject(v) || typeof v.resource !== 'string' || v.resource === '') return undefined;
  return { group: asString(v.group) ?? '', version: asString(v.version) ?? '', resource: v.resource };
}

const STRING_FIELDS = ['subResource', 'name', 'namespace'] as const;

/** What is wrong with request.object or request.oldObject, if anything. */
function objectProblem(f: 'object' | 'oldObject', o: JsonObject, kind: string): string | undefined {
  if (o.kind !== undefined && o.kind !== kind && !(f === 'oldObject' && kind === 'EphemeralContainers' && o.kind === 'Pod')) {
    return `request.${f} is of kind ${describe(o.kind)}, but request.kind is ${JSON.stringify(kind)}`;
  }
  if (o.apiVersion !== undefined && typeof o.apiVersion !== 'string') return `request.${f}.apiVersion must be a string`;
  if (o.metadata !== undefined && o.metadata !== null && !isObject(o.metadata)) return `request.${f}.metadata must be an object`;
  return undefined;
}

export function parseReview(body: unknown): ParsedReview {
  if (!isObject(body)) {
    const hint = typeof body === 'string' ? ' (a string: parse the JSON body first)' : '';
    return { ok: false, kind: 'bad-review', error: `expected an AdmissionReview object, got ${describe(body)}${hint}` };
  }
  if (body.kind !== 'AdmissionReview') {
    return { ok: false, kind: 'bad-review', error: `expected kind AdmissionReview, got ${body.kind === undefined ? 'no kind' : describe(body.kind)}` };
  }
  const apiVersion = body.apiVersion;
  if (typeof apiVersion !== 'string' || !(REVIEW_VERSIONS as readonly string[]).includes(apiVersion)) {
    return {
      ok: false,
      kind: 'bad-review',
      error: `unsupported AdmissionReview apiVersion ${apiVersion === undefined ? '(none)' : describe(apiVersion)}: expected ${REVIEW_VERSIONS.join(' or ')}`,
    };
  }
  const version = apiVersion as AdmissionReviewVersion;
  const r = body.request;
  if (!isObject(r)) return { ok: false, kind: 'bad-review', error: `AdmissionReview has ${r === undefined ? 'no request' : `a request that is ${describe(r)}`}` };
  if (typeof r.uid !== 'string' || r.uid === '') {
    return { ok: false, kind: 'bad-review', error: `AdmissionReview request has ${r.uid === undefined ? 'no uid' : `an invalid uid (${describe(r.uid)})`}` };
  }
  const uid = r.uid;
  const partial: Partial<AdmissionRequest> = { uid };
  const invalid = (error: string): ParsedReview => ({ ok: false, kind: 'invalid-request', apiVersion: version, uid, error, request: partial });

  const operation = r.operation;
  if (typeof operation !== 'string' || !(OPERATIONS as readonly string[]).includes(operation)) {
    return invalid(`request.operation ${operation === undefined ? 'is missing' : `is ${describe(operation)}`}: expected one of ${OPERATIONS.join(', ')}`);
  }
  partial.operation = operation as Operation;
  const kind = gvk(r.kind);
  if (!kind) return invalid(`request.kind ${r.kind === undefined ? 'is missing' : 'must be {group, version, kind} with a kind'}`);
  partial.kind = kind;
  if (r.resource !== undefined && r.resource !== null && !gvr(r.resource)) return invalid('request.resource must be {group, version, resource}');
  const given = gvr(r.resource);
  const resource = given ?? { group: kind.group, version: kind.version, resource: pluralOf(kind.kind) };
  partial.resource = resource;
  for (let i = 0; i < STRING_FIELDS.length; i++) {
    const f = STRING_FIELDS[i];
    if (r[f] !== undefined && r[f] !== null && typeof r[f] !== 'string') return invalid(`request.${f} must be a string, got ${describe(r[f])}`);
  }
  if (r.dryRun !== undefined && r.dryRun !== null && typeof r.dryRun !== 'boolean') return invalid(`request.dryRun must be a boolean, got ${describe(r.dryRun)}`);

  let username = '';
  let groups: string[] = [];
  const ui = r.userInfo;
  if (ui !== undefined && ui !== null) {
    if (!isObject(ui)) return invalid(`request.userInfo must be an object, got ${describe(ui)}`);
    if (ui.username !== undefined && typeof ui.username !== 'string') return invalid('request.userInfo.username must be a string');
    if (ui.groups !== undefined && ui.groups !== null && (!Array.isArray(ui.groups) || ui.groups.some((g) => typeof g !== 'string'))) {
      return invalid('request.userInfo.groups must be a list of strings');
    }
    username = asString(ui.username) ?? '';
    groups = (ui.groups as string[] | undefined | null) ?? [];
  }

  const object = r.object;
  const oldObject = r.oldObject;
  if (object !== undefined && object !== null && !isObject(object)) return invalid(`request.object must be an object, got ${describe(object)}`);
  if (oldObject !== undefined && oldObject !== null && !isObject(oldObject)) return invalid(`request.oldObject must be an object, got ${describe(oldObject)}`);
  const obj = isObject(object) ? object : undefined;
  const old = isObject(oldObject) ? oldObject : undefined;
  if ((operation === 'CREATE' || operation === 'UPDATE') && !obj) return invalid(`request.object is required for ${operation}`);
  if (operation === 'UPDATE' && !old) return invalid('request.oldObject is required for UPDATE');
  // The object must be of the kind the request names (the API server sends it in that version).
  const wrong = (obj && objectProblem('object', obj, kind.kind)) || (old && objectProblem('oldObject', old, kind.kind));
  if (wrong) return invalid(wrong);

  return {
    ok: true,
    apiVersion: version,
    request: {
      uid,
      kind,
      resource,
      subResource: asString(r.subResource) ?? '',
      name: asString(r.name) ?? '',
      namespace: asString(r.namespace) ?? '',
      operation: operation as Operation,
      user: { username, groups },
      object: obj,
      oldObject: old,
      dryRun: r.dryRun === true,
      resourceGiven: given !== undefined,
    },
  };
}

/** The object's metadata, or an empty object. */
export function metaOf(o: JsonObject | undefined): JsonObject {
  return o && isObject(o.metadata) ? o.metadata : {};
}

/** The object's labels as strings (values of other types are stringified, as a scan reads them). */
export function labelsOf(o: JsonObject | undefined): Record<string, string> | undefined {
  const l = metaOf(o).labels;
  if (!isObject(l)) return undefined;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(l)) out[k] = typeof v === 'string' ? v : String(v);
  return out;
}

/**
 * The admission decision: AdmissionReview in, AdmissionReview out (docs/admission-design.md).
 *
 * Everything that depends only on the configuration — the control selection, the safeguards, the
 * administrator patterns, the one-line fixes — is compiled once in `createDecider`; a review reads
 * the request, runs the safeguards and the catalog controls on the object (the same engine and
 * controls as `kubecomply scan`), applies ComplianceExceptions and writes the answer. No IO.
 */
import { BUILTIN_CONTROLS } from '../controls/index.js';
import { CLUSTER_SCOPED_KINDS } from '../core/kinds.js';
import type { AdmissionMode, AdmissionSettings, Control, JsonObject, Resource, ScanConfig } from '../core/types.js';
import { SEVERITY_RANK } from '../core/types.js';
import { coversControl, exceptionKey, findException, matchesResource, type ExceptionStatus } from '../policy/exceptions.js';
import { compileCatalog, ephemeralPod, selectAdmissionControls, toResource, updateIsJudged } from './catalog.js';
import { clip, MAX_ANNOTATION, MAX_DENY_CHARS, MAX_DETAILS, MAX_DENY_LINES, MAX_WARNING, MAX_WARNINGS, oneLine } from './format.js';
import { compileGuards, findGuard, requestName } from './guards.js';
import { metaOf, parseReview } from './request.js';
import { compileAdministrators } from './roles.js';
import type { AdmissionRequest, AdmissionReviewVersion, AdmissionViolation, ReviewContext, ReviewOutcome, ReviewResult, ReviewResultKind } from './types.js';

export interface DeciderOptions {
  /** The scan configuration (Pod Security level and version, settings): the same as `scan` uses. */
  config: ScanConfig;
  admission: AdmissionSettings;
  /**
   * The catalog admission.controls selects from (default: the built-in catalog). Pass it as `scan`
   * builds it — kubecomply.yaml's disabled controls left out, its severity overrides applied.
   */
  controls?: readonly Control[];
  /** The current ComplianceExceptions (called once per review that has violations; must be cheap). */
  exceptions?: () => readonly ExceptionStatus[];
  /** The clock exceptions are judged by (default: the system clock). */
  now?: () => Date;
}

export interface Decider {
  review(body: unknown, ctx?: ReviewContext): ReviewResult;
  /** Catalog controls evaluated at admission. */
  readonly controls: readonly string[];
  /** Selected catalog controls not evaluated: they need cluster state, or do not apply at this Pod Security level/version. */
  readonly skippedControls: readonly { id: string; reason: 'needs-cluster-state' | 'inactive' }[];
}

/** admission.controls names controls that do not exist. */
export class AdmissionConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AdmissionConfigError';
  }
}

const MODES: readonly AdmissionMode[] = ['enforce', 'warn', 'audit'];
/** A warning carries its fix only up to this length. */
const WARNING_WITH_FIX = 200;

function isMode(v: unknown): v is AdmissionMode {
  return typeof v === 'string' && (MODES as readonly string[]).includes(v);
}

interface Judged extends AdmissionViolation {
  /** The active exception that covers it. */
  exception?: ExceptionStatus;
  /** Exceptions that would cover it but are not honoured (expired, unapproved, invalid). */
  unhonoured?: { key: string; state: string }[];
}

interface Group {
  id: string;
  items: Judged[];
}

interface RankedGroup extends Group {
  /** The highest severity rank among its items. */
  rank: number;
}

const NO_GROUPS: readonly Group[] = Object.freeze([]);
const NO_ERRORS: readonly string[] = Object.freeze([]);

/** Groups by id, the most severe first (stable otherwise: safeguards, then the catalog's order). */
function groupById(items: readonly Judged[]): readonly Group[] {
  if (items.length === 0) return NO_GROUPS;
  const out: RankedGroup[] = [];
  let last: RankedGroup | undefined;
  for (let k = 0; k < items.length; k++) {
    const v = items[k];
    const r = SEVERITY_RANK[v.severity];
    // A control's findings come together, so the group is nearly always the last one; else a short scan.
    let g = last !== undefined && last.id === v.id ? last : undefined;
    for (let j = 0; g === undefined && j < out.length; j++) if (out[j].id === v.id) g = out[j];
    if (g === undefined) out.push((g = { id: v.id, items: [v], rank: r }));
    else {
      g.items.push(v);
      if (r > g.rank) g.rank = r;
    }
    last = g;
  }
  // Array.prototype.sort is stable: equal ranks keep their first appearance's order.
  return out.length === 1 ? out : out.sort((a, b) => b.rank - a.rank);
}

function located(v: AdmissionViolation): string {
  return v.path ? `${oneLine(v.message)} (${v.path})` : oneLine(v.message);
}

function exceptionNote(s: ExceptionStatus): string {
  const e = s.exception;
  const until = e.expires ? ` until ${e.expires}` : '';
  const ticket = e.ticket ? `, ${e.ticket}` : '';
  return `ComplianceException ${exceptionKey(e)}${until}${ticket}`;
}

function unhonouredNote(list: readonly { key: string; state: string }[] | undefined): string {
  if (!list || list.length === 0) return '';
  return ` (exception ${list.map((u) => `${u.key} is ${u.state}`).join(', ')}: not honoured)`;
}

/**
 * `[id] what is wrong (path) and 2 more - fix: ...`, at most `maxChars` long. What kubecomply writes
 * itself is ASCII: one non-ASCII character makes the whole response a two-byte string, which costs
 * JSON.stringify and the UTF-8 encoding on the socket (bench:admission: 6 % of the max rate).
 */
function denyLine(g: Group, maxChars: number): string {
  const more = g.items.length > 1 ? ` and ${g.items.length - 1} more` : '';
  const fix = g.items[0].fix ? ` - fix: ${g.items[0].fix}` : '';
  const note = unhonouredNote(g.items.find((i) => i.unhonoured)?.unhonoured);
  const head = `[${g.id}] `;
  const tail = `${more}${note}${fix}`;
  const room = Math.max(60, maxChars - head.length - tail.length);
  return clip(`${head}${clip(located(g.items[0]), room)}${tail}`, maxChars);
}

function denyMessage(req: AdmissionRequest, subject: string, groups: readonly Group[]): string {
  const n = groups.reduce((a, g) => a + g.items.length, 0);
  const lines = [`kubecomply: ${req.operation} ${subject} violates ${groups.length === 1 ? '1 control' : `${groups.length} controls`}${n > groups.length ? ` (${n} findings)` : ''}:`];
  let total = lines[0].length;
  let i = 0;
  for (; i < groups.length && i < MAX_DENY_LINES; i++) {
    const line = denyLine(groups[i], 400);
    if (total + line.length + 1 > MAX_DENY_CHARS - 40) break;
    lines.push(line);
    total += line.length + 1;
  }
  if (i < groups.length) lines.push(`... and ${groups.length - i} more (see the audit log)`);
  const catalog = groups.find((g) => !findGuard(g.id));
  if (catalog) lines.push(`(kubecomply explain ${catalog.id} shows the fix in full)`);
  return lines.join('\n');
}

function warningFor(g: Group, prefix: string): string {
  const first = g.items[0];
  const more = g.items.length > 1 ? ` and ${g.items.length - 1} more` : '';
  const fix = first.fix ? ` - fix: ${first.fix}` : '';
  const note = unhonouredNote(g.items.find((i) => i.unhonoured)?.unhonoured);
  const head = `${prefix}[${g.id}] `;
  const body = located(first);
  // Short where possible (the API server asks for ~120 characters): the fix only when it fits.
  const w = `${head}${body}${more}${note}`;
  return w.length + fix.length <= WARNING_WITH_FIX ? `${w}${fix}` : clip(w, MAX_WARNING);
}

function exceptedWarning(g: Group): string {
  const first = g.items[0];
  const more = g.items.length > 1 ? ` and ${g.items.length - 1} more` : '';
  return clip(`kubecomply: [${g.id}] allowed by ${exceptionNote(first.exception!)}: ${located(first)}${more}`, MAX_WARNING);
}

/**
 * `{"control":…,"path":…,"message":` of a details entry, by control id and path: both come from a
 * small set (the catalog's ids, interned paths), so each prefix is written once. Bounded: custom
 * controls may report paths built from the object.
 */
const entryPrefixes = new Map<string, Map<string, string>>();
let entryPrefixCount = 0;
const MAX_ENTRY_PREFIXES = 4096;

function entryPrefix(id: string, path: string): string {
  let byPath = entryPrefixes.get(id);
  let p = byPath?.get(path);
  if (p !== undefined) return p;
  p = path ? `{"control":${JSON.stringify(id)},"path":${JSON.stringify(path)},"message":` : `{"control":${JSON.stringify(id)},"message":`;
  if (entryPrefixCount >= MAX_ENTRY_PREFIXES) {
    entryPrefixes.clear();
    entryPrefixCount = 0;
    byPath = undefined;
  }
  if (byPath === undefined) entryPrefixes.set(id, (byPath = new Map()));
  byPath.set(path, p);
  entryPrefixCount++;
  return p;
}

/**
 * A JSON list of findings for the audit log, as many as fit: `[{"control":…,"path":…,"message":…,
 * "exception":…},…,{"more":N}]`. Written as text — the same text as JSON.stringify of the entries
 * (the same keys in the same order, strings quoted by JSON.stringify) — without building them.
 */
function details(items: readonly Judged[]): string {
  let text = '[';
  let size = 2;
  for (let i = 0; i < items.length; i++) {
    const v = items[i];
    // JSON escapes control characters itself: the message needs no cleaning here, only a length cap.
    const message = JSON.stringify(clip(v.message, 300));
    const tail = v.exception ? `${message},"exception":${JSON.stringify(exceptionKey(v.exception.exception))}}` : `${message}}`;
    const prefix = entryPrefix(v.id, v.path);
    const length = prefix.length + tail.length;
    if (size + length + 1 > MAX_DETAILS - 40) {
      text += `${i > 0 ? ',' : ''}{"more":${items.length - i}}`;
      break;
    }
    text += i > 0 ? `,${prefix}${tail}` : `${prefix}${tail}`;
    size += length + 1;
  }
  return `${text}]`;
}

/** The distinct values, in first-appearance order. */
function distinct(values: readonly string[]): string[] {
  if (values.length <= 1) return values.slice();
  return [...new Set(values)];
}

function csv(values: readonly string[]): string {
  return clip(distinct(values).join(','), MAX_ANNOTATION);
}

/** The ids of the violations, distinct, in order. */
function idsOf(items: readonly Judged[]): string[] {
  const out: string[] = [];
  let last: string | undefined;
  for (let k = 0; k < items.length; k++) {
    const id = items[k].id;
    if (id !== last && !out.includes(id)) out.push(id);
    last = id;
  }
  return out;
}

/** The kind an exception matches for a CONNECT request: the object connected to. */
const CONNECT_PARENT: Readonly<Record<string, string>> = { pods: 'Pod', nodes: 'Node', services: 'Service' };

export function createDecider(opts: DeciderOptions): Decider {
  const config = opts.config;
  const admission = opts.admission;
  const defaultMode: AdmissionMode = isMode(admission.mode) ? admission.mode : 'enforce';
  const namespaceModes = new Map<string, AdmissionMode>();
  for (const [ns, m] of Object.entries(admission.namespaceModes ?? {})) if (isMode(m)) namespaceModes.set(ns, m);
  const failOpen = admission.failurePolicy === 'Ignore';

  const selection = selectAdmissionControls(admission.controls ?? [], config, opts.controls ?? BUILTIN_CONTROLS);
  if (selection.unknown.length > 0) {
    throw new AdmissionConfigError(
      `admission.controls names ${selection.unknown.length === 1 ? 'a control that does not exist' : 'controls that do not exist'}: ${selection.unknown.join(', ')} (run "kubecomply controls" to list them)`,
    );
  }
  const runCatalog = compileCatalog(selection.controls, config);
  const guards = compileGuards(admission, config);
  const roles = compileAdministrators(admission.administrators);
  const now = opts.now ?? ((): Date => new Date());

  const namespaceOf = (req: AdmissionRequest): string | undefined => {
    if (req.kind.group === '' && req.kind.kind === 'Namespace') return undefined;
    if (req.namespace !== '') return req.namespace;
    // The API server always names the resource and sends '' for cluster-scoped requests.
    if (req.resourceGiven) return undefined;
    const ns = metaOf(req.object ?? req.oldObject).namespace;
    if (typeof ns === 'string' && ns !== '') return ns;
    return CLUSTER_SCOPED_KINDS.has(req.kind.kind) ? undefined : config.defaultNamespace;
  };

  const review = (body: unknown, ctx?: ReviewContext): ReviewResult => {
    const pathMode = isMode(ctx?.pathMode) ? ctx!.pathMode : undefined;
    let parsed: ReturnType<typeof parseReview>;
    try {
      parsed = parseReview(body);
    } catch (e) {
      parsed = { ok: false, kind: 'bad-review', error: `could not read the AdmissionReview: ${e instanceof Error ? e.message : String(e)}` };
    }
    if (!parsed.ok && parsed.kind === 'bad-review') {
      return {
        httpStatus: 400,
        body: { error: parsed.error },
        outcome: { mode: pathMode ?? defaultMode, result: 'error', controls: [], exceptions: [], dryRun: false },
      };
    }
    if (!parsed.ok) {
      const p = parsed.request;
      return errorAnswer(parsed.apiVersion, parsed.uid, pathMode ?? defaultMode, `invalid AdmissionRequest: ${parsed.error}`, 400, 'BadRequest', false, p.kind?.kind, p.operation);
    }
    const { apiVersion, request: req } = parsed;
    try {
      return decide(apiVersion, req, pathMode);
    } catch (e) {
      return errorAnswer(apiVersion, req.uid, pathMode ?? defaultMode, `internal error: ${e instanceof Error ? e.message : String(e)}`, 500, 'InternalError', req.dryRun, req.kind.kind, req.operation);
    }
  };

  function errorAnswer(
    apiVersion: AdmissionReviewVersion,
    uid: string,
    mode: AdmissionMode,
    message: string,
    code: number,
    reason: string,
    dryRun: boolean,
    kind: string | undefined,
    operation: string | undefined,
  ): ReviewResult {
    const allowed = failOpen;
    const text = clip(oneLine(`kubecomply could not judge the request: ${message}`), 1000);
    const response: JsonObject = {
      uid,
      allowed,
      auditAnnotations: { decision: 'error', mode, error: clip(text, MAX_ANNOTATION), ...(dryRun ? { 'dry-run': 'true' } : {}) },
    };
    if (!allowed) response.status = { code, reason, message: text };
    else response.warnings = [clip(`${text}; allowed (admission.failurePolicy Ignore)`, MAX_WARNING)];
    return {
      httpStatus: 200,
      body: { apiVersion, kind: 'AdmissionReview', response },
      outcome: { mode, result: 'error', controls: [], exceptions: [], dryRun, ...(kind !== undefined ? { kind } : {}), ...(operation !== undefined ? { operation } : {}) },
    };
  }

  function decide(apiVersion: AdmissionReviewVersion, req: AdmissionRequest, pathMode: AdmissionMode | undefined): ReviewResult {
    const namespace = namespaceOf(req);
    const mode = pathMode ?? (namespace !== undefined ? namespaceModes.get(namespace) : undefined) ?? defaultMode;
    const admin = roles.isAdministrator(req.user);
    const name = requestName(req);

    const fromGuards = guards({ req, namespace, name });
    const violations: Judged[] = fromGuards.length === 0 ? [] : fromGuards.slice();

    // The catalog: the object as it will be stored, for CREATE and for UPDATEs that change what is judged.
    let target: Resource | undefined;
    let skipped: string | undefined;
    let errors: readonly string[] = NO_ERRORS;
    const isPodKind = req.kind.group === '' && (req.kind.kind === 'Pod' || req.kind.kind === 'EphemeralContainers');
    if ((req.operation === 'CREATE' || req.operation === 'UPDATE') && req.object) {
      let object: JsonObject = req.object;
      let oldObject = req.oldObject;
      let kind = req.kind;
      let judged = req.subResource === '';
      if (req.subResource === 'ephemeralcontainers' && isPodKind) {
        const pod = ephemeralPod(req);
        if (pod) {
          object = pod.object;
          oldObject = pod.oldObject;
          kind = { group: '', version: 'v1', kind: 'Pod' };
          judged = true;
        }
      } else if (req.subResource !== '') skipped = `subresource ${req.subResource} is not judged by the catalog`;
      if (judged && req.operation === 'UPDATE' && oldObject) {
        const u = updateIsJudged(kind.kind, object, oldObject);
        if (!u.judged) {
          judged = false;
          skipped = u.reason;
        }
      }
      target = toResource(object, kind, namespace);
      if (judged) {
        errors = runCatalog(target, violations);
      }
    }

    // Exceptions.
    const judgedList: Judged[] = violations;
    const used: string[] = [];
    let exceptionsError: string | undefined;
    if (violations.length > 0 && opts.exceptions) {
      let statuses: readonly ExceptionStatus[] = [];
      try {
        statuses = opts.exceptions() ?? [];
      } catch (e) {
        exceptionsError = e instanceof Error ? e.message : String(e);
      }
      if (statuses.length > 0) {
        const t = now().getTime();
        const honoured = statuses.filter((s) => s.state === 'active' && (!s.expiresAt || t < s.expiresAt.getTime()) && (!s.approvedAt || s.approvedAt.getTime() <= t));
        const subject = target ?? subjectOf(req, namespace, name);
        const decided = new Map<string, ExceptionStatus | null>();
        for (const v of judgedList) {
          const guard = findGuard(v.id);
          if (guard && !guard.exceptable) continue;
          let s = decided.get(v.id);
          if (s === undefined) decided.set(v.id, (s = findException(honoured, v.id, subject) ?? null));
          if (s) {
            v.exception = s;
            used.push(exceptionKey(s.exception));
            continue;
          }
          const unhonoured = statuses.filter((x) => !honoured.includes(x) && coversControl(x.exception, v.id) && matchesResource(x.exception, subject));
          if (unhonoured.length > 0) v.unhonoured = unhonoured.map((x) => ({ key: exceptionKey(x.exception), state: x.state === 'active' ? (x.expiresAt && t >= x.expiresAt.getTime() ? 'expired' : 'unapproved') : x.state }));
        }
      }
    }

    // Without exceptions in play (the common case) every violation is effective: no copies.
    const anyExcepted = used.length > 0;
    const effective = anyExcepted ? judgedList.filter((v) => !v.exception) : judgedList;
    const excepted: Judged[] = anyExcepted ? judgedList.filter((v) => v.exception) : [];
    let denying = false;
    for (let k = 0; k < effective.length && !denying; k++) denying = effective[k].severity !== 'info';
    // Warnings reach the person at the keyboard; controllers and nodes (system:…) only log them.
    const humanAdmin = admin && !req.user.username.startsWith('system:');
    // Safeguards describe what administrators are there to do: for them, they are recorded, not warned.
    const adminFindings = admin && effective.length > 0 ? effective.filter((v) => !findGuard(v.id)) : [];

    let result: ReviewResultKind;
    let allowed = true;
    if (admin) result = adminFindings.length === 0 ? 'allowed' : humanAdmin && mode !== 'audit' ? 'warned' : 'audited';
    else if (mode === 'enforce' && denying) {
      result = 'denied';
      allowed = false;
    } else if (effective.length > 0) result = mode === 'audit' ? 'audited' : 'warned';
    else result = 'allowed';

    if (errors.length > 0 && allowed && !admin && !failOpen) {
      return errorAnswer(apiVersion, req.uid, mode, errors.join('; '), 500, 'InternalError', req.dryRun, req.kind.kind, req.operation);
    }

    // Grouped only when a deny message or warnings need the groups.
    const groups = !allowed || (result === 'warned' && !admin) ? groupById(effective) : NO_GROUPS;
    const warnings: string[] = [];
    if (mode !== 'audit' && (!admin || humanAdmin)) {
      if (admin) for (const g of groupById(adminFindings)) warnings.push(warningFor(g, 'kubecomply: administrator override: '));
      else if (result === 'warned') for (const g of groups) warnings.push(warningFor(g, 'kubecomply: '));
      else if (result === 'denied') for (const g of groups) if (g.items.every((i) => i.severity === 'info')) warnings.push(warningFor(g, 'kubecomply: '));
      if (anyExcepted) for (const g of groupById(excepted)) warnings.push(exceptedWarning(g));
    }
    if (warnings.length > MAX_WARNINGS) {
      const rest = warnings.length - (MAX_WARNINGS - 1);
      warnings.splice(MAX_WARNINGS - 1, warnings.length, `kubecomply: ... and ${rest} more (see the audit log)`);
    }
    if (errors.length > 0 && (allowed || admin)) warnings.push(clip(oneLine(`kubecomply: some controls could not run: ${errors.join('; ')}`), MAX_WARNING));

    const annotations: Record<string, string> = { decision: result, mode, role: admin ? 'administrator' : 'user' };
    const judgedIds = judgedList.length > 0 ? idsOf(judgedList) : [];
    if (effective.length > 0) annotations.violations = clip((anyExcepted ? idsOf(effective) : judgedIds).join(','), MAX_ANNOTATION);
    if (judgedList.length > 0) annotations.details = details(judgedList);
    if (anyExcepted && excepted.length > 0) {
      annotations.excepted = csv(excepted.map((v) => `${v.id}=${exceptionKey(v.exception!.exception)}`));
      annotations.exceptions = csv(used);
    }
    if (judgedList.length > 0 && opts.exceptions) {
      const unhonoured = judgedList.flatMap((v) => (v.unhonoured ?? []).map((u) => `${u.key}=${u.state}`));
      if (unhonoured.length > 0) annotations['exceptions-not-honoured'] = csv(unhonoured);
    }
    if (skipped) annotations.skipped = clip(skipped, MAX_ANNOTATION);
    if (errors.length > 0) annotations.error = clip(oneLine(errors.join('; ')), MAX_ANNOTATION);
    if (exceptionsError) annotations['exceptions-error'] = clip(oneLine(exceptionsError), MAX_ANNOTATION);
    if (req.dryRun) annotations['dry-run'] = 'true';

    const response: JsonObject = { uid: req.uid, allowed };
    if (!allowed) {
      const subject = `${req.kind.kind}${namespace !== undefined ? ` ${namespace}/` : ' '}${name || '<unnamed>'}`;
      response.status = { code: 403, reason: 'Forbidden', message: denyMessage(req, subject, groups.filter((g) => g.items.some((i) => i.severity !== 'info'))) };
    }
    if (warnings.length > 0) response.warnings = warnings;
    response.auditAnnotations = annotations;

    const outcome: ReviewOutcome = {
      mode,
      result,
      // For administrators the safeguards are not violations (their audit annotations still name them).
      controls: admin ? judgedIds.filter((id) => !findGuard(id)) : judgedIds,
      exceptions: distinct(used),
      dryRun: req.dryRun,
      kind: req.kind.kind,
      operation: req.operation,
    };
    return { httpStatus: 200, body: { apiVersion, kind: 'AdmissionReview', response }, outcome };
  }

  /** What exceptions match when the catalog built no resource: the existing object, or what is connected to. */
  function subjectOf(req: AdmissionRequest, namespace: string | undefined, name: string): Resource {
    const obj = req.operation === 'CONNECT' ? undefined : (req.object ?? req.oldObject);
    if (obj) return toResource(obj, req.kind, namespace);
    const kind = CONNECT_PARENT[req.resource.resource] ?? req.kind.kind;
    const clusterScoped = kind === 'Node' || namespace === undefined;
    return {
      apiVersion: 'v1',
      kind,
      name: name || '<unnamed>',
      namespace: clusterScoped ? undefined : namespace,
      metadata: { name },
      object: { apiVersion: 'v1', kind, metadata: { name } },
      origin: { file: '<admission>', doc: 0, line: 0 },
      precomputed: undefined,
      podSpecs: undefined,
    };
  }

  return {
    review(body: unknown, ctx?: ReviewContext): ReviewResult {
      try {
        return review(body, ctx);
      } catch (e) {
        // Unreachable in practice (review catches what decide throws); never let a request crash the server.
        return {
          httpStatus: 500,
          body: { error: `internal error: ${e instanceof Error ? e.message : String(e)}` },
          outcome: { mode: defaultMode, result: 'error', controls: [], exceptions: [], dryRun: false },
        };
      }
    },
    controls: selection.controls.map((c) => c.id),
    skippedControls: [
      ...selection.needInventory.map((c) => ({ id: c.id, reason: 'needs-cluster-state' as const })),
      ...selection.inactive.map((c) => ({ id: c.id, reason: 'inactive' as const })),
    ],
  };
}

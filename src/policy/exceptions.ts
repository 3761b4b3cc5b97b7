/**
 * Governed exceptions (waivers): `ComplianceException` documents (kubecomply.io/v1alpha1) that accept
 * the risk of named controls on named resources, for a limited time, with a justification and an
 * approver. The contract is docs/admission-design.md; the scanner and the admission webhook share it.
 *
 * Nothing here throws on bad input: every problem is an issue on the exception (with the file and line
 * of the offending field) and a diagnostic. Only `active` exceptions are ever honoured.
 */
import { idGlob } from '../controls/select.js';
import { isObject } from '../core/inventory.js';
import { locateFields as locate } from '../core/locations.js';
import { child, concat } from '../core/path.js';
import { asString } from '../core/podspec.js';
import { selectorMatches, selectsAll } from '../core/selector.js';
import type { Diagnostic, ExceptionPolicy, ExceptionRef, Finding, JsonObject, Origin, Position, Resource } from '../core/types.js';

export const EXCEPTION_API_VERSION = 'kubecomply.io/v1alpha1';
export const EXCEPTION_KIND = 'ComplianceException';
const EXCEPTION_GROUP_PREFIX = 'kubecomply.io/';

const DAY_MS = 86_400_000;

export interface LabelSelectorRequirement {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  values?: string[];
}

/** metav1.LabelSelector: every matchLabels entry and every matchExpression must hold. */
export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
}

export interface ExceptionMatch {
  /** Namespace names or globs (`*`, `?`). */
  namespaces?: string[];
  /** Kinds, exactly (`Deployment`). */
  kinds?: string[];
  /** Resource names or globs. */
  names?: string[];
  /** A label selector on the resource's own labels. */
  selector?: LabelSelector;
  /**
   * Vulnerability waivers only: the packages it applies to, as purls without version (`pkg:npm/lodash`),
   * globs over them (`pkg:deb/debian/*`), or plain package names. Absent: every package with the vulnerability.
   */
  packages?: string[];
}

export interface ComplianceException {
  name: string;
  /** When set, only resources in this namespace match. */
  namespace?: string;
  /** Control (or admission guard) ids or globs (`pss-*`). Empty for a vulnerability waiver. */
  controls: string[];
  /**
   * Vulnerability ids a waiver covers (`CVE-2021-44228`, `GHSA-jfh8-c2jp-5v3q`); a match on any alias of
   * the advisory counts. An exception names either controls or vulnerabilities, never both.
   */
  vulnerabilities?: string[];
  match: ExceptionMatch;
  justification: string;
  approvedBy?: string;
  /** As written: a date (YYYY-MM-DD) or an RFC 3339 time. */
  approvedAt?: string;
  /** As written: a date (the end of that day UTC) or an RFC 3339 time. */
  expires?: string;
  ticket?: string;
  origin: Origin;
}

export type ExceptionState = 'active' | 'expired' | 'unapproved' | 'invalid';

/** One problem with an exception, at the field that causes it. */
export interface ExceptionIssue {
  /** The state this problem leads to. */
  state: Exclude<ExceptionState, 'active'>;
  /** JSON path of the field in the document, e.g. `spec.expires`. */
  field: string;
  message: string;
  /** Where the field (or its nearest existing parent) is, in `exception.origin.file`. */
  position: Position;
}

export interface ExceptionStatus {
  exception: ComplianceException;
  state: ExceptionState;
  /** Human-readable problems (`field: message`); empty for active exceptions. */
  problems: string[];
  /** The first instant the exception no longer holds (for a date: midnight UTC after that day). */
  expiresAt?: Date;
  /** The instant of approval (for a date: midnight UTC at its start). */
  approvedAt?: Date;
  /** The problems with their fields and positions (same order as `problems`). */
  issues: ExceptionIssue[];
}

// ------------------------------------------------------------------ small helpers

/** `namespace/name`, or `name` for an exception without a namespace: its identity. */
export function exceptionKey(e: { name: string; namespace?: string | undefined }): string {
  return e.namespace !== undefined ? `${e.namespace}/${e.name}` : e.name;
}

/** Whether a resource is a kubecomply exception document (of any version): not a cluster object to judge. */
export function isExceptionDocument(r: { apiVersion: string; kind: string }): boolean {
  return r.kind === EXCEPTION_KIND && r.apiVersion.startsWith(EXCEPTION_GROUP_PREFIX);
}

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIME_RE = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

function validDay(y: number, m: number, d: number): boolean {
  if (m < 1 || m > 12 || d < 1) return false;
  const dt = new Date(Date.UTC(y, m - 1, d));
  return dt.getUTCFullYear() === y && dt.getUTCMonth() === m - 1 && dt.getUTCDate() === d;
}

/**
 * Parses a date (`2027-01-31`) or an RFC 3339 time (`2027-01-31T18:00:00Z`, an offset required).
 * A date is the start of that day UTC, or with `endOfDay` the first instant after it.
 */
export function parseInstant(text: string, endOfDay = false): Date | undefined {
  const d = DATE_RE.exec(text);
  if (d) {
    const [y, m, day] = [Number(d[1]), Number(d[2]), Number(d[3])];
    if (!validDay(y, m, day)) return undefined;
    return new Date(Date.UTC(y, m - 1, day) + (endOfDay ? DAY_MS : 0));
  }
  const t = TIME_RE.exec(text);
  if (!t) return undefined;
  const [y, m, day, hh, mm, ss] = [1, 2, 3, 4, 5, 6].map((i) => Number(t[i]));
  if (!validDay(y, m, day) || hh > 23 || mm > 59 || ss > 60) return undefined;
  if (t[8] !== 'Z' && t[8] !== 'z') {
    const [oh, om] = t[8].slice(1).split(':').map(Number);
    if (oh > 23 || om > 59) return undefined;
  }
  const ms = Date.parse(text.replace(' ', 'T'));
  return Number.isNaN(ms) ? undefined : new Date(ms);
}

/**
 * Whole days from `now` until `expiresAt`: 0 on the last day; once expired, minus the whole days since
 * (so -60 is "expired 60 days ago", and 0 also on the day it lapsed).
 */
export function daysLeft(expiresAt: Date, now: Date): number {
  const diff = expiresAt.getTime() - now.getTime();
  return diff >= 0 ? Math.floor(diff / DAY_MS) : 0 - Math.floor(-diff / DAY_MS);
}

/** The expiry instant of an ExceptionRef's `expires`. */
export function expiryOf(expires: string): Date | undefined {
  return parseInstant(expires, true);
}

function escapeRe(s: string): string {
  return s.replace(/[.+^${}()|[\]\\*?]/g, '\\$&');
}

/** Globs on names: `*` any run of characters, `?` one character. */
function nameGlob(pattern: string): (s: string) => boolean {
  if (!/[*?]/.test(pattern)) return (s) => s === pattern;
  const re = new RegExp('^' + [...pattern].map((c) => (c === '*' ? '.*' : c === '?' ? '.' : escapeRe(c))).join('') + '$');
  return (s) => re.test(s);
}

// ------------------------------------------------------------------ parsing and validation

const SPEC_FIELDS = ['controls', 'vulnerabilities', 'match', 'justification', 'approvedBy', 'approvedAt', 'expires', 'ticket'];
const MATCH_FIELDS = ['namespaces', 'kinds', 'names', 'selector'];
/** OSV ids: an upper-case database prefix, a dash, then the database's own id (CVE-2021-44228, GHSA-…, GO-2024-1234, DSA-5678-1). */
const VULN_ID_PATTERN = /^[A-Z][A-Z0-9]*-[A-Za-z0-9][A-Za-z0-9:._-]*$/;
const PACKAGE_PATTERN = /^[A-Za-z0-9.:_@%/+*?~-]+$/;
const SELECTOR_FIELDS = ['matchLabels', 'matchExpressions'];
const OPERATORS = ['In', 'NotIn', 'Exists', 'DoesNotExist'];
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const KIND_RE = /^[A-Z][A-Za-z0-9]*$/;
const CONTROL_PATTERN = /^[A-Za-z0-9*][A-Za-z0-9._:*-]*$/;
const NAME_PATTERN = /^[A-Za-z0-9.:_@*?-]+$/;
const LABEL_KEY = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

/**
 * Why a justification is a placeholder rather than an explanation, or undefined when it is not.
 * Length is checked separately (exceptions.minJustificationLength).
 */
export function placeholderReason(text: string): string | undefined {
  const t = text.trim().toLowerCase();
  if (/^(todo|tbd|tba|fixme|xxx|placeholder|wip|n\/a)\b/.test(t) || /^<.*>$/s.test(t) || /^\{\{.*\}\}$/s.test(t)) return 'is a placeholder, not a justification';
  if (/lorem ipsum|\bgoes here\b|\bfill (me )?in\b|\bto be (determined|defined|filled|added|written|completed|provided)\b|\bchange ?me\b/.test(t)) return 'is a placeholder, not a justification';
  const letters = new Set(t.replace(/[^a-z]/g, ''));
  if (letters.size < 5) return 'is not an explanation (too few distinct letters)';
  const words = t.split(/\s+/).filter((w) => /[a-z]{2,}/.test(w));
  if (words.length < 3) return 'must explain why the risk is accepted (at least three words)';
  return undefined;
}

interface Draft {
  resource: Resource;
  issues: { state: ExceptionIssue['state']; field: string; message: string }[];
}

function validateList(
  d: Draft,
  field: string,
  v: unknown,
  check: (s: string) => string | undefined,
): string[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) {
    d.issues.push({ state: 'invalid', field, message: 'must be a list' });
    return undefined;
  }
  if (v.length === 0) {
    d.issues.push({ state: 'invalid', field, message: 'must not be empty (leave the field out instead)' });
    return [];
  }
  const out: string[] = [];
  v.forEach((item, i) => {
    const f = child(field, i);
    if (typeof item !== 'string' || item.trim() === '') {
      d.issues.push({ state: 'invalid', field: f, message: 'must be a non-empty string' });
      return;
    }
    const why = check(item);
    if (why) d.issues.push({ state: 'invalid', field: f, message: why });
    out.push(item);
  });
  return out;
}

function validateSelector(d: Draft, field: string, v: unknown): LabelSelector | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isObject(v)) {
    d.issues.push({ state: 'invalid', field, message: 'must be a label selector (matchLabels and/or matchExpressions)' });
    return undefined;
  }
  for (const k of Object.keys(v)) {
    if (!SELECTOR_FIELDS.includes(k)) d.issues.push({ state: 'invalid', field: child(field, k), message: `unknown field (a selector has ${SELECTOR_FIELDS.join(' and ')})` });
  }
  const sel: LabelSelector = {};
  const ml = v.matchLabels;
  if (ml !== undefined && ml !== null) {
    const f = child(field, 'matchLabels');
    if (!isObject(ml)) d.issues.push({ state: 'invalid', field: f, message: 'must be a mapping of label keys to values' });
    else {
      sel.matchLabels = {};
      for (const [k, val] of Object.entries(ml)) {
        if (!LABEL_KEY.test(k)) d.issues.push({ state: 'invalid', field: child(f, k), message: `"${k}" is not a valid label key` });
        if (typeof val !== 'string') d.issues.push({ state: 'invalid', field: child(f, k), message: 'label values are strings (quote the value)' });
        else sel.matchLabels[k] = val;
      }
    }
  }
  const me = v.matchExpressions;
  if (me !== undefined && me !== null) {
    const f = child(field, 'matchExpressions');
    if (!Array.isArray(me)) d.issues.push({ state: 'invalid', field: f, message: 'must be a list of {key, operator, values}' });
    else {
      sel.matchExpressions = [];
      me.forEach((e, i) => {
        const ef = child(f, i);
        if (!isObject(e)) {
          d.issues.push({ state: 'invalid', field: ef, message: 'must be {key, operator, values}' });
          return;
        }
        for (const k of Object.keys(e)) {
          if (!['key', 'operator', 'values'].includes(k)) d.issues.push({ state: 'invalid', field: child(ef, k), message: 'unknown field (an expression has key, operator and values)' });
        }
        const key = asString(e.key);
        if (key === undefined || !LABEL_KEY.test(key)) d.issues.push({ state: 'invalid', field: child(ef, 'key'), message: key === undefined ? 'required: the label key' : `"${key}" is not a valid label key` });
        const op = asString(e.operator);
        if (op === undefined || !OPERATORS.includes(op)) {
          d.issues.push({ state: 'invalid', field: child(ef, 'operator'), message: `must be one of ${OPERATORS.join(', ')}` });
        }
        const values = e.values;
        let vals: string[] | undefined;
        if (values !== undefined && values !== null) {
          if (!Array.isArray(values) || values.some((x) => typeof x !== 'string')) d.issues.push({ state: 'invalid', field: child(ef, 'values'), message: 'must be a list of strings' });
          else vals = values as string[];
        }
        if ((op === 'In' || op === 'NotIn') && (vals === undefined || vals.length === 0)) {
          d.issues.push({ state: 'invalid', field: child(ef, 'values'), message: `required and non-empty with operator ${op}` });
        }
        if ((op === 'Exists' || op === 'DoesNotExist') && vals !== undefined && vals.length > 0) {
          d.issues.push({ state: 'invalid', field: child(ef, 'values'), message: `must be empty with operator ${op}` });
        }
        if (key !== undefined && op !== undefined && OPERATORS.includes(op)) {
          sel.matchExpressions!.push({ key, operator: op as LabelSelectorRequirement['operator'], ...(vals ? { values: vals } : {}) });
        }
      });
    }
  }
  return sel;
}


function parseOne(r: Resource, policy: ExceptionPolicy, knownControl: (id: string) => boolean, now: Date): ExceptionStatus {
  const d: Draft = { resource: r, issues: [] };
  const o = r.object;
  const meta = isObject(o.metadata) ? o.metadata : {};
  const name = asString(meta.name);
  if (name === undefined || name === '') d.issues.push({ state: 'invalid', field: 'metadata.name', message: 'required: the exception needs a name' });
  else if (name.length > 253 || !DNS_SUBDOMAIN.test(name)) d.issues.push({ state: 'invalid', field: 'metadata.name', message: `"${name}" is not a valid name (lowercase letters, digits, "-" and ".")` });
  let namespace: string | undefined;
  if (meta.namespace !== undefined && meta.namespace !== null) {
    namespace = asString(meta.namespace);
    if (namespace === undefined || namespace.length > 63 || !DNS_LABEL.test(namespace)) {
      d.issues.push({ state: 'invalid', field: 'metadata.namespace', message: 'must be a namespace name (a DNS-1123 label)' });
      namespace = typeof meta.namespace === 'string' ? meta.namespace : undefined;
    }
    if (namespace === '') namespace = undefined;
  }

  const spec: JsonObject = isObject(o.spec) ? o.spec : {};
  if (!isObject(o.spec)) d.issues.push({ state: 'invalid', field: 'spec', message: 'required: controls, match, justification, approvedBy, approvedAt and expires' });
  for (const k of Object.keys(spec)) {
    if (!SPEC_FIELDS.includes(k)) d.issues.push({ state: 'invalid', field: child('spec', k), message: `unknown field (the fields are ${SPEC_FIELDS.join(', ')})` });
  }

  // controls, or vulnerabilities
  let controls: string[] = [];
  let vulnerabilities: string[] | undefined;
  const isWaiver = spec.vulnerabilities !== undefined && spec.vulnerabilities !== null;
  if (isWaiver) {
    vulnerabilities =
      validateList(d, 'spec.vulnerabilities', spec.vulnerabilities, (id) =>
        VULN_ID_PATTERN.test(id) ? undefined : `"${id}" is not a vulnerability id (e.g. CVE-2021-44228, GHSA-jfh8-c2jp-5v3q, GO-2024-2687)`,
      ) ?? [];
    if (spec.controls !== undefined && spec.controls !== null) {
      d.issues.push({ state: 'invalid', field: 'spec.controls', message: 'an exception names controls or vulnerabilities, not both: write two exceptions' });
    }
  } else if (spec.controls === undefined || spec.controls === null) {
    if (isObject(o.spec)) d.issues.push({ state: 'invalid', field: 'spec.controls', message: 'required: the control ids (or globs) the exception covers, or spec.vulnerabilities for a vulnerability waiver' });
  } else {
    controls =
      validateList(d, 'spec.controls', spec.controls, (id) => {
        if (!CONTROL_PATTERN.test(id)) return `"${id}" is not a control id or glob`;
        if (!knownControl(id)) return id.includes('*') ? `"${id}" matches no known control` : `unknown control "${id}" (see "kubecomply controls")`;
        return undefined;
      }) ?? [];
  }

  // match
  const match: ExceptionMatch = {};
  if (isWaiver) {
    // A waiver may be for a vulnerability wherever it is found; spec.match.packages narrows it.
    if (spec.match !== undefined && spec.match !== null) {
      if (!isObject(spec.match)) d.issues.push({ state: 'invalid', field: 'spec.match', message: 'must be a mapping with packages' });
      else {
        for (const k of Object.keys(spec.match)) {
          if (k !== 'packages') d.issues.push({ state: 'invalid', field: child('spec.match', k), message: 'a vulnerability waiver matches packages only (spec.match.packages: purls without version, globs, or names)' });
        }
        const packages = validateList(d, 'spec.match.packages', spec.match.packages, (s) =>
          PACKAGE_PATTERN.test(s) ? undefined : `"${s}" is not a purl (pkg:npm/lodash), a glob over purls, or a package name`,
        );
        if (packages) match.packages = packages;
      }
    }
  } else if (spec.match === undefined || spec.match === null) {
    if (isObject(o.spec)) d.issues.push({ state: 'invalid', field: 'spec.match', message: 'required: namespaces, kinds, names and/or selector' });
  } else if (!isObject(spec.match)) {
    d.issues.push({ state: 'invalid', field: 'spec.match', message: 'must be a mapping with namespaces, kinds, names and/or selector' });
  } else {
    const m = spec.match;
    for (const k of Object.keys(m)) {
      if (k === 'packages') d.issues.push({ state: 'invalid', field: child('spec.match', k), message: 'packages applies to vulnerability waivers (spec.vulnerabilities), not to controls' });
      else if (!MATCH_FIELDS.includes(k)) d.issues.push({ state: 'invalid', field: child('spec.match', k), message: `unknown field (the criteria are ${MATCH_FIELDS.join(', ')})` });
    }
    const namespaces = validateList(d, 'spec.match.namespaces', m.namespaces, (s) => (NAME_PATTERN.test(s) ? undefined : `"${s}" is not a namespace name or glob`));
    const kinds = validateList(d, 'spec.match.kinds', m.kinds, (s) => (KIND_RE.test(s) ? undefined : `"${s}" is not a kind (kinds are written as in the manifest, e.g. Deployment)`));
    const names = validateList(d, 'spec.match.names', m.names, (s) => (NAME_PATTERN.test(s) ? undefined : `"${s}" is not a resource name or glob`));
    const selector = validateSelector(d, 'spec.match.selector', m.selector);
    if (namespaces) match.namespaces = namespaces;
    if (kinds) match.kinds = kinds;
    if (names) match.names = names;
    if (selector) match.selector = selector;
    const criteria = (namespaces?.length ?? 0) + (kinds?.length ?? 0) + (names?.length ?? 0) + (selector && !selectsAll(selector) ? 1 : 0);
    if (criteria === 0 && !d.issues.some((i) => i.field.startsWith('spec.match.'))) {
      d.issues.push({ state: 'invalid', field: 'spec.match', message: 'needs at least one criterion: namespaces, kinds, names or a non-empty selector' });
    }
  }

  // justification
  let justification = '';
  if (spec.justification === undefined || spec.justification === null) {
    if (isObject(o.spec)) d.issues.push({ state: 'invalid', field: 'spec.justification', message: 'required: why the risk is accepted and how it is mitigated' });
  } else if (typeof spec.justification !== 'string') {
    d.issues.push({ state: 'invalid', field: 'spec.justification', message: 'must be text' });
  } else {
    justification = spec.justification.trim().replace(/\s+/g, ' ');
    if (justification.length < policy.minJustificationLength) {
      d.issues.push({ state: 'invalid', field: 'spec.justification', message: `is ${justification.length} characters; at least ${policy.minJustificationLength} are required (exceptions.minJustificationLength)` });
    } else {
      const why = placeholderReason(justification);
      if (why) d.issues.push({ state: 'invalid', field: 'spec.justification', message: why });
    }
  }

  // approval
  let approvedBy: string | undefined;
  if (spec.approvedBy === undefined || spec.approvedBy === null || spec.approvedBy === '') {
    d.issues.push({ state: 'unapproved', field: 'spec.approvedBy', message: 'missing: an exception is honoured only once someone approved it' });
  } else if (typeof spec.approvedBy !== 'string' || spec.approvedBy.trim() === '') {
    d.issues.push({ state: 'invalid', field: 'spec.approvedBy', message: 'must be the approver (a name or an e-mail address)' });
  } else approvedBy = spec.approvedBy.trim();

  let approvedAtText: string | undefined;
  let approvedAt: Date | undefined;
  if (spec.approvedAt === undefined || spec.approvedAt === null || spec.approvedAt === '') {
    d.issues.push({ state: 'unapproved', field: 'spec.approvedAt', message: 'missing: the date of approval (YYYY-MM-DD or RFC 3339)' });
  } else if (typeof spec.approvedAt !== 'string' || (approvedAt = parseInstant(spec.approvedAt)) === undefined) {
    d.issues.push({ state: 'invalid', field: 'spec.approvedAt', message: `${JSON.stringify(spec.approvedAt)} is not a date (YYYY-MM-DD) or an RFC 3339 time with an offset` });
  } else {
    approvedAtText = spec.approvedAt;
    if (approvedAt.getTime() > now.getTime()) {
      d.issues.push({ state: 'unapproved', field: 'spec.approvedAt', message: `${approvedAtText} is in the future: an approval cannot be dated ahead` });
    }
  }

  // expiry
  let expiresText: string | undefined;
  let expiresAt: Date | undefined;
  if (spec.expires === undefined || spec.expires === null || spec.expires === '') {
    if (isObject(o.spec)) d.issues.push({ state: 'invalid', field: 'spec.expires', message: `required: every exception expires (at most ${policy.maxDays} days after approval)` });
  } else if (typeof spec.expires !== 'string' || (expiresAt = parseInstant(spec.expires, true)) === undefined) {
    d.issues.push({ state: 'invalid', field: 'spec.expires', message: `${JSON.stringify(spec.expires)} is not a date (YYYY-MM-DD) or an RFC 3339 time with an offset` });
  } else {
    expiresText = spec.expires;
    if (approvedAt !== undefined) {
      const days = (expiresAt.getTime() - approvedAt.getTime()) / DAY_MS;
      if (days <= 0) d.issues.push({ state: 'invalid', field: 'spec.expires', message: `${expiresText} is not after the approval (${approvedAtText})` });
      else if (days > policy.maxDays) {
        d.issues.push({ state: 'invalid', field: 'spec.expires', message: `valid for ${Math.ceil(days)} days from approval (${approvedAtText}); at most ${policy.maxDays} are allowed (exceptions.maxDays)` });
      }
    } else if ((expiresAt.getTime() - now.getTime()) / DAY_MS > policy.maxDays) {
      // Approval cannot be later than now, so the validity would exceed the maximum whatever its date.
      d.issues.push({ state: 'invalid', field: 'spec.expires', message: `${expiresText} is more than ${policy.maxDays} days away (exceptions.maxDays)` });
    }
    if (now.getTime() >= expiresAt.getTime()) {
      const ago = Math.floor((now.getTime() - expiresAt.getTime()) / DAY_MS);
      d.issues.push({ state: 'expired', field: 'spec.expires', message: `expired ${DATE_RE.test(expiresText) ? `at the end of ${expiresText}` : `at ${expiresText}`} (${ago === 0 ? 'today' : `${ago} ${ago === 1 ? 'day' : 'days'} ago`})` });
    }
  }

  // ticket
  let ticket: string | undefined;
  if (spec.ticket !== undefined && spec.ticket !== null) {
    if (typeof spec.ticket === 'string' && spec.ticket.trim() !== '') ticket = spec.ticket.trim();
    else if (typeof spec.ticket === 'number') ticket = String(spec.ticket);
    else d.issues.push({ state: 'invalid', field: 'spec.ticket', message: 'must be a ticket reference' });
  }

  const exception: ComplianceException = {
    name: name ?? '<unnamed>',
    ...(namespace !== undefined ? { namespace } : {}),
    controls,
    ...(vulnerabilities !== undefined ? { vulnerabilities } : {}),
    match,
    justification,
    ...(approvedBy !== undefined ? { approvedBy } : {}),
    ...(approvedAtText !== undefined ? { approvedAt: approvedAtText } : {}),
    ...(expiresText !== undefined ? { expires: expiresText } : {}),
    ...(ticket !== undefined ? { ticket } : {}),
    origin: r.origin,
  };
  return finish(exception, d.issues, locate(r, d.issues.map((i) => i.field)), expiresAt, approvedAt);
}

const STATE_ORDER: readonly ExceptionState[] = ['invalid', 'unapproved', 'expired'];

function finish(
  exception: ComplianceException,
  raw: readonly { state: ExceptionIssue['state']; field: string; message: string }[],
  positions: readonly Position[],
  expiresAt: Date | undefined,
  approvedAt: Date | undefined,
): ExceptionStatus {
  const issues = raw.map((i, k) => ({ ...i, position: positions[k] }));
  // Never approved is worse than lapsed: invalid > unapproved > expired.
  const state = STATE_ORDER.find((s) => issues.some((i) => i.state === s)) ?? 'active';
  return {
    exception,
    state,
    problems: issues.map((i) => `${i.field}: ${i.message}`),
    ...(expiresAt ? { expiresAt } : {}),
    ...(approvedAt ? { approvedAt } : {}),
    issues,
  };
}

function diagnosticsOf(s: ExceptionStatus): Diagnostic[] {
  if (s.state === 'active') return [];
  const key = exceptionKey(s.exception);
  return s.issues.map((i) => ({
    level: 'warning' as const,
    code: `exception-${s.state}`,
    file: s.exception.origin.file,
    line: i.position.line,
    column: i.position.column,
    message: `exception "${key}" is ${s.state} and not honoured: ${i.field}: ${i.message}`,
  }));
}

/**
 * Picks the ComplianceException documents (kubecomply.io/v1alpha1) out of loaded resources and
 * validates them against the policy at `now`. Other resources are ignored; other versions of the kind
 * get a diagnostic. Never throws.
 */
export function parseExceptions(
  resources: readonly Resource[],
  policy: ExceptionPolicy,
  knownControl: (id: string) => boolean,
  now: Date,
): { statuses: ExceptionStatus[]; diagnostics: Diagnostic[] } {
  const statuses: ExceptionStatus[] = [];
  const diagnostics: Diagnostic[] = [];
  const seen = new Map<string, ExceptionStatus>();
  for (const r of resources) {
    if (r.kind !== EXCEPTION_KIND) continue;
    if (r.apiVersion !== EXCEPTION_API_VERSION) {
      if (!r.apiVersion.startsWith(EXCEPTION_GROUP_PREFIX)) continue; // someone else's kind of that name
      const [pos] = locate(r, ['apiVersion']);
      diagnostics.push({
        level: 'warning',
        code: 'exception-api-version',
        file: r.origin.file,
        line: pos.line,
        column: pos.column,
        message: `ComplianceException "${r.name}" has apiVersion ${r.apiVersion}; this version of kubecomply reads ${EXCEPTION_API_VERSION} — ignored, not honoured`,
      });
      continue;
    }
    let status: ExceptionStatus;
    try {
      status = parseOne(r, policy, knownControl, now);
    } catch (e) {
      // A bug must not turn a bad document into a crash: report it as invalid.
      status = finish(
        { name: r.name, controls: [], match: {}, justification: '', origin: r.origin },
        [{ state: 'invalid', field: '', message: `could not be read: ${e instanceof Error ? e.message : String(e)}` }],
        [{ line: r.origin.line, column: 1 }],
        undefined,
        undefined,
      );
    }
    const key = exceptionKey(status.exception);
    const first = seen.get(key);
    if (first && status.exception.name !== '<unnamed>') {
      const [pos] = locate(r, ['metadata.name']);
      const where = `${first.exception.origin.file}:${first.exception.origin.line}`;
      status.issues.push({ state: 'invalid', field: 'metadata.name', message: `duplicate: exception "${key}" is already defined at ${where}`, position: pos });
      status.problems.push(`metadata.name: duplicate: exception "${key}" is already defined at ${where}`);
      status.state = 'invalid';
    } else seen.set(key, status);
    statuses.push(status);
    diagnostics.push(...diagnosticsOf(status));
  }
  return { statuses, diagnostics };
}

// ------------------------------------------------------------------ matching

interface Compiled {
  controls: ((id: string) => boolean)[];
  namespaces: ((s: string) => boolean)[] | undefined;
  names: ((s: string) => boolean)[] | undefined;
  kinds: Set<string> | undefined;
}

const compiled = new WeakMap<ComplianceException, Compiled>();

function compile(e: ComplianceException): Compiled {
  let c = compiled.get(e);
  if (!c) {
    c = {
      controls: e.controls.map(idGlob),
      namespaces: e.match.namespaces?.map(nameGlob),
      names: e.match.names?.map(nameGlob),
      kinds: e.match.kinds ? new Set(e.match.kinds) : undefined,
    };
    compiled.set(e, c);
  }
  return c;
}

/** Whether the exception names the control (by id or glob). */
export function coversControl(e: ComplianceException, controlId: string): boolean {
  return compile(e).controls.some((m) => m(controlId));
}

/** Whether the resource meets every criterion the exception gives (its namespace, and each of spec.match). */
export function matchesResource(e: ComplianceException, target: Resource): boolean {
  const c = compile(e);
  if (e.namespace !== undefined && target.namespace !== e.namespace) return false;
  if (c.namespaces && (target.namespace === undefined || !c.namespaces.some((m) => m(target.namespace!)))) return false;
  if (c.kinds && !c.kinds.has(target.kind)) return false;
  if (c.names && !c.names.some((m) => m(target.name))) return false;
  if (e.match.selector && !selectorMatches(e.match.selector, target.metadata.labels)) return false;
  // An exception without any criterion (only possible when built by hand) matches nothing.
  return c.namespaces !== undefined || c.kinds !== undefined || c.names !== undefined || (e.match.selector !== undefined && !selectsAll(e.match.selector));
}

/** The first active exception that covers `controlId` on `target`, if any. */
export function findException(statuses: readonly ExceptionStatus[], controlId: string, target: Resource): ExceptionStatus | undefined {
  for (const s of statuses) {
    if (s.state !== 'active') continue;
    if (coversControl(s.exception, controlId) && matchesResource(s.exception, target)) return s;
  }
  return undefined;
}

/** What a finding records of the exception that covers it. */
export function exceptionRef(e: ComplianceException): ExceptionRef {
  return {
    name: e.name,
    ...(e.namespace !== undefined ? { namespace: e.namespace } : {}),
    approvedBy: e.approvedBy ?? '',
    expires: e.expires ?? '',
    ...(e.ticket !== undefined ? { ticket: e.ticket } : {}),
    justification: e.justification,
  };
}

/**
 * Marks the failing findings an active exception covers as `excepted` (new objects; the input is not
 * changed). `used` counts the findings each exception (by `exceptionKey`) covered.
 */
export function applyExceptions(findings: readonly Finding[], statuses: readonly ExceptionStatus[]): { findings: Finding[]; used: Map<string, number> } {
  const used = new Map<string, number>();
  const active = statuses.filter((s) => s.state === 'active');
  if (active.length === 0) return { findings: [...findings], used };
  const refs = new Map<ExceptionStatus, ExceptionRef>();
  // A resource has many findings of the same control: decide each control × resource once.
  const decided = new Map<Resource, Map<string, ExceptionStatus | null>>();
  const out = findings.map((f) => {
    if (f.status !== 'fail') return f;
    let byControl = decided.get(f.resource);
    if (!byControl) decided.set(f.resource, (byControl = new Map()));
    let s = byControl.get(f.control.id);
    if (s === undefined) {
      s = findException(active, f.control.id, f.resource) ?? null;
      byControl.set(f.control.id, s);
    }
    if (s === null) return f;
    let ref = refs.get(s);
    if (!ref) refs.set(s, (ref = exceptionRef(s.exception)));
    const key = exceptionKey(s.exception);
    used.set(key, (used.get(key) ?? 0) + 1);
    return { ...f, status: 'excepted' as const, exception: ref };
  });
  return { findings: out, used };
}

// ------------------------------------------------------------------ review (kubecomply exceptions check)

export type ReviewKind = 'invalid' | 'unapproved' | 'expired' | 'expiring-soon' | 'over-broad' | 'unused';

export interface ReviewProblem {
  kind: ReviewKind;
  field?: string;
  message: string;
  position: Position;
}

export interface ReviewOptions {
  now: Date;
  /** Active exceptions expiring within this many days are flagged (default 14). */
  expiringWithinDays?: number;
  /** The control catalog: flags exceptions that cover every control of a family. */
  catalog?: readonly { id: string; family: string }[];
  /** Findings each exception covered in a scan; when given, active exceptions that covered none are unused. */
  used?: ReadonlyMap<string, number>;
}

/** Why an exception is broader than an exception should be (empty when it is narrow). */
export function breadthProblems(e: ComplianceException, catalog?: readonly { id: string; family: string }[]): { field: string; message: string }[] {
  const out: { field: string; message: string }[] = [];
  if (e.vulnerabilities !== undefined) {
    // A waiver names its vulnerabilities exactly (no globs); one without packages covers them wherever found.
    (e.match.packages ?? []).forEach((p, i) => {
      if (/^\*+$/.test(p)) out.push({ field: `spec.match.packages[${i}]`, message: `"${p}" covers every package: leave spec.match out instead, or name the packages` });
    });
    return out;
  }
  const wildcardOnly = (list: readonly string[] | undefined): boolean => list !== undefined && list.length > 0 && list.every((p) => /^\*+$/.test(p));
  const hasNamespace = e.namespace !== undefined || (e.match.namespaces !== undefined && !wildcardOnly(e.match.namespaces));
  const hasName = e.match.names !== undefined && !wildcardOnly(e.match.names);
  const hasSelector = e.match.selector !== undefined && !selectsAll(e.match.selector);
  if (!hasNamespace && !hasName && !hasSelector) {
    out.push({ field: 'spec.match', message: 'no namespace, name or selector criterion: it covers every matching kind in every namespace' });
  }
  e.controls.forEach((p, i) => {
    if (/^\*+$/.test(p)) out.push({ field: `spec.controls[${i}]`, message: `"${p}" covers every control` });
  });
  if (catalog && !e.controls.some((p) => /^\*+$/.test(p))) {
    const families = new Map<string, string[]>();
    for (const c of catalog) {
      let l = families.get(c.family);
      if (!l) families.set(c.family, (l = []));
      l.push(c.id);
    }
    for (const [family, ids] of families) {
      if (ids.length > 1 && ids.every((id) => coversControl(e, id))) {
        out.push({ field: 'spec.controls', message: `covers the whole ${family} family (${ids.length} controls); name the controls that need the exception` });
      }
    }
  }
  return out;
}

/** Everything `kubecomply exceptions check` flags about one exception. */
export function reviewException(s: ExceptionStatus, opts: ReviewOptions): ReviewProblem[] {
  const out: ReviewProblem[] = s.issues.map((i) => ({ kind: i.state, field: i.field, message: i.message, position: i.position }));
  const e = s.exception;
  const at = (field: string): Position => {
    const pos = e.origin.locator ? e.origin.locator.doc.locate([concat(e.origin.locator.prefix, field)])[0] : undefined;
    return pos ?? { line: e.origin.line, column: 1 };
  };
  const within = opts.expiringWithinDays ?? 14;
  if (s.state === 'active' && s.expiresAt) {
    const left = daysLeft(s.expiresAt, opts.now);
    if (s.expiresAt.getTime() - opts.now.getTime() <= within * DAY_MS) {
      out.push({ kind: 'expiring-soon', field: 'spec.expires', message: `expires ${e.expires} (${left === 0 ? 'today' : `in ${left} ${left === 1 ? 'day' : 'days'}`}): renew and re-approve it, or fix the findings`, position: at('spec.expires') });
    }
  }
  for (const b of breadthProblems(e, opts.catalog)) {
    // An invalid match lost the fields that were wrong: judging its breadth would mislead.
    if (s.state === 'invalid' && b.field === 'spec.match') continue;
    out.push({ kind: 'over-broad', field: b.field, message: b.message, position: at(b.field) });
  }
  if (opts.used && s.state === 'active' && (opts.used.get(exceptionKey(e)) ?? 0) === 0) {
    out.push({ kind: 'unused', message: 'matched no finding in the scanned manifests: remove it, or fix its match', position: { line: e.origin.line, column: 1 } });
  }
  return out.map((x, i) => ({ x, i })).sort((a, b) => a.x.position.line - b.x.position.line || a.i - b.i).map(({ x }) => x);
}

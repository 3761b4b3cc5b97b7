/**
 * The admission decision's public types (docs/admission-design.md): what `review` returns, and the
 * AdmissionRequest as the decider reads it.
 */
import type { AdmissionMode, JsonObject, Severity } from '../core/types.js';

export type ReviewResultKind = 'allowed' | 'denied' | 'warned' | 'audited' | 'error';

/** What metrics and logs need about one review. */
export interface ReviewOutcome {
  /** The effective mode (pathMode, else admission.namespaceModes, else admission.mode). */
  mode: AdmissionMode;
  /**
   * allowed: nothing to report (or only findings an active exception covers); denied: the API server
   * is told to reject; warned: allowed, the violations returned as warnings; audited: allowed, the
   * violations only recorded in audit annotations; error: the request could not be judged.
   */
  result: ReviewResultKind;
  /** Ids of the controls and safeguards that found a violation (including those an exception covers). */
  controls: string[];
  /** Keys (`namespace/name`) of the ComplianceExceptions that covered a violation. */
  exceptions: string[];
  dryRun: boolean;
  /** The request's `kind.kind`. */
  kind?: string;
  /** CREATE, UPDATE, DELETE or CONNECT. */
  operation?: string;
}

export interface ReviewResult {
  /** 200 for every AdmissionReview answered; 400 for a body that is not an AdmissionReview. */
  httpStatus: number;
  /** The AdmissionReview response (in the request's apiVersion), or `{ error }` for a 4xx. */
  body: unknown;
  outcome: ReviewOutcome;
}

export interface ReviewContext {
  /** The mode the URL names (`/validate/{enforce,warn,audit}`); wins over the configuration. */
  pathMode?: AdmissionMode;
}

export type AdmissionReviewVersion = 'admission.k8s.io/v1' | 'admission.k8s.io/v1beta1';

export type Operation = 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';

export interface GroupVersionKind {
  group: string;
  version: string;
  kind: string;
}

export interface GroupVersionResource {
  group: string;
  version: string;
  resource: string;
}

/** An AdmissionRequest after validation: every field has its type, absent ones their empty value. */
export interface AdmissionRequest {
  uid: string;
  kind: GroupVersionKind;
  /** From the request, or derived from the kind when an older or hand-written request has none. */
  resource: GroupVersionResource;
  subResource: string;
  name: string;
  /** '' for cluster-scoped requests (and, as the API server sends it, the name for Namespace objects). */
  namespace: string;
  operation: Operation;
  user: { username: string; groups: readonly string[] };
  object: JsonObject | undefined;
  oldObject: JsonObject | undefined;
  dryRun: boolean;
  /** Whether the request named its `resource` (the API server always does; hand-written requests may not). */
  resourceGiven: boolean;
}

/** One thing wrong with a request: a catalog control's finding or a safeguard's. */
export interface AdmissionViolation {
  /** Control or safeguard id. */
  id: string;
  severity: Severity;
  /** JSON path in the object ('' when the whole request is the problem). */
  path: string;
  message: string;
  /** One-line remediation. */
  fix: string;
}

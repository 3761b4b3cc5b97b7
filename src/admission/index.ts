/**
 * The admission webhook's decision (docs/admission-design.md): `createDecider(opts).review(body)`
 * turns an AdmissionReview into the AdmissionReview answer, with the same controls and engine as
 * `kubecomply scan`, the safeguards users may not cross, and ComplianceExceptions.
 */
export { AdmissionConfigError, createDecider, type Decider, type DeciderOptions } from './decider.js';
export { ADMISSION_GUARD_IDS, findGuard, GUARDS, isAdmissionGuard, type GuardInfo } from './guards.js';
export { selectAdmissionControls, type CatalogSelection } from './catalog.js';
export { parseReview, REVIEW_VERSIONS } from './request.js';
export type {
  AdmissionRequest,
  AdmissionReviewVersion,
  AdmissionViolation,
  Operation,
  ReviewContext,
  ReviewOutcome,
  ReviewResult,
  ReviewResultKind,
} from './types.js';

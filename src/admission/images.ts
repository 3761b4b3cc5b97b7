/**
 * Image policies at admission: after the decider (controls, guards, exceptions) has judged a request, the images of
 * every pod template it carries (Pods, Deployments, Jobs, CronJobs … — core/inventory.ts extractPodSpecs) are
 * verified against the ImagePolicy documents by the same ImageVerifier `kubecomply verify --policy` and
 * `kubecomply scan --verify-images` use. A pod whose containers share an image costs one verification, and a verdict
 * is cached by digest across requests; the whole verification runs under a time budget (`budgetMs`), past which the
 * registry is treated as unreachable — the policy's `onRegistryError` then decides (deny by default: fail closed).
 *
 * A failing image is handled in the request's mode like any control: enforce denies (403, the reasons in the
 * message), warn allows with warnings, audit allows and records. The verdict always lands in the audit annotations
 * (`image-policy`), so the Kubernetes audit log shows which digests were verified. Requests naming no governed
 * image are answered without waiting for anything.
 */
import { parseImageReference } from '../core/image-reference.js';
import { extractPodSpecs, isObject } from '../core/inventory.js';
import { containerImages } from '../core/podspec.js';
import type { JsonObject, Resource } from '../core/types.js';
import type { ImageVerdict, ImageVerifier } from '../supply/policy/evaluate.js';
import type { Decider } from './decider.js';
import type { ReviewContext, ReviewResult } from './types.js';

export const IMAGE_POLICY_ID = 'image-policy';

export interface ImageGateOptions {
  verifier: ImageVerifier;
  /** Time budget for verifying one request's images (default 5 s; keep it under the webhook's timeoutSeconds). */
  budgetMs?: number;
}

export interface GatedDecider {
  review(body: unknown, ctx?: ReviewContext): ReviewResult | Promise<ReviewResult>;
  readonly controls: readonly string[];
  readonly skippedControls: Decider['skippedControls'];
}

const MAX_MESSAGE = 2000;
const MAX_ANNOTATION = 8000;

function clip(s: string, n: number): string {
  return s.length <= n ? s : `${s.slice(0, n - 1)}…`;
}

/** Every image a request's object runs (containers, init and ephemeral containers of each pod template). */
export function requestImages(body: unknown): string[] {
  if (!isObject(body) || !isObject(body.request)) return [];
  const req = body.request;
  if (req.operation !== 'CREATE' && req.operation !== 'UPDATE') return [];
  const obj = req.object;
  if (!isObject(obj) || typeof obj.kind !== 'string') return [];
  return [...new Set(containerImages(extractPodSpecs({ kind: obj.kind, object: obj } as unknown as Resource)).map((x) => x.image))];
}

function reasons(v: ImageVerdict): string {
  const digest = v.digest && !v.image.endsWith(v.digest) ? ` (${v.digest})` : '';
  return `${v.image}${digest}: ${v.failures.map((f) => `${f.policy}: ${f.requirement}: ${f.message}`).join('; ')}`;
}

/** The API server drops warnings over 256 characters (and those after 4 KiB in all). */
const MAX_WARNING = 256;

/** The decider, with image policies judged on top. */
export function withImagePolicies(decider: Decider, opts: ImageGateOptions): GatedDecider {
  const budget = opts.budgetMs ?? 5000;
  const v = opts.verifier;
  return {
    controls: [...decider.controls, IMAGE_POLICY_ID],
    skippedControls: decider.skippedControls,
    review(body: unknown, ctx?: ReviewContext): ReviewResult | Promise<ReviewResult> {
      const r = decider.review(body, ctx);
      if (r.httpStatus !== 200 || r.outcome.result === 'error') return r;
      const images = requestImages(body).filter((i) => {
        const p = parseImageReference(i);
        if (!p.ok) return false; // an unparseable reference is the image controls' finding
        const g = v.governing(p.ref);
        return g.policies.length > 0 || g.invalid.length > 0;
      });
      if (images.length === 0) return r;
      return (async () => {
        const verdicts = [...(await v.verifyAll(images, AbortSignal.timeout(budget))).values()];
        return apply(r, verdicts);
      })();
    },
  };
}

function apply(r: ReviewResult, verdicts: ImageVerdict[]): ReviewResult {
  const body = r.body as { response?: JsonObject };
  const response = body.response;
  if (!response) return r;
  const failed = verdicts.filter((x) => !x.allowed);
  const audit = (isObject(response.auditAnnotations) ? response.auditAnnotations : {}) as Record<string, string>;
  audit[IMAGE_POLICY_ID] = clip(
    JSON.stringify(verdicts.map((x) => ({ image: x.image, ...(x.digest ? { digest: x.digest } : {}), allowed: x.allowed, policies: x.policies, ...(x.failures.length ? { failures: x.failures.map((f) => `${f.policy}: ${f.requirement}`) } : {}) }))),
    MAX_ANNOTATION,
  );
  response.auditAnnotations = audit;
  const warnings = Array.isArray(response.warnings) ? (response.warnings as string[]) : [];
  for (const x of verdicts) for (const w of x.warnings) warnings.push(clip(`kubecomply: image-policy: ${x.image}: ${w}`, MAX_WARNING));
  const outcome = { ...r.outcome };
  if (failed.length > 0) {
    outcome.controls = [...outcome.controls, IMAGE_POLICY_ID];
    const text = clip(`kubecomply: image-policy: ${failed.map(reasons).join(' | ')}`, MAX_MESSAGE);
    if (outcome.mode === 'enforce') {
      if (response.allowed === true) {
        response.allowed = false;
        response.status = { code: 403, reason: 'Forbidden', message: text };
        outcome.result = 'denied';
      } else if (isObject(response.status) && typeof response.status.message === 'string') {
        response.status = { ...response.status, message: clip(`${response.status.message}; ${text}`, MAX_MESSAGE * 2) };
      }
    } else if (outcome.mode === 'warn') {
      for (const f of failed) warnings.push(clip(`kubecomply: image-policy: ${reasons(f)}`, MAX_WARNING));
      if (outcome.result === 'allowed') outcome.result = 'warned';
    } else if (outcome.result === 'allowed') outcome.result = 'audited';
  }
  if (warnings.length > 0) response.warnings = warnings;
  return { ...r, outcome };
}

/**
 * The Sigstore TrustedRoot file (trusted_root.json, trusted-root-public-good.json): Fulcio CAs, Rekor logs,
 * CT logs and timestamp authorities with their validity windows. Read from a file the operator supplies —
 * verification is offline, there is no TUF refresh at run time.
 */
import { TrustedRoot } from '@sigstore/protobuf-specs';
import { toTrustMaterial, type KeyFinderFunc, type TrustMaterial } from '@sigstore/verify';
import { isObject } from '../../core/inventory.js';
import { parseJsonInput, SignatureError } from './errors.js';

export interface TrustedRootInfo {
  root: TrustedRoot;
  /** Rekor log ids (hex) the root trusts, for result output and sanity checks. */
  rekorLogIds: string[];
}

const EMPTY_ROOT = {
  mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
  tlogs: [],
  certificateAuthorities: [],
  ctlogs: [],
  timestampAuthorities: [],
};


/**
 * Every TimeRange in a trusted root must have a start: a missing start is a malformed root, and treating it
 * as "valid since forever" would quietly widen trust (sigstore-conformance trust-root-tlog-missing-validity-start).
 */
function checkValidity(json: Record<string, unknown>): void {
  const need = (what: string, range: unknown): void => {
    if (!isObject(range) || typeof range.start !== 'string' || Number.isNaN(Date.parse(range.start))) {
      throw new SignatureError('invalid-trusted-root', `${what} has no valid validFor.start`);
    }
  };
  for (const field of ['tlogs', 'ctlogs'] as const) {
    const list = json[field] ?? [];
    if (!Array.isArray(list)) throw new SignatureError('invalid-trusted-root', `${field} is not a list`);
    list.forEach((log, i) => {
      if (!isObject(log) || !isObject(log.publicKey)) throw new SignatureError('invalid-trusted-root', `${field}[${i}] has no publicKey`);
      need(`${field}[${i}].publicKey`, log.publicKey.validFor);
    });
  }
  for (const field of ['certificateAuthorities', 'timestampAuthorities'] as const) {
    const list = json[field] ?? [];
    if (!Array.isArray(list)) throw new SignatureError('invalid-trusted-root', `${field} is not a list`);
    list.forEach((ca, i) => {
      if (!isObject(ca)) throw new SignatureError('invalid-trusted-root', `${field}[${i}] is not an object`);
      need(`${field}[${i}]`, ca.validFor);
    });
  }
}

/** Parses and validates a trusted root from its JSON text, bytes or parsed value. */
export function loadTrustedRoot(input: string | Buffer | unknown): TrustedRootInfo {
  const json = parseJsonInput(input, 'invalid-trusted-root', 'trusted root');
  if (!isObject(json)) throw new SignatureError('invalid-trusted-root', 'trusted root is not a JSON object');
  if (typeof json.mediaType !== 'string' || !json.mediaType.startsWith('application/vnd.dev.sigstore.trustedroot')) {
    throw new SignatureError('invalid-trusted-root', `unknown trusted root mediaType ${String(json.mediaType)}`);
  }
  checkValidity(json);
  let root: TrustedRoot;
  try {
    root = TrustedRoot.fromJSON(json);
  } catch (e) {
    throw new SignatureError('invalid-trusted-root', `malformed trusted root: ${(e as Error).message}`, { cause: e });
  }
  return { root, rekorLogIds: root.tlogs.map((t) => Buffer.from(t.logId?.keyId ?? []).toString('hex')) };
}

/** A root that trusts nothing: for key-only verification, where Rekor/Fulcio evidence is not consulted. */
export function emptyTrustedRoot(): TrustedRootInfo {
  return { root: TrustedRoot.fromJSON(EMPTY_ROOT), rekorLogIds: [] };
}

export function trustMaterial(info: TrustedRootInfo, keys?: KeyFinderFunc): TrustMaterial {
  return toTrustMaterial(info.root, keys);
}

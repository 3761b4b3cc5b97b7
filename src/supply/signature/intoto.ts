/**
 * in-toto Statements, v0.1 (`https://in-toto.io/Statement/v0.1`) and v1 (`https://in-toto.io/Statement/v1`):
 * the subject list binds the attestation to artifacts by digest; the predicate is typed by predicateType.
 */
import { isObject } from '../../core/inventory.js';
import { parseJsonInput, SignatureError } from './errors.js';

export const STATEMENT_V01 = 'https://in-toto.io/Statement/v0.1';
export const STATEMENT_V1 = 'https://in-toto.io/Statement/v1';

export interface Subject {
  name?: string;
  uri?: string;
  digest: Record<string, string>;
}

export interface Statement {
  _type: typeof STATEMENT_V01 | typeof STATEMENT_V1;
  subject: Subject[];
  predicateType: string;
  predicate: unknown;
}


export function parseStatement(input: string | Buffer | unknown): Statement {
  const json = parseJsonInput(input, 'invalid-payload', 'in-toto statement');
  if (!isObject(json)) throw new SignatureError('invalid-payload', 'in-toto statement is not an object');
  const type = json._type;
  if (type !== STATEMENT_V01 && type !== STATEMENT_V1) {
    throw new SignatureError('invalid-payload', `unknown in-toto statement _type ${JSON.stringify(type)}`);
  }
  if (typeof json.predicateType !== 'string' || json.predicateType === '') {
    throw new SignatureError('invalid-payload', 'in-toto statement has no predicateType');
  }
  if (!Array.isArray(json.subject) || json.subject.length === 0) {
    throw new SignatureError('invalid-payload', 'in-toto statement has no subject');
  }
  const subject = json.subject.map((s, i): Subject => {
    if (!isObject(s) || !isObject(s.digest) || Object.keys(s.digest).length === 0) {
      throw new SignatureError('invalid-payload', `in-toto subject ${i} has no digest`);
    }
    for (const [alg, v] of Object.entries(s.digest)) {
      if (typeof v !== 'string') throw new SignatureError('invalid-payload', `in-toto subject ${i} digest ${alg} is not a string`);
    }
    return {
      ...(typeof s.name === 'string' ? { name: s.name } : {}),
      ...(typeof s.uri === 'string' ? { uri: s.uri } : {}),
      digest: s.digest as Record<string, string>,
    };
  });
  return { _type: type, subject, predicateType: json.predicateType, predicate: json.predicate ?? null };
}

/** `digest` is `<alg>:<hex>` (an OCI digest); hex is compared case-insensitively. */
export function statementHasDigest(st: Statement, digest: string): boolean {
  const at = digest.indexOf(':');
  if (at <= 0) return false;
  const alg = digest.slice(0, at).toLowerCase();
  const hex = digest.slice(at + 1).toLowerCase();
  return st.subject.some((s) => Object.entries(s.digest).some(([a, v]) => a.toLowerCase() === alg && v.toLowerCase() === hex));
}

/**
 * An in-toto v1 statement for one OCI image. cosign attest names the subject by repository; cosign v3's
 * bundle signatures carry only the digest (v1 allows a nameless subject), hence the optional name.
 */
export function buildStatement(subjectName: string | undefined, digest: string, predicateType: string, predicate: unknown): Statement {
  const at = digest.indexOf(':');
  if (at <= 0) throw new TypeError(`digest ${digest} is not <alg>:<hex>`);
  const d = { [digest.slice(0, at)]: digest.slice(at + 1) };
  return {
    _type: STATEMENT_V1,
    subject: [subjectName === undefined ? { digest: d } : { name: subjectName, digest: d }],
    predicateType,
    predicate,
  };
}

/**
 * in-toto statements and predicate summaries against real provenance: every slsa-verifier attestation
 * (SLSA v0.2 and v1, GitHub Actions builders, BCR, Google Cloud Build), in-toto spec examples, cosign's SBOM
 * and vulnerability predicates and its policy testdata.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { envelopePayload, parseEnvelope } from '../../../src/supply/signature/dsse.js';
import { STATEMENT_V01, STATEMENT_V1, parseStatement, statementHasDigest } from '../../../src/supply/signature/intoto.js';
import {
  COSIGN_VULN_V1,
  CYCLONEDX_BOM,
  SPDX_DOCUMENT,
  predicateFamily,
  summarizePredicate,
  summarizeStatement,
  type ProvenanceSummary,
} from '../../../src/supply/signature/predicates.js';
import { SignatureError } from '../../../src/supply/signature/errors.js';
import { COSIGN, IN_TOTO, SLSA_VERIFIER, read, readJson } from './paths.js';

function envelopesOf(file: string): unknown[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => {
      const j = JSON.parse(l) as { dsseEnvelope?: unknown };
      return j.dsseEnvelope ?? j; // a Sigstore bundle per line, or a bare DSSE envelope
    });
}

function statementOf(env: unknown) {
  return parseStatement(envelopePayload(parseEnvelope(env)));
}

function provenance(file: string): ProvenanceSummary {
  const s = summarizeStatement(statementOf(envelopesOf(path.join(SLSA_VERIFIER, file))[0]));
  assert.equal(s.kind, 'slsa-provenance');
  return s as ProvenanceSummary;
}

test('every slsa-verifier .intoto.jsonl attestation parses into a SLSA provenance summary', () => {
  const files = execFileSync('find', [SLSA_VERIFIER, '-name', '*.intoto.jsonl']).toString().trim().split('\n').sort();
  assert.ok(files.length >= 120, `${files.length} files`);
  const versions = { '0.1': 0, '0.2': 0, '1': 0 };
  const statementTypes = new Set<string>();
  for (const f of files) {
    for (const env of envelopesOf(f)) {
      const st = statementOf(env);
      statementTypes.add(st._type);
      const s = summarizeStatement(st);
      assert.equal(s.kind, 'slsa-provenance', f);
      if (s.kind !== 'slsa-provenance') continue;
      versions[s.slsaVersion]++;
      assert.ok(s.builderId, `${f}: builder id`);
      assert.ok(s.buildType, `${f}: build type`);
      assert.ok(s.sourceUri, `${f}: source`);
    }
  }
  assert.ok(versions['0.2'] >= 100 && versions['1'] >= 4, JSON.stringify(versions));
  assert.deepEqual([...statementTypes].sort(), [STATEMENT_V01, STATEMENT_V1]);
});

test('SLSA v0.2: builder, build type, config source and materials (generic generator, annotated tag)', () => {
  const s = provenance('cli/slsa-verifier/testdata/annotated-tag.intoto.jsonl');
  assert.equal(s.slsaVersion, '0.2');
  assert.equal(s.builderId, 'https://github.com/slsa-framework/slsa-github-generator/.github/workflows/generator_generic_slsa3.yml@refs/tags/v1.2.2');
  assert.equal(s.buildType, 'https://github.com/slsa-framework/slsa-github-generator/generic@v1');
  assert.equal(s.sourceUri, 'git+https://github.com/asraa/slsa-on-github-test@refs/tags/v1.5.0');
  assert.equal(s.sourceRevision, 'f24af35a7c714f1b4eeb53afefb57fa11bd5c95c');
  assert.equal(s.entryPoint, '.github/workflows/slsa-generic.yml');
  assert.deepEqual(s.materials[0], { uri: 'git+https://github.com/asraa/slsa-on-github-test@refs/tags/v1.5.0', digest: { sha1: 'f24af35a7c714f1b4eeb53afefb57fa11bd5c95c' } });

  const go = provenance('cli/slsa-verifier/testdata/gha_go/v2.1.0/binary-linux-amd64-push-v14.intoto.jsonl');
  assert.equal(go.buildType, 'https://github.com/slsa-framework/slsa-github-generator/go@v1');
  assert.equal(go.sourceUri, 'git+https://github.com/slsa-framework/example-package@refs/tags/v14');
  assert.equal(go.sourceRevision, '4d329c75e7ec1725f7c9ce917a8799d408d06be3');
  assert.equal(go.materials.length, 2);
});

test('SLSA v1: runDetails builder, buildDefinition type, source repository and revision (BCR)', () => {
  const s = provenance('cli/slsa-verifier/testdata/bcr/MODULE.bazel.intoto.jsonl');
  assert.equal(s.slsaVersion, '1');
  assert.equal(s.builderId, 'https://github.com/bazel-contrib/publish-to-bcr/.github/workflows/publish.yaml@refs/tags/v0.0.1');
  assert.equal(s.buildType, 'https://actions.github.io/buildtypes/workflow/v1');
  assert.equal(s.sourceUri, 'git+https://github.com/aspect-build/rules_lint@refs/heads/publish-to-bcr');
  assert.equal(s.sourceRevision, '8f70009fde0c94ade6ce2a054b94718c819126ec');
  assert.equal(s.entryPoint, '.github/workflows/release.yml');
  assert.equal(s.invocationId, 'https://github.com/aspect-build/rules_lint/actions/runs/14095611671/attempts/1');
  // The "wrong signer" provenance names another builder: what an image policy on builder ids catches.
  assert.match(provenance('cli/slsa-verifier/testdata/bcr/MODULE-wrong-signer.bazel.intoto.jsonl').builderId ?? '', /publish-to-bcr/);
});

test('SLSA v1 without resolved git dependencies falls back to externalParameters.source', () => {
  const s = summarizePredicate('https://slsa.dev/provenance/v1', {
    buildDefinition: { buildType: 'https://example.com/t', externalParameters: { source: { uri: 'git+https://example.com/r', digest: { sha1: 'abc' } } } },
    runDetails: { builder: { id: 'https://example.com/b' } },
  });
  assert.deepEqual(s.kind === 'slsa-provenance' && [s.sourceUri, s.sourceRevision], ['git+https://example.com/r', 'abc']);
});

test('Google Cloud Build provenance (SLSA v0.1, slsa-verifier gcb_container) summarises', () => {
  const dir = path.join(SLSA_VERIFIER, 'cli/slsa-verifier/testdata/gcb_container/v0.3');
  type Gcb = { image_summary: { digest: string }; provenance_summary: { provenance: { envelope: unknown }[] } };
  const doc = readJson(dir, 'gcloud-container-github.json') as Gcb;
  const st = statementOf(doc.provenance_summary.provenance[0].envelope);
  assert.ok(statementHasDigest(st, doc.image_summary.digest), 'the statement names the image digest');
  const s = summarizeStatement(st);
  assert.equal(s.kind, 'slsa-provenance');
  if (s.kind === 'slsa-provenance') {
    assert.equal(s.slsaVersion, '0.1');
    assert.equal(s.builderId, 'https://cloudbuild.googleapis.com/GoogleHostedWorker@v0.3');
    assert.equal(s.sourceUri, 'https://github.com/laurentsimon/gcb-tests');
    assert.equal(s.sourceRevision, '01ce393d04eb6df2a7b2b3e95d4126e687afb7ae');
  }
  // slsa-verifier's negative fixture whose signed payload names another image digest.
  const mismatch = readJson(dir, 'gcloud-container-mismatch-payload-digest.json') as Gcb;
  assert.equal(statementHasDigest(statementOf(mismatch.provenance_summary.provenance[0].envelope), mismatch.image_summary.digest), false);
});

test('in-toto statement validation', () => {
  const good = { _type: STATEMENT_V1, subject: [{ name: 'x', digest: { sha256: 'AB' } }], predicateType: 'p', predicate: {} };
  assert.ok(statementHasDigest(parseStatement(good), 'sha256:ab'), 'hex compares case-insensitively');
  assert.equal(statementHasDigest(parseStatement(good), 'sha512:ab'), false);
  assert.equal(statementHasDigest(parseStatement(good), 'ab'), false);
  const bad = (v: unknown) => () => parseStatement(v);
  const isInvalid = (e: unknown) => e instanceof SignatureError && e.reason === 'invalid-payload';
  assert.throws(bad({ ...good, _type: 'https://in-toto.io/Statement/v2' }), isInvalid);
  assert.throws(bad({ ...good, subject: [] }), isInvalid);
  assert.throws(bad({ ...good, subject: [{ name: 'x' }] }), isInvalid);
  assert.throws(bad({ ...good, subject: [{ name: 'x', digest: { sha256: 1 } }] }), isInvalid);
  assert.throws(bad({ ...good, predicateType: '' }), isInvalid);
  assert.throws(() => parseStatement('{'), isInvalid);
  // The in-toto specification's own strict-JSON v1 statement examples.
  const examples = readdirSync(path.join(IN_TOTO, 'predicates')).filter((f) => f.endsWith('.json'));
  let statements = 0;
  for (const f of examples) {
    const j = readJson(IN_TOTO, 'predicates', f) as { _type?: string };
    if (j._type !== STATEMENT_V1) continue;
    statements++;
    assert.equal(parseStatement(j)._type, STATEMENT_V1, f);
  }
  assert.ok(statements >= 3, `${statements} statement examples`);
});

test('SBOM predicates: SPDX and CycloneDX documents (cosign testdata), versioned predicate types', () => {
  const spdx = summarizePredicate(SPDX_DOCUMENT, readJson(COSIGN, 'test/testdata/bom-go-mod.spdx.json'));
  assert.deepEqual(spdx, { kind: 'sbom', format: 'spdx', specVersion: 'SPDX-2.2', name: 'SBOM-SPDX-34f1a7f5-03ff-4277-9021-8c04f8777803', packageCount: 0 });
  const cdx = summarizePredicate(CYCLONEDX_BOM, readJson(COSIGN, 'test/testdata/bom-go-mod.cyclonedx.json'));
  assert.deepEqual(cdx, { kind: 'sbom', format: 'cyclonedx', specVersion: '1.4', name: undefined, packageCount: 0 });
  // Some producers store the document as a JSON string.
  const asString = summarizePredicate(SPDX_DOCUMENT, read(COSIGN, 'test/testdata/bom-go-mod.spdx.json').toString());
  assert.equal(asString.kind === 'sbom' && asString.specVersion, 'SPDX-2.2');
  assert.equal(predicateFamily('https://spdx.dev/Document/v2.3'), 'spdx');
  assert.equal(predicateFamily('https://cyclonedx.org/bom/v1.5'), 'cyclonedx');
  assert.equal(predicateFamily('https://slsa.dev/provenance/v1'), 'slsa-v1');
  assert.equal(predicateFamily('https://slsa.dev/provenance/v0.1'), 'slsa-v0.1');
  assert.equal(predicateFamily('https://example.com/predicate'), 'other');
});

test('cosign vulnerability predicate, and cosign policy testdata (valid vs malformed predicate type)', () => {
  const v = summarizePredicate(COSIGN_VULN_V1, readJson(COSIGN, 'test/testdata/attestations/vuln-predicate.json'));
  assert.deepEqual(v, {
    kind: 'vuln-scan',
    scannerUri: 'fakescanner.example.com/cosign-testing',
    scannerVersion: undefined,
    dbUri: undefined,
    dbVersion: undefined,
    scanStartedOn: '2022-04-12T00:00:00Z',
    scanFinishedOn: '2022-04-12T00:10:00Z',
    result: null,
  });
  const valid = statementOf(readJson(COSIGN, 'pkg/policy/testdata/valid/vuln'));
  assert.equal(valid.predicateType, COSIGN_VULN_V1);
  assert.equal(summarizeStatement(valid).kind, 'vuln-scan');
  // cosign's malformed fixture drops the scheme from the predicate type: it is not the vuln predicate.
  const malformed = statementOf(readJson(COSIGN, 'pkg/policy/testdata/malformed/vuln'));
  assert.equal(malformed.predicateType, 'cosign.sigstore.dev/attestation/vuln/v1');
  assert.equal(summarizeStatement(malformed).kind, 'other');
});

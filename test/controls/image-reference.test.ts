/**
 * The image reference parser follows github.com/distribution/reference (ParseNormalizedNamed): the
 * grammar, Docker Hub normalisation, registry host detection, ports, tags and digests.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  defaultPullPolicy,
  effectiveTag,
  parseImageReference,
  parseRegistryPattern,
  registryMatches,
  type ImageReference,
} from '../../src/core/image-reference.js';

const SHA256 = 'sha256:' + 'a'.repeat(64);
const SHA512 = 'sha512:' + '0123456789abcdef'.repeat(8);

function ok(s: string): ImageReference {
  const r = parseImageReference(s);
  assert.ok(r.ok, `${JSON.stringify(s)} should parse: ${r.ok ? '' : r.error}`);
  return r.ref;
}

function bad(s: string, pattern?: RegExp): void {
  const r = parseImageReference(s);
  assert.equal(r.ok, false, `${JSON.stringify(s)} should not parse`);
  if (pattern && !r.ok) assert.match(r.error, pattern);
}

function parts(s: string): [string, string, string | undefined, string | undefined] {
  const r = ok(s);
  return [r.domain, r.path, r.tag, r.digest];
}

describe('image references: normalisation', () => {
  test('single names are official Docker Hub images', () => {
    assert.deepEqual(parts('nginx'), ['docker.io', 'library/nginx', undefined, undefined]);
    assert.deepEqual(parts('nginx:1.25'), ['docker.io', 'library/nginx', '1.25', undefined]);
    assert.equal(ok('nginx').implicitDomain, true);
    assert.equal(ok('nginx').name, 'docker.io/library/nginx');
  });

  test('Docker Hub user images, explicit and legacy hosts', () => {
    assert.deepEqual(parts('bitnami/redis:7.2'), ['docker.io', 'bitnami/redis', '7.2', undefined]);
    assert.deepEqual(parts('docker.io/nginx'), ['docker.io', 'library/nginx', undefined, undefined]);
    assert.deepEqual(parts('docker.io/library/nginx:latest'), ['docker.io', 'library/nginx', 'latest', undefined]);
    assert.deepEqual(parts('index.docker.io/nginx'), ['docker.io', 'library/nginx', undefined, undefined]);
    assert.deepEqual(parts('index.docker.io/bitnami/redis'), ['docker.io', 'bitnami/redis', undefined, undefined]);
    assert.equal(ok('docker.io/nginx').implicitDomain, false);
  });

  test('the first component is a host when it has a dot, a colon, is localhost or has upper case', () => {
    assert.deepEqual(parts('registry.example.com/team/app:2.0'), ['registry.example.com', 'team/app', '2.0', undefined]);
    assert.deepEqual(parts('localhost/app'), ['localhost', 'app', undefined, undefined]);
    assert.deepEqual(parts('localhost:5000/team/app:1'), ['localhost:5000', 'team/app', '1', undefined]);
    assert.deepEqual(parts('myregistry:5000/app'), ['myregistry:5000', 'app', undefined, undefined]);
    assert.deepEqual(parts('127.0.0.1:5000/app:v1'), ['127.0.0.1:5000', 'app', 'v1', undefined]);
    assert.deepEqual(parts('[::1]:5000/app'), ['[::1]:5000', 'app', undefined, undefined]);
    assert.deepEqual(parts('[2001:db8::1]/app'), ['[2001:db8::1]', 'app', undefined, undefined]);
    assert.deepEqual(parts('Registry/app'), ['Registry', 'app', undefined, undefined]);
    // a lower-case first component without dot or colon is a Docker Hub namespace
    assert.deepEqual(parts('myregistry/app'), ['docker.io', 'myregistry/app', undefined, undefined]);
  });

  test('a host-looking single name is a Docker Hub image (no slash: never a host)', () => {
    assert.deepEqual(parts('localhost:5000'), ['docker.io', 'library/localhost', '5000', undefined]);
    assert.deepEqual(parts('example.com'), ['docker.io', 'library/example.com', undefined, undefined]);
  });

  test('deep paths, separators', () => {
    assert.deepEqual(parts('gcr.io/a/b/c/d:v1'), ['gcr.io', 'a/b/c/d', 'v1', undefined]);
    ok('foo__bar/baz.qux-quux---x_y');
    ok('a.b.c/d');
  });

  test('digests, with and without tag', () => {
    assert.deepEqual(parts(`nginx@${SHA256}`), ['docker.io', 'library/nginx', undefined, SHA256]);
    assert.deepEqual(parts(`ghcr.io/acme/app:1.0@${SHA256}`), ['ghcr.io', 'acme/app', '1.0', SHA256]);
    assert.deepEqual(parts(`localhost:5000/app@${SHA512}`), ['localhost:5000', 'app', undefined, SHA512]);
    ok('app@sha384:' + 'b'.repeat(96));
  });
});

describe('image references: invalid input', () => {
  test('empty, whitespace, bare image IDs', () => {
    bad('', /empty/);
    bad(' nginx');
    bad('nginx ');
    bad('a'.repeat(64), /hexadecimal/);
  });

  test('upper case in the repository', () => {
    bad('Nginx', /lowercase/);
    bad('registry.example.com/Team/app', /lowercase/);
    bad('bitnami/Redis', /lowercase/);
  });

  test('bad separators and components', () => {
    bad('foo..bar');
    bad('foo_-bar');
    bad('-foo');
    bad('foo-');
    bad('foo//bar');
    bad('foo/');
    bad('registry.example.com/');
    bad('under_score.example.com/app');
    bad('example.com:port/app');
  });

  test('bad tags', () => {
    bad('nginx:', /tag/);
    bad('nginx:.1', /tag/);
    bad('nginx:-1', /tag/);
    bad('nginx:a:b');
    ok('nginx:' + 'x'.repeat(128));
    bad('nginx:' + 'x'.repeat(129), /tag/);
  });

  test('bad digests', () => {
    bad('nginx@sha256:abc', /digest/);
    bad('nginx@sha256:' + 'A'.repeat(64), /digest/);
    bad('nginx@sha256:' + 'a'.repeat(65), /digest/);
    bad('nginx@md5:' + 'a'.repeat(32), /unsupported/);
    bad('nginx@SHA256:' + 'a'.repeat(64), /unsupported/);
    bad('nginx@', /digest/);
    bad(`nginx@${SHA256}@${SHA256}`);
  });

  test('repository path length', () => {
    ok('r.example.com/' + 'a'.repeat(255));
    bad('r.example.com/' + 'a'.repeat(256), /longer/);
  });
});

describe('image references: pull policy defaults', () => {
  test('effective tag', () => {
    assert.equal(effectiveTag(ok('nginx')), 'latest');
    assert.equal(effectiveTag(ok('nginx:1.25')), '1.25');
    assert.equal(effectiveTag(ok(`nginx@${SHA256}`)), undefined);
    assert.equal(effectiveTag(ok(`nginx:latest@${SHA256}`)), 'latest');
  });

  test('Always for latest or no tag, IfNotPresent otherwise (and for invalid references)', () => {
    assert.equal(defaultPullPolicy(parseImageReference('nginx')), 'Always');
    assert.equal(defaultPullPolicy(parseImageReference('nginx:latest')), 'Always');
    assert.equal(defaultPullPolicy(parseImageReference('nginx:1.25')), 'IfNotPresent');
    assert.equal(defaultPullPolicy(parseImageReference('nginx:Latest')), 'IfNotPresent');
    assert.equal(defaultPullPolicy(parseImageReference(`nginx@${SHA256}`)), 'IfNotPresent');
    assert.equal(defaultPullPolicy(parseImageReference('Nginx')), 'IfNotPresent');
  });
});

describe('allowed registries', () => {
  const allowed = (entry: string, image: string): boolean => {
    const p = parseRegistryPattern(entry);
    assert.ok(p, entry);
    return registryMatches(ok(image), p);
  };

  test('a host allows every repository on it, and nothing else', () => {
    assert.ok(allowed('registry.example.com', 'registry.example.com/team/app:1'));
    assert.ok(allowed('registry.example.com', 'Registry.Example.com/team/app'));
    assert.ok(!allowed('registry.example.com', 'registry.example.com.evil.io/team/app'));
    assert.ok(!allowed('registry.example.com', 'evil.io/registry.example.com/app'));
    assert.ok(!allowed('registry.example.com', 'registry.example.com:5000/app'));
    assert.ok(allowed('registry.example.com:5000', 'registry.example.com:5000/app'));
    assert.ok(allowed('localhost:5000', 'localhost:5000/app'));
    assert.ok(!allowed('localhost', 'localhost:5000/app'));
  });

  test('a path prefix matches on component boundaries', () => {
    assert.ok(allowed('ghcr.io/acme', 'ghcr.io/acme/app:1'));
    assert.ok(allowed('ghcr.io/acme', 'ghcr.io/acme/team/app:1'));
    assert.ok(allowed('ghcr.io/acme/app', 'ghcr.io/acme/app:1'));
    assert.ok(!allowed('ghcr.io/acme', 'ghcr.io/acme-evil/app'));
    assert.ok(!allowed('ghcr.io/acme', 'ghcr.io/acmeco/app'));
    assert.ok(!allowed('ghcr.io/acme', 'ghcr.io/app'));
  });

  test('Docker Hub: docker.io covers images written without a registry', () => {
    assert.ok(allowed('docker.io', 'nginx'));
    assert.ok(allowed('docker.io', 'bitnami/redis'));
    assert.ok(allowed('index.docker.io', 'nginx'));
    assert.ok(allowed('docker.io/library', 'nginx:1.25'));
    assert.ok(!allowed('docker.io/library', 'bitnami/redis'));
    assert.ok(allowed('docker.io/bitnami', 'bitnami/redis'));
    assert.ok(!allowed('docker.io', 'quay.io/prometheus/prometheus'));
    assert.ok(!allowed('quay.io', 'nginx'));
  });

  test('entries are normalised: scheme, trailing slashes, case of the host', () => {
    assert.ok(allowed('https://Registry.Example.com/', 'registry.example.com/app'));
    assert.ok(allowed('ghcr.io/acme/', 'ghcr.io/acme/app'));
    assert.equal(parseRegistryPattern('   '), undefined);
    assert.equal(parseRegistryPattern('/'), undefined);
  });
});

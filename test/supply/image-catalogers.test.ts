import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { apkCataloger } from '../../src/supply/catalog/apk.js';
import { dpkgCataloger } from '../../src/supply/catalog/dpkg.js';
import { GoBuildInfoCollector, elfDataOffset, goCataloger, readBuildInfo, stdlibVersion } from '../../src/supply/catalog/go.js';
import { javaCataloger } from '../../src/supply/catalog/java.js';
import { toLicense } from '../../src/supply/catalog/license.js';
import { npmCataloger } from '../../src/supply/catalog/npm.js';
import { parseOsRelease } from '../../src/supply/catalog/osrelease.js';
import { pythonCataloger } from '../../src/supply/catalog/python.js';
import { parseRpmHeader, RPMTAG, rpmCataloger } from '../../src/supply/catalog/rpm.js';
import type { CatalogFile, CatalogResult, FoundPackage } from '../../src/supply/catalog/types.js';
import { parsePurl } from '../../src/supply/purl.js';
import * as img from '../helpers/image.js';

const f = (p: string, data: string | Buffer, layer = 0): CatalogFile => ({ path: p, data: Buffer.isBuffer(data) ? data : Buffer.from(data), layer });
const byName = (r: CatalogResult) => new Map(r.packages.map((p) => [p.name, p] as [string, FoundPackage]));
const debian = parseOsRelease(img.DEBIAN_OS_RELEASE)!;
const alpine = parseOsRelease(img.ALPINE_OS_RELEASE)!;
const rhel = parseOsRelease(img.RHEL_OS_RELEASE)!;

describe('os-release', () => {
  it('reads ID, VERSION_ID, VERSION_CODENAME and PRETTY_NAME, quoted or not', () => {
    assert.deepEqual(debian, {
      id: 'debian',
      versionId: '12',
      versionCodename: 'bookworm',
      prettyName: 'Debian GNU/Linux 12 (bookworm)',
      name: 'Debian GNU/Linux',
      idLike: [],
    });
    assert.equal(rhel.id, 'rhel');
    assert.deepEqual(rhel.idLike, ['fedora']);
    assert.equal(alpine.versionId, '3.19.1');
  });
});

describe('dpkg', () => {
  const status = img.dpkgStatus(img.DPKG_BASE_FILES, img.DPKG_LIBC6, img.DPKG_ZLIB1G, img.DPKG_LIBSSL3, img.dpkgTzdata(), img.DPKG_REMOVED);

  it('reports installed packages with Syft-style purls (distro, upstream source, epoch in the version)', async () => {
    const r = await dpkgCataloger.parse([f('/var/lib/dpkg/status', status)], { os: debian });
    assert.deepEqual(r.warnings, []);
    const m = byName(r);
    assert.deepEqual([...m.keys()], ['base-files', 'libc6', 'zlib1g', 'libssl3', 'tzdata']);
    assert.equal(m.get('zlib1g')!.purl, 'pkg:deb/debian/zlib1g@1:1.2.13.dfsg-1?arch=amd64&distro=debian-12&upstream=zlib');
    assert.equal(m.get('zlib1g')!.version, '1:1.2.13.dfsg-1');
    assert.equal(m.get('libssl3')!.purl, 'pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64&distro=debian-12&upstream=openssl');
    assert.equal(m.get('libssl3')!.sourcePackage, 'openssl');
    assert.equal(m.get('libc6')!.sourcePackage, 'glibc');
    assert.equal(m.get('base-files')!.purl, 'pkg:deb/debian/base-files@12.4%2Bdeb12u5?arch=amd64&distro=debian-12');
    assert.equal(m.get('base-files')!.sourcePackage, 'base-files');
    assert.equal(m.get('tzdata')!.purl, 'pkg:deb/debian/tzdata@2024a-0%2Bdeb12u1?arch=all&distro=debian-12');
    assert.equal(m.get('libc6')!.supplier, 'GNU Libc Maintainers <debian-glibc@lists.debian.org>');
    assert.equal(m.get('libc6')!.description, 'GNU C Library: Shared libraries');
    assert.ok(!m.has('libgdbm6'), 'deinstall ok config-files is not installed');
    // The purl round-trips through the shared parser with the version intact.
    const p = parsePurl(m.get('zlib1g')!.purl)!;
    assert.equal(p.version, '1:1.2.13.dfsg-1');
    assert.equal(p.qualifiers.upstream, 'zlib');
  });

  it('keeps a source version that differs from the binary version as a property', async () => {
    const st = img.DPKG_LIBSSL3.replace('Source: openssl', 'Source: openssl (3.0.11-1~deb12u1)');
    const r = await dpkgCataloger.parse([f('/var/lib/dpkg/status', st)], { os: debian });
    const p = r.packages[0]!;
    assert.equal(p.sourcePackage, 'openssl');
    assert.deepEqual(p.properties, [{ name: 'kubecomply:source-version', value: '3.0.11-1~deb12u1' }]);
    assert.match(p.purl, /upstream=openssl$/);
  });

  it('reads licenses from machine-readable copyright files (only their License: lines are kept)', async () => {
    const want = dpkgCataloger.wants({ path: '/usr/share/doc/zlib1g/copyright', mode: 0o644, size: 100 });
    assert.ok(want && want.kind === 'buffer' && want.reduce);
    const reduced = want.reduce(Buffer.from(img.COPYRIGHT_ZLIB));
    assert.equal(reduced.toString(), 'Zlib');
    const r = await dpkgCataloger.parse(
      [
        f('/var/lib/dpkg/status', status),
        f('/usr/share/doc/zlib1g/copyright', reduced),
        f('/usr/share/doc/libssl3/copyright', want.reduce(Buffer.from(img.COPYRIGHT_OPENSSL))),
        f('/usr/share/doc/libc6/copyright', want.reduce(Buffer.from(img.COPYRIGHT_GLIBC))),
        f('/usr/share/doc/tzdata/copyright', want.reduce(Buffer.from('This is not machine-readable.\nLicense: whatever\n'))),
      ],
      { os: debian },
    );
    const m = byName(r);
    assert.deepEqual(m.get('zlib1g')!.licenses, [{ id: 'Zlib' }]);
    assert.deepEqual(m.get('libssl3')!.licenses, [{ id: 'Apache-2.0' }]);
    assert.deepEqual(m.get('libc6')!.licenses, [{ id: 'LGPL-2.1-or-later' }, { id: 'GPL-2.0-or-later' }]);
    assert.deepEqual(m.get('tzdata')!.licenses, []);
  });

  it('reads distroless status.d files (no Status line) and ignores .md5sums', async () => {
    assert.equal(dpkgCataloger.wants({ path: '/var/lib/dpkg/status.d/tzdata.md5sums', mode: 0o644, size: 10 }), undefined);
    assert.ok(dpkgCataloger.wants({ path: '/var/lib/dpkg/status.d/tzdata', mode: 0o644, size: 10 }));
    const files = Object.entries(img.DISTROLESS_STATUS_D).map(([n, c]) => f(`/var/lib/dpkg/status.d/${n}`, c));
    const r = await dpkgCataloger.parse(files, { os: debian });
    assert.deepEqual(r.packages.map((p) => `${p.name}@${p.version}`).sort(), ['base-files@12.4+deb12u5', 'media-types@10.0.0', 'netbase@6.4', 'tzdata@2024a-0+deb12u1']);
    assert.equal(byName(r).get('netbase')!.location, '/var/lib/dpkg/status.d/netbase');
    assert.doesNotMatch(byName(r).get('media-types')!.purl, /upstream/, 'Source equal to the name is not an upstream');
  });

  it('uses the distribution of os-release: Ubuntu', async () => {
    const ubuntu = parseOsRelease(img.UBUNTU_OS_RELEASE)!;
    const st = img.DPKG_ZLIB1G.replace('1:1.2.13.dfsg-1', '1:1.2.11.dfsg-2ubuntu9.2');
    const r = await dpkgCataloger.parse([f('/var/lib/dpkg/status', st)], { os: ubuntu });
    assert.equal(r.packages[0]!.purl, 'pkg:deb/ubuntu/zlib1g@1:1.2.11.dfsg-2ubuntu9.2?arch=amd64&distro=ubuntu-22.04&upstream=zlib');
  });

  it('warns about a stanza without a Version and keeps the rest', async () => {
    const broken = img.dpkgStatus(img.DPKG_LIBC6, img.DPKG_ZLIB1G.replace(/^Version: .*\n/m, ''));
    const r = await dpkgCataloger.parse([f('/var/lib/dpkg/status', broken)], { os: debian });
    assert.deepEqual(r.packages.map((p) => p.name), ['libc6']);
    assert.deepEqual(r.warnings, ['/var/lib/dpkg/status: package zlib1g has no Version field']);
  });
});

describe('apk', () => {
  const db = img.apkInstalled(img.APK_MUSL, img.APK_BUSYBOX, img.APK_LIBCRYPTO3, img.apkZlib());
  it('reads P, V, A, L, o and C', async () => {
    const r = await apkCataloger.parse([f('/lib/apk/db/installed', db)], { os: alpine });
    assert.deepEqual(r.warnings, []);
    const m = byName(r);
    assert.deepEqual([...m.keys()], ['musl', 'busybox', 'libcrypto3', 'zlib']);
    assert.equal(m.get('libcrypto3')!.purl, 'pkg:apk/alpine/libcrypto3@3.1.4-r5?arch=x86_64&distro=alpine-3.19.1&upstream=openssl');
    assert.equal(m.get('libcrypto3')!.sourcePackage, 'openssl');
    assert.deepEqual(m.get('libcrypto3')!.licenses, [{ id: 'Apache-2.0' }]);
    assert.equal(m.get('musl')!.purl, 'pkg:apk/alpine/musl@1.2.4_git20230717-r4?arch=x86_64&distro=alpine-3.19.1');
    assert.deepEqual(m.get('busybox')!.licenses, [{ id: 'GPL-2.0-only' }]);
    assert.deepEqual(m.get('zlib')!.licenses, [{ id: 'Zlib' }]);
    assert.deepEqual(m.get('musl')!.properties![0], { name: 'kubecomply:apk:checksum', value: 'Q1Nj8vPZjbqvMbuOGD2iXJfWgnHrw=' });
  });

  it('warns about a record with no version', async () => {
    const r = await apkCataloger.parse([f('/lib/apk/db/installed', img.apkInstalled(img.APK_MUSL, 'P:broken\nA:x86_64\n'))], { os: alpine });
    assert.equal(r.packages.length, 1);
    assert.match(r.warnings[0]!, /^\/lib\/apk\/db\/installed:\d+: package broken has no V:/);
  });
});

describe('rpm', () => {
  const dir = img.tempDirectory();
  after(() => img.cleanup(dir));

  it('parses a header blob as rpm writes it (region tag, index entries, data store)', () => {
    const tags = parseRpmHeader(img.rpmHeaderBlob(img.OPENSSL_LIBS));
    assert.equal(tags.get(RPMTAG.NAME), 'openssl-libs');
    assert.equal(tags.get(RPMTAG.VERSION), '3.0.7');
    assert.equal(tags.get(RPMTAG.RELEASE), '27.el9');
    assert.equal(tags.get(RPMTAG.EPOCH), 1);
    assert.equal(tags.get(RPMTAG.ARCH), 'x86_64');
    assert.equal(tags.get(RPMTAG.LICENSE), 'ASL 2.0');
    assert.equal(tags.get(RPMTAG.SOURCERPM), 'openssl-3.0.7-27.el9.src.rpm');
    assert.equal(tags.get(RPMTAG.VENDOR), 'Red Hat, Inc.');
    assert.equal(tags.get(RPMTAG.SUMMARY), 'A general purpose cryptography library with TLS implementation');
  });

  it('rejects headers whose counts run past the blob', () => {
    const b = img.rpmHeaderBlob(img.BASH_RPM);
    assert.throws(() => parseRpmHeader(b.subarray(0, b.length - 20)), /claims \d+ index entries and \d+ data bytes/);
    assert.throws(() => parseRpmHeader(Buffer.from([0, 0])), /shorter than its 8-byte preamble/);
  });

  it('reads rpmdb.sqlite read-only; skips gpg-pubkey; warns on a corrupt row and keeps the others', async () => {
    const db = img.rpmdbSqlite([
      img.rpmHeaderBlob(img.OPENSSL_LIBS),
      img.rpmHeaderBlob(img.GPG_PUBKEY_RPM),
      Buffer.from('not a header at all'),
      img.rpmHeaderBlob(img.BASH_RPM),
    ]);
    const file = path.join(dir, 'f1');
    writeFileSync(file, db);
    const r = await rpmCataloger.parse([{ path: '/var/lib/rpm/rpmdb.sqlite', file, layer: 0 }], { os: rhel });
    const m = byName(r);
    assert.deepEqual([...m.keys()], ['openssl-libs', 'bash']);
    const ssl = m.get('openssl-libs')!;
    assert.equal(ssl.purl, 'pkg:rpm/redhat/openssl-libs@3.0.7-27.el9?arch=x86_64&distro=rhel-9.3&epoch=1&upstream=openssl-3.0.7-27.el9.src.rpm');
    assert.equal(ssl.version, '1:3.0.7-27.el9');
    assert.equal(ssl.sourcePackage, 'openssl');
    assert.deepEqual(ssl.licenses, [{ id: 'Apache-2.0' }]);
    assert.equal(ssl.supplier, 'Red Hat, Inc.');
    assert.deepEqual(m.get('bash')!.licenses, [{ id: 'GPL-3.0-or-later' }]);
    assert.equal(m.get('bash')!.purl, 'pkg:rpm/redhat/bash@5.1.8-9.el9?arch=x86_64&distro=rhel-9.3&upstream=bash-5.1.8-9.el9.src.rpm');
    assert.equal(r.warnings.length, 1);
    assert.match(r.warnings[0]!, /rpmdb\.sqlite: Packages row hnum=3: corrupt rpm header/);
  });

  it('a file that is not sqlite is a warning', async () => {
    const file = path.join(dir, 'f2');
    writeFileSync(file, 'garbage'.repeat(100));
    const r = await rpmCataloger.parse([{ path: '/usr/lib/sysimage/rpm/rpmdb.sqlite', file, layer: 0 }], {});
    assert.equal(r.packages.length, 0);
    assert.match(r.warnings[0]!, /^\/usr\/lib\/sysimage\/rpm\/rpmdb\.sqlite: not a readable rpm sqlite database/);
  });
});

describe('npm', () => {
  it('wants package.json of installed packages only (scoped too), not nested markers', () => {
    const w = (p: string) => npmCataloger.wants({ path: p, mode: 0o644, size: 100 }) !== undefined;
    assert.ok(w('/app/node_modules/express/package.json'));
    assert.ok(w('/app/node_modules/@babel/core/package.json'));
    assert.ok(w('/app/node_modules/a/node_modules/b/package.json'));
    assert.ok(!w('/app/node_modules/express/lib/package.json'));
    assert.ok(!w('/app/node_modules/@babel/package.json'));
    assert.ok(!w('/app/package.json'));
    assert.ok(w('/app/package-lock.json'));
    assert.ok(!w('/app/node_modules/.package-lock.json'));
  });

  it('reads name, version, license and description; scoped names get an encoded namespace', async () => {
    const r = await npmCataloger.parse(
      [f('/app/node_modules/express/package.json', img.EXPRESS_PACKAGE_JSON), f('/app/node_modules/@babel/core/package.json', img.BABEL_CORE_PACKAGE_JSON)],
      {},
    );
    const [express, babel] = r.packages;
    assert.equal(express!.purl, 'pkg:npm/express@4.18.2');
    assert.deepEqual(express!.licenses, [{ id: 'MIT' }]);
    assert.equal(express!.description, 'Fast, unopinionated, minimalist web framework');
    assert.equal(babel!.purl, 'pkg:npm/%40babel/core@7.23.0');
    assert.equal(babel!.name, 'core');
    assert.equal(babel!.group, 'babel');
    assert.equal(parsePurl(babel!.purl)!.namespace, '@babel');
  });

  it('reads package-lock.json v1 (nested dependencies) and v2/v3 (packages)', async () => {
    const v1 = JSON.stringify({
      name: 'app',
      lockfileVersion: 1,
      dependencies: {
        express: { version: '4.18.2', integrity: 'sha512-5/PsL6iGPdfQ/lKM1UuielYgv3BUoJfz1aUwU9vHZ+J7gyvwdQXFEBIEIaxeGf0GIcreATNyBExtalisDbuMqQ==', dependencies: { debug: { version: '2.6.9' } } },
        '@types/node': { version: '20.11.5', dev: true },
      },
    });
    const v3 = JSON.stringify({
      name: 'app',
      lockfileVersion: 3,
      packages: {
        '': { name: 'app', version: '1.0.0' },
        'node_modules/express': { version: '4.18.2', license: 'MIT' },
        'node_modules/express/node_modules/debug': { version: '2.6.9' },
        'node_modules/@babel/core': { version: '7.23.0', dev: true },
        'node_modules/local': { resolved: '../local', link: true },
      },
    });
    const a = await npmCataloger.parse([f('/srv/a/package-lock.json', v1)], {});
    assert.deepEqual(a.packages.map((p) => p.purl), ['pkg:npm/express@4.18.2', 'pkg:npm/debug@2.6.9', 'pkg:npm/%40types/node@20.11.5']);
    assert.equal(a.packages[0]!.hashes![0]!.alg, 'SHA-512');
    assert.equal(a.packages[0]!.hashes![0]!.content.length, 128);
    assert.deepEqual(a.packages[2]!.properties, [{ name: 'kubecomply:npm:dev', value: 'true' }]);
    const b = await npmCataloger.parse([f('/srv/b/package-lock.json', v3)], {});
    assert.deepEqual(b.packages.map((p) => p.purl), ['pkg:npm/express@4.18.2', 'pkg:npm/debug@2.6.9', 'pkg:npm/%40babel/core@7.23.0']);
    assert.deepEqual(b.packages[0]!.licenses, [{ id: 'MIT' }]);
  });

  it('reconcile drops lockfile entries where node_modules is installed', async () => {
    const lock = JSON.stringify({ lockfileVersion: 3, packages: { 'node_modules/express': { version: '4.18.2' } } });
    const r = await npmCataloger.parse(
      [f('/app/package-lock.json', lock), f('/app/node_modules/express/package.json', img.EXPRESS_PACKAGE_JSON), f('/other/package-lock.json', lock)],
      {},
    );
    const kept = npmCataloger.reconcile!(r.packages);
    assert.deepEqual(kept.map((p) => p.location).sort(), ['/app/node_modules/express/package.json', '/other/package-lock.json']);
  });

  it('a corrupt package.json throws (the generator turns it into a warning)', () => {
    assert.throws(() => npmCataloger.parse([f('/app/node_modules/x/package.json', '{"name": "x", ')], {}));
  });
});

describe('python', () => {
  it('reads METADATA headers (not the body); License field, then classifiers', async () => {
    const r = await pythonCataloger.parse(
      [
        f('/usr/lib/python3/dist-packages/requests-2.31.0.dist-info/METADATA', img.REQUESTS_METADATA),
        f('/usr/local/lib/python3.11/site-packages/urllib3-2.0.7.dist-info/METADATA', img.urllib3Metadata()),
      ],
      {},
    );
    const m = byName(r);
    assert.equal(m.get('requests')!.purl, 'pkg:pypi/requests@2.31.0');
    assert.deepEqual(m.get('requests')!.licenses, [{ id: 'Apache-2.0' }]);
    assert.equal(m.get('requests')!.description, 'Python HTTP for Humans.');
    assert.equal(m.get('urllib3')!.purl, 'pkg:pypi/urllib3@2.0.7');
    assert.deepEqual(m.get('urllib3')!.licenses, [{ id: 'MIT' }]);
  });

  it('normalises names (PEP 503) and prefers License-Expression', async () => {
    const md = 'Metadata-Version: 2.4\nName: Typing_Extensions\nVersion: 4.12.2\nLicense-Expression: PSF-2.0\nClassifier: License :: OSI Approved :: Python Software Foundation License\n';
    const r = await pythonCataloger.parse([f('/x/typing_extensions-4.12.2.dist-info/METADATA', md)], {});
    assert.equal(r.packages[0]!.purl, 'pkg:pypi/typing-extensions@4.12.2');
    assert.equal(r.packages[0]!.name, 'Typing_Extensions');
    assert.deepEqual(r.packages[0]!.licenses, [{ id: 'PSF-2.0' }]);
  });

  it('wants dist-info METADATA, egg-info PKG-INFO and single-file egg-info', () => {
    const w = (p: string) => pythonCataloger.wants({ path: p, mode: 0o644, size: 10 }) !== undefined;
    assert.ok(w('/usr/lib/python3/dist-packages/six-1.16.0.dist-info/METADATA'));
    assert.ok(w('/usr/lib/python3/dist-packages/six-1.16.0.egg-info/PKG-INFO'));
    assert.ok(w('/usr/lib/python3/dist-packages/python_apt-2.6.0.egg-info'));
    assert.ok(!w('/usr/lib/python3/dist-packages/six-1.16.0.dist-info/RECORD'));
  });
});

describe('go', () => {
  it('decodes build info (Go 1.18+ inline format) with main module, deps, replacements and stdlib', async () => {
    const bin = img.goElfBinary(img.NODE_EXPORTER);
    const r = await goCataloger.parse([f('/bin/node_exporter', bin)], {});
    assert.deepEqual(r.warnings, []);
    const purls = r.packages.map((p) => p.purl);
    assert.deepEqual(purls, [
      'pkg:golang/github.com/prometheus/node_exporter@v1.7.0',
      'pkg:golang/github.com/alecthomas/kingpin/v2@v2.3.2',
      'pkg:golang/github.com/beorn7/perks@v1.0.1',
      'pkg:golang/github.com/prometheus/client_golang@v1.18.0',
      'pkg:golang/golang.org/x/net@v0.17.0',
      'pkg:golang/golang.org/x/sys@v0.15.0',
      'pkg:golang/stdlib@1.21.4',
    ]);
    const main = r.packages[0]!;
    assert.equal(main.componentType, 'application');
    assert.deepEqual(main.dependsOn, purls.slice(1));
    assert.ok(main.properties!.some((p) => p.name === 'kubecomply:go:build:vcs.revision' && p.value === '7333465abf9efba81876303bb57e6fadb946041b'));
    const replaced = r.packages.find((p) => p.name === 'github.com/prometheus/client_golang')!;
    assert.ok(replaced.properties!.some((p) => p.name === 'kubecomply:go:replaces' && p.value === 'github.com/prometheus/client_golang@v1.17.0'));
  });

  it('finds the ELF data segment from the program headers', () => {
    assert.equal(elfDataOffset(img.goElfBinary(img.NODE_EXPORTER, { dataOffset: 0x20000 })), 0x20000);
  });

  it('the streaming collector keeps only the blob, whatever the chunking', () => {
    const bin = img.goElfBinary(img.NODE_EXPORTER, { dataOffset: 0x18000, size: 0x60000 });
    const blob = img.goBuildInfoBlob(img.NODE_EXPORTER);
    for (const size of [7, 13, 512, 4096, 65536, 1 << 20]) {
      const c = new GoBuildInfoCollector();
      let done = false;
      for (let i = 0; i < bin.length && !done; i += size) done = c.write(bin.subarray(i, i + size));
      const out = c.end()!;
      assert.ok(out, `chunk ${size}`);
      assert.ok(out.length < 64 * 1024, `chunk ${size}: kept ${out.length} bytes`);
      assert.equal(out.compare(blob, 0, Math.min(out.length, blob.length), 0, Math.min(out.length, blob.length)), 0, `chunk ${size}`);
      assert.equal(readBuildInfo(out).kind, 'ok');
      assert.deepEqual(readBuildInfo(out), readBuildInfo(blob), `chunk ${size}`);
    }
  });

  it('is not fooled by non-executables or executables without build info', () => {
    const notElf = Buffer.alloc(200000, 0x41);
    const c1 = new GoBuildInfoCollector();
    assert.equal(c1.write(notElf), true, 'stops at once');
    assert.equal(c1.end(), undefined);
    const c2 = new GoBuildInfoCollector();
    c2.write(img.goElfBinary(undefined));
    assert.equal(c2.end(), undefined);
    assert.equal(readBuildInfo(img.goElfBinary(undefined)).kind, 'none', 'the decoy magic in rodata is rejected');
  });

  it('reports pre-1.18 pointer-format build info as a warning', async () => {
    const blob = Buffer.alloc(32);
    blob.write('\xff Go buildinf:', 0, 'latin1');
    blob[14] = 8;
    blob[15] = 0;
    blob.writeBigUInt64LE(0x4c0000n, 16);
    blob.writeBigUInt64LE(0x4c0010n, 24);
    const r = await goCataloger.parse([f('/usr/bin/old', blob)], {});
    assert.equal(r.packages.length, 0);
    assert.match(r.warnings[0]!, /pre-Go 1\.18/);
  });

  it('stdlib versions drop the "go" prefix and experiment suffixes', () => {
    assert.equal(stdlibVersion('go1.21.4'), '1.21.4');
    assert.equal(stdlibVersion('go1.22.0 X:boringcrypto'), '1.22.0');
    assert.equal(stdlibVersion('go1.23rc1'), '1.23rc1');
    assert.equal(stdlibVersion('devel go1.23-abcdef'), undefined);
  });
});

describe('java', () => {
  it('reads pom.properties (log4j-core 2.14.1) with manifest license and jar hashes', async () => {
    const r = await javaCataloger.parse([f('/app/lib/log4j-core-2.14.1.jar', img.log4jJar())], {});
    assert.equal(r.packages.length, 1);
    const p = r.packages[0]!;
    assert.equal(p.purl, 'pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1');
    assert.equal(p.group, 'org.apache.logging.log4j');
    assert.deepEqual(p.licenses, [{ id: 'Apache-2.0' }]);
    assert.deepEqual(p.hashes!.map((h) => h.alg), ['SHA-1']);
  });

  it('falls back to MANIFEST.MF', async () => {
    const r = await javaCataloger.parse([f('/opt/guava-32.1.3-jre.jar', img.manifestOnlyJar())], {});
    assert.equal(r.packages[0]!.purl, 'pkg:maven/com.google.guava/guava@32.1.3-jre');
  });

  it('reads nested jars of a fat jar one level deep', async () => {
    const r = await javaCataloger.parse([f('/app/orders.jar', img.fatJar())], {});
    assert.deepEqual(r.packages.map((p) => `${p.purl} ${p.location}`), [
      'pkg:maven/com.example/orders-service@1.4.0 /app/orders.jar',
      'pkg:maven/com.fasterxml.jackson.core/jackson-databind@2.15.3 /app/orders.jar!/BOOT-INF/lib/jackson-databind-2.15.3.jar',
      'pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1 /app/orders.jar!/BOOT-INF/lib/log4j-core-2.14.1.jar',
    ]);
  });

  it('a corrupt archive throws (the generator turns it into a warning)', () => {
    assert.throws(() => javaCataloger.parse([f('/app/broken.jar', Buffer.from('PK\x03\x04 not really a zip'))], {}));
  });
});

describe('licenses', () => {
  it('maps SPDX ids, common aliases and expressions; keeps other text as names', () => {
    assert.deepEqual(toLicense('MIT'), { id: 'MIT' });
    assert.deepEqual(toLicense('apache-2.0'), { id: 'Apache-2.0' });
    assert.deepEqual(toLicense('Expat'), { id: 'MIT' });
    assert.deepEqual(toLicense('GPL-2+'), { id: 'GPL-2.0-or-later' });
    assert.deepEqual(toLicense('GPLv2'), { id: 'GPL-2.0-only' });
    assert.deepEqual(toLicense('LGPL-2.1+'), { id: 'LGPL-2.1-or-later' });
    assert.deepEqual(toLicense('ASL 2.0 and MIT'), { expression: 'Apache-2.0 AND MIT' });
    assert.deepEqual(toLicense('(MIT OR Apache-2.0)'), { expression: '(MIT OR Apache-2.0)' });
    assert.deepEqual(toLicense('GPL-2.0-only WITH Linux-syscall-note'), { expression: 'GPL-2.0-only WITH Linux-syscall-note' });
    assert.deepEqual(toLicense('public-domain'), { name: 'public-domain' });
    assert.equal(toLicense('UNKNOWN'), undefined);
  });
});

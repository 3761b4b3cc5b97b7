import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { generateImageSbom } from '../../src/supply/image/generate.js';
import { property, type Component, type Sbom } from '../../src/supply/sbom/model.js';
import * as img from '../helpers/image.js';

const dir = img.tempDirectory();
after(() => img.cleanup(dir));
let n = 0;
const tmp = (name: string) => path.join(dir, `${++n}-${name}`);

const byPurlPrefix = (sbom: Sbom, prefix: string): Component | undefined => sbom.components.find((c) => c.purl?.startsWith(prefix));
const layerOf = (c: Component | undefined) => (c ? property(c, 'kubecomply:image:layer') : undefined);
const locations = (c: Component) => c.properties.filter((p) => p.name === 'kubecomply:location').map((p) => p.value);
const names = (sbom: Sbom) => sbom.components.map((c) => c.name).sort();

describe('generateImageSbom: Debian image (docker save)', async () => {
  // Layer 1: the base; layer 2: apt-get install libssl3 + an npm app; layer 3: tzdata upgrade, express removed.
  const l1 = await img.makeLayer([
    { name: 'etc/', type: 'directory' },
    { name: 'etc/os-release', type: 'symlink', linkname: '../usr/lib/os-release' },
    { name: 'usr/lib/os-release', data: img.DEBIAN_OS_RELEASE },
    { name: 'var/lib/dpkg/status', data: img.dpkgStatus(img.DPKG_BASE_FILES, img.DPKG_LIBC6, img.DPKG_ZLIB1G, img.dpkgTzdata(), img.DPKG_REMOVED) },
    { name: 'usr/share/doc/zlib1g/copyright', data: img.COPYRIGHT_ZLIB },
    { name: 'usr/share/doc/libc6/copyright', data: img.COPYRIGHT_GLIBC },
  ]);
  const l2 = await img.makeLayer(
    [
      { name: 'var/lib/dpkg/status', data: img.dpkgStatus(img.DPKG_BASE_FILES, img.DPKG_LIBC6, img.DPKG_ZLIB1G, img.dpkgTzdata(), img.DPKG_REMOVED, img.DPKG_LIBSSL3) },
      { name: 'usr/share/doc/libssl3/copyright', data: img.COPYRIGHT_OPENSSL },
      { name: 'app/package-lock.json', data: JSON.stringify({ lockfileVersion: 3, packages: { 'node_modules/express': { version: '4.18.2' } } }) },
      { name: 'app/node_modules/express/package.json', data: img.EXPRESS_PACKAGE_JSON },
      { name: 'app/node_modules/@babel/core/package.json', data: img.BABEL_CORE_PACKAGE_JSON },
      { name: 'app/node_modules/@babel/core/node_modules/semver/package.json', data: img.npmPackageJson('semver', '6.3.1', 'ISC') },
      { name: 'app/node_modules/broken/package.json', data: '{"name": "broken", "version": ' },
      { name: 'srv/legacy/package-lock.json', data: JSON.stringify({ lockfileVersion: 1, dependencies: { lodash: { version: '4.17.21' } } }) },
    ],
    'none',
  );
  const l3 = await img.makeLayer([
    { name: 'var/lib/dpkg/status', data: img.dpkgStatus(img.DPKG_BASE_FILES, img.DPKG_LIBC6, img.DPKG_ZLIB1G, img.dpkgTzdata('2024b-0+deb12u1'), img.DPKG_REMOVED, img.DPKG_LIBSSL3) },
    { name: 'app/node_modules/.wh.express', data: '' },
  ]);
  const file = tmp('debian.tar');
  img.writeDockerSave(file, { layers: [l1, l2, l3], repoTags: ['registry.example.com/shop/web:2.4.1'], style: 'oci' });
  const { sbom, warnings } = await generateImageSbom(file);

  it('describes the image: container subject with oci purl, tag and manifest hash', () => {
    const s = sbom.subject!;
    assert.equal(s.type, 'container');
    assert.equal(s.name, 'registry.example.com/shop/web');
    assert.equal(s.version, '2.4.1');
    assert.match(s.purl!, /^pkg:oci\/web@sha256:[a-f0-9]{64}\?arch=amd64&repository_url=registry.example.com%2Fshop%2Fweb&tag=2.4.1$/);
    assert.equal(s.ref, s.purl);
    assert.equal(s.hashes[0]!.alg, 'SHA-256');
    assert.ok(s.purl!.includes(s.hashes[0]!.content));
    assert.deepEqual(s.properties.filter((p) => p.name === 'kubecomply:image:diff-id').map((p) => p.value), [l1.diffId, l2.diffId, l3.diffId]);
    assert.equal(sbom.name, 'registry.example.com/shop/web:2.4.1');
  });

  it('an operating-system component from os-release (through the /etc/os-release symlink)', () => {
    const os = sbom.components[0]!;
    assert.equal(os.type, 'operating-system');
    assert.equal(os.name, 'debian');
    assert.equal(os.version, '12');
    assert.equal(os.description, 'Debian GNU/Linux 12 (bookworm)');
  });

  it('attributes each deb to the layer that installed or upgraded it', () => {
    assert.equal(layerOf(byPurlPrefix(sbom, 'pkg:deb/debian/libc6@')), l1.diffId);
    assert.equal(layerOf(byPurlPrefix(sbom, 'pkg:deb/debian/zlib1g@')), l1.diffId);
    assert.equal(layerOf(byPurlPrefix(sbom, 'pkg:deb/debian/libssl3@')), l2.diffId);
    const tz = byPurlPrefix(sbom, 'pkg:deb/debian/tzdata@')!;
    assert.equal(tz.version, '2024b-0+deb12u1');
    assert.equal(layerOf(tz), l3.diffId);
    assert.equal(sbom.components.filter((c) => c.name === 'tzdata').length, 1, 'the old version is gone');
    assert.ok(!names(sbom).includes('libgdbm6'));
  });

  it('deb purls, properties and licenses', () => {
    const z = byPurlPrefix(sbom, 'pkg:deb/debian/zlib1g@')!;
    assert.equal(z.purl, 'pkg:deb/debian/zlib1g@1:1.2.13.dfsg-1?arch=amd64&distro=debian-12&upstream=zlib');
    assert.equal(z.ref, z.purl);
    assert.equal(property(z, 'kubecomply:package:type'), 'deb');
    assert.equal(property(z, 'kubecomply:location'), '/var/lib/dpkg/status');
    assert.equal(property(z, 'kubecomply:source-package'), 'zlib');
    assert.deepEqual(z.licenses, [{ id: 'Zlib' }]);
    assert.deepEqual(byPurlPrefix(sbom, 'pkg:deb/debian/libssl3@')!.licenses, [{ id: 'Apache-2.0' }]);
  });

  it('the whiteout removes express; lockfile entries are dropped where node_modules exists; other lockfiles are read', () => {
    assert.equal(byPurlPrefix(sbom, 'pkg:npm/express@'), undefined);
    const babel = byPurlPrefix(sbom, 'pkg:npm/%40babel/core@')!;
    assert.equal(babel.version, '7.23.0');
    assert.equal(babel.group, 'babel');
    assert.equal(layerOf(babel), l2.diffId);
    assert.deepEqual(locations(babel), ['/app/node_modules/@babel/core/package.json']);
    assert.equal(property(babel, 'kubecomply:package:type'), 'npm');
    assert.ok(byPurlPrefix(sbom, 'pkg:npm/semver@6.3.1'));
    assert.deepEqual(locations(byPurlPrefix(sbom, 'pkg:npm/lodash@')!), ['/srv/legacy/package-lock.json']);
  });

  it('a corrupt package.json is a warning; everything else is still reported', () => {
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /^npm: \/app\/node_modules\/broken\/package\.json \(layer 2 sha256:[a-f0-9]{64}\): /);
  });

  it('dependencies: the subject depends on the OS and every package; ordering is stable', () => {
    const root = sbom.dependencies.find((d) => d.ref === sbom.subject!.ref)!;
    assert.deepEqual(root.dependsOn, sbom.components.map((c) => c.ref));
    const refs = sbom.components.slice(1).map((c) => c.ref);
    assert.deepEqual(refs, [...refs].sort());
    assert.equal(new Set(refs).size, refs.length);
  });

  it('is deterministic', async () => {
    const again = await generateImageSbom(file);
    assert.deepEqual({ ...again.sbom, created: undefined }, { ...sbom, created: undefined });
  });
});

describe('generateImageSbom: whiteouts and opaque directories', () => {
  it('an opaque directory hides everything below it from lower layers, not from its own layer', async () => {
    const sp = 'usr/lib/python3/dist-packages';
    const l1 = await img.makeLayer([
      { name: `${sp}/requests-2.31.0.dist-info/METADATA`, data: img.REQUESTS_METADATA },
      { name: `${sp}/urllib3-1.26.18.dist-info/METADATA`, data: img.urllib3Metadata('1.26.18') },
    ]);
    const l2 = await img.makeLayer(
      [
        { name: `${sp}/`, type: 'directory' },
        { name: `${sp}/.wh..wh..opq`, data: '' },
        { name: `${sp}/urllib3-2.0.7.dist-info/METADATA`, data: img.urllib3Metadata('2.0.7') },
      ],
      'none',
    );
    const file = tmp('opaque.tar');
    img.writeDockerSave(file, { layers: [l1, l2], repoTags: ['py:1'] });
    const { sbom, warnings } = await generateImageSbom(file);
    assert.deepEqual(warnings, []);
    assert.deepEqual(sbom.components.map((c) => c.purl), ['pkg:pypi/urllib3@2.0.7']);
    assert.equal(layerOf(sbom.components[0]), l2.diffId);
    assert.equal(property(sbom.components[0]!, 'kubecomply:package:type'), 'python');
    assert.deepEqual(sbom.components[0]!.licenses, [{ id: 'MIT' }]);
  });

  it('a whiteout of a distroless status.d file removes that package', async () => {
    const l1 = await img.makeLayer([
      { name: 'etc/os-release', data: img.DEBIAN_OS_RELEASE },
      ...Object.entries(img.DISTROLESS_STATUS_D).flatMap(([k, v]) => [
        { name: `var/lib/dpkg/status.d/${k}`, data: v },
        { name: `var/lib/dpkg/status.d/${k}.md5sums`, data: 'd41d8cd98f00b204e9800998ecf8427e  usr/share/doc/x\n' },
      ]),
    ]);
    const l2 = await img.makeLayer([{ name: 'var/lib/dpkg/status.d/.wh.tzdata', data: '' }]);
    const file = tmp('distroless.tar');
    img.writeDockerSave(file, { layers: [l1, l2], repoTags: ['gcr.io/distroless/static-debian12:nonroot'] });
    const { sbom } = await generateImageSbom(file);
    assert.deepEqual(sbom.components.filter((c) => c.type === 'library').map((c) => c.name), ['base-files', 'media-types', 'netbase']);
    for (const c of sbom.components.filter((x) => x.type === 'library')) {
      assert.equal(layerOf(c), l1.diffId);
      assert.equal(property(c, 'kubecomply:location'), `/var/lib/dpkg/status.d/${c.name}`);
    }
  });

  it('a whiteout of a whole directory removes the packages below it; a file replacing a directory too', async () => {
    const l1 = await img.makeLayer([
      { name: 'opt/a/node_modules/left-pad/package.json', data: img.npmPackageJson('left-pad', '1.3.0', 'WTFPL') },
      { name: 'opt/b/node_modules/is-odd/package.json', data: img.npmPackageJson('is-odd', '3.0.1') },
      { name: 'opt/c/node_modules/kept/package.json', data: img.npmPackageJson('kept', '1.0.0') },
    ]);
    const l2 = await img.makeLayer([
      { name: 'opt/.wh.a', data: '' },
      { name: 'opt/b', data: 'now a plain file' },
    ]);
    const file = tmp('dirs.tar');
    img.writeDockerSave(file, { layers: [l1, l2] });
    const { sbom } = await generateImageSbom(file);
    assert.deepEqual(sbom.components.map((c) => c.purl), ['pkg:npm/kept@1.0.0']);
  });
});

describe('generateImageSbom: bounded buffering', () => {
  it('a file larger than its cataloger allows is skipped with a warning; metadata files are cut, not skipped', async () => {
    const huge = JSON.stringify({ name: 'huge', version: '1.0.0', padding: 'x'.repeat(4 * 1024 * 1024) });
    const md = img.urllib3Metadata('2.0.7') + 'y'.repeat(2 * 1024 * 1024);
    const l1 = await img.makeLayer([
      { name: 'app/node_modules/huge/package.json', data: huge },
      { name: 'app/node_modules/small/package.json', data: img.npmPackageJson('small', '1.0.0') },
      { name: 'usr/lib/python3/dist-packages/urllib3-2.0.7.dist-info/METADATA', data: md },
    ]);
    const file = tmp('big.tar');
    img.writeDockerSave(file, { layers: [l1] });
    const { sbom, warnings } = await generateImageSbom(file);
    assert.deepEqual(sbom.components.map((c) => c.purl), ['pkg:npm/small@1.0.0', 'pkg:pypi/urllib3@2.0.7']);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /^\/app\/node_modules\/huge\/package\.json \(layer 1 sha256:[a-f0-9]+\): skipped, larger than 4194304 bytes$/);
  });
});

describe('generateImageSbom: Alpine image (OCI layout tar) with Go, Java and apk', () => {
  it('reports apk packages, Go modules with the main → deps graph, and jars', async () => {
    const l1 = await img.makeLayer([
      { name: 'etc/os-release', data: img.ALPINE_OS_RELEASE },
      { name: 'lib/apk/db/installed', data: img.apkInstalled(img.APK_MUSL, img.APK_BUSYBOX, img.APK_LIBCRYPTO3, img.apkZlib('1.3-r2')) },
      { name: 'bin/busybox', data: Buffer.alloc(4096, 0x90), mode: 0o755 },
    ]);
    const l2 = await img.makeLayer([
      { name: 'lib/apk/db/installed', data: img.apkInstalled(img.APK_MUSL, img.APK_BUSYBOX, img.APK_LIBCRYPTO3, img.apkZlib('1.3.1-r0')) },
      { name: 'usr/bin/node_exporter', data: img.goElfBinary(img.NODE_EXPORTER, { size: 0x80000 }), mode: 0o755 },
      { name: 'usr/bin/not-go', data: img.goElfBinary(undefined, { size: 0x20000 }), mode: 0o755 },
      { name: 'opt/app/lib/log4j-core-2.14.1.jar', data: img.log4jJar() },
      { name: 'opt/app/lib/broken.jar', data: 'PK\x03\x04 this is not a zip' },
    ]);
    const d = tmp('alpine-layout');
    mkdirSync(d);
    img.writeOciLayout(d, { images: [{ layers: [l1, l2] }], refName: '3.19' });
    const file = tmp('alpine.tar');
    img.tarDirectory(d, file);
    const { sbom, warnings } = await generateImageSbom(file, { name: 'alpine' });

    assert.equal(sbom.subject!.name, 'alpine');
    assert.equal(sbom.subject!.version, '3.19');
    assert.match(sbom.subject!.purl!, /^pkg:oci\/alpine@sha256:[a-f0-9]{64}\?arch=amd64&tag=3.19$/);

    const crypto = byPurlPrefix(sbom, 'pkg:apk/alpine/libcrypto3@')!;
    assert.equal(crypto.purl, 'pkg:apk/alpine/libcrypto3@3.1.4-r5?arch=x86_64&distro=alpine-3.19.1&upstream=openssl');
    assert.equal(property(crypto, 'kubecomply:source-package'), 'openssl');
    assert.equal(layerOf(crypto), l1.diffId);
    const zlib = byPurlPrefix(sbom, 'pkg:apk/alpine/zlib@')!;
    assert.equal(zlib.version, '1.3.1-r0');
    assert.equal(layerOf(zlib), l2.diffId, 'upgraded in layer 2');

    const main = byPurlPrefix(sbom, 'pkg:golang/github.com/prometheus/node_exporter@')!;
    assert.equal(main.type, 'application');
    assert.equal(property(main, 'kubecomply:package:type'), 'go-module');
    assert.equal(property(main, 'kubecomply:location'), '/usr/bin/node_exporter');
    assert.equal(layerOf(main), l2.diffId);
    const std = byPurlPrefix(sbom, 'pkg:golang/stdlib@')!;
    assert.equal(std.purl, 'pkg:golang/stdlib@1.21.4');
    const goDeps = sbom.dependencies.find((x) => x.ref === main.ref)!;
    assert.deepEqual(goDeps.dependsOn, [
      'pkg:golang/github.com/alecthomas/kingpin/v2@v2.3.2',
      'pkg:golang/github.com/beorn7/perks@v1.0.1',
      'pkg:golang/github.com/prometheus/client_golang@v1.18.0',
      'pkg:golang/golang.org/x/net@v0.17.0',
      'pkg:golang/golang.org/x/sys@v0.15.0',
      'pkg:golang/stdlib@1.21.4',
    ]);

    const log4j = byPurlPrefix(sbom, 'pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1')!;
    assert.equal(property(log4j, 'kubecomply:package:type'), 'java-archive');
    assert.equal(property(log4j, 'kubecomply:location'), '/opt/app/lib/log4j-core-2.14.1.jar');
    assert.deepEqual(log4j.licenses, [{ id: 'Apache-2.0' }]);
    assert.ok(log4j.hashes.some((h) => h.alg === 'SHA-1'));

    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /^java: \/opt\/app\/lib\/broken\.jar \(layer 2/);
  });
});

describe('generateImageSbom: RPM image (OCI layout directory, multi-platform)', () => {
  it('reads rpmdb.sqlite and picks the requested platform', async () => {
    const rpmLayer = async (blobs: Buffer[]) =>
      img.makeLayer([
        { name: 'etc/os-release', data: img.RHEL_OS_RELEASE },
        { name: 'var/lib/rpm/rpmdb.sqlite', data: img.rpmdbSqlite(blobs) },
      ]);
    const amd = await rpmLayer([img.rpmHeaderBlob(img.OPENSSL_LIBS), img.rpmHeaderBlob(img.GPG_PUBKEY_RPM)]);
    const arm = await rpmLayer([img.rpmHeaderBlob({ ...img.OPENSSL_LIBS, arch: 'aarch64' }), img.rpmHeaderBlob({ ...img.BASH_RPM, arch: 'aarch64' })]);
    const d = tmp('ubi');
    mkdirSync(d);
    img.writeOciLayout(d, {
      images: [
        { layers: [amd], platform: { os: 'linux', architecture: 'amd64' } },
        { layers: [arm], platform: { os: 'linux', architecture: 'arm64' } },
      ],
    });
    const def = await generateImageSbom(d, { name: 'registry.access.redhat.com/ubi9/ubi-minimal:9.3' });
    assert.deepEqual(def.warnings, []);
    const libs = def.sbom.components.filter((c) => c.type === 'library');
    assert.deepEqual(libs.map((c) => c.purl), ['pkg:rpm/redhat/openssl-libs@3.0.7-27.el9?arch=x86_64&distro=rhel-9.3&epoch=1&upstream=openssl-3.0.7-27.el9.src.rpm']);
    assert.equal(libs[0]!.version, '1:3.0.7-27.el9');
    assert.equal(property(libs[0]!, 'kubecomply:source-package'), 'openssl');
    assert.equal(property(libs[0]!, 'kubecomply:location'), '/var/lib/rpm/rpmdb.sqlite');
    assert.equal(def.sbom.subject!.name, 'registry.access.redhat.com/ubi9/ubi-minimal');
    const arm64 = await generateImageSbom(d, { platform: 'linux/arm64' });
    assert.deepEqual(
      arm64.sbom.components.filter((c) => c.type === 'library').map((c) => c.name),
      ['bash', 'openssl-libs'],
    );
    assert.equal(property(arm64.sbom.subject!, 'kubecomply:image:platform'), 'linux/arm64');
  });
});

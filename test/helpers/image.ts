/**
 * Builders for container image archives in tests — docker save tars (legacy and Docker ≥ 25), OCI layout
 * directories and OCI layout tars — and real package-database content to put in their layers.
 * No container engine: layers are tar-stream tars, optionally gzip'd; outer tars are written by a small
 * raw writer so tests can choose how long member names are encoded (ustar prefix, GNU 'L', pax 'x').
 */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import Database from 'better-sqlite3';
import { zipSync } from 'fflate';
import tar from 'tar-stream';

// ───────────────────────────── primitives ─────────────────────────────

export interface FileEntry {
  name: string;
  data?: string | Buffer;
  type?: 'file' | 'directory' | 'symlink' | 'link';
  mode?: number;
  linkname?: string;
}

export const sha256 = (b: Buffer | string): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;
export const hex = (digest: string): string => digest.split(':')[1]!;

/** A tar (as a layer's content) built with tar-stream. */
export async function layerTar(entries: FileEntry[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const done = new Promise<void>((resolve, reject) => {
    pack.on('data', (c: unknown) => chunks.push(c as Buffer));
    pack.on('end', () => resolve());
    pack.on('error', reject);
  });
  for (const e of entries) {
    const type = e.type ?? 'file';
    const data = e.data === undefined ? Buffer.alloc(0) : Buffer.isBuffer(e.data) ? e.data : Buffer.from(e.data);
    const header = {
      name: e.name,
      type,
      mode: e.mode ?? (type === 'directory' ? 0o755 : 0o644),
      mtime: new Date(1700000000000),
      ...(e.linkname ? { linkname: e.linkname } : {}),
      ...(type === 'file' ? { size: data.length } : {}),
    };
    await new Promise<void>((resolve, reject) => {
      if (type === 'file') pack.entry(header, data, (err) => (err ? reject(err) : resolve()));
      else pack.entry(header, (err) => (err ? reject(err) : resolve()));
    });
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

export interface Layer {
  /** What is stored in the archive. */
  blob: Buffer;
  /** sha256 of the blob. */
  digest: string;
  /** sha256 of the uncompressed tar. */
  diffId: string;
  mediaType: string;
}

export async function makeLayer(entries: FileEntry[], compression: 'gzip' | 'none' = 'gzip'): Promise<Layer> {
  const raw = await layerTar(entries);
  const blob = compression === 'gzip' ? zlib.gzipSync(raw) : raw;
  return {
    blob,
    digest: sha256(blob),
    diffId: sha256(raw),
    mediaType: compression === 'gzip' ? 'application/vnd.oci.image.layer.v1.tar+gzip' : 'application/vnd.oci.image.layer.v1.tar',
  };
}

/** Raw tar writer: member names longer than 100 bytes are encoded the way `longNames` says. */
export function rawTar(members: { name: string; data: Buffer; type?: '0' | '5' | '2'; linkname?: string }[], longNames: 'ustar' | 'gnu' | 'pax' = 'pax'): Buffer {
  const blocks: Buffer[] = [];
  const pad = (b: Buffer) => {
    blocks.push(b);
    const rem = b.length % 512;
    if (rem) blocks.push(Buffer.alloc(512 - rem));
  };
  const header = (name: string, size: number, type: string, opts: { prefix?: string; gnu?: boolean; linkname?: string } = {}) => {
    const h = Buffer.alloc(512);
    h.write(name.slice(0, 100), 0, 'utf8');
    h.write('0000644\0', 100, 'latin1');
    h.write('0000000\0', 108, 'latin1');
    h.write('0000000\0', 116, 'latin1');
    h.write(size.toString(8).padStart(11, '0') + '\0', 124, 'latin1');
    h.write('14524470400\0', 136, 'latin1');
    h.write('        ', 148, 'latin1');
    h.write(type, 156, 'latin1');
    if (opts.linkname) h.write(opts.linkname.slice(0, 100), 157, 'utf8');
    if (opts.gnu) h.write('ustar  \0', 257, 'latin1');
    else {
      h.write('ustar\0', 257, 'latin1');
      h.write('00', 263, 'latin1');
    }
    if (opts.prefix) h.write(opts.prefix, 345, 'utf8');
    let sum = 0;
    for (const b of h) sum += b;
    h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'latin1');
    return h;
  };
  for (const m of members) {
    const type = m.type ?? '0';
    const size = type === '0' ? m.data.length : 0;
    const nameBytes = Buffer.byteLength(m.name);
    const link = m.linkname ? { linkname: m.linkname } : {};
    if (nameBytes <= 100) {
      blocks.push(header(m.name, size, type, link));
    } else if (longNames === 'gnu') {
      const ln = Buffer.from(m.name + '\0');
      blocks.push(header('././@LongLink', ln.length, 'L', { gnu: true }));
      pad(ln);
      blocks.push(header(m.name.slice(0, 100), size, type, { gnu: true, ...link }));
    } else if (longNames === 'pax') {
      const rec = (k: string, v: string) => {
        const body = ` ${k}=${v}\n`;
        let len = body.length + 1;
        while (String(len).length + body.length !== len) len = String(len).length + body.length;
        return `${len}${body}`;
      };
      const pax = Buffer.from(rec('path', m.name));
      blocks.push(header('PaxHeaders.0/' + path.posix.basename(m.name).slice(0, 80), pax.length, 'x'));
      pad(pax);
      blocks.push(header(m.name.slice(0, 100), size, type, link));
    } else {
      const cut = m.name.lastIndexOf('/', 155);
      blocks.push(header(m.name.slice(cut + 1), size, type, { prefix: m.name.slice(0, cut), ...link }));
    }
    if (type === '0') pad(m.data);
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

export function tempDirectory(prefix = 'kubecomply-image-test-'): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function cleanup(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

// ───────────────────────────── image configs ─────────────────────────────

export interface PlatformSpec {
  os: string;
  architecture: string;
  variant?: string;
}

export function imageConfig(layers: Layer[], platform: PlatformSpec = { os: 'linux', architecture: 'amd64' }, diffIds?: string[]): Buffer {
  return Buffer.from(
    JSON.stringify({
      architecture: platform.architecture,
      os: platform.os,
      ...(platform.variant ? { variant: platform.variant } : {}),
      created: '2024-02-13T00:00:00Z',
      config: { Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'], Cmd: ['bash'] },
      rootfs: { type: 'layers', diff_ids: diffIds ?? layers.map((l) => l.diffId) },
      history: layers.map((_, i) => ({ created: '2024-02-13T00:00:00Z', created_by: `/bin/sh -c #(nop) layer ${i}` })),
    }),
  );
}

// ───────────────────────────── docker save ─────────────────────────────

export interface DockerSaveSpec {
  layers: Layer[];
  repoTags?: string[];
  /** 'legacy': <id>/layer.tar + <config-hex>.json; 'oci': Docker ≥ 25 (blobs/sha256 + index.json + oci-layout). */
  style?: 'legacy' | 'oci';
  longNames?: 'ustar' | 'gnu' | 'pax';
  /** Overrides the config's diff_ids (to test mismatches). */
  diffIds?: string[];
  /** Leave a layer out of the tar (to test missing blobs). */
  omitLayer?: number;
  /** Long directory prefix for members (to exercise long-name encodings). */
  memberPrefix?: string;
}

export function writeDockerSave(file: string, spec: DockerSaveSpec): { configDigest: string; manifestDigest?: string } {
  const style = spec.style ?? 'legacy';
  const config = imageConfig(spec.layers, undefined, spec.diffIds);
  const configDigest = sha256(config);
  const members: { name: string; data: Buffer; type?: '0' | '5' | '2'; linkname?: string }[] = [];
  const pre = spec.memberPrefix ?? '';
  let manifestDigest: string | undefined;
  if (style === 'legacy') {
    const layerPaths = spec.layers.map((l, i) => `${pre}${hex(sha256(l.diffId + i)).slice(0, 64)}/layer.tar`);
    spec.layers.forEach((l, i) => {
      if (i === spec.omitLayer) return;
      members.push({ name: path.posix.dirname(layerPaths[i]!) + '/VERSION', data: Buffer.from('1.0') });
      members.push({ name: layerPaths[i]!, data: l.blob });
    });
    members.push({ name: `${hex(configDigest)}.json`, data: config });
    members.push({
      name: 'manifest.json',
      data: Buffer.from(JSON.stringify([{ Config: `${hex(configDigest)}.json`, RepoTags: spec.repoTags ?? null, Layers: layerPaths }])),
    });
    members.push({ name: 'repositories', data: Buffer.from('{}') });
  } else {
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: configDigest, size: config.length },
        layers: spec.layers.map((l) => ({ mediaType: l.mediaType, digest: l.digest, size: l.blob.length })),
      }),
    );
    manifestDigest = sha256(manifest);
    spec.layers.forEach((l, i) => {
      if (i !== spec.omitLayer) members.push({ name: `blobs/sha256/${hex(l.digest)}`, data: l.blob });
    });
    members.push({ name: `blobs/sha256/${hex(configDigest)}`, data: config });
    members.push({ name: `blobs/sha256/${hex(manifestDigest)}`, data: manifest });
    const tag = spec.repoTags?.[0];
    members.push({
      name: 'index.json',
      data: Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: 'application/vnd.oci.image.index.v1+json',
          manifests: [
            {
              mediaType: 'application/vnd.oci.image.manifest.v1+json',
              digest: manifestDigest,
              size: manifest.length,
              annotations: tag
                ? { 'io.containerd.image.name': `docker.io/library/${tag}`, 'org.opencontainers.image.ref.name': tag.split(':')[1] ?? 'latest' }
                : {},
            },
          ],
        }),
      ),
    });
    members.push({
      name: 'manifest.json',
      data: Buffer.from(
        JSON.stringify([{ Config: `blobs/sha256/${hex(configDigest)}`, RepoTags: spec.repoTags ?? null, Layers: spec.layers.map((l) => `blobs/sha256/${hex(l.digest)}`) }]),
      ),
    });
    members.push({ name: 'oci-layout', data: Buffer.from('{"imageLayoutVersion": "1.0.0"}') });
  }
  writeFileSync(file, rawTar(members, spec.longNames));
  return manifestDigest ? { configDigest, manifestDigest } : { configDigest };
}

// ───────────────────────────── OCI layout ─────────────────────────────

export interface OciImageSpec {
  layers: Layer[];
  platform?: PlatformSpec;
  annotations?: Record<string, string>;
  /** Overrides the config's diff_ids (to test mismatches). */
  diffIds?: string[];
}

export interface OciLayoutSpec {
  images: OciImageSpec[];
  /** 'flat': index.json lists the manifests; 'nested': index.json → one image index → manifests. */
  index?: 'flat' | 'nested';
  /** Add a BuildKit-style attestation manifest (platform unknown/unknown). */
  attestation?: boolean;
  refName?: string;
}

/** Writes an OCI image layout directory; returns the manifest digests (in `images` order). */
export function writeOciLayout(dir: string, spec: OciLayoutSpec): string[] {
  mkdirSync(path.join(dir, 'blobs', 'sha256'), { recursive: true });
  const put = (b: Buffer) => {
    const d = sha256(b);
    writeFileSync(path.join(dir, 'blobs', 'sha256', hex(d)), b);
    return d;
  };
  const descs: Record<string, unknown>[] = [];
  const digests: string[] = [];
  for (const img of spec.images) {
    for (const l of img.layers) put(l.blob);
    const config = imageConfig(img.layers, img.platform, img.diffIds);
    const configDigest = put(config);
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: configDigest, size: config.length },
        layers: img.layers.map((l) => ({ mediaType: l.mediaType, digest: l.digest, size: l.blob.length })),
        ...(img.annotations ? { annotations: img.annotations } : {}),
      }),
    );
    const md = put(manifest);
    digests.push(md);
    descs.push({
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      digest: md,
      size: manifest.length,
      ...(spec.images.length > 1 || img.platform ? { platform: img.platform ?? { os: 'linux', architecture: 'amd64' } } : {}),
    });
  }
  if (spec.attestation) {
    const att = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: {}, layers: [] }));
    descs.push({
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      digest: put(att),
      size: att.length,
      platform: { os: 'unknown', architecture: 'unknown' },
      annotations: { 'vnd.docker.reference.type': 'attestation-manifest', 'vnd.docker.reference.digest': digests[0] },
    });
  }
  const refAnn = spec.refName ? { annotations: { 'org.opencontainers.image.ref.name': spec.refName } } : {};
  let top: Record<string, unknown>[];
  if (spec.index === 'nested') {
    const idx = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: descs }));
    top = [{ mediaType: 'application/vnd.oci.image.index.v1+json', digest: put(idx), size: idx.length, ...refAnn }];
  } else {
    top = descs.map((d) => ({ ...d, ...refAnn }));
  }
  writeFileSync(path.join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: top }));
  writeFileSync(path.join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  return digests;
}

/** Tars a directory (an OCI layout) with the raw writer. */
export function tarDirectory(dir: string, file: string, longNames: 'ustar' | 'gnu' | 'pax' = 'pax'): void {
  const members: { name: string; data: Buffer; type?: '0' | '5' }[] = [];
  const walk = (rel: string) => {
    for (const n of readdirSync(path.join(dir, rel)).sort()) {
      const r = rel ? `${rel}/${n}` : n;
      if (statSync(path.join(dir, r)).isDirectory()) {
        members.push({ name: r + '/', data: Buffer.alloc(0), type: '5' });
        walk(r);
      } else members.push({ name: r, data: readFileSync(path.join(dir, r)) });
    }
  };
  walk('');
  writeFileSync(file, rawTar(members, longNames));
}

// ───────────────────────────── real package content ─────────────────────────────

export const DEBIAN_OS_RELEASE = `PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
NAME="Debian GNU/Linux"
VERSION_ID="12"
VERSION="12 (bookworm)"
VERSION_CODENAME=bookworm
ID=debian
HOME_URL="https://www.debian.org/"
SUPPORT_URL="https://www.debian.org/support"
BUG_REPORT_URL="https://bugs.debian.org/"
`;

export const UBUNTU_OS_RELEASE = `PRETTY_NAME="Ubuntu 22.04.4 LTS"
NAME="Ubuntu"
VERSION_ID="22.04"
VERSION="22.04.4 LTS (Jammy Jellyfish)"
VERSION_CODENAME=jammy
ID=ubuntu
ID_LIKE=debian
HOME_URL="https://www.ubuntu.com/"
UBUNTU_CODENAME=jammy
`;

export const ALPINE_OS_RELEASE = `NAME="Alpine Linux"
ID=alpine
VERSION_ID=3.19.1
PRETTY_NAME="Alpine Linux v3.19"
HOME_URL="https://alpinelinux.org/"
BUG_REPORT_URL="https://gitlab.alpinelinux.org/alpine/aports/-/issues"
`;

export const RHEL_OS_RELEASE = `NAME="Red Hat Enterprise Linux"
VERSION="9.3 (Plow)"
ID="rhel"
ID_LIKE="fedora"
VERSION_ID="9.3"
PLATFORM_ID="platform:el9"
PRETTY_NAME="Red Hat Enterprise Linux 9.3 (Plow)"
ANSI_COLOR="0;31"
CPE_NAME="cpe:/o:redhat:enterprise_linux:9::baseos"
HOME_URL="https://www.redhat.com/"
`;

export const DPKG_BASE_FILES = `Package: base-files
Essential: yes
Status: install ok installed
Priority: required
Section: admin
Installed-Size: 341
Maintainer: Santiago Vila <sanvila@debian.org>
Architecture: amd64
Multi-Arch: foreign
Version: 12.4+deb12u5
Replaces: base, dpkg (<= 1.15.0), miscutils
Provides: base
Conffiles:
 /etc/debian_version 2a5cd43e9e1d6e5b7b3f1b3a6b4a6d01
 /etc/dpkg/origins/debian 731423fa8ba067262f8ef37882d1e742
 /etc/host.conf 4eb63731c9f5e30903ac4fc07a7fe3d6
 /etc/issue 0b6e1d7f81c7f3cb10ad8cb7d3a0e6e9
Description: Debian base system miscellaneous files
 This package contains the basic filesystem hierarchy of a Debian system, and
 several important miscellaneous files, such as /etc/debian_version,
 /etc/host.conf, /etc/issue, /etc/motd, /etc/profile, and others,
 and the text of several common licenses in use on Debian systems.
`;

export const DPKG_LIBC6 = `Package: libc6
Status: install ok installed
Priority: optional
Section: libs
Installed-Size: 12986
Maintainer: GNU Libc Maintainers <debian-glibc@lists.debian.org>
Architecture: amd64
Multi-Arch: same
Source: glibc
Version: 2.36-9+deb12u4
Replaces: libc6-amd64
Depends: libgcc-s1
Recommends: libidn2-0 (>= 2.0.5~)
Suggests: glibc-doc, debconf | debconf-2.0, libc-l10n, locales, libnss-nis, libnss-nisplus
Breaks: aide (<< 0.17.3-4+b3), busybox (<< 1.30.1-6), chrony (<< 4.2-3~), fakechroot (<< 2.19-3.5), firefox (<< 91~), gnumach-image-1.8-486 (<< 2:1.8+git20210923~), hurd (<< 1:0.9.git20220301-2), ioquake3 (<< 1.36+u20200211.f2c61c1~dfsg-2~), libtirpc1 (<< 0.2.3), locales (<< 2.36), locales-all (<< 2.36), macs (<< 11.2-1~), nocache (<< 1.1-1~), nscd (<< 2.36), openarena (<< 0.8.8+dfsg-4~), openssh-server (<< 1:8.1p1-5), python3-iptables (<< 1.0.0-2), r-cran-later (<< 0.7.5+dfsg-2), wcc (<< 0.0.2+dfsg-3)
Conffiles:
 /etc/ld.so.conf.d/x86_64-linux-gnu.conf d4e7a7b88a71b5ffd9e2644e71a0cfab
Description: GNU C Library: Shared libraries
 Contains the standard libraries that are used by nearly all programs on
 the system. This package includes shared versions of the standard C library
 and the standard math library, as well as many others.
Homepage: https://www.gnu.org/software/libc/libc.html
`;

export const DPKG_ZLIB1G = `Package: zlib1g
Status: install ok installed
Priority: required
Section: libs
Installed-Size: 168
Maintainer: Mark Brown <broonie@debian.org>
Architecture: amd64
Multi-Arch: same
Source: zlib
Version: 1:1.2.13.dfsg-1
Provides: libz1
Depends: libc6 (>= 2.14)
Breaks: libxml2 (<< 2.7.6.dfsg-2), texlive-binaries (<< 2009-12)
Conflicts: zlib1 (<= 1:1.0.4-7)
Description: compression library - runtime
 zlib is a library implementing the deflate compression method found
 in gzip and PKZIP.  This package includes the shared library.
Homepage: http://zlib.net/
`;

export const DPKG_LIBSSL3 = `Package: libssl3
Status: install ok installed
Priority: optional
Section: libs
Installed-Size: 6165
Maintainer: Debian OpenSSL Team <pkg-openssl-devel@alioth-lists.debian.net>
Architecture: amd64
Multi-Arch: same
Source: openssl
Version: 3.0.11-1~deb12u2
Depends: libc6 (>= 2.34)
Description: Secure Sockets Layer toolkit - shared libraries
 This package is part of the OpenSSL project's implementation of the SSL and
 TLS cryptographic protocols for secure communication over the Internet.
 .
 It provides the libssl and libcrypto shared libraries.
Homepage: https://www.openssl.org/
`;

export const dpkgTzdata = (version = '2024a-0+deb12u1') => `Package: tzdata
Status: install ok installed
Priority: required
Section: localization
Installed-Size: 2409
Maintainer: GNU Libc Maintainers <debian-glibc@lists.debian.org>
Architecture: all
Multi-Arch: foreign
Version: ${version}
Replaces: libc0.1, libc0.3, libc6, libc6.1
Provides: tzdata-bookworm
Depends: debconf (>= 0.5) | debconf-2.0
Description: time zone and daylight-saving time data
 This package contains data required for the implementation of
 standard local time for many representative locations around the
 globe. It is updated periodically to reflect changes made by
 political bodies to time zone boundaries, UTC offsets, and
 daylight-saving rules.
Homepage: https://www.iana.org/time-zones
`;

/** A package removed but for its configuration files: dpkg keeps the stanza; it is not installed. */
export const DPKG_REMOVED = `Package: libgdbm6
Status: deinstall ok config-files
Priority: important
Section: libs
Installed-Size: 129
Maintainer: Nicolas Mora <babelouest@debian.org>
Architecture: amd64
Multi-Arch: same
Source: gdbm
Version: 1.23-3
Description: GNU dbm database routines (runtime version)
`;

export const dpkgStatus = (...stanzas: string[]) => stanzas.map((s) => s.trimEnd() + '\n').join('\n');

export const COPYRIGHT_ZLIB = `Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: zlib
Upstream-Contact: zlib@gzip.org
Source: http://zlib.net/
Comment: The files contrib/dotzlib/*, contrib/vstudio/*, doc/* and zlib.3.pdf
 have been removed from the upstream tarball.

Files: *
Copyright: 1995-2022 Jean-loup Gailly and Mark Adler
License: Zlib

Files: debian/*
Copyright: 2000-2022 Mark Brown <broonie@debian.org>
License: Zlib

License: Zlib
 This software is provided 'as-is', without any express or implied
 warranty.  In no event will the authors be held liable for any damages
 arising from the use of this software.
`;

export const COPYRIGHT_OPENSSL = `Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: OpenSSL
Upstream-Contact: openssl-project@openssl.org
Source: https://www.openssl.org/

Files: *
Copyright: 1998-2023 The OpenSSL Project Authors
           1995-1998 Eric A. Young, Tim J. Hudson
License: Apache-2.0

License: Apache-2.0
 On Debian systems, the full text of the Apache License, Version 2.0 can be found in
 /usr/share/common-licenses/Apache-2.0.
`;

export const COPYRIGHT_GLIBC = `Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: GNU C Library
Source: https://www.gnu.org/software/libc/

Files: *
Copyright: 1991-2023 Free Software Foundation, Inc.
License: LGPL-2.1+

Files: debian/*
Copyright: 1998-2023 Debian GLIBC Maintainers
License: GPL-2+
`;

/** gcr.io/distroless/static-debian12 style: one stanza a file, no Status line, .md5sums beside. */
export const DISTROLESS_STATUS_D: Record<string, string> = {
  'base-files': `Package: base-files
Priority: required
Section: admin
Installed-Size: 341
Maintainer: Santiago Vila <sanvila@debian.org>
Architecture: amd64
Multi-Arch: foreign
Version: 12.4+deb12u5
Replaces: base, dpkg (<= 1.15.0), miscutils
Provides: base
Description: Debian base system miscellaneous files
`,
  netbase: `Package: netbase
Priority: optional
Section: admin
Installed-Size: 41
Maintainer: Marco d'Itri <md@linux.it>
Architecture: all
Multi-Arch: foreign
Version: 6.4
Conffiles:
 /etc/ethertypes 6ed3ed7aa6d2cb1b5a2e5a7ae4d4b6f8
Description: Basic TCP/IP networking system
`,
  tzdata: `Package: tzdata
Priority: required
Section: localization
Installed-Size: 2409
Maintainer: GNU Libc Maintainers <debian-glibc@lists.debian.org>
Architecture: all
Multi-Arch: foreign
Version: 2024a-0+deb12u1
Provides: tzdata-bookworm
Description: time zone and daylight-saving time data
`,
  'media-types': `Package: media-types
Priority: standard
Section: net
Installed-Size: 101
Maintainer: Mime-Support Packagers <team+debian-mimesupport-packagers@tracker.debian.org>
Architecture: all
Multi-Arch: foreign
Source: media-types
Version: 10.0.0
Breaks: mime-support (<< 3.65)
Description: List of standard media types and their usual file extension
`,
};

export const APK_MUSL = `C:Q1Nj8vPZjbqvMbuOGD2iXJfWgnHrw=
P:musl
V:1.2.4_git20230717-r4
A:x86_64
S:407278
I:667648
T:the musl c library (libc) implementation
U:https://musl.libc.org/
L:MIT
o:musl
m:Timo Teräs <timo.teras@iki.fi>
t:1701353553
c:5d7b7d1b3f0b2a3d9b1a4c3e2f0a9b8c7d6e5f40
p:so:libc.musl-x86_64.so.1=1
F:lib
R:ld-musl-x86_64.so.1
a:0:0:755
Z:Q1x4sSz+4JEbT0wzC4Gv0FW1ZBvqU=
R:libc.musl-x86_64.so.1
a:0:0:777
Z:Q17yJ3JFNypA4mxhJJr0ou6CzsJVI=
`;

export const APK_BUSYBOX = `C:Q1pj9t+3sQe0tzs8dgkpIVJlH+Qz0=
P:busybox
V:1.36.1-r15
A:x86_64
S:505620
I:922624
T:Size optimized toolbox of many common UNIX utilities
U:https://busybox.net/
L:GPL-2.0-only
o:busybox
m:Sören Tempel <soeren+alpine@soeren-tempel.net>
t:1704385010
c:8b5f5f8b6f2b3f7c2b9d8d8a4c0c2d2c8e2c1a90
D:so:libc.musl-x86_64.so.1
p:cmd:busybox=1.36.1-r15
r:busybox-initscripts
F:bin
R:busybox
a:0:0:755
Z:Q1nkUvPcD9s2Kt5i/M0IoAkHcSYtI=
`;

export const APK_LIBCRYPTO3 = `C:Q1hvBPMWX1Za0T/bm0RfXI6d5Z9jQ=
P:libcrypto3
V:3.1.4-r5
A:x86_64
S:1735302
I:4419584
T:Crypto library from openssl
U:https://www.openssl.org/
L:Apache-2.0
o:openssl
m:Ariadne Conill <ariadne@dereferenced.org>
t:1706549346
c:b57eb8d6c8b0a5c7f4f6b4d1f7a1c1c9e5b0c3a2
D:so:libc.musl-x86_64.so.1
p:so:libcrypto.so.3=3
F:lib
R:libcrypto.so.3
a:0:0:755
Z:Q1QFBqvZYw8JTBZyR7u6sH2s1SKRA=
`;

export const apkZlib = (version = '1.3.1-r0') => `C:Q1Vb2SnGLOTxgx+2Spy6qoH+ZXUKk=
P:zlib
V:${version}
A:x86_64
S:53606
I:110592
T:A compression/decompression Library
U:https://zlib.net/
L:Zlib
o:zlib
m:Natanael Copa <ncopa@alpinelinux.org>
t:1706001990
c:3c8e1b2f7f0d6c0f0f3b2b6a5f4c1b0d5e2a9c8f
D:so:libc.musl-x86_64.so.1
p:so:libz.so.1=1.3.1
F:lib
R:libz.so.1.3.1
a:0:0:755
Z:Q1MUzuTsAsMcbkDq9tQXA3sIU5ZQ4=
`;

export const apkInstalled = (...records: string[]) => records.map((r) => r.trimEnd() + '\n').join('\n') + '\n';

export const EXPRESS_PACKAGE_JSON = JSON.stringify(
  {
    name: 'express',
    description: 'Fast, unopinionated, minimalist web framework',
    version: '4.18.2',
    author: 'TJ Holowaychuk <tj@vision-media.ca>',
    contributors: ['Aaron Heckmann <aaron.heckmann+github@gmail.com>', 'Douglas Christopher Wilson <doug@somethingdoug.com>'],
    license: 'MIT',
    repository: 'expressjs/express',
    homepage: 'http://expressjs.com/',
    keywords: ['express', 'framework', 'sinatra', 'web', 'http', 'rest', 'restful', 'router', 'app', 'api'],
    dependencies: { accepts: '~1.3.8', 'array-flatten': '1.1.1', 'body-parser': '1.20.1', debug: '2.6.9', qs: '6.11.0' },
    engines: { node: '>= 0.10.0' },
    files: ['LICENSE', 'History.md', 'Readme.md', 'index.js', 'lib/'],
  },
  null,
  2,
);

export const BABEL_CORE_PACKAGE_JSON = JSON.stringify(
  {
    name: '@babel/core',
    version: '7.23.0',
    description: 'Babel compiler core.',
    main: './lib/index.js',
    author: 'The Babel Team (https://babel.dev/team)',
    license: 'MIT',
    publishConfig: { access: 'public' },
    repository: { type: 'git', url: 'https://github.com/babel/babel.git', directory: 'packages/babel-core' },
    homepage: 'https://babel.dev/docs/en/next/babel-core',
    engines: { node: '>=6.9.0' },
    dependencies: { '@ampproject/remapping': '^2.2.0', '@babel/code-frame': '^7.22.13', debug: '^4.1.0', semver: '^6.3.1' },
    type: 'commonjs',
  },
  null,
  2,
);

export const npmPackageJson = (name: string, version: string, license = 'MIT') => JSON.stringify({ name, version, license, main: 'index.js' });

export const REQUESTS_METADATA = `Metadata-Version: 2.1
Name: requests
Version: 2.31.0
Summary: Python HTTP for Humans.
Home-page: https://requests.readthedocs.io
Author: Kenneth Reitz
Author-email: me@kennethreitz.org
License: Apache 2.0
Project-URL: Documentation, https://requests.readthedocs.io
Project-URL: Source, https://github.com/psf/requests
Classifier: Development Status :: 5 - Production/Stable
Classifier: Environment :: Web Environment
Classifier: Intended Audience :: Developers
Classifier: License :: OSI Approved :: Apache Software License
Classifier: Natural Language :: English
Classifier: Operating System :: OS Independent
Classifier: Programming Language :: Python
Classifier: Programming Language :: Python :: 3
Requires-Python: >=3.7
Description-Content-Type: text/markdown
License-File: LICENSE
Requires-Dist: charset-normalizer (<4,>=2)
Requires-Dist: idna (<4,>=2.5)
Requires-Dist: urllib3 (<3,>=1.21.1)
Requires-Dist: certifi (>=2017.4.17)
Provides-Extra: security
Provides-Extra: socks
Requires-Dist: PySocks (!=1.5.7,>=1.5.6) ; extra == 'socks'

# Requests

**Requests** is a simple, yet elegant, HTTP library.
License: this line is part of the description and must not be read as a header
`;

export const urllib3Metadata = (version = '2.0.7') => `Metadata-Version: 2.1
Name: urllib3
Version: ${version}
Summary: HTTP library with thread-safe connection pooling, file post, and more.
Project-URL: Changelog, https://github.com/urllib3/urllib3/blob/main/CHANGES.rst
Project-URL: Documentation, https://urllib3.readthedocs.io
Project-URL: Code, https://github.com/urllib3/urllib3
Project-URL: Issue tracker, https://github.com/urllib3/urllib3/issues
Author-email: Andrey Petrov <andrey.petrov@shazow.net>
Maintainer-email: Seth Michael Larson <sethmichaellarson@gmail.com>, Quentin Pradet <quentin@pradet.me>
License-File: LICENSE.txt
Keywords: filepost,http,httplib,https,pooling,ssl,threadsafe,urllib
Classifier: Environment :: Web Environment
Classifier: Intended Audience :: Developers
Classifier: License :: OSI Approved :: MIT License
Classifier: Operating System :: OS Independent
Classifier: Programming Language :: Python
Classifier: Programming Language :: Python :: 3
Requires-Python: >=3.7
Provides-Extra: brotli
Requires-Dist: brotli>=1.0.9; (platform_python_implementation == 'CPython') and extra == 'brotli'
Description-Content-Type: text/markdown

<h1 align="center">urllib3</h1>
`;

export const LOG4J_POM_PROPERTIES = `#Created by Apache Maven 3.6.3
version=2.14.1
groupId=org.apache.logging.log4j
artifactId=log4j-core
`;

export const LOG4J_MANIFEST = [
  'Manifest-Version: 1.0',
  'Bundle-License: https://www.apache.org/licenses/LICENSE-2.0.txt',
  'Bundle-SymbolicName: org.apache.logging.log4j.core',
  'Built-By: rgoers',
  'Bnd-LastModified: 1615064624744',
  'Implementation-Vendor-Id: org.apache.logging.log4j',
  'Specification-Title: Apache Log4j Core',
  'Bundle-DocURL: https://www.apache.org/',
  'Import-Package: co.elastic.apm.agent.log4j2.error;resolution:=optional,',
  ' com.conversantmedia.util.concurrent;resolution:=optional',
  'Implementation-Title: Apache Log4j Core',
  'Implementation-Version: 2.14.1',
  'Bundle-Name: Apache Log4j Core',
  'Bundle-Version: 2.14.1',
  'Main-Class: org.apache.logging.log4j.util.Activator',
  '',
  '',
].join('\r\n');

/** log4j-core-2.14.1.jar's package metadata (and a class file, for realism). */
export function log4jJar(): Buffer {
  return Buffer.from(
    zipSync({
      'META-INF/MANIFEST.MF': Buffer.from(LOG4J_MANIFEST),
      'META-INF/maven/org.apache.logging.log4j/log4j-core/pom.properties': Buffer.from(LOG4J_POM_PROPERTIES),
      'META-INF/maven/org.apache.logging.log4j/log4j-core/pom.xml': Buffer.from('<project><artifactId>log4j-core</artifactId></project>'),
      'org/apache/logging/log4j/core/Logger.class': Buffer.from([0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 0x34, 1, 2, 3, 4]),
    }),
  );
}

/** A jar with only a manifest (no Maven metadata). */
export function manifestOnlyJar(): Buffer {
  const mf = ['Manifest-Version: 1.0', 'Implementation-Title: guava', 'Implementation-Version: 32.1.3-jre', 'Implementation-Vendor-Id: com.google.guava', 'Bundle-License: http://www.apache.org/licenses/LICENSE-2.0.txt', '', ''].join('\r\n');
  return Buffer.from(zipSync({ 'META-INF/MANIFEST.MF': Buffer.from(mf) }));
}

/** A Spring Boot style fat jar: its own pom.properties plus nested jars in BOOT-INF/lib. */
export function fatJar(): Buffer {
  const own = 'version=1.4.0\ngroupId=com.example\nartifactId=orders-service\n';
  const jackson = Buffer.from(
    zipSync({
      'META-INF/MANIFEST.MF': Buffer.from('Manifest-Version: 1.0\r\n\r\n'),
      'META-INF/maven/com.fasterxml.jackson.core/jackson-databind/pom.properties': Buffer.from(
        'artifactId=jackson-databind\ngroupId=com.fasterxml.jackson.core\nversion=2.15.3\n',
      ),
    }),
  );
  return Buffer.from(
    zipSync(
      {
        'META-INF/MANIFEST.MF': Buffer.from('Manifest-Version: 1.0\r\nMain-Class: org.springframework.boot.loader.JarLauncher\r\n\r\n'),
        'META-INF/maven/com.example/orders-service/pom.properties': Buffer.from(own),
        'BOOT-INF/lib/jackson-databind-2.15.3.jar': jackson,
        'BOOT-INF/lib/log4j-core-2.14.1.jar': log4jJar(),
      },
      { level: 0 },
    ),
  );
}

// ───────────────────────────── rpm ─────────────────────────────

export interface RpmHeaderSpec {
  name: string;
  version: string;
  release: string;
  epoch?: number;
  arch?: string;
  license?: string;
  sourceRpm?: string;
  vendor?: string;
  summary?: string;
}

/**
 * An rpm header blob as rpm stores it in rpmdb.sqlite's Packages table (lib/header.c headerExport):
 * il, dl, then il index entries {tag, type, offset, count} (big-endian), then the data store. The first
 * entry is the HEADERIMMUTABLE (63) region tag whose BIN data is the 16-byte trailer at the end of the
 * data store; entries are sorted by tag, data by offset, INT32 data 4-aligned.
 */
export function rpmHeaderBlob(spec: RpmHeaderSpec): Buffer {
  const STRING = 6;
  const INT32 = 4;
  const BIN = 7;
  const STRING_ARRAY = 8;
  const I18NSTRING = 9;
  const tags: { tag: number; type: number; data: Buffer; count: number }[] = [];
  const str = (s: string) => Buffer.from(s + '\0');
  tags.push({ tag: 100, type: STRING_ARRAY, data: str('C'), count: 1 }); // HEADERI18NTABLE
  tags.push({ tag: 1000, type: STRING, data: str(spec.name), count: 1 });
  tags.push({ tag: 1001, type: STRING, data: str(spec.version), count: 1 });
  tags.push({ tag: 1002, type: STRING, data: str(spec.release), count: 1 });
  if (spec.epoch !== undefined) {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(spec.epoch);
    tags.push({ tag: 1003, type: INT32, data: b, count: 1 });
  }
  tags.push({ tag: 1004, type: I18NSTRING, data: str(spec.summary ?? spec.name), count: 1 });
  {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(1700000000);
    tags.push({ tag: 1006, type: INT32, data: b, count: 1 }); // BUILDTIME
  }
  if (spec.vendor) tags.push({ tag: 1011, type: STRING, data: str(spec.vendor), count: 1 });
  if (spec.license) tags.push({ tag: 1014, type: STRING, data: str(spec.license), count: 1 });
  if (spec.arch) tags.push({ tag: 1022, type: STRING, data: str(spec.arch), count: 1 });
  if (spec.sourceRpm) tags.push({ tag: 1044, type: STRING, data: str(spec.sourceRpm), count: 1 });
  const il = tags.length + 1;
  const data: Buffer[] = [];
  let dl = 0;
  const entries: Buffer[] = [];
  for (const t of tags) {
    if (t.type === INT32 && dl % 4 !== 0) {
      const padding = 4 - (dl % 4);
      data.push(Buffer.alloc(padding));
      dl += padding;
    }
    const e = Buffer.alloc(16);
    e.writeInt32BE(t.tag, 0);
    e.writeUInt32BE(t.type, 4);
    e.writeInt32BE(dl, 8);
    e.writeUInt32BE(t.count, 12);
    entries.push(e);
    data.push(t.data);
    dl += t.data.length;
  }
  const trailer = Buffer.alloc(16);
  trailer.writeInt32BE(63, 0);
  trailer.writeUInt32BE(BIN, 4);
  trailer.writeInt32BE(-(il * 16), 8);
  trailer.writeUInt32BE(16, 12);
  const region = Buffer.alloc(16);
  region.writeInt32BE(63, 0);
  region.writeUInt32BE(BIN, 4);
  region.writeInt32BE(dl, 8);
  region.writeUInt32BE(16, 12);
  data.push(trailer);
  dl += 16;
  const pre = Buffer.alloc(8);
  pre.writeUInt32BE(il, 0);
  pre.writeUInt32BE(dl, 4);
  return Buffer.concat([pre, region, ...entries, ...data]);
}

export const OPENSSL_LIBS: RpmHeaderSpec = {
  name: 'openssl-libs',
  epoch: 1,
  version: '3.0.7',
  release: '27.el9',
  arch: 'x86_64',
  license: 'ASL 2.0',
  sourceRpm: 'openssl-3.0.7-27.el9.src.rpm',
  vendor: 'Red Hat, Inc.',
  summary: 'A general purpose cryptography library with TLS implementation',
};

export const BASH_RPM: RpmHeaderSpec = {
  name: 'bash',
  version: '5.1.8',
  release: '9.el9',
  arch: 'x86_64',
  license: 'GPLv3+',
  sourceRpm: 'bash-5.1.8-9.el9.src.rpm',
  vendor: 'Red Hat, Inc.',
  summary: 'The GNU Bourne Again shell',
};

export const GPG_PUBKEY_RPM: RpmHeaderSpec = { name: 'gpg-pubkey', version: 'fd431d51', release: '4ae0493b', license: 'pubkey', summary: 'Red Hat, Inc. (release key 2) public key' };

/** rpmdb.sqlite bytes with one Packages row per blob (rpm's schema for the table). */
export function rpmdbSqlite(blobs: Buffer[]): Buffer {
  const dir = tempDirectory('kubecomply-rpmdb-fixture-');
  try {
    const file = path.join(dir, 'rpmdb.sqlite');
    const db = new Database(file);
    db.exec("CREATE TABLE IF NOT EXISTS 'Packages' (hnum INTEGER PRIMARY KEY AUTOINCREMENT,blob BLOB NOT NULL)");
    db.exec("CREATE TABLE IF NOT EXISTS 'Name' (key TEXT NOT NULL, hnum INTEGER NOT NULL, idx INTEGER NOT NULL, FOREIGN KEY (hnum) REFERENCES 'Packages'(hnum))");
    const ins = db.prepare('INSERT INTO Packages (blob) VALUES (?)');
    for (const b of blobs) ins.run(b);
    db.close();
    return readFileSync(file);
  } finally {
    cleanup(dir);
  }
}

// ───────────────────────────── Go ─────────────────────────────

export interface GoModSpec {
  path: string;
  version: string;
  sum?: string;
  replace?: { path: string; version: string; sum?: string };
}

export interface GoBinarySpec {
  goVersion: string;
  path: string;
  main: GoModSpec;
  deps: GoModSpec[];
  settings?: [string, string][];
}

const h1 = (s: string) => `h1:${createHash('sha256').update(s).digest('base64')}`;

export const NODE_EXPORTER: GoBinarySpec = {
  goVersion: 'go1.21.4',
  path: 'github.com/prometheus/node_exporter',
  main: { path: 'github.com/prometheus/node_exporter', version: 'v1.7.0' },
  deps: [
    { path: 'github.com/alecthomas/kingpin/v2', version: 'v2.3.2', sum: h1('kingpin') },
    { path: 'github.com/beorn7/perks', version: 'v1.0.1', sum: h1('perks') },
    { path: 'github.com/prometheus/client_golang', version: 'v1.17.0', sum: h1('client_golang'), replace: { path: 'github.com/prometheus/client_golang', version: 'v1.18.0', sum: h1('client_golang 1.18') } },
    { path: 'golang.org/x/net', version: 'v0.17.0', sum: h1('net') },
    { path: 'golang.org/x/sys', version: 'v0.15.0', sum: h1('sys') },
  ],
  settings: [
    ['-buildmode', 'exe'],
    ['-compiler', 'gc'],
    ['CGO_ENABLED', '0'],
    ['GOARCH', 'amd64'],
    ['GOOS', 'linux'],
    ['GOAMD64', 'v1'],
    ['vcs', 'git'],
    ['vcs.revision', '7333465abf9efba81876303bb57e6fadb946041b'],
    ['vcs.time', '2023-11-13T11:53:04Z'],
    ['vcs.modified', 'false'],
  ],
};

/** The module info text `go version -m` shows, framed by cmd/go's sentinels. */
export function goModinfo(spec: GoBinarySpec): Buffer {
  const lines = [`path\t${spec.path}`, `mod\t${spec.main.path}\t${spec.main.version}\t${spec.main.sum ?? ''}`];
  for (const d of spec.deps) {
    lines.push(`dep\t${d.path}\t${d.version}\t${d.sum ?? ''}`);
    if (d.replace) lines.push(`=>\t${d.replace.path}\t${d.replace.version}\t${d.replace.sum ?? ''}`);
  }
  for (const [k, v] of spec.settings ?? []) lines.push(`build\t${k}=${v}`);
  const text = lines.join('\n') + '\n';
  return Buffer.concat([Buffer.from('3077af0c9274080241e1c107e6d618e6', 'hex'), Buffer.from(text), Buffer.from('f932433186182072008242104116d8f2', 'hex')]);
}

function uvarint(n: number): Buffer {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return Buffer.from(out);
}

/** The .go.buildinfo blob as cmd/link (ld.buildinfo) writes it since Go 1.18. */
export function goBuildInfoBlob(spec: GoBinarySpec): Buffer {
  const head = Buffer.alloc(32);
  head.write('\xff Go buildinf:', 0, 'latin1');
  head[14] = 8; // pointer size
  head[15] = 2; // little-endian | inline strings
  const mod = goModinfo(spec);
  let blob = Buffer.concat([head, uvarint(spec.goVersion.length), Buffer.from(spec.goVersion), uvarint(mod.length), mod]);
  if (blob.length % 16) blob = Buffer.concat([blob, Buffer.alloc(16 - (blob.length % 16))]);
  return blob;
}

/**
 * A minimal 64-bit little-endian ELF executable: two PT_LOAD program headers (R+X text at 0, RW data at
 * `dataOffset`), a decoy copy of the magic in the read-only part (as binaries importing debug/buildinfo
 * have), filler, and the build info at the start of the data segment.
 */
export function goElfBinary(spec: GoBinarySpec | undefined, opts: { dataOffset?: number; size?: number; seed?: number } = {}): Buffer {
  const dataOffset = opts.dataOffset ?? 0x30000;
  const blob = spec ? goBuildInfoBlob(spec) : Buffer.alloc(0);
  const size = Math.ceil(Math.max(opts.size ?? dataOffset + 0x8000, dataOffset + blob.length + 64) / 16) * 16;
  const b = Buffer.alloc(size);
  let x = opts.seed ?? 12345;
  for (let i = 0; i < size; i += 4) {
    x = (x * 1103515245 + 12345) >>> 0;
    b.writeUInt32LE(x, i);
  }
  b.fill(0, 0, 0x200);
  b.write('\x7fELF', 0, 'latin1');
  b[4] = 2; // ELFCLASS64
  b[5] = 1; // little-endian
  b[6] = 1;
  b.writeUInt16LE(2, 16); // ET_EXEC
  b.writeUInt16LE(62, 18); // EM_X86_64
  b.writeUInt32LE(1, 20);
  b.writeBigUInt64LE(0x401000n, 24); // entry
  b.writeBigUInt64LE(64n, 32); // e_phoff
  b.writeUInt16LE(64, 52); // e_ehsize
  b.writeUInt16LE(56, 54); // e_phentsize
  b.writeUInt16LE(2, 56); // e_phnum
  const ph = (i: number, flags: number, offset: number, filesz: number) => {
    const at = 64 + i * 56;
    b.writeUInt32LE(1, at); // PT_LOAD
    b.writeUInt32LE(flags, at + 4);
    b.writeBigUInt64LE(BigInt(offset), at + 8);
    b.writeBigUInt64LE(BigInt(0x400000 + offset), at + 16);
    b.writeBigUInt64LE(BigInt(0x400000 + offset), at + 24);
    b.writeBigUInt64LE(BigInt(filesz), at + 32);
    b.writeBigUInt64LE(BigInt(filesz), at + 40);
    b.writeBigUInt64LE(0x1000n, at + 48);
  };
  ph(0, 5, 0, dataOffset); // R+X
  ph(1, 6, dataOffset, size - dataOffset); // R+W
  // Decoy: the magic as a string constant in rodata, followed by non-header bytes.
  b.write('\xff Go buildinf:', 0x1000, 'latin1');
  b[0x1000 + 14] = 0x41;
  if (spec) blob.copy(b, dataOffset);
  return b;
}

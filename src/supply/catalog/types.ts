/**
 * The one interface every cataloger implements, and the package shape they return.
 *
 * A cataloger names the files it wants (`wants`) and turns those files into packages (`parse`). The
 * image generator decides everything else: which layer a file survives in, whiteouts, buffering limits,
 * layer attribution. Catalogers never see the archive; tests can call `parse` with plain buffers.
 */
import type { Hash, License, Property } from '../sbom/model.js';

/** What the generator knows of an entry when it asks a cataloger whether it wants it. */
export interface EntryInfo {
  /** '/'-rooted, normalised path inside the image ("/var/lib/dpkg/status"). */
  path: string;
  /** Permission bits from the tar header. */
  mode: number;
  size: number;
}

/** Streams an entry's bytes and keeps only what a cataloger needs (Go build info out of a binary). */
export interface StreamCollector {
  /** Feeds the next chunk; returns true when nothing more is needed (the rest is drained unread). */
  write(chunk: Buffer): boolean;
  /** What to hand to `parse` as the file's data, or undefined when the entry is not of interest after all. */
  end(): Buffer | undefined;
}

export type Want =
  | {
      kind: 'buffer';
      /** Files larger than this are skipped with a warning, or cut there when `truncate` is set. */
      maxBytes: number;
      /** Keep the first `maxBytes` and drop the rest (headers-first formats such as METADATA). */
      truncate?: boolean;
      /** Shrinks what is kept in memory for the life of the scan (e.g. only `License:` lines). */
      reduce?: (data: Buffer) => Buffer;
    }
  /** Write the entry to a temporary file (databases that a library opens by path). */
  | { kind: 'file'; maxBytes: number }
  | { kind: 'stream'; collector: () => StreamCollector };

export interface CatalogFile {
  /** '/'-rooted path inside the image. */
  path: string;
  /** The (possibly reduced or truncated) content; for `kind: 'file'` wants, read `file` instead. */
  data?: Buffer;
  /** Path of a temporary copy on disk (`kind: 'file'` wants). */
  file?: string;
  /** Index of the layer the surviving copy of the file came from. */
  layer: number;
}

export interface OsRelease {
  id: string;
  versionId?: string;
  versionCodename?: string;
  prettyName?: string;
  name?: string;
  idLike: string[];
}

export interface CatalogContext {
  /** The image's os-release, when known (distro qualifiers, purl namespaces). */
  os?: OsRelease;
}

export type PackageType = 'deb' | 'apk' | 'rpm' | 'npm' | 'python' | 'go-module' | 'java-archive';

export interface FoundPackage {
  type: PackageType;
  name: string;
  version?: string;
  group?: string;
  purl: string;
  licenses: License[];
  /** '/'-rooted path of the file the package was read from (jar paths may carry `!/inner/path`). */
  location: string;
  /** The source package (Debian Source, apk origin, rpm source rpm name) when known. */
  sourcePackage?: string;
  supplier?: string;
  description?: string;
  hashes?: Hash[];
  properties?: Property[];
  /** 'application' for a Go main module; 'library' otherwise. */
  componentType?: 'application' | 'library';
  /**
   * Identity across successive states of a package database (name, version, arch). Two layers' copies
   * of a database list "the same installed package" when their keys are equal.
   */
  key: string;
  /** Purls of packages this one depends on (a Go main module's dependencies). */
  dependsOn?: string[];
  /** Index of the layer the file came from (set by `parse` from `CatalogFile.layer`). */
  layer: number;
}

export interface CatalogResult {
  packages: FoundPackage[];
  /** Problems that did not stop the rest of the file being read ("/var/lib/dpkg/status: stanza 3 has no Version"). */
  warnings: string[];
}

export interface Cataloger {
  /** Short name used in warnings ("dpkg"). */
  name: string;
  /**
   * 'database': all of its files together describe one installed set, re-read after every layer that
   * changes them (layer attribution compares successive states). 'file': each file stands alone and is
   * parsed as soon as it is read.
   */
  scope: 'database' | 'file';
  wants(entry: EntryInfo): Want | undefined;
  parse(files: CatalogFile[], ctx: CatalogContext): CatalogResult | Promise<CatalogResult>;
  /** Runs once over everything this cataloger found in the final filesystem (e.g. drop lockfile entries). */
  reconcile?(packages: FoundPackage[]): FoundPackage[];
}

export const MB = 1024 * 1024;

/** The text of a buffer, without a UTF-8 BOM. */
export function text(data: Buffer | undefined): string {
  if (!data) return '';
  const s = data.toString('utf8');
  return s.charCodeAt(0) === 0xfeff ? s.slice(1) : s;
}

export function basename(p: string): string {
  const i = p.lastIndexOf('/');
  return i >= 0 ? p.slice(i + 1) : p;
}

export function dirname(p: string): string {
  const i = p.lastIndexOf('/');
  return i > 0 ? p.slice(0, i) : '/';
}

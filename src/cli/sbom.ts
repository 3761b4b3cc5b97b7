import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { Command, Option } from 'commander';
import { loadSources } from '../sources/loader.js';
import { verifyChecksums, writeChecksums } from '../supply/sbom/checksum.js';
import { diffSboms, diffToJson, formatDiffTable } from '../supply/sbom/diff.js';
import { inventorySbom } from '../supply/sbom/inventory.js';
import { mergeLayers } from '../supply/sbom/merge.js';
import { SbomError, type Sbom } from '../supply/sbom/model.js';
import { readSbom } from '../supply/sbom/read.js';
import { validateSbom } from '../supply/sbom/validate.js';
import { writeSbom, type SbomFormat } from '../supply/sbom/write.js';
import { generateImageSbom, isImageArchive } from '../supply/image/generate.js';
import { painter } from '../report/table.js';
import { currentTime } from './scan.js';
import { emit, EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, UsageError, useColor } from './util.js';

/** Output format names users type, mapped to the writer's. */
const OUTPUT_FORMATS: Record<string, SbomFormat> = {
  cyclonedx: 'cyclonedx-json',
  'cyclonedx-json': 'cyclonedx-json',
  spdx: 'spdx-json',
  'spdx-json': 'spdx-json',
  'spdx-tag-value': 'spdx-tag-value',
  'spdx-tv': 'spdx-tag-value',
};
const FORMAT_CHOICES = Object.keys(OUTPUT_FORMATS);

function outputFormat(name: string): SbomFormat {
  const f = OUTPUT_FORMATS[name];
  if (!f) throw new UsageError(`unknown SBOM format "${name}"`, `formats are: ${FORMAT_CHOICES.join(', ')}`);
  return f;
}

/** Reads an SBOM for a command, turning reader errors into input errors (exit 2) that name the file. */
export async function readSbomForCommand(file: string): Promise<Sbom> {
  try {
    return await readSbom(file);
  } catch (e) {
    if (e instanceof SbomError) throw new UsageError(e.message);
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new UsageError(`${file}: no such file`);
    throw e;
  }
}

async function isDirectory(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isDirectory();
  } catch {
    return false;
  }
}

/**
 * What `sbom generate` and `vuln scan` accept as an image: a docker-save tar, an OCI layout (directory
 * or tar). Returns the SBOM and the warnings of catalogers that could not read a file.
 */
export async function imageSbom(file: string, opts: { platform?: string; name?: string }): Promise<{ sbom: Sbom; warnings: string[] }> {
  try {
    return await generateImageSbom(file, opts);
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message : String(e));
  }
}

interface GenerateFlags {
  format: string;
  output?: string;
  platform?: string;
  name?: string;
  kind: 'auto' | 'image' | 'manifests';
  namespace: string;
}

async function generate(input: string, flags: GenerateFlags): Promise<number> {
  const format = outputFormat(flags.format);
  const now = currentTime();
  let kind = flags.kind;
  if (kind === 'auto') {
    if (input === '-') kind = 'manifests';
    else {
      try {
        await stat(input);
      } catch {
        throw new UsageError(`${input}: no such file or directory`);
      }
      kind = (await isImageArchive(input)) ? 'image' : 'manifests';
    }
  }
  let sbom: Sbom;
  if (kind === 'image') {
    const r = await imageSbom(input, { ...(flags.platform ? { platform: flags.platform } : {}), ...(flags.name ? { name: flags.name } : {}) });
    for (const w of r.warnings) process.stderr.write(`warning: ${w}\n`);
    sbom = r.sbom;
  } else {
    const loaded = await loadSources([input], { defaultNamespace: flags.namespace });
    const errors = loaded.diagnostics.filter((d) => d.level === 'error');
    for (const d of errors) process.stderr.write(`${d.file}${d.line !== undefined ? `:${d.line}` : ''}: error: ${d.message}\n`);
    if (loaded.resources.length === 0) {
      throw new UsageError(
        `${input}: neither an image archive nor Kubernetes manifests`,
        'give a "docker save" tar, an OCI image layout (directory or tar), or manifests (files, directories, "-" for stdin)',
      );
    }
    sbom = inventorySbom(loaded.resources, { ...(flags.name ? { name: flags.name } : {}), now });
    if (errors.length > 0) {
      await emit([writeSbom(sbom, format, { now })], flags.output);
      return EXIT_USAGE;
    }
  }
  await emit([writeSbom(sbom, format, { now })], flags.output);
  if (flags.output) process.stderr.write(`wrote ${flags.format} SBOM to ${flags.output}: ${countComponents(sbom)} components\n`);
  return EXIT_OK;
}

function countComponents(s: Sbom): number {
  let n = 0;
  const walk = (cs: Sbom['components']): void => {
    for (const c of cs) {
      n++;
      if (c.components) walk(c.components);
    }
  };
  walk(s.components);
  return n;
}

const FORMAT_NAMES: Record<string, string> = { cyclonedx: 'CycloneDX', spdx: 'SPDX' };
const ENCODING_NAMES: Record<string, string> = { json: 'JSON', xml: 'XML', 'tag-value': 'tag-value', 'json-ld': 'JSON-LD' };

async function validate(files: string[], flags: { format: string; quiet?: boolean; color: boolean }): Promise<number> {
  const p = painter(flags.color && useColor(process.stdout));
  const results: Record<string, unknown>[] = [];
  let invalid = 0;
  let unreadable = 0;
  const lines: string[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (e) {
      unreadable++;
      lines.push(`${file}: ${p('red', 'error')}: cannot read: ${(e as Error).message}`);
      results.push({ file, valid: false, errors: [{ path: '', message: `cannot read: ${(e as Error).message}` }] });
      continue;
    }
    try {
      const r = await validateSbom(text, file);
      results.push({ file, ...r });
      const what = `${FORMAT_NAMES[r.format] ?? r.format} ${r.specVersion}${r.encoding ? ` ${ENCODING_NAMES[r.encoding] ?? r.encoding}` : ''}`;
      if (r.valid) {
        if (!flags.quiet) lines.push(`${file}: ${p('green', 'valid')} ${what}`);
      } else {
        invalid++;
        lines.push(`${file}: ${p('red', 'invalid')} ${what} (${r.errors.length} ${r.errors.length === 1 ? 'error' : 'errors'})`);
        for (const e of r.errors.slice(0, 50)) lines.push(`  ${file}${e.line !== undefined ? `:${e.line}` : ''}: ${e.path || '/'}: ${e.message}`);
        if (r.errors.length > 50) lines.push(`  … ${r.errors.length - 50} more (--format json lists all)`);
      }
    } catch (e) {
      unreadable++;
      const msg = e instanceof Error ? e.message : String(e);
      lines.push(`${p('red', 'error')}: ${msg}`);
      results.push({ file, valid: false, errors: [{ path: '', message: msg }] });
    }
  }
  if (flags.format === 'json') await emit([JSON.stringify(results, null, 2) + '\n'], undefined);
  else await emit([lines.join('\n') + (lines.length > 0 ? '\n' : '')], undefined);
  if (unreadable > 0) return EXIT_USAGE;
  return invalid > 0 ? EXIT_FINDINGS : EXIT_OK;
}

function parseLayers(specs: string[]): { name: string; file: string }[] {
  if (specs.length === 0) throw new UsageError('no layers given', 'name each layer and its SBOM: --layer os=os.json --layer kubernetes=k8s.json');
  return specs.map((s) => {
    const eq = s.indexOf('=');
    if (eq <= 0 || eq === s.length - 1) throw new UsageError(`--layer "${s}": expected NAME=FILE`, 'e.g. --layer os=os.cdx.json');
    return { name: s.slice(0, eq), file: s.slice(eq + 1) };
  });
}

export function sbomCommand(): Command {
  const cmd = new Command('sbom')
    .enablePositionalOptions()
    .summary('generate, validate, convert, merge, diff and checksum SBOMs (CycloneDX, SPDX)')
    .description(
      'Software bills of materials. Reads CycloneDX 1.2–1.6 (JSON, XML), SPDX 2.2/2.3 (JSON, tag-value) and SPDX 3.0 (JSON-LD); ' +
        'writes CycloneDX 1.6 JSON and SPDX 2.3 (JSON, tag-value).',
    )
    .addHelpText(
      'after',
      `
Examples:
  kubecomply sbom generate image.tar -o image.cdx.json          # a "docker save" tar or an OCI layout
  kubecomply sbom generate k8s/ -o cluster.cdx.json            # the cluster inventory: workloads, images, Kubernetes components
  kubecomply sbom validate bom.json bom.xml sbom.spdx
  kubecomply sbom convert bom.json --to spdx-json -o bom.spdx.json
  kubecomply sbom merge --layer os=os.json --layer kubernetes=k8s.json --layer platform=console.json -o product.json
  kubecomply sbom diff release-1.0.json release-1.1.json
  kubecomply sbom checksum product.json -o SHA256SUMS && kubecomply sbom checksum --check SHA256SUMS`,
    );

  cmd.addCommand(
    new Command('generate')
      .summary('an SBOM of a container image archive, or the inventory SBOM of manifests')
      .description(
        'Image archives ("docker save" tar, OCI image layout directory or tar) are read without a container engine: layers are applied in order ' +
          'with whiteouts, and OS packages (dpkg, apk, rpm), npm, Python, Go and Java packages are listed with purls, licenses and the layer each came from. ' +
          'Manifests (files, directories, "-" for stdin) give the cluster inventory: workloads → images (digests where pinned) → Kubernetes components.',
      )
      .argument('<input>', 'image archive, OCI layout directory, or manifests')
      .addOption(new Option('-f, --format <format>', 'output format').choices(FORMAT_CHOICES).default('cyclonedx'))
      .option('-o, --output <file>', 'write the SBOM to a file instead of standard output')
      .addOption(new Option('--kind <kind>', 'what the input is (auto: an image archive if it looks like one)').choices(['auto', 'image', 'manifests']).default('auto'))
      .option('--platform <os/arch>', 'platform to pick from a multi-platform image index (default linux/amd64)')
      .option('--name <name>', 'name of the image or cluster in the SBOM')
      .option('-n, --namespace <namespace>', 'namespace assumed for namespaced manifests that name none', 'default')
      .action(async (input: string, flags: GenerateFlags) => {
        process.exitCode = await generate(input, flags);
      }),
  );

  cmd.addCommand(
    new Command('validate')
      .summary('validate SBOMs against the official CycloneDX and SPDX schemas')
      .description('Each file is checked against the schema of the format and version it declares; errors name the JSON path (and line for XML and tag-value).')
      .argument('<files...>', 'SBOM files')
      .addOption(new Option('-f, --format <format>', 'output format').choices(['table', 'json']).default('table'))
      .option('-q, --quiet', 'print only invalid files')
      .option('--no-color', 'disable colour (also: NO_COLOR=1)')
      .addHelpText('after', '\nExit codes: 0 all valid, 1 some invalid, 2 a file could not be read.')
      .action(async (files: string[], flags: { format: string; quiet?: boolean; color: boolean }) => {
        process.exitCode = await validate(files, flags);
      }),
  );

  cmd.addCommand(
    new Command('convert')
      .summary('convert between CycloneDX and SPDX')
      .description('Components, versions, purls, licenses, hashes and the dependency graph are kept.')
      .argument('<input>', 'SBOM file (any supported format)')
      .addOption(new Option('--to <format>', 'output format').choices(FORMAT_CHOICES).makeOptionMandatory())
      .option('-o, --output <file>', 'write to a file instead of standard output')
      .action(async (input: string, flags: { to: string; output?: string }) => {
        const sbom = await readSbomForCommand(input);
        await emit([writeSbom(sbom, outputFormat(flags.to), { now: currentTime() })], flags.output);
      }),
  );

  cmd.addCommand(
    new Command('merge')
      .summary('merge layer SBOMs into one layered product SBOM (CycloneDX)')
      .description(
        'One component per layer with that layer\'s components beneath it; components found in several layers (same purl) appear once, ' +
          'in the first layer given, with every layer recorded (property kubecomply:layer); the dependency graph is kept.',
      )
      .option('--layer <name=file>', 'a layer and its SBOM (repeatable, in order)', (v: string, prev: string[] = []) => [...prev, v], [])
      .option('--name <name>', 'product name', 'product')
      .option('--product-version <version>', 'product version')
      .addOption(new Option('-f, --format <format>', 'output format').choices(FORMAT_CHOICES).default('cyclonedx'))
      .option('-o, --output <file>', 'write to a file instead of standard output')
      .action(async (flags: { layer: string[]; name: string; productVersion?: string; format: string; output?: string }) => {
        const layers = parseLayers(flags.layer);
        const seen = new Set<string>();
        for (const l of layers) {
          if (seen.has(l.name)) throw new UsageError(`layer "${l.name}" is given twice`);
          seen.add(l.name);
        }
        const read = [];
        for (const l of layers) read.push({ name: l.name, file: l.file, sbom: await readSbomForCommand(l.file) });
        const merged = mergeLayers(read, { name: flags.name, ...(flags.productVersion ? { version: flags.productVersion } : {}) });
        await emit([writeSbom(merged, outputFormat(flags.format), { now: currentTime() })], flags.output);
        if (flags.output) process.stderr.write(`merged ${layers.length} layers into ${flags.output}: ${countComponents(merged)} components\n`);
      }),
  );

  cmd.addCommand(
    new Command('diff')
      .summary('components added, removed and changed between two SBOMs')
      .argument('<before>', 'the older SBOM')
      .argument('<after>', 'the newer SBOM')
      .addOption(new Option('-f, --format <format>', 'output format').choices(['table', 'json']).default('table'))
      .option('--exit-code', 'exit with 1 when the SBOMs differ (as git diff --exit-code)')
      .option('--no-color', 'disable colour (also: NO_COLOR=1)')
      .action(async (before: string, after: string, flags: { format: string; exitCode?: boolean; color: boolean }) => {
        const d = diffSboms(await readSbomForCommand(before), await readSbomForCommand(after));
        if (flags.format === 'json') await emit([JSON.stringify(diffToJson(d), null, 2) + '\n'], undefined);
        else await emit([formatDiffTable(d, { color: flags.color && useColor(process.stdout) })], undefined);
        const differs = d.added.length + d.removed.length + d.changed.length > 0;
        process.exitCode = flags.exitCode && differs ? EXIT_FINDINGS : EXIT_OK;
      }),
  );

  cmd.addCommand(
    new Command('checksum')
      .summary('write or verify sha256sum/sha512sum-compatible checksum files')
      .argument('[files...]', 'files to checksum (with --check: checksum lists to verify)')
      .addOption(new Option('-a, --algorithm <alg>', 'hash algorithm').choices(['sha256', 'sha512']).default('sha256'))
      .option('-c, --check', 'verify the files listed in the given checksum files (as sha256sum --check)')
      .option('-o, --output <file>', 'write the checksum list to a file instead of standard output')
      .option('--no-color', 'disable colour (also: NO_COLOR=1)')
      .addHelpText('after', '\nThe lists are read and written in GNU coreutils format: "sha256sum -c SHA256SUMS" verifies what we write, and we verify what it writes.')
      .action(async (files: string[], flags: { algorithm: 'sha256' | 'sha512'; check?: boolean; output?: string; color: boolean }) => {
        if (files.length === 0) throw new UsageError(flags.check ? 'no checksum list given' : 'no files given');
        if (!flags.check) {
          for (const f of files) if (await isDirectory(f)) throw new UsageError(`${f}: is a directory`);
          try {
            // Names are written relative to the list's directory, so `sha256sum -c` run beside it finds them.
            await emit([await writeChecksums(files, flags.algorithm, flags.output ? { relativeTo: path.dirname(path.resolve(flags.output)) } : {})], flags.output);
          } catch (e) {
            throw new UsageError((e as Error).message);
          }
          return;
        }
        let failed = 0;
        let unreadable = 0;
        const p = painter(flags.color && useColor(process.stdout));
        const out: string[] = [];
        for (const list of files) {
          let r;
          try {
            r = await verifyChecksums(list);
          } catch (e) {
            throw new UsageError(`${list}: ${(e as Error).message}`);
          }
          for (const f of r.ok) out.push(`${f}: ${p('green', 'OK')}`);
          for (const f of r.failed) out.push(`${f}: ${p('red', 'FAILED')}`);
          for (const f of r.missing) out.push(`${f}: ${p('red', 'FAILED open or read')}`);
          for (const m of r.malformed) out.push(`${list}:${m.line}: ${p('yellow', 'improperly formatted checksum line')}`);
          failed += r.failed.length;
          unreadable += r.missing.length;
          if (r.ok.length + r.failed.length + r.missing.length === 0) throw new UsageError(`${list}: no properly formatted checksum lines found`);
        }
        await emit([out.join('\n') + '\n'], undefined);
        if (failed > 0) process.stderr.write(`WARNING: ${failed} computed ${failed === 1 ? 'checksum did' : 'checksums did'} NOT match\n`);
        if (unreadable > 0) process.stderr.write(`WARNING: ${unreadable} listed ${unreadable === 1 ? 'file' : 'files'} could not be read\n`);
        process.exitCode = failed + unreadable > 0 ? EXIT_FINDINGS : EXIT_OK;
      }),
  );
  return cmd;
}

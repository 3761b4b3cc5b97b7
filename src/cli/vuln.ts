import { mkdirSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { Command, Option } from 'commander';
import { defaultExceptionPolicy } from '../config/defaults.js';
import { parseExceptions } from '../policy/exceptions.js';
import { cyclonedxVulnerabilities, failsGate, formatVulnJson, formatVulnSarif, formatVulnTable, type VulnScanResult } from '../report/vuln.js';
import { knownBuiltinControl, loadExceptionDocuments } from '../scanner.js';
import type { Sbom } from '../supply/sbom/model.js';
import { writeSbom } from '../supply/sbom/write.js';
import { isImageArchive } from '../supply/image/generate.js';
import { defaultDbPath, VulnDb } from '../supply/vuln/db.js';
import { matchTargets } from '../supply/vuln/targets.js';
import type { VulnSeverity } from '../supply/vuln/types.js';
import { applyVulnWaivers } from '../supply/vuln/waivers.js';
import { currentTime, formatDiagnostic, readFileConfig } from './scan.js';
import { imageSbom, readSbomForCommand } from './sbom.js';
import { painter } from '../report/table.js';
import { collectList, emit, EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, UsageError, useColor } from './util.js';

const FAIL_ON = ['critical', 'high', 'medium', 'low', 'none'];

function openDb(file: string | undefined, readonly: boolean): { db: VulnDb; file: string } {
  const p = file ?? defaultDbPath();
  if (readonly) {
    try {
      return { db: VulnDb.open(p, { readonly: true }), file: p };
    } catch {
      throw new UsageError(
        `no vulnerability index at ${p}`,
        'import advisories first: kubecomply vuln db import <osv-dir|all.zip> [known_exploited_vulnerabilities.json] (or pass --db)',
      );
    }
  }
  mkdirSync(path.dirname(path.resolve(p)), { recursive: true });
  return { db: VulnDb.open(p), file: p };
}

interface ScanFlags {
  db?: string;
  format: string;
  output?: string;
  failOn: VulnSeverity | 'none';
  exceptions: string[];
  ignoreExceptions?: boolean;
  config?: string | false;
  platform?: string;
  color: boolean;
}

async function runVulnScan(input: string, flags: ScanFlags): Promise<number> {
  const now = currentTime();
  const p = painter(useColor(process.stderr) && flags.color);
  try {
    await stat(input);
  } catch {
    throw new UsageError(`${input}: no such file or directory`);
  }
  let sbom: Sbom;
  let kind: 'sbom' | 'image';
  if (await isImageArchive(input)) {
    const r = await imageSbom(input, flags.platform ? { platform: flags.platform } : {});
    for (const w of r.warnings) process.stderr.write(`${p('yellow', 'warning')}: ${w}\n`);
    sbom = r.sbom;
    kind = 'image';
  } else {
    sbom = await readSbomForCommand(input);
    kind = 'sbom';
  }
  const { db, file: dbFile } = openDb(flags.db, true);
  let result: VulnScanResult;
  try {
    const { targets, unsupported } = matchTargets(sbom);
    let matches = db.match(targets);
    let exceptions: VulnScanResult['exceptions'];
    if (!flags.ignoreExceptions) {
      const fileConfig = readFileConfig(flags.config);
      const files = [...(fileConfig?.exceptions.files ?? []), ...flags.exceptions];
      if (files.length > 0) {
        const loaded = await loadExceptionDocuments(files);
        const parsed = parseExceptions(loaded.resources, fileConfig?.exceptions ?? defaultExceptionPolicy(), knownBuiltinControl, now);
        for (const d of [...loaded.diagnostics, ...parsed.diagnostics]) process.stderr.write(formatDiagnostic(d, p) + '\n');
        if (loaded.diagnostics.some((d) => d.level === 'error')) return EXIT_USAGE;
        const waivers = parsed.statuses.filter((s) => s.exception.vulnerabilities !== undefined);
        const applied = applyVulnWaivers(matches, waivers);
        matches = applied.matches;
        const active = waivers.filter((s) => s.state === 'active');
        exceptions = {
          total: waivers.length,
          active: active.length,
          notHonoured: waivers.length - active.length,
          unused: active.filter((s) => !applied.used.has(s.exception.name) && !applied.used.has(`${s.exception.namespace}/${s.exception.name}`)).map((s) => s.exception.name),
        };
      }
    }
    const stats = db.stats();
    result = {
      target: { file: input, kind, ...(sbom.subject?.name ? { name: sbom.subject.name + (sbom.subject.version ? `:${sbom.subject.version}` : '') } : {}), ...(sbom.source ? { format: `${sbom.source.format} ${sbom.source.specVersion}` } : {}) },
      components: targets.length + unsupported.length,
      unsupported,
      matches,
      db: { path: dbFile, advisories: stats.advisories, kev: stats.kev, ...(stats.importedAt ? { importedAt: stats.importedAt } : {}) },
      ...(exceptions ? { exceptions } : {}),
      failOn: flags.failOn,
      now,
    };
  } finally {
    db.close();
  }
  let text: string;
  switch (flags.format) {
    case 'json':
      text = formatVulnJson(result);
      break;
    case 'sarif':
      text = formatVulnSarif(result);
      break;
    case 'cyclonedx': {
      const doc = JSON.parse(writeSbom(sbom, 'cyclonedx-json', { now })) as Record<string, unknown>;
      doc.vulnerabilities = cyclonedxVulnerabilities(result.matches);
      text = JSON.stringify(doc, null, 2) + '\n';
      break;
    }
    default:
      text = formatVulnTable(result, { color: flags.output === undefined && flags.color && useColor(process.stdout) });
  }
  await emit([text], flags.output);
  if (flags.output) {
    const open = result.matches.filter((m) => m.status === 'open').length;
    process.stderr.write(`wrote ${flags.format} report to ${flags.output}: ${open} ${open === 1 ? 'vulnerability' : 'vulnerabilities'} in ${result.components} components\n`);
  }
  return failsGate(result.matches, flags.failOn) ? EXIT_FINDINGS : EXIT_OK;
}

async function looksLikeKev(file: string): Promise<boolean> {
  if (!file.endsWith('.json')) return false;
  try {
    const head = (await readFile(file, 'utf8')).slice(0, 4096);
    return head.includes('"catalogVersion"') && head.includes('"vulnerabilities"');
  } catch {
    return false;
  }
}

export function vulnCommand(): Command {
  const cmd = new Command('vuln')
    .enablePositionalOptions()
    .summary('match SBOMs and images against an offline vulnerability index (OSV, CISA KEV)')
    .description(
      'Vulnerabilities, offline: import OSV advisories (the per-ecosystem all.zip exports of osv.dev, or directories of OSV records) and the CISA ' +
        'Known Exploited Vulnerabilities catalog into a local index, then match SBOMs or image archives against it with each ecosystem\'s own version ordering.',
    )
    .addHelpText(
      'after',
      `
Examples:
  kubecomply vuln db import npm-all.zip Debian-all.zip known_exploited_vulnerabilities.json
  kubecomply vuln scan product.cdx.json
  kubecomply vuln scan image.tar --fail-on high --format sarif -o vulns.sarif
  kubecomply vuln scan bom.json --exceptions waivers/ --format cyclonedx -o bom-with-vulns.json

The index lives at $KUBECOMPLY_CACHE_DIR/vuln.db, else $XDG_CACHE_HOME/kubecomply/vuln.db, else ~/.cache/kubecomply/vuln.db (--db overrides).`,
    );

  const dbCmd = new Command('db').summary('manage the local vulnerability index').enablePositionalOptions();
  dbCmd.addCommand(
    new Command('import')
      .summary('import OSV advisories and the CISA KEV catalog')
      .description(
        'Each path is an OSV all.zip export, a directory of OSV records (.json, .yaml; zips inside are read too), or a CISA KEV catalog JSON ' +
          '(known_exploited_vulnerabilities.json). A record imported again replaces the older one. Invalid records are reported with their file and skipped.',
      )
      .argument('<paths...>', 'zips, directories or files')
      .option('--db <file>', 'index file (default: see "kubecomply vuln --help")')
      .option('-q, --quiet', 'do not list skipped records')
      .action(async (paths: string[], flags: { db?: string; quiet?: boolean }) => {
        for (const p of paths) {
          try {
            await stat(p);
          } catch {
            throw new UsageError(`${p}: no such file or directory`);
          }
        }
        const { db, file } = openDb(flags.db, false);
        let warnings = 0;
        try {
          const kev: string[] = [];
          const osv: string[] = [];
          for (const p of paths) ((await looksLikeKev(p)) ? kev : osv).push(p);
          if (osv.length > 0) {
            const r = await db.importOsvParallel(osv, (w) => {
              warnings++;
              if (!flags.quiet && warnings <= 50) process.stderr.write(`warning: ${w}\n`);
            });
            if (warnings > 50 && !flags.quiet) process.stderr.write(`… ${warnings - 50} more warnings\n`);
            process.stdout.write(
              `imported ${r.records} OSV ${r.records === 1 ? 'record' : 'records'} from ${r.files} ${r.files === 1 ? 'file' : 'files'} in ${r.wall_s.toFixed(2)} s${r.skipped > 0 ? ` (${r.skipped} skipped)` : ''}\n`,
            );
          }
          for (const k of kev) {
            const r = db.importKev(k);
            process.stdout.write(`imported ${r.entries} known exploited vulnerabilities from ${k}\n`);
          }
          const s = db.stats();
          process.stdout.write(`index ${file}: ${s.advisories} advisories for ${s.packages} packages, ${s.kev} known-exploited CVEs\n`);
        } finally {
          db.close();
        }
      }),
  );
  dbCmd.addCommand(
    new Command('status')
      .summary('what the index holds')
      .option('--db <file>', 'index file')
      .addOption(new Option('-f, --format <format>', 'output format').choices(['table', 'json']).default('table'))
      .action(async (flags: { db?: string; format: string }) => {
        const { db, file } = openDb(flags.db, true);
        try {
          const s = db.stats();
          if (flags.format === 'json') await emit([JSON.stringify({ path: file, ...s }, null, 2) + '\n'], undefined);
          else {
            const lines = [`index: ${file}`, `advisories: ${s.advisories}`, `packages: ${s.packages}`, `known exploited (KEV): ${s.kev}`];
            if (s.importedAt) lines.push(`last import: ${s.importedAt}`);
            for (const [eco, n] of Object.entries(s.ecosystems).sort((a, b) => b[1] - a[1])) lines.push(`  ${eco}: ${n}`);
            await emit([lines.join('\n') + '\n'], undefined);
          }
        } finally {
          db.close();
        }
      }),
  );
  cmd.addCommand(dbCmd);

  cmd.addCommand(
    new Command('scan')
      .summary('match an SBOM or an image archive against the index')
      .argument('<input>', 'an SBOM (CycloneDX, SPDX) or an image archive (docker save tar, OCI layout)')
      .option('--db <file>', 'index file')
      .addOption(new Option('-f, --format <format>', 'output format').choices(['table', 'json', 'sarif', 'cyclonedx']).default('table'))
      .option('-o, --output <file>', 'write the report to a file instead of standard output')
      .addOption(new Option('--fail-on <severity>', 'exit with code 1 when an open vulnerability is at or above this severity').choices(FAIL_ON).default('critical'))
      .option('--exceptions <paths>', 'files or directories of ComplianceException waivers (spec.vulnerabilities); kubecomply.yaml exceptions.files are read too', collectList, [])
      .option('--ignore-exceptions', 'honour no waiver')
      .option('-c, --config <file>', 'settings file (default: ./kubecomply.yaml when it exists)')
      .option('--no-config', 'ignore ./kubecomply.yaml')
      .option('--platform <os/arch>', 'platform to pick from a multi-platform image')
      .option('--no-color', 'disable colour')
      .addHelpText(
        'after',
        `
Exit codes:
  0  no open vulnerability at or above --fail-on (default: critical)
  1  one or more at or above it
  2  usage error, unreadable input, or no index

A waiver is a ComplianceException naming the vulnerability, with a justification, an approver and an expiry:

  apiVersion: kubecomply.io/v1alpha1
  kind: ComplianceException
  metadata: { name: log4shell-not-reachable }
  spec:
    vulnerabilities: [CVE-2021-44228]
    match: { packages: ["pkg:maven/org.apache.logging.log4j/log4j-core"] }
    justification: JNDI lookups are disabled by log4j2.formatMsgNoLookups and the class is removed from the jar
    approvedBy: security@example.com
    approvedAt: 2026-11-20
    expires: 2027-01-31

Waived matches are reported as excepted (never hidden) and do not fail --fail-on.`,
      )
      .action(async (input: string, flags: ScanFlags) => {
        process.exitCode = await runVulnScan(input, flags);
      }),
  );
  return cmd;
}

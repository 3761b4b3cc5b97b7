/**
 * `kubecomply cra …`: EU Cyber Resilience Act work on a product described by product.yaml — classification, the
 * merged product SBOM, vulnerability cases (persisted in the store, every change also in the evidence log), the
 * Article 14 clocks, report drafts and VEX. The domain logic is in src/cra/; this file only wires it to files, the
 * store and the terminal.
 */
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { Command, Option } from 'commander';
import {
  advisoriesFromOsv,
  CASE_STATES,
  CaseError,
  JUSTIFICATIONS,
  markExploited,
  markIncident,
  recordReport,
  openFromAdvisory,
  openFromMatch,
  openManual,
  transition,
  type Case,
  type CaseState,
  type Justification,
  type ReportStage,
  type Result,
  type TransitionInput,
} from '../cra/cases.js';
import { draftSecurityAdvisory } from '../cra/advisory.js';
import { classifyProduct } from '../cra/classify.js';
import { casesOverview, clockStatus, formatTimeLeft, type Track } from '../cra/clocks.js';
import { buildTechnicalDocs, docsToHtml, docsToMarkdown } from '../cra/docs.js';
import { buildDraft, draftToMarkdown } from '../cra/drafts.js';
import { deliver, NOTIFICATION_EVIDENCE_KIND, notificationBody, notificationText, pendingNotifications } from '../cra/notify.js';
import { ProductErrors, readProduct, type Product } from '../cra/product.js';
import { CaseRepository } from '../cra/repository.js';
import { applyTriage, parseVex, suggestTriage, toCsafVex, toCycloneDxVex, toOpenVex } from '../cra/vex.js';
import { appendEvidence, type AppendOptions } from '../store/evidence.js';
import { StoreConflictError, type Store } from '../store/types.js';
import { mergeLayers } from '../supply/sbom/merge.js';
import type { Sbom } from '../supply/sbom/model.js';
import { parseSbom } from '../supply/sbom/read.js';
import { writeSbom } from '../supply/sbom/write.js';
import { defaultDbPath, VulnDb } from '../supply/vuln/db.js';
import { checkOsvRecord, parseOsvText } from '../supply/vuln/osv.js';
import { matchTargets } from '../supply/vuln/targets.js';
import { defaultExceptionPolicy } from '../config/defaults.js';
import { scan, type ScanResult } from '../scanner.js';
import { buildConfig, configuredControls, currentTime, readFileConfig } from './scan.js';
import { evidenceKey, STORE_HELP, withCliStore } from './history.js';
import { durationFlag, emit, EXIT_FINDINGS, EXIT_OK, pssLevelOption, pssVersionOption, UsageError } from './util.js';

const KEY_HELP = 'the Ed25519 evidence signing key (default: $KUBECOMPLY_EVIDENCE_KEY, else beside the SQLite file or in the data directory)';
const PRODUCT_DEFAULT = 'product.yaml';

interface StoreFlags {
  store?: string;
  key?: string;
}

function withStoreOptions(c: Command): Command {
  return c.option('--store <url>', STORE_HELP).option('--key <file>', KEY_HELP);
}

async function withRepo<T>(flags: StoreFlags, fn: (repo: CaseRepository, store: Store, evidence: AppendOptions) => Promise<T>): Promise<T> {
  return withCliStore(flags.store, async (store) => {
    const key = evidenceKey(flags.key, flags.store);
    const now = currentTime();
    const evidence: AppendOptions = { key, now: () => now };
    const repo = new CaseRepository(store, evidence);
    try {
      return await fn(repo, store, evidence);
    } catch (e) {
      if (e instanceof CaseError) throw new UsageError(e.message);
      if (e instanceof StoreConflictError) throw new UsageError(e.message, 'another process changed the case at the same time; run the command again');
      throw e;
    }
  });
}

async function loadProduct(file: string | undefined): Promise<Product> {
  try {
    return await readProduct(file ?? PRODUCT_DEFAULT);
  } catch (e) {
    if (e instanceof ProductErrors) throw new UsageError(e.message, file ? undefined : 'pass the product description: kubecomply cra … path/to/product.yaml');
    throw e;
  }
}

/** mergeLayers of the product's layer SBOMs (a component without `sbom` contributes nothing). */
function productSbom(p: Product, now: Date): Sbom {
  const layers = p.components
    .filter((c) => c.sbom)
    .map((c) => {
      let data: Buffer;
      try {
        data = readFileSync(c.sbom!);
      } catch (e) {
        throw new UsageError(`${p.file}:${c.line}: components: ${c.name}: cannot read the SBOM ${c.sbomDeclared}: ${(e as Error).message}`);
      }
      try {
        return { name: c.layer, sbom: parseSbom(data, c.sbom!), file: c.sbomDeclared! };
      } catch (e) {
        throw new UsageError(`${c.sbomDeclared}: ${(e as Error).message}`);
      }
    });
  if (layers.length === 0) throw new UsageError(`${p.file}: no component names an SBOM (components[].sbom)`);
  return mergeLayers(layers, { name: p.name, version: p.version, now });
}

function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cols: string[]): string => cols.map((c, i) => (i === cols.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  return `${[line(head), ...rows.map(line)].join('\n')}\n`;
}

const iso = (d: Date): string => d.toISOString();

function parseAt(value: string | undefined, now: Date, flag: string): string {
  if (value === undefined) return iso(now);
  if (!/(Z|[+-]\d{2}:\d{2})$/.test(value) || Number.isNaN(Date.parse(value))) {
    throw new UsageError(`invalid ${flag} "${value}"`, 'use an RFC 3339 time with a time zone, e.g. 2026-12-01T09:00:00Z');
  }
  return new Date(Date.parse(value)).toISOString();
}

/** The next free CASE-n id. */
function nextIds(existing: readonly Case[]): () => string {
  let n = existing.reduce((m, c) => {
    const x = /^CASE-(\d+)$/.exec(c.id);
    return x ? Math.max(m, Number(x[1])) : m;
  }, 0);
  return () => `CASE-${String(++n).padStart(4, '0')}`;
}

/** A case for the same vulnerability (id or alias) and component that is not closed. */
function alreadyOpen(cases: readonly Case[], c: Case): Case | undefined {
  const ids = new Set([c.vulnerability.id, ...c.vulnerability.aliases]);
  const comp = c.target.purl ?? c.target.componentRef ?? c.target.component;
  return cases.find(
    (x) => x.state !== 'closed' && [x.vulnerability.id, ...x.vulnerability.aliases].some((i) => ids.has(i)) && (x.target.purl ?? x.target.componentRef ?? x.target.component) === comp,
  );
}

// ------------------------------------------------------------------------------------------------ classify

function classifyCmd(): Command {
  return new Command('classify')
    .summary('suggest a CRA class per component (Annex III/IV) and say what is uncertain')
    .argument('[product]', 'product description', PRODUCT_DEFAULT)
    .addOption(new Option('-f, --format <format>', 'output format').choices(['table', 'json']).default('table'))
    .action(async (file: string, flags: { format: string }) => {
      const p = await loadProduct(file);
      const r = classifyProduct(p);
      if (flags.format === 'json') {
        await emit([`${JSON.stringify(r, null, 2)}\n`], undefined);
      } else {
        const rows = r.components.map((c) => [
          c.component,
          c.layer,
          c.suggested.class + (c.suggested.uncertain ? ' (uncertain)' : ''),
          c.suggested.entry ? `Annex ${c.suggested.entry.annex} ${c.suggested.entry.point}` : '-',
          c.override ? `${c.override.class}: ${c.override.reason}${c.override.lowers ? ' (LOWERS the suggested class)' : ''}` : '-',
          c.route.thirdParty === 'no' ? 'self-assessment' : c.route.thirdParty === 'yes' ? 'notified body' : 'self-assessment only with full standards',
        ]);
        const out = [`product ${r.product}: highest class ${r.highest}\n\n`, table(['COMPONENT', 'LAYER', 'SUGGESTED', 'ANNEX', 'OVERRIDE', 'ROUTE'], rows), '\n'];
        for (const c of r.components) {
          out.push(`${c.component}: ${c.suggested.rationale}\n`);
          if (c.suggested.uncertain) out.push(`  UNCERTAIN: regulations.md is itself uncertain about this fit; review: ${c.suggested.candidates.map((x) => `Annex ${x.annex} ${x.point} (${x.text})`).join('; ') || 'the suggestion'}\n`);
          out.push(`  route (${c.route.class}): ${c.route.statement}\n`);
          for (const s of c.route.standards) out.push(`  standard in preparation: ${s}\n`);
        }
        await emit(out, undefined);
      }
      process.exitCode = EXIT_OK;
    });
}

// ------------------------------------------------------------------------------------------------ sbom

function sbomCmd(): Command {
  return new Command('sbom')
    .summary('merge the layer SBOMs of product.yaml into one product SBOM (CycloneDX 1.6)')
    .argument('[product]', 'product description', PRODUCT_DEFAULT)
    .option('-o, --output <file>', 'write the SBOM to a file instead of standard output')
    .action(async (file: string, flags: { output?: string }) => {
      const p = await loadProduct(file);
      const now = currentTime();
      const sbom = productSbom(p, now);
      await emit([writeSbom(sbom, 'cyclonedx-json', { now })], flags.output);
      if (flags.output) process.stderr.write(`wrote the product SBOM of ${p.name} ${p.version} (${p.components.filter((c) => c.sbom).length} layers) to ${flags.output}\n`);
      process.exitCode = EXIT_OK;
    });
}

// ------------------------------------------------------------------------------------------------ case

interface OpenFlags extends StoreFlags {
  product: string;
  fromScan?: boolean;
  db?: string;
  sbom?: string;
  osv?: string;
  manual?: boolean;
  id?: string;
  component?: string;
  summary?: string;
  by: string;
}

function caseCmd(): Command {
  const cmd = new Command('case').summary('open and work vulnerability cases').enablePositionalOptions();
  cmd.addCommand(
    withStoreOptions(
      new Command('open')
        .summary('open cases: from a vulnerability scan of the product SBOM, an OSV record, or by hand')
        .option('-p, --product <file>', 'product description', PRODUCT_DEFAULT)
        .option('--from-scan', 'match the product SBOM against the vulnerability index; one case per match not already open')
        .option('--db <file>', 'vulnerability index (default: see "kubecomply vuln --help")')
        .option('--sbom <file>', 'the product SBOM to match (default: merge the layer SBOMs of --product, as "cra sbom" does)')
        .option('--osv <file>', 'an OSV record (JSON or YAML); one case per product component it names')
        .option('--manual', 'open one case by hand (needs --id and --component)')
        .option('--id <vuln>', 'with --manual: the vulnerability id (CVE-…, GHSA-…)')
        .option('--component <name>', 'with --manual: the component concerned')
        .option('--summary <text>', 'with --manual: a short description')
        .option('--by <who>', 'who opens the cases', 'kubecomply'),
    ).action(async (flags: OpenFlags) => {
      const modes = [flags.fromScan, flags.osv !== undefined, flags.manual].filter(Boolean).length;
      if (modes !== 1) throw new UsageError('choose exactly one of --from-scan, --osv FILE, --manual');
      const p = await loadProduct(flags.product);
      const now = currentTime();
      const at = iso(now);
      let candidates: ((id: string) => Case)[] = [];
      if (flags.fromScan) {
        let sbom: Sbom;
        if (flags.sbom) {
          try {
            sbom = parseSbom(readFileSync(flags.sbom), flags.sbom);
          } catch (e) {
            throw new UsageError(`${flags.sbom}: ${(e as Error).message}`);
          }
        } else sbom = productSbom(p, now);
        const dbFile = flags.db ?? defaultDbPath();
        let db: VulnDb;
        try {
          db = VulnDb.open(dbFile, { readonly: true });
        } catch {
          throw new UsageError(`no vulnerability index at ${dbFile}`, 'import advisories first: kubecomply vuln db import … (or pass --db)');
        }
        try {
          const matches = db.match(matchTargets(sbom).targets).filter((m) => m.status === 'open');
          candidates = matches.map((m) => (id: string) => openFromMatch(m, sbom, { id, by: flags.by, at }));
        } finally {
          db.close();
        }
      } else if (flags.osv !== undefined) {
        const sbom = productSbom(p, now);
        let text: string;
        try {
          text = await readFile(flags.osv, 'utf8');
        } catch (e) {
          throw new UsageError(`cannot read ${flags.osv}: ${(e as Error).message}`);
        }
        let rec;
        try {
          rec = checkOsvRecord(parseOsvText(text, flags.osv));
        } catch (e) {
          throw new UsageError(`${flags.osv}: ${(e as Error).message}`);
        }
        if (!rec.record) throw new UsageError(`${flags.osv}: not an OSV record: ${rec.error ?? 'invalid'}`);
        const advs = advisoriesFromOsv(rec.record, sbom, flags.osv);
        candidates = advs.map((a) => (id: string) => openFromAdvisory(a, sbom, { id, by: flags.by, at }));
      } else {
        if (!flags.id || !flags.component) throw new UsageError('--manual needs --id VULN and --component NAME');
        const comp = p.components.find((c) => c.name === flags.component);
        const target: Parameters<typeof openManual>[1] = { component: flags.component, ...(comp ? { layer: comp.layer, bundledVersion: comp.version } : {}), ...(comp?.purl ? { purl: comp.purl } : {}) };
        candidates = [(id: string) => openManual({ id: flags.id!, ...(flags.summary ? { summary: flags.summary } : {}) }, target, { id, by: flags.by, at })];
      }
      await withRepo(flags, async (repo) => {
        await repo.saveProduct(p, now);
        const cases = await repo.list();
        const next = nextIds(cases);
        const lines: string[] = [];
        let opened = 0;
        for (const make of candidates) {
          const probe = make('PROBE');
          const dup = alreadyOpen(cases, probe);
          if (dup) {
            // A refreshed KEV catalog now lists an open case's vulnerability: awareness of active exploitation
            // is now, and the Article 14 clocks start (regulations.md §1.2).
            const kevEvent = probe.events.find((e) => e.type === 'exploited');
            if (kevEvent && kevEvent.type === 'exploited' && !dup.exploitedAt && dup.state !== 'closed') {
              const marked = markExploited(dup, { source: 'kev', by: flags.by, at, reason: kevEvent.reason ?? 'listed in CISA KEV', ...(kevEvent.kev ? { kev: kevEvent.kev } : {}) });
              if (marked.ok) {
                await repo.update(dup, marked.value);
                Object.assign(dup, marked.value);
                lines.push(`already open: ${dup.id} ${probe.vulnerability.id} in ${probe.target.component}; now ACTIVELY EXPLOITED (KEV): the reporting clocks start at ${at}\n`);
                continue;
              }
            }
            lines.push(`already open: ${dup.id} ${probe.vulnerability.id} in ${probe.target.component}\n`);
            continue;
          }
          const c = make(next());
          await repo.create(c);
          cases.push(c);
          opened++;
          lines.push(
            `opened ${c.id}: ${c.vulnerability.id}${c.vulnerability.aliases.length ? ` (${c.vulnerability.aliases.join(', ')})` : ''} in ${c.target.component}${c.target.bundledVersion ? ` ${c.target.bundledVersion}` : ''}` +
              `${c.target.layer ? ` [${c.target.layer}]` : ''}, severity ${c.vulnerability.severity}, bundled affected: ${String(c.target.bundledAffected)}${c.exploitedAt ? ', ACTIVELY EXPLOITED (KEV)' : ''}\n`,
          );
        }
        lines.push(`${opened} ${opened === 1 ? 'case' : 'cases'} opened, ${candidates.length - opened} already open\n`);
        await emit(lines, undefined);
      });
      process.exitCode = EXIT_OK;
    }),
  );

  cmd.addCommand(
    withStoreOptions(
      new Command('triage')
        .summary('move a case to a new state (who, when, why recorded)')
        .argument('<id>', 'case id')
        .addOption(new Option('--state <state>', 'the new state').choices([...CASE_STATES]).makeOptionMandatory())
        .requiredOption('--reason <text>', 'why')
        .requiredOption('--by <who>', 'who')
        .addOption(new Option('--justification <label>', 'for not_affected: the OpenVEX justification').choices([...JUSTIFICATIONS]))
        .option('--impact <text>', 'for not_affected: an impact statement')
        .option('--action <text>', 'for affected: what users can do')
        .option('--fix-version <version>', 'for fix_available / fix_released: the product version that ships the fix')
        .option('--at <time>', 'when (default: now)'),
    ).action(async (id: string, flags: StoreFlags & { state: CaseState; reason: string; by: string; justification?: Justification; impact?: string; action?: string; fixVersion?: string; at?: string }) => {
      await changeCase(
        flags,
        id,
        (c, at) => {
          const input: TransitionInput = { by: flags.by, at, reason: flags.reason };
          if (flags.justification) input.justification = flags.justification;
          if (flags.impact) input.impactStatement = flags.impact;
          if (flags.action) input.actionStatement = flags.action;
          if (flags.fixVersion) input.fixVersion = flags.fixVersion;
          return transition(c, flags.state, input);
        },
        (before, after) => [`${id}: ${before.state} → ${after.state}\n`],
      );
    }),
  );

  cmd.addCommand(
    withStoreOptions(
      new Command('exploited')
        .summary('mark a case actively exploited: starts the Art. 14(2) reporting clocks')
        .argument('<id>', 'case id')
        .requiredOption('--by <who>', 'who')
        .option('--reason <text>', 'how active exploitation became known', 'active exploitation reported')
        .option('--at <time>', 'awareness instant (default: now)'),
    ).action(async (id: string, flags: StoreFlags & { by: string; reason: string; at?: string }) => {
      await changeCase(
        flags,
        id,
        (c, at) => markExploited(c, { by: flags.by, at, reason: flags.reason, source: 'manual' }),
        (_, after, now) => [`${id}: actively exploited, aware since ${after.exploitedAt}\n`, ...deadlineLines(after, now)],
      );
    }),
  );

  cmd.addCommand(
    withStoreOptions(
      new Command('incident')
        .summary('mark a case a severe incident affecting the product: starts the Art. 14(4) reporting clocks')
        .argument('<id>', 'case id')
        .requiredOption('--by <who>', 'who')
        .option('--reason <text>', 'how the incident became known', 'severe incident reported')
        .option('--description <text>', 'what happened (goes into the incident drafts)')
        .option('--at <time>', 'awareness instant (default: now)'),
    ).action(async (id: string, flags: StoreFlags & { by: string; reason: string; description?: string; at?: string }) => {
      await changeCase(
        flags,
        id,
        (c, at) => markIncident(c, { by: flags.by, at, reason: flags.reason, ...(flags.description ? { description: flags.description } : {}) }),
        (_, after, now) => [`${id}: severe incident, aware since ${after.incidentAt}\n`, ...deadlineLines(after, now, 'incident')],
      );
    }),
  );

  cmd.addCommand(
    withStoreOptions(
      new Command('submitted')
        .summary('record that a report stage was submitted (stops its clock; the incident final report is counted from the notification)')
        .argument('<id>', 'case id')
        .addOption(new Option('--stage <stage>', 'the report submitted').choices(Object.keys(STAGES)).makeOptionMandatory())
        .addOption(new Option('--track <track>', 'the vulnerability (Art. 14(2)) or the severe-incident (Art. 14(4)) reports').choices(['vulnerability', 'incident']).default('vulnerability'))
        .requiredOption('--by <who>', 'who submitted it')
        .option('--reference <ref>', "the single reporting platform's reference for the submission")
        .option('--reason <text>', 'a note', 'submitted to the CSIRT coordinator and ENISA')
        .option('--at <time>', 'when it was submitted (default: now)'),
    ).action(async (id: string, flags: StoreFlags & { stage: string; track: Track; by: string; reference?: string; reason: string; at?: string }) => {
      await changeCase(
        flags,
        id,
        (c, at) => recordReport(c, { by: flags.by, at, reason: flags.reason, track: flags.track, stage: STAGES[flags.stage]!, ...(flags.reference ? { reference: flags.reference } : {}) }),
        (_, after, now, at) => {
          const d = clockStatus(after, now).deadlines.find((x) => x.track === flags.track && x.stage === STAGES[flags.stage]);
          return [`${id}: ${flags.track} ${flags.stage} submitted at ${at}${d?.due ? ` (due ${d.due}${d.late ? ': LATE' : ': in time'})` : ''}\n`];
        },
      );
    }),
  );
  return cmd;
}

/**
 * The shape of every command that changes one case: load it, apply a cases.ts change at `--at` (default now),
 * refuse with the change's reason, store the result (which also appends its evidence), and print `describe`.
 */
async function changeCase(
  flags: StoreFlags & { at?: string },
  id: string,
  change: (c: Case, at: string) => Result<Case>,
  describe: (before: Case, after: Case, now: Date, at: string) => string[],
): Promise<void> {
  const now = currentTime();
  const at = parseAt(flags.at, now, '--at');
  await withRepo(flags, async (repo) => {
    const c = await mustGet(repo, id);
    const r = change(c, at);
    if (!r.ok) throw new UsageError(r.error);
    await repo.update(c, r.value);
    await emit(describe(c, r.value, now, at), undefined);
  });
  process.exitCode = EXIT_OK;
}

/** The case's deadlines (of one track, or all), one line each. */
function deadlineLines(c: Case, now: Date, track?: Track): string[] {
  return clockStatus(c, now)
    .deadlines.filter((d) => track === undefined || d.track === track)
    .map((d) => `  ${d.stage.padEnd(13)} ${d.article.padEnd(14)} due ${d.due ?? `(pending: ${d.pending})`}${d.provisional ? ' (provisional)' : ''}\n`);
}

async function mustGet(repo: CaseRepository, id: string): Promise<Case> {
  const c = await repo.get(id);
  if (!c) throw new UsageError(`no case ${id}`, 'list them with: kubecomply cra cases');
  return c;
}

// ------------------------------------------------------------------------------------------------ cases

function casesCmd(): Command {
  return withStoreOptions(
    new Command('cases')
      .summary('every case with its next reporting deadline; exit 1 when any is overdue')
      .addOption(new Option('-f, --format <format>', 'output format').choices(['table', 'json']).default('table')),
  ).action(async (flags: StoreFlags & { format: string }) => {
    const now = currentTime();
    const overdue = await withRepo(flags, async (repo) => {
      const cases = await repo.list();
      const ov = casesOverview(cases, now);
      if (flags.format === 'json') {
        const doc = {
          now: iso(now),
          overdue: ov.overdue,
          cases: cases.map((c) => {
            const s = clockStatus(c, now);
            const row = ov.rows.find((r) => r.id === c.id)!;
            return { id: c.id, state: c.state, vulnerability: c.vulnerability.id, component: c.target.component, exploitedAt: c.exploitedAt ?? null, incidentAt: c.incidentAt ?? null, next: row.next ?? null, timeLeft: row.timeLeft ?? null, overdue: row.overdue, deadlines: s.deadlines };
          }),
          notes: cases.length ? clockStatus(cases[0]!, now).notes : [],
        };
        await emit([`${JSON.stringify(doc, null, 2)}\n`], undefined);
      } else if (cases.length === 0) {
        await emit(['no cases\n'], undefined);
      } else {
        const rows = cases.map((c) => {
          const r = ov.rows.find((x) => x.id === c.id)!;
          return [c.id, c.state, c.vulnerability.id, c.target.component, r.next ? `${r.next.track} ${r.next.stage} ${r.next.due}` : '-', r.timeLeft ?? '-', r.overdue ? 'OVERDUE' : '-'];
        });
        const out = [table(['ID', 'STATE', 'VULNERABILITY', 'COMPONENT', 'NEXT DEADLINE', 'TIME LEFT', 'OVERDUE'], rows)];
        for (const c of cases) {
          const s = clockStatus(c, now);
          if (s.deadlines.length === 0) continue;
          out.push(`\n${c.id} deadlines:\n`);
          for (const d of s.deadlines) {
            const state = d.submittedAt ? `submitted ${d.submittedAt}${d.late ? ' (LATE)' : ''}` : d.overdue ? 'OVERDUE' : d.due ? `${d.msLeft !== undefined ? formatTimeLeft(d.msLeft) : ''} left` : `pending: ${d.pending}`;
            out.push(`  ${d.track} ${d.stage.padEnd(13)} ${d.article.padEnd(14)} due ${d.due ?? '-'}${d.provisional ? ' (provisional)' : ''}  ${state}\n`);
          }
        }
        if (cases.some((c) => c.exploitedAt || c.incidentAt)) out.push(`\n${clockStatus(cases[0]!, now).notes.map((n) => `note: ${n}`).join('\n')}\n`);
        await emit(out, undefined);
      }
      return ov.overdue;
    });
    process.exitCode = overdue ? EXIT_FINDINGS : EXIT_OK;
  });
}

// ------------------------------------------------------------------------------------------------ draft

const STAGES: Record<string, ReportStage> = { 'early-warning': 'early_warning', notification: 'notification', final: 'final_report' };

function draftCmd(): Command {
  return withStoreOptions(
    new Command('draft')
      .summary('pre-fill an Article 14 report (early warning, notification, final report) for a case')
      .argument('<id>', 'case id')
      .addOption(new Option('--stage <stage>', 'report stage').choices(Object.keys(STAGES)).makeOptionMandatory())
      .addOption(new Option('--track <track>', 'vulnerability (Art. 14(2)) or incident (Art. 14(4)); default: the one the case has').choices(['vulnerability', 'incident']))
      .option('-p, --product <file>', 'product description', PRODUCT_DEFAULT)
      .addOption(new Option('-f, --format <format>', 'output format').choices(['md', 'json']).default('md'))
      .option('-o, --output <file>', 'write to a file instead of standard output'),
  ).action(async (id: string, flags: StoreFlags & { stage: string; track?: Track; product: string; format: string; output?: string }) => {
    const p = await loadProduct(flags.product);
    const now = currentTime();
    const text = await withRepo(flags, async (repo) => {
      const c = await mustGet(repo, id);
      const track: Track = flags.track ?? (c.exploitedAt ? 'vulnerability' : c.incidentAt ? 'incident' : 'vulnerability');
      let d;
      try {
        d = buildDraft(c, p, track, STAGES[flags.stage]!, now);
      } catch (e) {
        throw new UsageError((e as Error).message, `mark it first: kubecomply cra case exploited ${id} --by …`);
      }
      return flags.format === 'json' ? `${JSON.stringify(d, null, 2)}\n` : draftToMarkdown(d);
    });
    await emit([text], flags.output);
    process.exitCode = EXIT_OK;
  });
}

// ------------------------------------------------------------------------------------------------ vex

function vexCmd(): Command {
  const cmd = new Command('vex').summary('export case states as VEX; import VEX statements as pre-triage').enablePositionalOptions();
  cmd.addCommand(
    withStoreOptions(
      new Command('export')
        .summary('write every case as OpenVEX, CycloneDX VEX or CSAF VEX')
        .addOption(new Option('-f, --format <format>', 'VEX format').choices(['openvex', 'cyclonedx', 'csaf']).makeOptionMandatory())
        .option('-o, --output <file>', 'write to a file instead of standard output')
        .option('-p, --product <file>', 'product description', PRODUCT_DEFAULT)
        .option('--author <who>', 'document author (default: the manufacturer in product.yaml)'),
    ).action(async (flags: StoreFlags & { format: string; output?: string; product: string; author?: string }) => {
      const p = await loadProduct(flags.product);
      const now = currentTime();
      const cases = await withRepo(flags, (repo) => repo.list());
      const opts = { author: flags.author ?? (p.manufacturer.contact ? `${p.manufacturer.name} <${p.manufacturer.contact}>` : p.manufacturer.name), now };
      const doc = flags.format === 'openvex' ? toOpenVex(cases, p, opts) : flags.format === 'cyclonedx' ? toCycloneDxVex(cases, p, opts) : toCsafVex(cases, p, opts);
      await emit([`${JSON.stringify(doc, null, 2)}\n`], flags.output);
      if (flags.output) process.stderr.write(`wrote ${flags.format} VEX for ${cases.length} ${cases.length === 1 ? 'case' : 'cases'} to ${flags.output}\n`);
      process.exitCode = EXIT_OK;
    }),
  );
  cmd.addCommand(
    withStoreOptions(
      new Command('import')
        .summary('read OpenVEX / CycloneDX / CSAF statements; pre-triage matching new cases')
        .argument('<file>', 'VEX document')
        .option('--by <who>', 'who applies the statements', 'kubecomply')
        .option('--dry-run', 'only list what the statements suggest'),
    ).action(async (file: string, flags: StoreFlags & { by: string; dryRun?: boolean }) => {
      let doc: unknown;
      try {
        doc = JSON.parse(await readFile(file, 'utf8'));
      } catch (e) {
        throw new UsageError(`cannot read ${file}: ${(e as Error).message}`);
      }
      let statements;
      try {
        statements = parseVex(doc);
      } catch (e) {
        throw new UsageError(`${file}: ${(e as Error).message}`);
      }
      const now = currentTime();
      await withRepo(flags, async (repo) => {
        const cases = await repo.list();
        const out = [`${file}: ${statements.length} statements\n`];
        for (const s of suggestTriage(cases, statements)) {
          const c = cases.find((x) => x.id === s.caseId)!;
          if (flags.dryRun) {
            out.push(`${c.id}: suggests ${s.to} (${s.statement.format} ${s.statement.vulnerability})\n`);
            continue;
          }
          const r = applyTriage(c, s, { by: flags.by, at: iso(now), reason: `VEX import of ${file}` });
          if (!r.ok) {
            out.push(`${c.id}: suggests ${s.to}, not applied: ${r.error}\n`);
            continue;
          }
          await repo.update(c, r.value);
          out.push(`${c.id}: ${c.state} → ${r.value.state}\n`);
        }
        await emit(out, undefined);
      });
      process.exitCode = EXIT_OK;
    }),
  );
  return cmd;
}

// ------------------------------------------------------------------------------------------------ advisory

function advisoryCmd(): Command {
  return withStoreOptions(
    new Command('advisory')
      .summary('draft a CSAF 2.0 security advisory for cases whose fix is released (Annex I Part II(4), (8))')
      .argument('<ids...>', 'case ids (each fix_released, with its fix version)')
      .option('-p, --product <file>', 'product description', PRODUCT_DEFAULT)
      .option('--fix-url <url>', 'release notes or download of the fixed version (the remediation link)')
      .option('--namespace <url>', "publisher namespace (default: the manufacturer's url in product.yaml)")
      .addOption(new Option('--tlp <label>', 'TLP label').choices(['WHITE', 'GREEN', 'AMBER', 'RED']).default('WHITE'))
      .option('-o, --output <file>', 'write to a file instead of standard output'),
  ).action(async (ids: string[], flags: StoreFlags & { product: string; fixUrl?: string; namespace?: string; tlp: 'WHITE' | 'GREEN' | 'AMBER' | 'RED'; output?: string }) => {
    const p = await loadProduct(flags.product);
    const now = currentTime();
    const cases = await withRepo(flags, async (repo) => Promise.all(ids.map((id) => mustGet(repo, id))));
    const author = p.manufacturer.contact ? `${p.manufacturer.name} <${p.manufacturer.contact}>` : p.manufacturer.name;
    let doc: Record<string, unknown>;
    try {
      doc = draftSecurityAdvisory(cases, p, { author, now, tlp: flags.tlp, ...(flags.fixUrl ? { fixUrl: flags.fixUrl } : {}), ...(flags.namespace ? { namespace: flags.namespace } : {}) });
    } catch (e) {
      throw new UsageError((e as Error).message.replace(/^advisory: /, ''), 'move the case to fix_released with --fix-version first: kubecomply cra case triage <id> --state fix_released --fix-version …');
    }
    await emit([`${JSON.stringify(doc, null, 2)}\n`], flags.output);
    if (flags.output) process.stderr.write(`wrote a draft CSAF advisory for ${ids.join(', ')} to ${flags.output} (tracking.status draft: review, then publish)\n`);
    process.exitCode = EXIT_OK;
  });
}

// ------------------------------------------------------------------------------------------------ notify

interface NotifyFlags extends StoreFlags {
  webhook?: string;
  format: 'json' | 'slack';
  remind: string;
  header: string[];
  timeout: string;
  product?: string;
  dryRun?: boolean;
}

function notifyCmd(): Command {
  return withStoreOptions(
    new Command('notify')
      .summary('send what is due of the clock notifications (started, reminders, overdue) to a webhook, each once')
      .description(
        'Run it from a cron job or a CronJob (e.g. every 15 minutes). Each notification is sent once: delivered (and ' +
          'deliberately skipped) notifications are kept in the store as evidence records of kind cra-notification; a ' +
          'failed delivery is retried by the next run. Of several reminders that are due for one deadline only the ' +
          'closest to it is sent; after a deadline only "overdue".',
      )
      .option('--webhook <url>', 'where to POST (default: $KUBECOMPLY_CRA_WEBHOOK)')
      .addOption(new Option('--format <format>', 'body: generic JSON, or a Slack incoming-webhook message').choices(['json', 'slack']).default('json'))
      .option('--remind <offsets>', 'reminders before each deadline, comma-separated (d, h, m)', '12h,2h')
      .option('--header <name:value>', 'an extra request header (repeatable), e.g. "Authorization: Bearer …"', (v: string, acc: string[]) => [...acc, v], [] as string[])
      .option('--timeout <duration>', 'per attempt (3 attempts, backoff on network errors, 429 and 5xx)', '10s')
      .option('-p, --product <file>', 'product.yaml, to name the product in messages')
      .option('--dry-run', 'print what is due; send and record nothing')
      .addHelpText('after', '\nExit codes: 0 everything due was delivered (or nothing was due), 1 a delivery failed (the next run retries it), 2 usage error.'),
  ).action(async (flags: NotifyFlags) => {
    const url = flags.webhook ?? process.env.KUBECOMPLY_CRA_WEBHOOK;
    if (!url && !flags.dryRun) throw new UsageError('no webhook given', 'pass --webhook URL or set KUBECOMPLY_CRA_WEBHOOK (or use --dry-run)');
    if (url) {
      let u: URL;
      try {
        u = new URL(url);
      } catch {
        throw new UsageError(`invalid --webhook "${url}": expected an http(s) URL`);
      }
      if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new UsageError(`invalid --webhook "${url}": expected an http(s) URL`);
    }
    const reminders = flags.remind.split(',').filter((x) => x.trim() !== '').map((x) => durationFlag(x, '--remind', 'use durations such as 24h, 2h, 30m, 1d'));
    const timeoutMs = durationFlag(flags.timeout, '--timeout', 'use a duration, e.g. 10s or 500ms');
    const headers: Record<string, string> = {};
    for (const h of flags.header) {
      const i = h.indexOf(':');
      if (i <= 0) throw new UsageError(`invalid --header "${h}": expected "Name: value"`);
      headers[h.slice(0, i).trim()] = h.slice(i + 1).trim();
    }
    const product = flags.product ? await loadProduct(flags.product) : undefined;
    const productName = product ? `${product.name} ${product.version}` : undefined;
    const now = currentTime();
    const failed = await withRepo(flags, async (repo, store, evidence) => {
      const handled = new Set<string>();
      for (const r of await store.listEvidence({ kind: NOTIFICATION_EVIDENCE_KIND })) {
        const p = r.payload as { key?: unknown; skipped?: unknown };
        if (typeof p.key === 'string') handled.add(p.key);
        if (Array.isArray(p.skipped)) for (const k of p.skipped) if (typeof k === 'string') handled.add(k);
      }
      const due = pendingNotifications(await repo.list(), handled, now, reminders);
      const target = url ? new URL(url) : undefined;
      // Recorded without its path or query, which may carry a secret (Slack's do).
      const where = target ? `${target.protocol}//${target.host}` : undefined;
      if (flags.dryRun) {
        for (const n of due.send) process.stdout.write(`would send ${n.key}: ${notificationText(n, productName)}\n`);
        if (due.send.length === 0) process.stdout.write('nothing is due\n');
        return false;
      }
      let bad = false;
      let sent = 0;
      for (const n of due.send) {
        const r = await deliver(url!, notificationBody(n, flags.format, productName), { headers, timeoutMs });
        if (!r.ok) {
          bad = true;
          process.stderr.write(`kubecomply: could not deliver ${n.key} to ${where}: ${r.error} (after ${r.attempts} attempt${r.attempts === 1 ? '' : 's'}; the next run retries)\n`);
          continue;
        }
        sent++;
        await appendEvidence(store, NOTIFICATION_EVIDENCE_KIND, { key: n.key, type: n.type, caseId: n.caseId, track: n.track, stage: n.stage ?? null, due: n.due ?? null, webhook: where, format: flags.format, status: r.status ?? null, text: notificationText(n, productName) }, evidence);
        process.stdout.write(`sent ${n.key}: ${notificationText(n, productName)}\n`);
      }
      if (due.skip.length > 0) await appendEvidence(store, NOTIFICATION_EVIDENCE_KIND, { skipped: due.skip, reason: 'superseded by a closer reminder or by the deadline passing' }, evidence);
      if (due.send.length === 0) process.stdout.write('nothing is due\n');
      else process.stdout.write(`${sent} of ${due.send.length} notification${due.send.length === 1 ? '' : 's'} delivered\n`);
      return bad;
    });
    process.exitCode = failed ? EXIT_FINDINGS : EXIT_OK;
  });
}

// ------------------------------------------------------------------------------------------------ docs

function docsCmd(): Command {
  return withStoreOptions(
    new Command('docs')
      .summary('assemble the Annex VII technical documentation outline (Markdown or self-contained HTML)')
      .argument('[product]', 'product description', PRODUCT_DEFAULT)
      .option('--scan <paths...>', 'manifests, rendered charts or a cluster export to measure the security architecture from (a fresh `kubecomply scan`)')
      .option('--config <file>', 'kubecomply.yaml for that scan (default: ./kubecomply.yaml when present)')
      .addOption(pssLevelOption('with --scan: '))
      .addOption(pssVersionOption('with --scan: '))
      .addOption(new Option('-f, --format <format>', 'output format').choices(['md', 'html', 'json']).default('md'))
      .option('-o, --output <file>', 'write to a file instead of standard output'),
  ).action(async (file: string, flags: StoreFlags & { scan?: string[]; config?: string; pssLevel: string; pssVersion: string; format: string; output?: string }, cmd: Command) => {
    const p = await loadProduct(file);
    const now = currentTime();
    const sbom = p.components.some((c) => c.sbom) ? productSbom(p, now) : undefined;
    let result: ScanResult | undefined;
    if (flags.scan && flags.scan.length > 0) {
      const fileConfig = readFileConfig(flags.config);
      // The scan `kubecomply scan` runs with this kubecomply.yaml: its disabled controls left out, its
      // severities and exceptions applied.
      const { config } = buildConfig({ ...flags, namespace: 'default' }, cmd, fileConfig);
      result = await scan(flags.scan, {
        config,
        controls: configuredControls(fileConfig),
        exceptions: { policy: fileConfig?.exceptions ?? defaultExceptionPolicy(), now, files: fileConfig?.exceptions.files ?? [] },
      });
      const errors = result.diagnostics.filter((d) => d.level === 'error');
      for (const d of errors) process.stderr.write(`warning: ${d.file}${d.line ? `:${d.line}` : ''}: ${d.message}\n`);
    }
    const cases = await withRepo(flags, (repo) => repo.list());
    const docs = buildTechnicalDocs({ product: p, classification: classifyProduct(p), ...(sbom ? { sbom } : {}), ...(result ? { scan: result } : {}), cases, now });
    const text = flags.format === 'json' ? `${JSON.stringify(docs, null, 2)}\n` : flags.format === 'html' ? docsToHtml(docs) : docsToMarkdown(docs);
    await emit([text], flags.output);
    if (flags.output) {
      const todo = docs.points.reduce((n, x) => n + x.todo.length, 0);
      process.stderr.write(`wrote the technical documentation outline of ${p.name} ${p.version} to ${flags.output}: ${todo} items still to write by hand\n`);
    }
    process.exitCode = EXIT_OK;
  });
}

export function craCommand(): Command {
  const cmd = new Command('cra')
    .enablePositionalOptions()
    .summary('EU Cyber Resilience Act: classify, product SBOM, vulnerability cases, Article 14 clocks, drafts, VEX, technical documentation')
    .description(
      'Work on a product described by product.yaml (its layers and their SBOMs): suggest CRA classes, merge the product SBOM, ' +
        'open and triage vulnerability cases (kept in the store; every change is also an evidence record), track the Article 14 ' +
        'reporting deadlines, draft the reports and exchange VEX. Not legal advice: every legal fact comes from regulations.md.',
    )
    .addHelpText(
      'after',
      `
Examples:
  kubecomply cra classify examples/cra/product.yaml
  kubecomply cra sbom examples/cra/product.yaml -o product.cdx.json
  kubecomply cra case open -p examples/cra/product.yaml --from-scan --db vuln.db
  kubecomply cra case exploited CASE-0001 --by alice@acme.example
  kubecomply cra cases
  kubecomply cra draft CASE-0001 --stage early-warning -p examples/cra/product.yaml
  kubecomply cra vex export -p examples/cra/product.yaml --format openvex -o vex.json
  kubecomply cra docs examples/cra/product.yaml --scan examples/ --format html -o technical-documentation.html
  kubecomply cra advisory CASE-0001 -p examples/cra/product.yaml --fix-url https://acme.example/releases/2.3.1
  kubecomply cra notify --webhook https://hooks.slack.com/services/… --format slack --remind 12h,2h

Exit codes: 0 ok, 1 a reporting deadline is overdue (cra cases) or a notification could not be delivered (cra notify),
2 usage or input error.`,
    );
  cmd.addCommand(classifyCmd());
  cmd.addCommand(sbomCmd());
  cmd.addCommand(caseCmd());
  cmd.addCommand(casesCmd());
  cmd.addCommand(draftCmd());
  cmd.addCommand(vexCmd());
  cmd.addCommand(docsCmd());
  cmd.addCommand(notifyCmd());
  cmd.addCommand(advisoryCmd());
  return cmd;
}

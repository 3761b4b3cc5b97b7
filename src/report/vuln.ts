/**
 * Formatters for `kubecomply vuln scan`: pure functions from a vulnerability scan result to text.
 * table (Trivy-like, grouped by severity), json (versioned), sarif (one rule per advisory), and the
 * vulnerabilities section of a CycloneDX 1.6 document (`cyclonedxVulnerabilities`).
 */
import type { ExceptionRef } from '../core/types.js';
import { INFORMATION_URI, TOOL } from '../core/version.js';
import { daysLeft, exceptionKey, expiryOf } from '../policy/exceptions.js';
import { SEVERITY_ORDER, type VulnMatch, type VulnSeverity } from '../supply/vuln/types.js';
import { artifactUri } from './sarif.js';
import { painter, type Painter } from './table.js';

export const VULN_JSON_SCHEMA_VERSION = 'kubecomply.io/vuln-result/v1';

export interface VulnScanResult {
  /** What was scanned: an SBOM file or an image archive. */
  target: { file: string; kind: 'sbom' | 'image'; name?: string; format?: string };
  /** Components looked up, and those that could not be (no purl, or an ecosystem without version ordering). */
  components: number;
  unsupported: { name: string; version?: string; purl?: string; reason: string }[];
  matches: VulnMatch[];
  db: { path: string; advisories: number; kev: number; importedAt?: string };
  /** Waivers read, and those that matched nothing. */
  exceptions?: { total: number; active: number; notHonoured: number; unused: string[] };
  failOn: VulnSeverity | 'none';
  now: Date;
}

export function countsBySeverity(matches: readonly VulnMatch[]): Record<VulnSeverity, number> {
  const out = Object.fromEntries(SEVERITY_ORDER.map((s) => [s, 0])) as Record<VulnSeverity, number>;
  for (const m of matches) if (m.status === 'open') out[m.severity]++;
  return out;
}

/** Whether the open matches reach the --fail-on threshold (unknown severity never gates). */
export function failsGate(matches: readonly VulnMatch[], failOn: VulnSeverity | 'none'): boolean {
  if (failOn === 'none') return false;
  const limit = SEVERITY_ORDER.indexOf(failOn);
  return matches.some((m) => m.status === 'open' && m.severity !== 'unknown' && SEVERITY_ORDER.indexOf(m.severity) <= limit);
}

const SEV_STYLE: Record<VulnSeverity, Parameters<Painter>[0]> = { critical: 'boldRed', high: 'red', medium: 'yellow', low: 'blue', none: 'gray', unknown: 'gray' };

function exceptedText(ref: ExceptionRef | undefined, now: Date): string {
  if (!ref) return 'excepted';
  const at = expiryOf(ref.expires);
  const left = at ? daysLeft(at, now) : undefined;
  return `excepted (${exceptionKey(ref)}, expires ${ref.expires}${left === undefined ? '' : left === 0 ? ', last day' : `, ${left}d left`})`;
}

function pad(s: string, n: number): string {
  const len = [...s].length;
  return len >= n ? s : s + ' '.repeat(n - len);
}

function cut(s: string, n: number): string {
  const chars = [...s];
  return chars.length <= n ? s : chars.slice(0, n - 1).join('') + '…';
}

export function formatVulnTable(r: VulnScanResult, opts: { color: boolean; width?: number }): string {
  const p = painter(opts.color);
  const sorted = [...r.matches].sort(
    (a, b) =>
      SEVERITY_ORDER.indexOf(a.severity) - SEVERITY_ORDER.indexOf(b.severity) ||
      Number(b.exploited) - Number(a.exploited) ||
      a.component.name.localeCompare(b.component.name) ||
      a.id.localeCompare(b.id),
  );
  const counts = countsBySeverity(r.matches);
  const open = r.matches.filter((m) => m.status === 'open');
  let out = `${r.target.file}${r.target.name ? ` (${r.target.name})` : ''}\n`;
  out += `Total: ${open.length} (${SEVERITY_ORDER.filter((s) => s !== 'none')
    .map((s) => `${s.toUpperCase()}: ${counts[s]}`)
    .join(', ')})`;
  const exploited = open.filter((m) => m.exploited).length;
  if (exploited > 0) out += `, ${p('boldRed', `${exploited} known exploited`)}`;
  const excepted = r.matches.length - open.length;
  if (excepted > 0) out += `, ${excepted} excepted`;
  out += '\n\n';
  if (sorted.length === 0) {
    out += p('green', `No known vulnerabilities in ${r.components} components.`) + '\n';
  } else {
    const rows = sorted.map((m) => [
      m.component.name,
      m.id + (m.exploited ? ' [KEV]' : ''),
      m.severity.toUpperCase() + (m.cvss ? ` ${m.cvss.score.toFixed(1)}` : ''),
      m.status === 'open' ? (m.fixedVersions.length > 0 ? 'fixed' : 'affected') : exceptedText(m.exception, r.now),
      m.component.version,
      m.fixedVersions.join(', ') || '—',
      m.component.layer ?? (m.component.imageLayer ? m.component.imageLayer.replace(/^sha256:/, '').slice(0, 12) : ''),
      m.summary ?? '',
    ]);
    const head = ['PACKAGE', 'VULNERABILITY', 'SEVERITY', 'STATUS', 'INSTALLED', 'FIXED IN', 'LAYER', 'TITLE'];
    const hasLayer = rows.some((x) => x[6] !== '');
    const cols = hasLayer ? [0, 1, 2, 3, 4, 5, 6, 7] : [0, 1, 2, 3, 4, 5, 7];
    const limits = [40, 26, 14, 60, 28, 28, 16, 60];
    const widths = cols.map((c) => Math.min(limits[c]!, Math.max(head[c]!.length, ...rows.map((x) => [...x[c]!].length))));
    const line = (cells: string[], style?: (c: number, s: string) => string): string =>
      cols
        .map((c, i) => {
          const text = i === cols.length - 1 ? cut(cells[c]!, widths[i]!) : pad(cut(cells[c]!, widths[i]!), widths[i]!);
          return style ? style(c, text) : text;
        })
        .join('  ')
        .trimEnd() + '\n';
    out += p('bold', line(head));
    sorted.forEach((m, k) => {
      out += line(rows[k]!, (c, s) => (c === 2 ? p(SEV_STYLE[m.severity], s) : c === 1 && m.exploited ? p('red', s) : m.status === 'excepted' ? p('dim', s) : s));
    });
  }
  if (r.unsupported.length > 0) {
    out += `\n${r.unsupported.length} of ${r.components} components could not be checked (no purl, or no version ordering for their ecosystem)${
      r.unsupported.length <= 5 ? ': ' + r.unsupported.map((u) => `${u.name}${u.version ? '@' + u.version : ''} (${u.reason})`).join(', ') : '; --format json lists them'
    }.\n`;
  }
  if (r.exceptions && r.exceptions.total > 0) {
    out += `Waivers: ${r.exceptions.total} (${r.exceptions.active} active${r.exceptions.notHonoured > 0 ? `, ${r.exceptions.notHonoured} not honoured — see the warnings` : ''})${
      r.exceptions.unused.length > 0 ? `; unused: ${r.exceptions.unused.slice(0, 5).join(', ')}` : ''
    }.\n`;
  }
  out += p('gray', `Vulnerability index: ${r.db.path} (${r.db.advisories} advisories, ${r.db.kev} known-exploited CVEs${r.db.importedAt ? `, imported ${r.db.importedAt}` : ''}).`) + '\n';
  return out;
}

function matchToJson(m: VulnMatch): Record<string, unknown> {
  return {
    id: m.id,
    aliases: m.aliases,
    severity: m.severity,
    ...(m.cvss ? { cvss: m.cvss } : {}),
    ...(m.summary ? { summary: m.summary } : {}),
    ecosystem: m.ecosystem,
    component: m.component,
    fixedVersions: m.fixedVersions,
    exploited: m.exploited,
    ...(m.kev ? { kev: m.kev } : {}),
    references: m.references,
    status: m.status,
    ...(m.exception ? { exception: m.exception } : {}),
  };
}

export function formatVulnJson(r: VulnScanResult): string {
  const counts = countsBySeverity(r.matches);
  const doc = {
    schemaVersion: VULN_JSON_SCHEMA_VERSION,
    tool: { name: TOOL.name, version: TOOL.version },
    createdAt: r.now.toISOString(),
    target: r.target,
    db: r.db,
    summary: {
      components: r.components,
      unsupported: r.unsupported.length,
      vulnerabilities: r.matches.filter((m) => m.status === 'open').length,
      excepted: r.matches.filter((m) => m.status === 'excepted').length,
      exploited: r.matches.filter((m) => m.status === 'open' && m.exploited).length,
      bySeverity: counts,
      failOn: r.failOn,
      failed: failsGate(r.matches, r.failOn),
    },
    matches: r.matches.map(matchToJson),
    unsupported: r.unsupported,
    ...(r.exceptions ? { exceptions: r.exceptions } : {}),
  };
  return JSON.stringify(doc, null, 2) + '\n';
}

/** GitHub: > 9.0 critical, 7.0–8.9 high, 4.0–6.9 medium, 0.1–3.9 low. Without a vector, the band's middle. */
const BAND_SCORE: Record<VulnSeverity, string> = { critical: '9.5', high: '8.0', medium: '5.5', low: '3.0', none: '0.0', unknown: '0.0' };
const LEVEL: Record<VulnSeverity, 'error' | 'warning' | 'note'> = { critical: 'error', high: 'error', medium: 'warning', low: 'note', none: 'note', unknown: 'warning' };

function advisoryUri(id: string): string {
  if (id.startsWith('CVE-')) return `https://nvd.nist.gov/vuln/detail/${id}`;
  return `https://osv.dev/vulnerability/${encodeURIComponent(id)}`;
}

export function formatVulnSarif(r: VulnScanResult): string {
  const rules: Record<string, unknown>[] = [];
  const index = new Map<string, number>();
  for (const m of r.matches) {
    if (index.has(m.id)) continue;
    index.set(m.id, rules.length);
    const score = m.cvss ? m.cvss.score.toFixed(1) : BAND_SCORE[m.severity];
    rules.push({
      id: m.id,
      name: m.id.replace(/[^A-Za-z0-9]/g, ''),
      shortDescription: { text: m.summary ? `${m.id}: ${m.summary}` : m.id },
      fullDescription: { text: m.summary ?? m.id },
      helpUri: advisoryUri(m.id),
      help: {
        text: `${m.id}${m.aliases.length ? ` (${m.aliases.join(', ')})` : ''}${m.summary ? `: ${m.summary}` : ''}. Upgrade to a fixed version where one exists.`,
        markdown: `**${m.id}**${m.aliases.length ? ` (${m.aliases.join(', ')})` : ''}${m.summary ? ` — ${m.summary}` : ''}\n\n${m.references
          .slice(0, 10)
          .map((u) => `- ${u}`)
          .join('\n')}`,
      },
      defaultConfiguration: { level: LEVEL[m.severity] },
      properties: { tags: ['security', 'vulnerability', m.ecosystem.split(':')[0]!, ...(m.exploited ? ['known-exploited'] : [])], precision: 'very-high', 'security-severity': score },
    });
  }
  const uri = artifactUri(r.target.file);
  const results = r.matches.map((m) => ({
    ruleId: m.id,
    ruleIndex: index.get(m.id),
    level: LEVEL[m.severity],
    message: {
      text: `${m.component.name}@${m.component.version} is affected by ${m.id}${m.aliases.length ? ` (${m.aliases.join(', ')})` : ''}, severity ${m.severity}${m.cvss ? ` (CVSS ${m.cvss.version} ${m.cvss.score.toFixed(1)})` : ''}${
        m.exploited ? ', in CISA KEV (known exploited)' : ''
      }. ${m.fixedVersions.length > 0 ? `Fixed in ${m.fixedVersions.join(', ')}.` : 'No fixed version is known.'}`,
    },
    ...(uri !== undefined ? { locations: [{ physicalLocation: { artifactLocation: { uri, uriBaseId: '%SRCROOT%' } }, logicalLocations: [{ name: m.component.purl, kind: 'package' }] }] } : {}),
    partialFingerprints: { 'kubecomplyVuln/v1': `${m.component.purl}|${m.id}` },
    ...(m.status === 'excepted'
      ? { suppressions: [{ kind: 'external', status: 'accepted', justification: m.exception ? `${exceptionKey(m.exception)}: ${m.exception.justification}` : 'excepted' }] }
      : {}),
    properties: { purl: m.component.purl, installedVersion: m.component.version, fixedVersions: m.fixedVersions, exploited: m.exploited, ...(m.component.layer ? { layer: m.component.layer } : {}) },
  }));
  const doc = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: TOOL.name, version: TOOL.version, semanticVersion: TOOL.version, informationUri: INFORMATION_URI, rules } },
        invocations: [{ executionSuccessful: true, startTimeUtc: r.now.toISOString() }],
        results,
      },
    ],
  };
  return JSON.stringify(doc, null, 2) + '\n';
}

const CVSS_METHOD: Record<string, string> = { '2.0': 'CVSSv2', '3.0': 'CVSSv3', '3.1': 'CVSSv31', '4.0': 'CVSSv4' };

/**
 * The CycloneDX 1.6 `vulnerabilities` array for these matches: one entry per advisory, `affects`
 * naming every component (by bom-ref) it was found in. An excepted match keeps its waiver in `analysis`.
 */
export function cyclonedxVulnerabilities(matches: readonly VulnMatch[]): Record<string, unknown>[] {
  const byId = new Map<string, VulnMatch[]>();
  for (const m of matches) {
    let l = byId.get(m.id);
    if (!l) byId.set(m.id, (l = []));
    l.push(m);
  }
  const out: Record<string, unknown>[] = [];
  for (const [id, ms] of byId) {
    const m = ms[0]!;
    const ratings: Record<string, unknown>[] = [];
    if (m.cvss) ratings.push({ score: m.cvss.score, severity: m.cvss.severity, method: CVSS_METHOD[m.cvss.version], vector: m.cvss.vector });
    else if (m.severity !== 'unknown') ratings.push({ severity: m.severity, method: 'other' });
    const waived = ms.every((x) => x.status === 'excepted') ? m.exception : undefined;
    out.push({
      'bom-ref': `vuln:${id}`,
      id,
      source: { name: id.startsWith('CVE-') ? 'NVD' : 'OSV', url: advisoryUri(id) },
      ...(ratings.length > 0 ? { ratings } : {}),
      ...(m.summary ? { description: m.summary } : {}),
      ...(m.fixedVersions.length > 0 ? { recommendation: `Upgrade to ${m.fixedVersions.join(' or ')}` } : {}),
      ...(m.references.length > 0 ? { advisories: m.references.slice(0, 20).map((url) => ({ url })) } : {}),
      ...(m.aliases.length > 0 ? { references: m.aliases.map((a) => ({ id: a, source: { name: a.startsWith('CVE-') ? 'NVD' : 'OSV', url: advisoryUri(a) } })) } : {}),
      affects: [...new Set(ms.map((x) => x.component.ref))].map((ref) => ({
        ref,
        versions: [{ version: ms.find((x) => x.component.ref === ref)!.component.version, status: 'affected' }],
      })),
      ...(waived
        ? { analysis: { state: 'exploitable', response: ['will_not_fix'], detail: `Accepted risk under ComplianceException ${exceptionKey(waived)} (approved by ${waived.approvedBy}, expires ${waived.expires}): ${waived.justification}` } }
        : {}),
      properties: [
        { name: 'kubecomply:exploited', value: String(m.exploited) },
        ...(m.kev ? [{ name: 'kubecomply:kev:dateAdded', value: m.kev.dateAdded }] : []),
      ],
    });
  }
  return out;
}

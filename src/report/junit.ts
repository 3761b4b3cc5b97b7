/**
 * JUnit XML as CI systems (Jenkins, GitLab, Azure DevOps, GitHub test reporters) render it: one test
 * suite per control, one test case per control × resource it evaluated — passing cases included —
 * and one `<failure>` per failing case listing every violation. A case whose findings an approved
 * exception covers is `<skipped>` with the exception, its expiry and justification: not a failure, but
 * visible. Input problems become a suite of errored test cases so a broken manifest is visible in the
 * CI test view too.
 */
import type { Finding, Resource } from '../core/types.js';
import { exceptionKey } from '../policy/exceptions.js';
import type { ScanResult } from '../scanner.js';

// XML 1.0 allows #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF]
// eslint-disable-next-line no-control-regex
const INVALID_XML = /[^\x09\x0A\x0D\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

export function xmlEscape(s: string): string {
  return s
    .replace(INVALID_XML, '\uFFFD')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

function resourceName(r: Resource): string {
  return r.namespace !== undefined ? `${r.kind}/${r.namespace}/${r.name}` : `${r.kind}/${r.name}`;
}

export function* formatJunit(result: ScanResult): Generator<string> {
  const evaluations = result.evaluations;
  if (!evaluations) throw new Error('JUnit output needs the scan to collect evaluations');
  const byControlResource = new Map<string, Map<Resource, Finding[]>>();
  const exceptedBy = new Map<string, Map<Resource, Finding[]>>();
  for (const f of result.findings) {
    const index = f.status === 'fail' ? byControlResource : exceptedBy;
    let m = index.get(f.control.id);
    if (!m) index.set(f.control.id, (m = new Map()));
    let list = m.get(f.resource);
    if (!list) m.set(f.resource, (list = []));
    list.push(f);
  }
  const inputErrors = result.diagnostics.filter((d) => d.level === 'error');
  let tests = inputErrors.length;
  let failures = 0;
  for (const c of result.controls) {
    tests += evaluations.get(c.control.id)?.length ?? 0;
    failures += byControlResource.get(c.control.id)?.size ?? 0;
  }
  const seconds = (result.durationMs / 1000).toFixed(3);
  yield '<?xml version="1.0" encoding="UTF-8"?>\n';
  yield `<testsuites name="${xmlEscape(result.tool.name)}" tests="${tests}" failures="${failures}" errors="${inputErrors.length}" time="${seconds}">\n`;
  if (inputErrors.length > 0) {
    yield `  <testsuite name="input" tests="${inputErrors.length}" failures="0" errors="${inputErrors.length}" skipped="0" time="0">\n`;
    for (const d of inputErrors) {
      const where = `${d.file}${d.line !== undefined ? `:${d.line}` : ''}`;
      yield `    <testcase classname="input" name="${xmlEscape(where)}" file="${xmlEscape(d.file)}"${d.line !== undefined ? ` line="${d.line}"` : ''} time="0">\n`;
      yield `      <error type="${xmlEscape(d.code)}" message="${xmlEscape(d.message)}">${xmlEscape(`${where}: ${d.message}`)}</error>\n`;
      yield '    </testcase>\n';
    }
    yield '  </testsuite>\n';
  }
  for (const c of result.controls) {
    const control = c.control;
    const evaluated = evaluations.get(control.id) ?? [];
    const failing = byControlResource.get(control.id) ?? new Map<Resource, Finding[]>();
    const excepted = exceptedBy.get(control.id) ?? new Map<Resource, Finding[]>();
    const skipped = [...excepted.keys()].filter((r) => !failing.has(r)).length;
    yield `  <testsuite name="${xmlEscape(`${control.id}: ${control.title}`)}" tests="${evaluated.length}" failures="${failing.size}" errors="0" skipped="${skipped}" time="0">\n`;
    yield `    <properties><property name="severity" value="${control.severity}"/><property name="family" value="${xmlEscape(control.family)}"/></properties>\n`;
    let chunk = '';
    for (const r of evaluated) {
      const fs = failing.get(r);
      const xs = excepted.get(r);
      const attrs = `classname="${xmlEscape(control.id)}" name="${xmlEscape(resourceName(r))}" file="${xmlEscape(r.origin.file)}" line="${(fs ?? xs)?.[0]?.position?.line ?? r.origin.line}" time="0"`;
      if (!fs && xs) {
        const e = xs[0].exception;
        const by = e ? exceptionKey(e) : 'an exception';
        const reason = `excepted by ${by}${e ? ` until ${e.expires}, approved by ${e.approvedBy}${e.ticket ? ` (${e.ticket})` : ''}: ${e.justification}` : ''}`;
        const details = xs.map((f) => `${r.origin.file}:${f.position?.line ?? r.origin.line}:${f.position?.column ?? 1}: ${f.message} (${f.path})`).join('\n');
        chunk += `    <testcase ${attrs}>\n      <skipped message="${xmlEscape(reason)}">${xmlEscape(`${details}\n\n${reason}`)}</skipped>\n    </testcase>\n`;
      } else if (!fs) {
        chunk += `    <testcase ${attrs}/>\n`;
      } else {
        const details = fs
          .map((f) => `${r.origin.file}:${f.position?.line ?? r.origin.line}:${f.position?.column ?? 1}: ${f.message} (${f.path})`)
          .join('\n');
        chunk += `    <testcase ${attrs}>\n      <failure type="${control.severity}" message="${xmlEscape(fs.length === 1 ? fs[0].message : `${fs[0].message} (+${fs.length - 1} more)`)}">${xmlEscape(`${details}\n\nFix: ${control.remediation}`)}</failure>\n    </testcase>\n`;
      }
      if (chunk.length > 65536) {
        yield chunk;
        chunk = '';
      }
    }
    yield chunk + '  </testsuite>\n';
  }
  yield '</testsuites>\n';
}

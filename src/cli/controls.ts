import { Command, Option } from 'commander';
import { BUILTIN_CONTROLS, controlFamilies, findControl } from '../controls/index.js';
import type { PssControl } from '../controls/pod-security/index.js';
import { formatVersion } from '../controls/pod-security/version.js';
import type { Control } from '../core/types.js';
import { painter } from '../report/table.js';
import { emit, suggest, UsageError, useColor } from './util.js';

function pssInfo(c: Control): string | undefined {
  const p = (c as Partial<PssControl>).pss;
  return p ? `${p.level} from ${formatVersion(p.since)}${p.overrides ? `, replaces ${p.overrides}` : ''}` : undefined;
}

export function controlToJson(c: Control): Record<string, unknown> {
  const p = (c as Partial<PssControl>).pss;
  return {
    id: c.id,
    title: c.title,
    family: c.family,
    severity: c.severity,
    appliesTo: [...c.appliesTo],
    description: c.description,
    mappings: c.mappings,
    ...(p ? { podSecurity: { level: p.level, check: p.checkId, since: formatVersion(p.since), ...(p.overrides ? { overrides: p.overrides } : {}) } } : {}),
  };
}

export function controlsCommand(): Command {
  return new Command('controls')
    .summary('list the controls in the catalog')
    .description('List every built-in control with its id, family, severity and framework mappings.')
    .addOption(new Option('-f, --format <format>', 'output format').choices(['table', 'json']).default('table'))
    .option('--family <family>', 'only this family')
    .addHelpText('after', '\nExamples:\n  kubecomply controls\n  kubecomply controls --family pod-security\n  kubecomply controls --format json | jq \'.[] | select(.severity == "critical") | .id\'')
    .action(async (flags: { format: string; family?: string }) => {
      let list = BUILTIN_CONTROLS;
      if (flags.family) {
        if (!controlFamilies().includes(flags.family)) throw new UsageError(`unknown family "${flags.family}"`, `families are: ${controlFamilies().join(', ')}`);
        list = list.filter((c) => c.family === flags.family);
      }
      if (flags.format === 'json') {
        await emit([JSON.stringify(list.map(controlToJson), null, 2) + '\n'], undefined);
        return;
      }
      const p = painter(useColor(process.stdout));
      const w = Math.max(...list.map((c) => c.id.length));
      const lines = [p('bold', `${'ID'.padEnd(w)}  ${'SEVERITY'.padEnd(8)}  ${'FAMILY'.padEnd(13)}  TITLE`)];
      for (const c of list) {
        const extra = pssInfo(c);
        lines.push(`${c.id.padEnd(w)}  ${c.severity.padEnd(8)}  ${c.family.padEnd(13)}  ${c.title}${extra ? p('dim', ` (${extra})`) : ''}`);
      }
      lines.push('', `${list.length} controls. "kubecomply explain <id>" tells why each matters and how to fix it.`);
      await emit([lines.join('\n') + '\n'], undefined);
    });
}

export function explainCommand(): Command {
  return new Command('explain')
    .summary('explain a control: what it checks, why, and how to fix it')
    .argument('<id>', 'control id, e.g. pss-privileged')
    .addOption(new Option('-f, --format <format>', 'output format').choices(['text', 'json']).default('text'))
    .addHelpText('after', '\nExample:\n  kubecomply explain pss-run-as-non-root')
    .action(async (id: string, flags: { format: string }) => {
      const c = findControl(id);
      if (!c) {
        const s = suggest(id, BUILTIN_CONTROLS.map((x) => x.id));
        throw new UsageError(`unknown control "${id}"${s ? ` (did you mean "${s}"?)` : ''}`, 'run "kubecomply controls" to list them');
      }
      if (flags.format === 'json') {
        await emit([JSON.stringify({ ...controlToJson(c), rationale: c.rationale, remediation: c.remediation, references: c.references }, null, 2) + '\n'], undefined);
        return;
      }
      const p = painter(useColor(process.stdout));
      const m = Object.entries(c.mappings)
        .filter(([, v]) => Array.isArray(v) && v.length > 0)
        .map(([k, v]) => `  ${k.padEnd(10)} ${(v as string[]).join(', ')}`);
      const extra = pssInfo(c);
      const text = [
        `${p('bold', c.id)} — ${c.title}`,
        `Severity: ${c.severity}   Family: ${c.family}   Applies to: ${c.appliesTo.join(', ')}${extra ? `\nPod Security: ${extra}` : ''}`,
        '',
        p('bold', 'What it checks'),
        c.description,
        '',
        p('bold', 'Why it matters'),
        c.rationale,
        '',
        p('bold', 'How to fix'),
        c.remediation,
        '',
        ...(m.length ? [p('bold', 'Framework mappings'), ...m, ''] : []),
        p('bold', 'References'),
        ...c.references.map((r) => `  ${r}`),
      ];
      await emit([text.join('\n') + '\n'], undefined);
    });
}

import { Command, Option } from 'commander';
import { BUILTIN_CONTROLS } from '../controls/index.js';
import { citedIds, FRAMEWORKS, type Framework } from '../frameworks/index.js';
import { painter } from '../report/table.js';
import { emit, frameworkFlag, useColor } from './util.js';

const CONFIDENCE = { V: 'verified in a primary source', C: 'corroborated by two or more sources', R: 'from a single secondary source — check against the official text' };

function mappedControls(f: Framework, reqId: string): string[] {
  return BUILTIN_CONTROLS.filter((c) => citedIds(c.mappings, f).includes(reqId)).map((c) => c.id);
}

export function frameworksCommand(): Command {
  const cmd = new Command('frameworks')
    // `frameworks show x --format json`: the option after `show` belongs to `show`, not to `frameworks`.
    .enablePositionalOptions()
    .summary('list the compliance frameworks, or show one requirement by requirement')
    .description('List the frameworks kubecomply reports against. "frameworks show <id>" lists every requirement with its status source: the controls that decide it, or manual guidance.')
    .addOption(new Option('-f, --format <format>', 'output format').choices(['table', 'json']).default('table'))
    .addHelpText('after', '\nExamples:\n  kubecomply frameworks\n  kubecomply frameworks show pci-dss\n  kubecomply frameworks show cis --format json')
    .action(async (flags: { format: string }) => {
      if (flags.format === 'json') {
        await emit([JSON.stringify(FRAMEWORKS.map((f) => ({ id: f.id, name: f.name, version: f.version, source: f.source, requirements: f.requirements.length, manual: f.requirements.filter((r) => r.manual).length })), null, 2) + '\n'], undefined);
        return;
      }
      const p = painter(useColor(process.stdout));
      const w = Math.max(...FRAMEWORKS.map((f) => f.id.length));
      const lines = [p('bold', `${'ID'.padEnd(w)}  ${'REQS'.padStart(4)}  ${'AUTO'.padStart(4)}  NAME`)];
      for (const f of FRAMEWORKS) {
        const auto = f.requirements.filter((r) => !r.manual).length;
        lines.push(`${f.id.padEnd(w)}  ${String(f.requirements.length).padStart(4)}  ${String(auto).padStart(4)}  ${f.name} ${f.version}`);
      }
      lines.push('', 'AUTO: requirements decided by controls; the rest are manual checklist items with guidance.', '"kubecomply frameworks show <id>" lists the requirements; "kubecomply scan --framework <id>" reports them.');
      await emit([lines.join('\n') + '\n'], undefined);
    });
  cmd.addCommand(
    new Command('show')
      .summary('show a framework requirement by requirement')
      .argument('<id>', 'framework id, e.g. pci-dss')
      .addOption(new Option('-f, --format <format>', 'output format').choices(['table', 'json']).default('table'))
      .action(async (id: string, flags: { format: string }) => {
        const f = frameworkFlag(id);
        if (flags.format === 'json') {
          const doc = {
            id: f.id,
            name: f.name,
            version: f.version,
            source: f.source,
            requirements: f.requirements.map((r) => ({
              id: r.id,
              title: r.title,
              ...(r.section ? { section: r.section } : {}),
              confidence: r.confidence ?? f.confidence,
              manual: r.manual === true,
              ...(r.guidance ? { guidance: r.guidance } : {}),
              controls: mappedControls(f, r.id),
            })),
          };
          await emit([JSON.stringify(doc, null, 2) + '\n'], undefined);
          return;
        }
        const p = painter(useColor(process.stdout));
        const idw = Math.max(...f.requirements.map((r) => r.id.length));
        const lines = [p('bold', `${f.name} ${f.version}`), p('dim', `Source: ${f.source}`), p('dim', `Identifiers: ${CONFIDENCE[f.confidence]} unless marked.`)];
        let section: string | undefined;
        for (const r of f.requirements) {
          if (r.section && r.section !== section) {
            section = r.section;
            lines.push('', p('bold', section));
          }
          const conf = (r.confidence ?? f.confidence) !== f.confidence ? p('dim', ` [identifier ${CONFIDENCE[r.confidence ?? f.confidence]}]`) : '';
          lines.push(`  ${r.id.padEnd(idw)}  ${r.title}${conf}`);
          if (r.manual) lines.push(`  ${' '.repeat(idw)}  ${p('cyan', 'manual:')} ${r.guidance ?? ''}`);
          else lines.push(`  ${' '.repeat(idw)}  ${p('dim', `controls: ${mappedControls(f, r.id).join(', ') || '—'}`)}`);
        }
        await emit([lines.join('\n') + '\n'], undefined);
      }),
  );
  return cmd;
}

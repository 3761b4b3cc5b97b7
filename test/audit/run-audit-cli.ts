// Runs `kubecomply …` from source with the audit command registered (until src/cli/main.ts registers it, the
// built CLI does not know "audit"). Mirrors main()'s exit-code handling.
import { CommanderError, type Command } from 'commander';
import { buildProgram } from '../../src/cli/main.js';
import { auditCommand } from '../../src/cli/audit.js';
import { EXIT_USAGE, UsageError } from '../../src/cli/util.js';

async function run(): Promise<number> {
  const program = buildProgram();
  if (!program.commands.some((c) => c.name() === 'audit')) {
    const cmd = auditCommand();
    const override = (c: Command): void => {
      c.exitOverride();
      for (const s of c.commands) override(s);
    };
    override(cmd);
    program.addCommand(cmd);
  }
  try {
    await program.parseAsync(process.argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.help') return 0;
      return EXIT_USAGE;
    }
    if (e instanceof UsageError) {
      process.stderr.write(`kubecomply: error: ${e.message}\n${e.hint ? `hint: ${e.hint}\n` : ''}`);
      return EXIT_USAGE;
    }
    process.stderr.write(`kubecomply: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    return EXIT_USAGE;
  }
}
run().then((code) => {
  process.exitCode = code;
});

import { Command, CommanderError } from 'commander';
import { TOOL } from '../core/version.js';
import { admissionCommand } from './admission.js';
import { auditCommand } from './audit.js';
import { controlsCommand, explainCommand } from './controls.js';
import { craCommand } from './cra.js';
import { diffCommand } from './diff.js';
import { evidenceCommand } from './evidence.js';
import { exceptionsCommand } from './exceptions.js';
import { frameworksCommand } from './frameworks.js';
import { historyCommand } from './history.js';
import { installCommand } from './install.js';
import { reportCommand } from './report.js';
import { scanCommand } from './scan.js';
import { sbomCommand } from './sbom.js';
import { serveCommand } from './serve.js';
import { signCommands } from './sign.js';
import { vulnCommand } from './vuln.js';
import { EXIT_USAGE, UsageError } from './util.js';

export function buildProgram(): Command {
  const program = new Command('kubecomply')
    .description(
      'Kubernetes security and compliance: scan manifests against the Pod Security Standards and a catalog ' +
        'of controls mapped to the frameworks you are audited against, and report in the formats CI reads; ' +
        'enforce the same controls at admission with a webhook; govern exceptions with an approver and an expiry.',
    )
    .version(`${TOOL.name} ${TOOL.version}`, '-V, --version', 'print the version')
    .helpCommand('help [command]', 'help for a command')
    // Options after a subcommand belong to it (`frameworks show cis --format json`).
    .enablePositionalOptions()
    .showHelpAfterError('(add --help for usage)')
    .configureHelp({ sortSubcommands: false, showGlobalOptions: false })
    .addHelpText(
      'after',
      `
Get started:
  kubecomply scan k8s/                      scan a directory of manifests
  helm template ./chart | kubecomply scan - scan rendered Helm output
  kubecomply scan k8s/ --store             record a scan; then: history, diff, report
  kubecomply report --framework cis --min-score 90   a posture report, gated on the score
  kubecomply controls                       list the controls
  kubecomply explain pss-privileged         why a control matters and how to fix it
  kubecomply frameworks show pci-dss        a framework requirement by requirement
  kubecomply exceptions check exceptions/   expired, unapproved, over-broad exceptions
  kubecomply sbom generate image.tar        an SBOM of an image archive (CycloneDX or SPDX)
  kubecomply vuln scan bom.json             known vulnerabilities, from an offline index
  kubecomply audit analyze audit.log        attacker behaviour in Kubernetes audit logs (MITRE ATT&CK)
  kubecomply evidence verify                prove the evidence log intact
  kubecomply cra cases                      EU CRA vulnerability cases and their reporting deadlines
  kubecomply serve --self-signed            try the admission webhook locally
  kubecomply install -n kubecomply          manifests that run it in a cluster`,
    );
  program.addCommand(scanCommand());
  program.addCommand(historyCommand());
  program.addCommand(diffCommand());
  program.addCommand(reportCommand());
  program.addCommand(controlsCommand());
  program.addCommand(explainCommand());
  program.addCommand(frameworksCommand());
  program.addCommand(exceptionsCommand());
  program.addCommand(admissionCommand());
  program.addCommand(sbomCommand());
  program.addCommand(vulnCommand());
  for (const c of signCommands()) program.addCommand(c);
  program.addCommand(auditCommand());
  program.addCommand(evidenceCommand());
  program.addCommand(craCommand());
  program.addCommand(serveCommand());
  program.addCommand(installCommand());
  program.addCommand(
    new Command('version').summary('print the version').action(() => {
      process.stdout.write(`${TOOL.name} ${TOOL.version}\n`);
    }),
  );
  // Commander exits with 1 on usage errors; we reserve 1 for findings.
  const override = (cmd: Command): void => {
    cmd.exitOverride();
    for (const sub of cmd.commands) override(sub);
  };
  override(program);
  return program;
}

/** `kubecomply scan … | head`: the reader went away. Stop quietly, as a process killed by SIGPIPE would (128 + 13). */
function quietOnBrokenPipe(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') process.exit(141);
      throw e;
    });
  }
}

export async function main(argv: string[]): Promise<number> {
  quietOnBrokenPipe();
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return 0;
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

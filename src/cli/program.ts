import { CommanderError, Help, type Command } from 'commander';
import { packageVersion } from '../package-root.js';
import { readCommandIndex } from './command-index.js';
import { EXIT, type ExitCode } from './exit-codes.js';
import { reportFailure } from './failure.js';
import { GitopsCommand, optionDescription } from './command.js';
import { configureUsageErrors, topLevelHelp } from './help.js';
import { booleanFlagsFromEnv } from './options.js';
import { registerValidate } from './commands/validate.js';

/** The --format of the command that runs, once its flags are parsed: under json, its failures are JSON too. */
let runFormat: unknown;

/** Runs a command and turns every failure into one line on stderr and an exit code: no stack traces for users. */
async function run(action: () => Promise<ExitCode>): Promise<void> {
  try {
    process.exitCode = await action();
  } catch (err) {
    // A CommanderError has been reported by commander (as JSON too: help.ts).
    process.exitCode = err instanceof CommanderError ? EXIT.error : reportFailure(err, runFormat === 'json');
  }
}

type Runner = typeof run;
type Registrar = (program: Command, runner: Runner) => void;

/**
 * Each command's module is imported only when needed: `validate` must start fast (CI runs it on every
 * push) and should not load the HTTP client, pino, prom-client or chokidar. `validate` itself is imported
 * with the program: every command needs the config stage it is made of, and so the bundle puts the program,
 * commander and the config stage in one chunk pair instead of six files to find and read.
 */
const COMMANDS: Record<string, () => Promise<Registrar[]>> = {
  validate: () => Promise.resolve([registerValidate]),
  plan: async () => [(await import('./commands/plan.js')).registerPlan],
  apply: async () => [(await import('./commands/plan.js')).registerApply],
  export: async () => [(await import('./commands/export.js')).registerExport],
  daemon: async () => [(await import('./commands/daemon.js')).registerDaemon],
};

const isCommand = (name: string | undefined): name is string => name !== undefined && Object.hasOwn(COMMANDS, name);

function createProgram(): Command {
  const program = new GitopsCommand('nango-gitops')
    .description('Keep the integrations of a Nango environment in sync with YAML files in git')
    .version(packageVersion())
    .configureHelp({ optionDescription })
    .addHelpText('after', topLevelHelp())
    .exitOverride((err) => {
      // Help and version are successes; usage errors exit 1 like any bad input.
      process.exit(err.exitCode === 0 ? 0 : EXIT.error);
    });
  program.hook('preAction', (_program, command) => {
    runFormat = command.getOptionValue('format');
    try {
      booleanFlagsFromEnv(command.opts(), command.options);
    } catch (err) {
      command.error(`error: ${err instanceof Error ? err.message : String(err)}`);
    }
  });
  return program;
}

/** `only`: the command about to run; without it (or for an unknown name) every command is registered. */
export async function buildProgram(only?: string): Promise<Command> {
  const program = createProgram();
  const names = isCommand(only) ? [only] : Object.keys(COMMANDS);
  for (const name of names) {
    for (const register of await COMMANDS[name]!()) register(program, run);
  }
  configureUsageErrors(program);
  return program;
}

/**
 * The program for `argv`, loading only what it needs: the command it runs (`help plan` shows plan's own
 * help), and for top-level help, --version, a typo or no command at all, none: each command is listed
 * from the index written at build time (command-index.ts), or, without one, loaded as before.
 */
export async function programFor(argv: readonly string[]): Promise<Command> {
  const [first, second] = [argv[2], argv[3]];
  if (isCommand(first)) return buildProgram(first);
  if (first === 'help' && isCommand(second)) return buildProgram(second);
  // After `--` a command name is still dispatched: rare enough to load everything for.
  const index = first === '--' ? undefined : readCommandIndex(Object.keys(COMMANDS));
  if (!index) return buildProgram();
  const program = createProgram();
  const terms = new Map(index.map((e) => [e.name, e.term]));
  program.configureHelp({
    optionDescription,
    subcommandTerm(this: Help, cmd: Command): string {
      return terms.get(cmd.name()) ?? Help.prototype.subcommandTerm.call(this, cmd);
    },
  });
  for (const entry of index) program.command(entry.name).description(entry.description);
  configureUsageErrors(program);
  return program;
}

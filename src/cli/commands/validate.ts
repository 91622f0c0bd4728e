import type { Command } from 'commander';
import { hasErrors, loadDesiredState } from '../../config/index.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import { addCommonOptions, loadOptions, resolveFormat, type CommonOptions } from '../options.js';
import { reportDiagnostics } from '../output.js';

interface ValidateOptions extends CommonOptions {
  allowMissingEnv?: boolean;
}

export function registerValidate(program: Command, run: (action: () => Promise<ExitCode>) => Promise<void>): void {
  addCommonOptions(program.command('validate'))
    .description('check the config offline: YAML, schema, interpolation, provider catalog (no API call)')
    .option('--allow-missing-env', 'only check that ${VAR} references are well-formed (CI jobs without secrets)')
    .action((opts: ValidateOptions) => run(() => validate(opts)));
}

async function validate(opts: ValidateOptions): Promise<ExitCode> {
  const format = resolveFormat(opts);
  const result = await loadDesiredState(loadOptions(opts, opts.allowMissingEnv === true));
  reportDiagnostics(result.diagnostics, format);
  const ok = !hasErrors(result.diagnostics) && result.state !== undefined;
  const count = result.state?.integrations.length ?? 0;
  const files = result.state?.files.length ?? 0;
  if (format === 'json') {
    process.stdout.write(
      `${JSON.stringify({ format_version: 1, valid: ok, integrations: count, files, diagnostics: result.diagnostics }, null, 2)}\n`,
    );
  } else if (ok) {
    process.stdout.write(`Valid: ${count} integration${count === 1 ? '' : 's'} in ${files} file${files === 1 ? '' : 's'}.\n`);
  }
  return ok ? EXIT.ok : EXIT.error;
}

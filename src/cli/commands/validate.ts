import type { Command } from 'commander';
import { combineEnvironmentDiagnostics, hasErrors, loadConfig, resolveEnvironment, type EnvironmentResult } from '../../config/index.js';
import { configErrorReport } from '../../render/json-error.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import { addCommonOptions, loadOptions, resolveFormat, type CommonOptions } from '../options.js';
import { reportDiagnostics } from '../output.js';
import { writeStdout } from '../stdio.js';

interface ValidateOptions extends CommonOptions {
  allowMissingEnv?: boolean;
}

export function registerValidate(program: Command, run: (action: () => Promise<ExitCode>) => Promise<void>): void {
  addCommonOptions(program.command('validate'))
    .description('check the config offline: YAML, schema, interpolation, provider catalog, every environment (no API call)')
    .option('--allow-missing-env', 'only check that ${VAR} references are well-formed (CI jobs without secrets)')
    .action((opts: ValidateOptions) => run(() => validate(opts)));
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

async function validate(opts: ValidateOptions): Promise<ExitCode> {
  const format = resolveFormat(opts);
  const config = await loadConfig(loadOptions(opts, opts.allowMissingEnv === true));
  // Every environment's merged view, each with only its own variables; never a secret key (no API call).
  const results: EnvironmentResult[] = [];
  for (const name of config.environments?.map((e) => e.name) ?? [undefined]) results.push(await resolveEnvironment(config, name));
  const diagnostics = config.environments ? combineEnvironmentDiagnostics(config, results) : (results[0]?.diagnostics ?? config.diagnostics);
  reportDiagnostics(diagnostics, format);

  const ok = !hasErrors(diagnostics) && results.length > 0 && results.every((r) => r.state !== undefined);
  // Declarations, not per-environment copies: a key is declared once whatever the environments.
  const count = new Set(results.flatMap((r) => r.state?.integrations.map((i) => i.unique_key) ?? [])).size;
  const files = results[0]?.state?.files.length ?? 0;
  const environments = config.environments ? results.map((r) => ({ name: r.environment, integrations: r.state?.integrations.length ?? 0 })) : undefined;
  if (format === 'json') {
    // `error` as in every failed command's JSON (docs/cli.md, "Errors as JSON"); the rest as it always was.
    const error = ok ? {} : { error: configErrorReport(diagnostics) };
    const document = { format_version: 1, ...error, valid: ok, integrations: count, files, ...(environments ? { environments } : {}), diagnostics };
    writeStdout(`${JSON.stringify(document, null, 2)}\n`);
  } else if (ok) {
    writeStdout(`Valid: ${plural(count, 'integration')} in ${plural(files, 'file')}.\n`);
    for (const e of environments ?? []) writeStdout(`  environment ${e.name ?? ''}: ${plural(e.integrations, 'integration')}\n`);
  }
  return ok ? EXIT.ok : EXIT.error;
}

// The selected environments' configs, each with its secret key, before any of them talks to Nango:
// every secret of every environment is known to the redactor before the first request or log line.
import { error } from '../config/diagnostics.js';
import { keyVariable } from '../config/environments.js';
import { resolveEnvironment, type LoadedConfig } from '../config/index.js';
import type { EnvironmentResult } from '../config/types.js';
import type { Redactor } from '../redact.js';

/** The variable an environment's `secret_key` names, for messages (never its value). */
export function secretKeyVariable(config: LoadedConfig, name: string): string | undefined {
  const entry = config.sources.block?.entries.get(name);
  return entry ? keyVariable(entry) : undefined;
}

/**
 * Resolves each named environment (declaration order as given) with its secret key. Two environments
 * with the same key on the same host are one Nango environment: reconciling it as two would make each
 * undo the other, so every one after the first is invalid.
 */
export async function resolveEnvironments(config: LoadedConfig, names: readonly string[], redactor: Redactor): Promise<EnvironmentResult[]> {
  const results: EnvironmentResult[] = [];
  for (const name of names) {
    const result = await resolveEnvironment(config, name, { secretKey: true });
    if (result.secretKey !== undefined) redactor.add([result.secretKey], { caseInsensitive: true });
    if (result.state) redactor.add(result.state.sensitiveValues);
    results.push(result);
  }
  return results.map((result, i) => {
    const first = results.findIndex((r) => r.secretKey !== undefined && r.secretKey === result.secretKey && r.host === result.host);
    if (first === i || first < 0 || result.state === undefined) return result;
    const source = config.environments?.find((e) => e.name === result.environment)?.source;
    const twin = results[first]?.environment ?? '';
    const { state: _state, ...rest } = result;
    return {
      ...rest,
      diagnostics: [
        ...result.diagnostics,
        error(`has the same secret key and host as environment ${twin}: they are one Nango environment, which cannot be reconciled as two`, {
          path: `environments.${result.environment ?? ''}`,
          ...(source ? { location: source } : {}),
        }),
      ],
    };
  });
}

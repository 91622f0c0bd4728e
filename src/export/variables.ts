// Names for the ${…} references an export writes in place of values it must not (or cannot) write.

/** The credential fields an export may turn into references, and the suffix their variables get. */
const FIELD_SUFFIX: Readonly<Record<string, string>> = {
  client_id: 'CLIENT_ID',
  client_secret: 'CLIENT_SECRET',
  webhook_secret: 'WEBHOOK_SECRET',
  app_id: 'APP_ID',
  app_link: 'APP_LINK',
  private_key: 'PRIVATE_KEY',
};

const upper = (text: string): string => text.toUpperCase().replace(/[^A-Z0-9]/g, '_');

/**
 * `slack-production` + `client_secret` → `SLACK_PRODUCTION_CLIENT_SECRET`: readable, and stable as long as
 * the key is. Interpolation names must start with a letter or "_", so a key starting with a digit gets "_".
 * A value that differs per environment gets the environment's name last: `SLACK_CLIENT_SECRET_PROD`.
 */
export function variableName(uniqueKey: string, field: string, environment?: string): string {
  const suffix = FIELD_SUFFIX[field] ?? upper(field);
  const base = `${upper(uniqueKey)}_${suffix}${environment === undefined ? '' : `_${upper(environment)}`}`;
  return /^[0-9]/.test(base) ? `_${base}` : base;
}

/**
 * Hands out unique names: two keys that differ only in punctuation or case (`slack.prod`, `Slack-Prod`)
 * would otherwise share a variable. Callers visit keys in a stable order, so the suffixes are stable too.
 * `reserved` names are never handed out (the environments' secret key variables, which no value may read).
 */
export function createVariableNamer(reserved: Iterable<string> = []): (uniqueKey: string, field: string, environment?: string) => string {
  const used = new Set<string>(reserved);
  return (uniqueKey, field, environment) => {
    const base = variableName(uniqueKey, field, environment);
    let name = base;
    for (let n = 2; used.has(name); n++) name = `${base}_${n}`;
    used.add(name);
    return name;
  };
}

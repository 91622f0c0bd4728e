import type { DesiredCredentials, DesiredIntegration } from '../config/types.js';
import type { CreateIntegrationBody, UpdateIntegrationBody } from '../nango/types.js';
import { CREDENTIAL_FIELDS } from '../plan/fields.js';
import type { Change } from '../plan/types.js';

type ApiCredentialsBody = NonNullable<CreateIntegrationBody['credentials']>;

/** The API takes the whole credentials object; scopes travel as one comma-joined string ("" clears). */
export function credentialsBody(creds: DesiredCredentials): ApiCredentialsBody {
  const body: Record<string, string> = { type: creds.type };
  for (const field of CREDENTIAL_FIELDS[creds.type]) {
    const value = creds[field];
    if (value === undefined) continue;
    body[field] = Array.isArray(value) ? value.join(',') : value;
  }
  return body as unknown as ApiCredentialsBody;
}

export function createBody(want: DesiredIntegration): CreateIntegrationBody {
  const body: CreateIntegrationBody = { provider: want.provider, unique_key: want.unique_key };
  if (want.display_name !== undefined) body.display_name = want.display_name;
  if (want.forward_webhooks !== undefined) body.forward_webhooks = want.forward_webhooks;
  if (want.credentials) body.credentials = credentialsBody(want.credentials);
  if (want.integration_config) body.integration_config = { ...want.integration_config };
  return body;
}

/** Exactly the fields the plan lists (credentials and integration_config as whole objects). */
export function patchBody(want: DesiredIntegration, change: Change): UpdateIntegrationBody {
  const body: UpdateIntegrationBody = {};
  if (change.action === 'rename') body.unique_key = want.unique_key;
  const paths = change.fields.map((f) => f.path);
  if (paths.includes('display_name')) body.display_name = want.display_name;
  if (paths.includes('forward_webhooks')) body.forward_webhooks = want.forward_webhooks;
  if (want.credentials && paths.some((p) => p.startsWith('credentials.'))) body.credentials = credentialsBody(want.credentials);
  if (want.integration_config && paths.some((p) => p.startsWith('integration_config.'))) {
    body.integration_config = { ...want.integration_config };
  }
  return body;
}

// Live integrations → config documents that plan reports as converged. Pure: no I/O, and no secret value
// ever enters the output (secret fields become ${…} references, listed in `variables`).
import { Document, isSeq } from 'yaml';
import type { CredentialsType } from '../config/types.js';
import type { LiveIntegration } from '../nango/types.js';
import { CREDENTIAL_FIELDS } from '../plan/fields.js';
import { createFileNamer } from './file-names.js';
import { createVariableNamer } from './variables.js';

export interface ExportVariable {
  name: string;
  unique_key: string;
  /** Dotted path of the field it fills, e.g. `credentials.client_secret`. */
  path: string;
  /** A secret field; false for a plain value that could not be read (credentials unreadable). */
  secret: boolean;
}

export interface ExportedDocument {
  /** Suggested file name: `<key>.yaml` when split, else `fileName`. */
  name: string;
  unique_keys: string[];
  content: string;
}

export interface ExportNote {
  unique_key: string;
  message: string;
}

export interface ExportResult {
  documents: ExportedDocument[];
  variables: ExportVariable[];
  /** Things the user must know about the output (unreadable credentials, values Nango does not hold). */
  notes: ExportNote[];
}

export interface ExportOptions {
  /** One document per integration instead of one for all. */
  split: boolean;
  /** Where the `$schema` comment points, relative to the written file. */
  schemaRef: string;
  /** The credentials type a provider takes (from the catalog), for integrations whose credentials are unreadable. */
  credentialsTypeOf: (provider: string) => CredentialsType | undefined;
  /** Name of the single document when not split; default `integrations.yaml`. */
  fileName?: string;
}

const SECRET_FIELDS: ReadonlySet<string> = new Set(['client_secret', 'webhook_secret', 'private_key']);
/** May be left out of a credentials block: Nango then keeps what it stores. */
const OPTIONAL_FIELDS: ReadonlySet<string> = new Set(['scopes', 'webhook_secret']);
const CREDENTIAL_TYPES: ReadonlySet<string> = new Set(Object.keys(CREDENTIAL_FIELDS));

/** Interpolation reads every string value, so a literal `$` must be written `$$`. */
function literal(value: string): string {
  return value.replace(/\$/g, '$$$$');
}

function splitScopes(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

export function exportIntegrations(live: readonly LiveIntegration[], options: ExportOptions): ExportResult {
  const nameVariable = createVariableNamer();
  const nameFile = createFileNamer();
  const variables: ExportVariable[] = [];
  const notes: ExportNote[] = [];
  const sorted = [...live].sort((a, b) => (a.unique_key < b.unique_key ? -1 : a.unique_key > b.unique_key ? 1 : 0));

  const reference = (key: string, field: string): string => {
    const name = nameVariable(key, field);
    variables.push({ name, unique_key: key, path: `credentials.${field}`, secret: SECRET_FIELDS.has(field) });
    return `\${${name}}`;
  };

  const items = sorted.map((integration) => ({
    key: integration.unique_key,
    item: exportIntegration(integration, options, reference, (message) => notes.push({ unique_key: integration.unique_key, message })),
  }));

  const documents: ExportedDocument[] = options.split
    ? items.map(({ key, item }) => ({ name: nameFile(key), unique_keys: [key], content: renderDocument([item], options.schemaRef) }))
    : [{ name: options.fileName ?? 'integrations.yaml', unique_keys: items.map((i) => i.key), content: renderDocument(items.map((i) => i.item), options.schemaRef) }];
  return { documents, variables, notes };
}

type Item = Record<string, unknown>;

function exportIntegration(
  live: LiveIntegration,
  options: ExportOptions,
  reference: (key: string, field: string) => string,
  note: (message: string) => void,
): Item {
  const key = live.unique_key;
  const item: Item = { unique_key: literal(key), provider: literal(live.provider) };
  if (live.display_name !== '') item['display_name'] = literal(live.display_name);
  item['forward_webhooks'] = live.forward_webhooks;

  const creds = live.credentials;
  if (creds === null) return item;
  if (creds === 'unreadable' || creds === 'not-fetched') {
    const type = options.credentialsTypeOf(live.provider);
    if (type === undefined) return item;
    const block: Item = { type };
    for (const field of CREDENTIAL_FIELDS[type]) {
      if (!OPTIONAL_FIELDS.has(field)) block[field] = reference(key, field);
    }
    item['credentials'] = block;
    note('credentials could not be read (the secret key lacks the environment:integrations:read_credentials scope): every credentials value is a ${…} reference; scopes and webhook_secret were left out, so Nango keeps the stored ones');
    return item;
  }

  const values = creds as unknown as Record<string, unknown>;
  const type = values['type'];
  if (typeof type !== 'string' || !CREDENTIAL_TYPES.has(type)) {
    note(`credentials of type ${typeof type === 'string' ? type : 'unknown'} cannot be written as config: left out (not managed)`);
    return item;
  }
  const block: Item = { type };
  for (const field of CREDENTIAL_FIELDS[type as CredentialsType]) {
    const value = values[field];
    const present = typeof value === 'string' && value !== '';
    if (field === 'scopes') {
      // null: Nango stores no scopes of its own choosing to compare with; leaving them out keeps them.
      if (typeof value === 'string') block['scopes'] = splitScopes(value).map(literal);
    } else if (SECRET_FIELDS.has(field)) {
      if (present) block[field] = reference(key, field);
      else if (!OPTIONAL_FIELDS.has(field)) {
        block[field] = reference(key, field);
        note(`Nango holds no credentials.${field}: set the variable to the value the integration should have`);
      }
    } else if (present) {
      block[field] = literal(value);
    } else if (!OPTIONAL_FIELDS.has(field)) {
      block[field] = reference(key, field);
      note(`Nango holds no credentials.${field}: set the variable to the value the integration should have`);
    }
  }
  item['credentials'] = block;
  return item;
}

function renderDocument(items: Item[], schemaRef: string): string {
  const doc = new Document({ integrations: items });
  doc.commentBefore = ` yaml-language-server: $schema=${schemaRef}\n Exported by nango-gitops export. Secret values are \${…} references: set those variables before plan.`;
  // Scopes read best on one line, as in hand-written config.
  items.forEach((_, i) => {
    const scopes = doc.getIn(['integrations', i, 'credentials', 'scopes'], true);
    if (isSeq(scopes)) scopes.flow = true;
  });
  return doc.toString({ lineWidth: 0, flowCollectionPadding: false });
}

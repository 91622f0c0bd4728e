// A reconcile scenario for the fault tests: what to seed into the emulator, the config that declares the
// desired state, and the checks that the environment reached exactly that state without the tool ever
// doing something the plan did not announce.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Emulator, RecordedRequest, SeedIntegration, StoredIntegration } from '../emulator/server.js';

export interface ScenarioSize {
  /** display_name, scopes or client_secret changed (some of them with connections, which a PATCH keeps). */
  update: number;
  /** renamed_from, no connections. */
  rename: number;
  /** Undeclared, no connections: pruned. */
  delete: number;
  create: number;
  /** Declared as they are, with connections. */
  unchanged: number;
}

export const FULL: ScenarioSize = { update: 20, rename: 10, delete: 10, create: 20, unchanged: 5 };
/** For tests that run many applies: 20 changes, 37 requests per apply. */
export const SMALL: ScenarioSize = { update: 6, rename: 4, delete: 4, create: 6, unchanged: 2 };

interface ExpectedCredentials {
  client_id: string;
  client_secret: string;
  scopes: string[];
}

export interface ExpectedIntegration {
  provider: string;
  display_name: string;
  credentials?: ExpectedCredentials;
}

export interface Scenario {
  size: ScenarioSize;
  seed: SeedIntegration[];
  /** The config directory (-c). */
  configDir: string;
  /** The fingerprint state file (--state): per scenario, never the checkout's .nango-gitops/. */
  statePath: string;
  /** Secrets for ${VAR} interpolation. */
  secrets: Record<string, string>;
  /** Policy flags every run passes. */
  flags: string[];
  expected: Map<string, ExpectedIntegration>;
  /** The only keys any run may delete. */
  deletable: ReadonlySet<string>;
  /** Seeded key → the key it must have at the end (itself, or its rename target): the same row, never re-created. */
  survivors: Map<string, string>;
  /** Final key → connections it must still have. */
  connections: Map<string, number>;
}

/** Undeclared but with connections: a prune would destroy them, so it is protected. */
const PROTECTED_KEY = 'legacy-prod';
const PROTECTED_CONNECTIONS = 42;

const pad = (i: number): string => String(i).padStart(2, '0');

function oauth(clientId: string, clientSecret: string, scopes: string[]): Record<string, unknown> {
  return { type: 'OAUTH2', client_id: clientId, client_secret: clientSecret, scopes: scopes.join(','), webhook_secret: null };
}

interface Declared {
  unique_key: string;
  provider: string;
  display_name: string;
  renamed_from?: string;
  credentials?: { client_id: string; secretVar: string; scopes: string[] };
}

function yamlOf(declared: Declared[]): string {
  const q = (s: string): string => JSON.stringify(s);
  const lines = ['integrations:'];
  for (const d of declared) {
    lines.push(`  - unique_key: ${q(d.unique_key)}`, `    provider: ${d.provider}`, `    display_name: ${q(d.display_name)}`);
    if (d.renamed_from !== undefined) lines.push(`    renamed_from: ${q(d.renamed_from)}`);
    if (d.credentials) {
      lines.push(
        '    credentials:',
        '      type: OAUTH2',
        `      client_id: ${q(d.credentials.client_id)}`,
        `      client_secret: \${${d.credentials.secretVar}}`,
        `      scopes: [${d.credentials.scopes.join(', ')}]`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}

export function buildScenario(size: ScenarioSize): Scenario {
  const seed: SeedIntegration[] = [];
  const declared: Declared[] = [];
  const secrets: Record<string, string> = {};
  const expected = new Map<string, ExpectedIntegration>();
  const survivors = new Map<string, string>();
  const connections = new Map<string, number>();
  const deletable = new Set<string>();

  const declare = (d: Declared): void => {
    declared.push(d);
    const want: ExpectedIntegration = { provider: d.provider, display_name: d.display_name };
    if (d.credentials) {
      want.credentials = { client_id: d.credentials.client_id, client_secret: secrets[d.credentials.secretVar] ?? '', scopes: [...d.credentials.scopes].sort() };
    }
    expected.set(d.unique_key, want);
  };
  const secret = (name: string, value: string): string => {
    secrets[name] = value;
    return name;
  };

  for (let i = 0; i < size.update; i++) {
    const key = `upd-${pad(i)}`;
    const conns = i % 4 === 0 ? i + 1 : 0;
    survivors.set(key, key);
    connections.set(key, conns);
    switch (i % 3) {
      case 0:
        seed.push({ unique_key: key, provider: 'posthog', display_name: `Old ${key}`, connections: conns });
        declare({ unique_key: key, provider: 'posthog', display_name: `New ${key}` });
        break;
      case 1:
        seed.push({ unique_key: key, provider: 'slack', display_name: key, credentials: oauth(`id-${key}`, `s-${key}`, ['channels:read']), connections: conns });
        declare({
          unique_key: key,
          provider: 'slack',
          display_name: key,
          credentials: { client_id: `id-${key}`, secretVar: secret(`SECRET_UPD_${pad(i)}`, `s-${key}`), scopes: ['channels:read', 'chat:write'] },
        });
        break;
      default:
        seed.push({ unique_key: key, provider: 'hubspot', display_name: key, credentials: oauth(`id-${key}`, `old-${key}`, ['crm.objects.contacts.read']), connections: conns });
        declare({
          unique_key: key,
          provider: 'hubspot',
          display_name: key,
          credentials: { client_id: `id-${key}`, secretVar: secret(`SECRET_UPD_${pad(i)}`, `rotated-${key}`), scopes: ['crm.objects.contacts.read'] },
        });
    }
  }

  for (let i = 0; i < size.rename; i++) {
    const from = `ren-old-${pad(i)}`;
    const to = `ren-new-${pad(i)}`;
    survivors.set(from, to);
    connections.set(to, 0);
    if (i % 2 === 0) {
      seed.push({ unique_key: from, provider: 'posthog', display_name: `Renamed ${i}` });
      declare({ unique_key: to, provider: 'posthog', display_name: `Renamed ${i}`, renamed_from: from });
    } else {
      seed.push({ unique_key: from, provider: 'slack', display_name: `Renamed ${i}`, credentials: oauth(`id-${from}`, `s-${from}`, ['channels:read']) });
      declare({
        unique_key: to,
        provider: 'slack',
        display_name: `Renamed ${i}`,
        renamed_from: from,
        credentials: { client_id: `id-${from}`, secretVar: secret(`SECRET_REN_${pad(i)}`, `s-${from}`), scopes: ['channels:read'] },
      });
    }
  }

  for (let i = 0; i < size.delete; i++) {
    const key = `del-${pad(i)}`;
    seed.push({ unique_key: key, provider: 'posthog' });
    deletable.add(key);
  }

  for (let i = 0; i < size.create; i++) {
    const key = `new-${pad(i)}`;
    if (i % 2 === 0) declare({ unique_key: key, provider: 'posthog', display_name: `Created ${i}` });
    else {
      declare({
        unique_key: key,
        provider: 'slack',
        display_name: `Created ${i}`,
        credentials: { client_id: `id-${key}`, secretVar: secret(`SECRET_NEW_${pad(i)}`, `s-${key}`), scopes: ['chat:write', 'users:read'] },
      });
    }
  }

  for (let i = 0; i < size.unchanged; i++) {
    const key = `keep-${pad(i)}`;
    const conns = 3 + i;
    seed.push({ unique_key: key, provider: 'slack', display_name: key, credentials: oauth(`id-${key}`, `s-${key}`, ['channels:read']), connections: conns });
    declare({ unique_key: key, provider: 'slack', display_name: key, credentials: { client_id: `id-${key}`, secretVar: secret(`SECRET_KEEP_${pad(i)}`, `s-${key}`), scopes: ['channels:read'] } });
    survivors.set(key, key);
    connections.set(key, conns);
  }

  seed.push({ unique_key: PROTECTED_KEY, provider: 'posthog', display_name: 'Legacy', connections: PROTECTED_CONNECTIONS });
  survivors.set(PROTECTED_KEY, PROTECTED_KEY);
  connections.set(PROTECTED_KEY, PROTECTED_CONNECTIONS);
  // Not declared, so it is expected exactly as seeded.
  expected.set(PROTECTED_KEY, { provider: 'posthog', display_name: 'Legacy' });

  const configDir = mkdtempSync(join(tmpdir(), 'nango-gitops-faults-'));
  writeFileSync(join(configDir, 'integrations.yaml'), yamlOf(declared));
  return {
    size,
    seed,
    configDir,
    statePath: join(configDir, '.state', 'state.json'),
    secrets,
    flags: ['-c', configDir, '--prune', '--max-deletes', String(Math.max(1, size.delete)), '--protect', 'legacy-*'],
    expected,
    deletable,
    survivors,
    connections,
  };
}

/** Row ids of what was seeded: a survivor with another id at the end was deleted and re-created. */
export type SeededIds = Map<string, number>;

export function seedScenario(emu: Emulator, scenario: Scenario): SeededIds {
  emu.seed(scenario.seed);
  return new Map(emu.integrations().map((i) => [i.unique_key, i.id]));
}

function credentialsOf(stored: StoredIntegration): ExpectedCredentials | undefined {
  const c = stored.credentials;
  if (!c) return undefined;
  const scopes = typeof c['scopes'] === 'string' && c['scopes'] !== '' ? c['scopes'].split(',').sort() : [];
  return { client_id: String(c['client_id']), client_secret: String(c['client_secret']), scopes };
}

/** Every way the environment differs from the desired state; [] when it is exactly that state. */
export function differences(emu: Emulator, scenario: Scenario, _seededIds: SeededIds): string[] {
  const problems: string[] = [];
  const live = new Map(emu.integrations().map((i) => [i.unique_key, i]));
  for (const [key, want] of scenario.expected) {
    const got = live.get(key);
    if (!got) {
      problems.push(`${key}: missing`);
      continue;
    }
    if (got.provider !== want.provider) problems.push(`${key}: provider ${got.provider}, want ${want.provider}`);
    if (got.display_name !== want.display_name) problems.push(`${key}: display_name "${got.display_name}", want "${want.display_name}"`);
    if (want.credentials) {
      const creds = credentialsOf(got);
      if (JSON.stringify(creds) !== JSON.stringify(want.credentials)) problems.push(`${key}: credentials differ`);
    }
  }
  for (const key of live.keys()) if (!scenario.expected.has(key)) problems.push(`${key}: should not exist`);
  return problems;
}

/**
 * What must hold after every run, converged or not: nothing deleted beyond the plan's deletes, no seeded row
 * deleted and re-created, no connection lost. Returns the violations.
 */
export function safetyViolations(emu: Emulator, scenario: Scenario, seededIds: SeededIds): string[] {
  const problems: string[] = [];
  for (const key of deletedKeys(emu.requests)) {
    if (!scenario.deletable.has(key)) problems.push(`DELETE ${key}: not a delete the plan announced`);
  }
  const live = emu.integrations();
  const byId = new Map(live.map((i) => [i.id, i]));
  for (const [seededKey, finalKey] of scenario.survivors) {
    const id = seededIds.get(seededKey);
    const row = id === undefined ? undefined : byId.get(id);
    if (!row) {
      problems.push(`${seededKey}: its row is gone (deleted, or deleted and re-created)`);
      continue;
    }
    if (row.unique_key !== seededKey && row.unique_key !== finalKey) problems.push(`${seededKey}: now named ${row.unique_key}`);
    const want = scenario.connections.get(finalKey);
    if (want !== undefined && row.connections !== want) problems.push(`${row.unique_key}: ${row.connections} connections, want ${want}`);
  }
  const keys = live.map((i) => i.unique_key);
  if (new Set(keys).size !== keys.length) problems.push('a unique key appears twice');
  return problems;
}

/** Keys of every DELETE sent, whether or not it reached the handler: even an attempt must be announced. */
export function deletedKeys(requests: readonly RecordedRequest[]): string[] {
  return requests
    .filter((r) => r.method === 'DELETE' && r.path.startsWith('/integrations/'))
    .map((r) => decodeURIComponent(r.path.slice('/integrations/'.length)));
}

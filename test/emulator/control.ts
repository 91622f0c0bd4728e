// /__emulator/* lets a process that runs the emulator standalone (demo, benchmarks, CLI tests in
// another process) seed and inspect it. No auth, never recorded, never faulted.

import { jsonResponse } from './responses.js';
import type { ApiResponse } from './responses.js';
import type { Emulator, FaultConfig, FaultKind, SeedIntegration } from './types.js';
import { isJsonObject } from './validation.js';

export const CONTROL_PREFIX = '/__emulator/';

const FAULT_KINDS: readonly FaultKind[] = ['400', '500', '503-html', '429-retry-0', '429-retry-1', 'reset', 'hang', 'lost-answer'];

function badRequest(message: string): ApiResponse {
  return jsonResponse(400, { error: { code: 'invalid_control_request', message } });
}

const OK = jsonResponse(200, { ok: true });

function isStringRecord(value: unknown): value is Record<string, string> {
  return isJsonObject(value) && Object.values(value).every((entry) => typeof entry === 'string');
}

export function parseSeedIntegrations(value: unknown): SeedIntegration[] | string {
  if (!Array.isArray(value)) return 'integrations must be an array';
  const seeds: SeedIntegration[] = [];
  for (const [i, item] of value.entries()) {
    if (!isJsonObject(item)) return `integrations[${i}] must be an object`;
    const { unique_key, provider, display_name, forward_webhooks, credentials, connections, integration_config } = item;
    if (typeof unique_key !== 'string' || typeof provider !== 'string') return `integrations[${i}] needs string unique_key and provider`;
    const seed: SeedIntegration = { unique_key, provider };
    if (typeof display_name === 'string') seed.display_name = display_name;
    if (typeof forward_webhooks === 'boolean') seed.forward_webhooks = forward_webhooks;
    if (credentials === null || isJsonObject(credentials)) seed.credentials = credentials;
    if (typeof connections === 'number' && Number.isInteger(connections) && connections >= 0) seed.connections = connections;
    if (isStringRecord(integration_config)) seed.integration_config = integration_config;
    seeds.push(seed);
  }
  return seeds;
}

function parseFaults(value: unknown): FaultConfig | undefined | string {
  if (value === null || value === undefined) return undefined;
  if (!isJsonObject(value)) return 'faults must be an object or null';
  const { rate, kinds, methods } = value;
  if (typeof rate !== 'number' || rate < 0 || rate > 1) return 'rate must be a number in 0..1';
  if (!Array.isArray(kinds) || !kinds.every((kind): kind is FaultKind => FAULT_KINDS.includes(kind as FaultKind))) {
    return `kinds must list some of ${FAULT_KINDS.join(', ')}`;
  }
  const config: FaultConfig = { rate, kinds };
  if (methods !== undefined) {
    if (!Array.isArray(methods) || !methods.every((m): m is string => typeof m === 'string')) return 'methods must be strings';
    config.methods = methods;
  }
  return config;
}

function environmentOf(value: unknown, fallback: string): string {
  return typeof value === 'string' && value.length > 0 ? value : fallback;
}

export function handleControlRequest(emulator: Emulator, method: string, pathname: string, search: URLSearchParams, body: unknown): ApiResponse {
  const action = `${method} ${pathname.slice(CONTROL_PREFIX.length - 1)}`;
  const input = isJsonObject(body) ? body : {};
  switch (action) {
    case 'GET /integrations':
      return jsonResponse(200, emulator.integrations(environmentOf(search.get('environment'), 'dev')));
    case 'GET /requests':
      return jsonResponse(200, emulator.requests);
    case 'POST /seed': {
      const seeds = parseSeedIntegrations(input['integrations']);
      if (typeof seeds === 'string') return badRequest(seeds);
      emulator.seed(seeds, environmentOf(input['environment'], 'dev'));
      return OK;
    }
    case 'POST /connections': {
      const { unique_key, count } = input;
      if (typeof unique_key !== 'string' || typeof count !== 'number' || !Number.isInteger(count) || count < 0) {
        return badRequest('needs unique_key (string) and count (non-negative integer)');
      }
      try {
        emulator.setConnections(unique_key, count, environmentOf(input['environment'], 'dev'));
      } catch (error) {
        return jsonResponse(404, { error: { code: 'not_found', message: error instanceof Error ? error.message : String(error) } });
      }
      return OK;
    }
    case 'POST /faults': {
      const faults = parseFaults(body);
      if (typeof faults === 'string') return badRequest(faults);
      emulator.setFaults(faults);
      return OK;
    }
    case 'POST /latency': {
      const ms = input['ms'];
      if (typeof ms !== 'number' || ms < 0) return badRequest('needs ms (non-negative number)');
      emulator.setLatency(ms);
      return OK;
    }
    case 'POST /rate-limit': {
      const { perMinute, windowMs } = input;
      if (typeof perMinute !== 'number' || perMinute < 0) return badRequest('needs perMinute (non-negative number)');
      emulator.setRateLimit(perMinute, typeof windowMs === 'number' && windowMs > 0 ? windowMs : undefined);
      return OK;
    }
    case 'POST /echo': {
      const on = input['on'];
      if (typeof on !== 'boolean') return badRequest('needs on (boolean)');
      emulator.setEchoRequestBody(on);
      return OK;
    }
    case 'POST /clear-requests':
      emulator.clearRequests();
      return OK;
    case 'POST /reset':
      emulator.reset();
      return OK;
    default:
      return jsonResponse(404, { error: { code: 'not_found', message: `no control endpoint ${action}` } });
  }
}

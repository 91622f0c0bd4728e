import { afterAll, beforeAll, beforeEach } from 'vitest';
import { DEFAULT_SECRET_KEY, startEmulator, type Emulator, type EmulatorOptions } from '../emulator/server.js';

export interface EmulatorFixture {
  /** The running emulator (replaceable by tests that need other options). */
  emu: Emulator;
  /** The environment a CLI process needs to talk to it, plus extra variables. */
  env(extra?: Record<string, string>): Record<string, string>;
}

/** One emulator per test file, emptied before each test. */
export function useEmulator(options?: EmulatorOptions): EmulatorFixture {
  const fixture = {
    emu: undefined as unknown as Emulator,
    env(extra: Record<string, string> = {}): Record<string, string> {
      return { NANGO_SECRET_KEY: DEFAULT_SECRET_KEY, NANGO_HOST: fixture.emu.url, ...extra };
    },
  };
  beforeAll(async () => {
    fixture.emu = await startEmulator(options);
  });
  afterAll(async () => {
    await fixture.emu.close();
  });
  beforeEach(() => fixture.emu.reset());
  return fixture;
}

/** The secret keys of the two environments useTwoEnvironments() serves. */
export const ENVIRONMENT_KEYS = { dev: 'd1e2f3a4-b5c6-4d7e-8f90-a1b2c3d4e5f6', prod: 'a9b8c7d6-e5f4-4a3b-9c2d-1e0f9a8b7c6d' } as const;

/** One emulator serving two environments, dev and prod, each opened by its own secret key (as Nango does). */
export function useTwoEnvironments(keys: { dev: string; prod: string } = ENVIRONMENT_KEYS): EmulatorFixture {
  return useEmulator({
    keys: [
      { secretKey: keys.dev, environment: 'dev' },
      { secretKey: keys.prod, environment: 'prod' },
    ],
  });
}

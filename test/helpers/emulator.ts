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

import { defineConfig } from 'vitest/config';

const shared = { testTimeout: 30_000, hookTimeout: 30_000, pool: 'forks' as const, globalSetup: ['test/helpers/temp-root.ts'] };

export default defineConfig({
  test: {
    projects: [
      // Unit, property, CLI and hostile-input tests: many short processes, run in parallel.
      { test: { ...shared, name: 'main', include: ['test/**/*.test.ts'], exclude: ['test/daemon/**', 'test/faults/**'] } },
      // The daemon's tests assert latencies (an edit applied within 2 s) and the fault tests kill
      // processes at chosen moments: they run after the rest, so a loaded CI box does not skew them.
      { test: { ...shared, name: 'timing', include: ['test/daemon/**/*.test.ts', 'test/faults/**/*.test.ts'], sequence: { groupOrder: 1 } } },
    ],
  },
});

import type { FaultConfig } from '../emulator/server.js';

/** Issue 6: 30% of API requests fail, with every kind of fault the emulator can inject. */
export const ALL_FAULTS: FaultConfig = {
  rate: 0.3,
  kinds: ['500', '503-html', '429-retry-0', '429-retry-1', 'reset', 'hang', 'lost-answer'],
};

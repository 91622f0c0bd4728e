import type { LevelWithSilent } from 'pino';
import type { Logger } from '../log.js';

/**
 * What plan, apply and export log through: a request line at debug, export's progress at info. A level
 * used here must be added to the type and to QUIETEST below, or no line at it would ever be written.
 */
export type CliLog = Pick<Logger, 'debug' | 'info'> & { child(bindings: Record<string, unknown>): CliLog };

const LEVEL_VALUES: Record<LevelWithSilent, number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60, silent: Infinity };
/** The least verbose level the CLI writes a line at. */
const QUIETEST = LEVEL_VALUES.info;

const quiet: CliLog = { debug: () => undefined, info: () => undefined, child: () => quiet };

/**
 * Importing pino costs about as much CPU as the rest of a small plan (~25 ms), and at the default level
 * (warn) the CLI writes no line: it is loaded only when a line can pass the level.
 */
export async function createCliLog(level: LevelWithSilent, fd: 1 | 2): Promise<CliLog> {
  if (LEVEL_VALUES[level] > QUIETEST) return quiet;
  const { createLogger } = await import('../log.js');
  return createLogger({ level, fd });
}

import type { Readable } from 'node:stream';

/**
 * Splits a child's stdout into lines and parses each as JSON (pino writes one object a line). A line that
 * is not JSON is passed on as `undefined` with its text, so a stray print is visible rather than lost.
 */
export function onJsonLines(stream: Readable, onLine: (value: Record<string, unknown> | undefined, raw: string) => void, onChunk?: (text: string) => void): void {
  let partial = '';
  stream.on('data', (chunk: Buffer) => {
    const text = chunk.toString();
    onChunk?.(text);
    partial += text;
    const parts = partial.split('\n');
    partial = parts.pop() ?? '';
    for (const part of parts) {
      if (part.trim() === '') continue;
      let value: Record<string, unknown> | undefined;
      try {
        value = JSON.parse(part) as Record<string, unknown>;
      } catch {
        value = undefined;
      }
      onLine(value, part);
    }
  });
}

// Answers of any size for the response-size-cap tests, generated while they are sent and never held in
// memory: `{"padding":"xxx…","data":…}` is still a valid Nango answer (the client reads only `data`).
import { Readable } from 'node:stream';

const CHUNK = Buffer.alloc(64 * 1024, 'x');

/** `body` (a JSON object) with `bytes` extra bytes of padding inside it, streamed. */
export function paddedBody(body: string, bytes: number): Readable {
  const rest = body.trimStart().slice(1);
  const tail = rest.trimStart().startsWith('}') ? '"}' : '",';
  let left = bytes;
  let stage: 'head' | 'pad' | 'tail' | 'done' = 'head';
  return new Readable({
    read() {
      while (stage !== 'done') {
        let chunk: Buffer | string;
        if (stage === 'head') {
          chunk = '{"padding":"';
          stage = 'pad';
        } else if (stage === 'pad' && left > 0) {
          chunk = left >= CHUNK.length ? CHUNK : CHUNK.subarray(0, left);
          left -= chunk.length;
        } else if (stage === 'pad') {
          stage = 'tail';
          continue;
        } else {
          chunk = `${tail}${rest}`;
          stage = 'done';
          this.push(chunk);
          this.push(null);
          return;
        }
        // Stop when the consumer is full: the rest is generated only if it reads on.
        if (!this.push(chunk)) return;
      }
    },
  });
}

// The floor of the wall-time benchmark: a bare node:http client (keep-alive agent, nothing else) sending the
// same 1 + N requests at the same concurrency to the same emulator. What the CLI takes beyond it is its own
// start-up, config stage and CPU; what this takes beyond the round-trip bound is the machine's and the
// emulator's (timer slack, scheduling), which no change to the CLI removes.
import { DEFAULT_SECRET_KEY } from '../test/emulator/server.js';
import { runNode, type ProcessResult } from './process.js';

/** CommonJS for `node -e`: list, then every detail read with the CLI's query, `concurrency` at a time. */
const SCRIPT = `
const http = require('node:http');
const [base, key, concurrency] = process.argv.slice(1);
const agent = new http.Agent({ keepAlive: true });
const get = (path) => new Promise((resolve, reject) => {
  const req = http.request(base + path, { agent, headers: { authorization: 'Bearer ' + key, accept: 'application/json' } }, (res) => {
    const chunks = [];
    res.on('data', (chunk) => chunks.push(chunk));
    res.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString('utf8'))));
    res.on('error', reject);
  });
  req.on('error', reject);
  req.end();
});
(async () => {
  const list = (await get('/integrations')).data;
  let next = 0;
  await Promise.all(Array.from({ length: Number(concurrency) }, async () => {
    while (next < list.length) await get('/integrations/' + encodeURIComponent(list[next++].unique_key) + '?include%5B%5D=credentials&include%5B%5D=webhook');
  }));
  agent.destroy();
})().catch((error) => { console.error(String(error)); process.exit(1); });
`;

export function runBareClient(emulatorUrl: string, concurrency: number): Promise<ProcessResult> {
  return runNode(['-e', SCRIPT, emulatorUrl, DEFAULT_SECRET_KEY, String(concurrency)]);
}

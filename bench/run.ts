import { Reporter } from './figures.js';
import { benchDaemon } from './daemon.js';
const r = new Reporter();
await benchDaemon(r);

// The `settings:` and `environments:` entries of the config an export of several environments read its
// hosts and keys from, to write them into the exported config: it then stands alone. Copied as nodes, so
// the user's comments come along; only the exported environments are kept.
import { readFile } from 'node:fs/promises';
import { Document, isMap, isNode, isScalar, Pair, parseDocument, visit } from 'yaml';
import { interpolateString } from '../config/interpolate.js';
import { keyVariable, type EnvironmentsBlock } from '../config/environments.js';
import type { BlockVariable } from './documents.js';

const COPIED = ['settings', 'environments'] as const;

function record(v: unknown): Record<string, unknown> | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

const keyOf = (pair: Pair): unknown => (isScalar(pair.key) ? pair.key.value : pair.key);

/** The entries as YAML nodes, comments included; from the parsed values (no comments) if the file changed since. */
async function copiedPairs(block: EnvironmentsBlock, selected: ReadonlySet<string>): Promise<Pair[]> {
  const root = record(block.file.value) ?? {};
  const expected: Record<string, unknown> = {};
  for (const k of COPIED) {
    if (!Object.hasOwn(root, k)) continue;
    expected[k] = k === 'environments' ? Object.fromEntries(Object.entries(record(root[k]) ?? {}).filter(([name]) => selected.has(name))) : root[k];
  }
  const fromValues = (): Pair[] => {
    const doc = new Document();
    return Object.entries(expected).map(([k, value]) => new Pair(doc.createNode(k), doc.createNode(value)));
  };
  const text = await readFile(block.file.file.path, 'utf8').catch(() => undefined);
  if (text === undefined) return fromValues();
  const doc = parseDocument(text.startsWith('\uFEFF') ? text.slice(1) : text, { uniqueKeys: true });
  if (doc.errors.length > 0 || !isMap(doc.contents)) return fromValues();
  const pairs: Pair[] = [];
  for (const k of COPIED) {
    const pair = doc.contents.items.find((p) => keyOf(p) === k);
    if (!pair) continue;
    if (k === 'environments' && isMap(pair.value)) pair.value.items = pair.value.items.filter((p) => selected.has(String(keyOf(p))));
    pairs.push(pair);
  }
  // The source's own `$schema` line is relative to where it was; the written file has its own.
  for (const pair of pairs) {
    const key: unknown = pair.key;
    if (isNode(key) && key.commentBefore) {
      const kept = key.commentBefore.split('\n').filter((line) => !/^\s*yaml-language-server:/.test(line));
      key.commentBefore = kept.length > 0 ? kept.join('\n') : undefined;
    }
  }
  // An alias would point at an anchor outside what is copied; and the copy must say what was read.
  let alias = false;
  for (const pair of pairs) if (isNode(pair.value)) visit(pair.value, { Alias: () => ((alias = true), visit.BREAK) });
  const copied = Object.fromEntries(pairs.map((p) => [String(keyOf(p)), (isNode(p.value) ? p.value.toJS(doc) : p.value) as unknown]));
  return alias || JSON.stringify(copied) !== JSON.stringify(expected) ? fromValues() : pairs;
}

/** The variables an entry reads: its secret key, and those its host names (optional when they have a default). */
function entryVariables(block: EnvironmentsBlock, name: string): BlockVariable[] {
  const entry = block.entries.get(name);
  if (!entry) return [];
  const out: BlockVariable[] = [];
  const key = keyVariable(entry);
  if (key !== undefined) out.push({ name: key, environment: name, field: 'secret_key', optional: false });
  const host = entry.value['host'];
  if (typeof host === 'string') {
    const r = interpolateString(host, () => undefined, { allowMissing: true });
    for (const variable of r.references) out.push({ name: variable, environment: name, field: 'host', optional: !r.missing.includes(variable) });
  }
  return out;
}

export async function copyEnvironmentsBlock(block: EnvironmentsBlock, selected: readonly string[]): Promise<{ head: Pair[]; variables: BlockVariable[] }> {
  return {
    head: await copiedPairs(block, new Set(selected)),
    variables: selected.flatMap((name) => entryVariables(block, name)),
  };
}

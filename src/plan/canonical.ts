import { createHash } from 'node:crypto';

/** JSON with object keys sorted, so equal values always hash alike. */
export function canonicalJson(value: unknown): string {
  // The direct writer handles plain data (all that plans and configs hold) without a replacer call per
  // value; anything else (toJSON, class instances, cycles, BigInt) takes JSON.stringify's own path.
  const direct = writeValue(value, 0);
  return direct !== FALLBACK && direct !== undefined ? direct : replacerJson(value);
}

/** The definition: JSON.stringify with every object replaced by a key-sorted copy. */
export function replacerJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      // Null prototype: a key named `__proto__` is copied as data, not taken as the object's prototype.
      const sorted: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
      for (const k of Object.keys(v).sort()) sorted[k] = (v as Record<string, unknown>)[k];
      return sorted;
    }
    return v;
  });
}

const FALLBACK = Symbol('fallback');
const MAX_DEPTH = 500;
/** Keys an object lists first, in numeric order, whatever order they were added in (array indices). */
const INDEX_KEY = /^(?:0|[1-9][0-9]*)$/;

/** undefined: nothing (a value JSON leaves out); FALLBACK: not plain data. */
function writeValue(v: unknown, depth: number): string | undefined | typeof FALLBACK {
  switch (typeof v) {
    case 'string':
      return JSON.stringify(v);
    case 'number':
      return Number.isFinite(v) ? String(v) : 'null';
    case 'boolean':
      return v ? 'true' : 'false';
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
    case 'bigint':
      return FALLBACK;
  }
  if (v === null) return 'null';
  if (depth > MAX_DEPTH) return FALLBACK;
  if (Array.isArray(v)) {
    if (Object.getPrototypeOf(v) !== Array.prototype) return FALLBACK;
    let out = '[';
    for (let i = 0; i < v.length; i++) {
      const item = writeValue(v[i], depth + 1);
      if (item === FALLBACK) return FALLBACK;
      out += `${i > 0 ? ',' : ''}${item ?? 'null'}`;
    }
    return `${out}]`;
  }
  const proto: unknown = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) return FALLBACK;
  const record = v as Record<string, unknown>;
  if (typeof record['toJSON'] === 'function') return FALLBACK;
  const keys = Object.keys(record).sort();
  // The sorted copy lists array-index keys first (an object's own order), as the definition does.
  const ordered = keys.some((k) => INDEX_KEY.test(k) && Number(k) < 4294967295) ? indexKeysFirst(keys) : keys;
  let out = '{';
  let first = true;
  for (const k of ordered) {
    const item = writeValue(record[k], depth + 1);
    if (item === FALLBACK) return FALLBACK;
    if (item === undefined) continue;
    out += `${first ? '' : ','}${JSON.stringify(k)}:${item}`;
    first = false;
  }
  return `${out}}`;
}

function indexKeysFirst(sorted: readonly string[]): string[] {
  const copy: Record<string, true> = Object.create(null) as Record<string, true>;
  for (const k of sorted) copy[k] = true;
  return Object.keys(copy);
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

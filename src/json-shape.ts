// Exact-shape checks for JSON files the tool wrote earlier and reads back (the fingerprint state file,
// a reviewed plan). A damaged or hand-edited file must be one clear line naming where it is wrong,
// never a crash deep inside apply or a silently dropped entry.

export interface ShapeProblem {
  /** JSONPath-like address of the offending value, e.g. `$.environments.abc.integrations`. */
  path: string;
  message: string;
}

export interface Shape {
  /** What a value of this shape is, for messages: "a string", "an object". */
  readonly expected: string;
  /** The first place where `value` does not fit, or undefined when it fits everywhere. */
  check(value: unknown, path: string): ShapeProblem | undefined;
}

/** Checks from the root `$`; the problem, if any, as `$.a.b: expected a string`. */
export function shapeProblem(shape: Shape, value: unknown): string | undefined {
  const problem = shape.check(value, '$');
  return problem && `${problem.path}: ${problem.message}`;
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** `.key` when readable as is, else `["key"]`: a key may hold dots, spaces or control characters. */
export function childPath(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  return IDENTIFIER.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

function simple(expected: string, fits: (value: unknown) => boolean): Shape {
  return { expected, check: (value, path) => (fits(value) ? undefined : { path, message: `expected ${expected}` }) };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

export const string: Shape = simple('a string', (v) => typeof v === 'string');

/** Any JSON value (a field's before/after). */
export const json: Shape = { expected: 'a JSON value', check: () => undefined };

export function literal(...values: ReadonlyArray<string | number | boolean>): Shape {
  const shown = values.map((v) => JSON.stringify(v));
  return simple(shown.length === 1 ? shown[0]! : `one of ${shown.join(', ')}`, (v) => values.includes(v as string));
}

export function integer(min: number, max = Number.MAX_SAFE_INTEGER): Shape {
  const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `from ${min} to ${max}`;
  return simple(`a whole number ${range}`, (v) => Number.isSafeInteger(v) && (v as number) >= min && (v as number) <= max);
}

export function either(first: Shape, second: Shape): Shape {
  const expected = `${first.expected} or ${second.expected}`;
  return { expected, check: (value, path) => (first.check(value, path) && second.check(value, path) ? { path, message: `expected ${expected}` } : undefined) };
}

export function arrayOf(item: Shape): Shape {
  return {
    expected: 'an array',
    check(value, path) {
      if (!Array.isArray(value)) return { path, message: 'expected an array' };
      for (let i = 0; i < value.length; i++) {
        const problem = item.check(value[i], childPath(path, i));
        if (problem) return problem;
      }
      return undefined;
    },
  };
}

/** An object used as a map: any keys (`__proto__` included), every value of one shape. */
export function recordOf(item: Shape): Shape {
  return {
    expected: 'an object',
    check(value, path) {
      if (!isObject(value)) return { path, message: 'expected an object' };
      for (const [key, v] of Object.entries(value)) {
        const problem = item.check(v, childPath(path, key));
        if (problem) return problem;
      }
      return undefined;
    },
  };
}

/** An object with exactly these keys: every required one, any optional ones, nothing else. */
export function object(required: Readonly<Record<string, Shape>>, optional: Readonly<Record<string, Shape>> = {}): Shape {
  return {
    expected: 'an object',
    check(value, path) {
      if (!isObject(value)) return { path, message: 'expected an object' };
      for (const [key, shape] of Object.entries(required)) {
        if (!Object.hasOwn(value, key)) return { path: childPath(path, key), message: `missing (expected ${shape.expected})` };
      }
      for (const [key, v] of Object.entries(value)) {
        const shape = Object.hasOwn(required, key) ? required[key] : Object.hasOwn(optional, key) ? optional[key] : undefined;
        if (shape === undefined) return { path: childPath(path, key), message: 'unexpected key' };
        const problem = shape.check(v, childPath(path, key));
        if (problem) return problem;
      }
      return undefined;
    },
  };
}

// Docker Compose's interpolation rules, applied to string values after YAML parsing so that an
// environment value can never change the document's structure. Hand-written scanner: no regex
// replace() with a string replacement, so `$&`, `$'` or `$1` inside a value are inserted verbatim.

/** A variable's value; undefined when unset; `{ error }` when it cannot be read (e.g. a bad `_FILE`). */
export type LookupResult = string | undefined | { error: string };
export type Lookup = (name: string) => LookupResult;

export interface InterpolateOptions {
  /** validate --allow-missing-env: unset variables become "" and are reported in `missing`. */
  allowMissing?: boolean;
  /** Returns why a variable may not be referenced at all (checked even in defaults that are not used). */
  checkName?: (name: string) => string | undefined;
}

export interface InterpolationError {
  message: string;
  /** The variable concerned, when there is one. */
  name?: string;
}

export interface InterpolationResult {
  value: string;
  /** At least one variable was resolved from the environment (not merely its literal default). */
  sensitive: boolean;
  /** Every well-formed variable name the text refers to, in order, once each. */
  references: string[];
  /** Unset variables replaced by "" because of `allowMissing`. */
  missing: string[];
  errors: InterpolationError[];
}

type Operator = ':-' | '-' | ':?' | '?' | ':+' | '+';

type Segment =
  | { kind: 'text'; text: string }
  | { kind: 'ref'; name: string; op?: Operator; arg: Segment[]; message: string };

/** `${A:-${B}}` is supported; a reference inside B's default is not. */
const MAX_NESTING = 1;

const isNameStart = (c: string | undefined): boolean => c !== undefined && /[A-Za-z_]/.test(c);
const isNameChar = (c: string | undefined): boolean => c !== undefined && /[A-Za-z0-9_]/.test(c);

const NAME_RULE = 'a name starts with a letter or "_" and holds only letters, digits and "_"';

class Parser {
  pos = 0;
  readonly errors: InterpolationError[] = [];

  constructor(private readonly text: string) {}

  sequence(depth: number, inBraces: boolean): Segment[] {
    const segments: Segment[] = [];
    let literal = '';
    const flush = (): void => {
      if (literal !== '') segments.push({ kind: 'text', text: literal });
      literal = '';
    };
    const text = this.text;
    while (this.pos < text.length) {
      const c = text[this.pos];
      if (inBraces && c === '}') break;
      if (c !== '$') {
        literal += c;
        this.pos++;
        continue;
      }
      const next = text[this.pos + 1];
      if (next === '$') {
        literal += '$';
        this.pos += 2;
      } else if (isNameStart(next)) {
        flush();
        this.pos++;
        const name = this.name();
        if (depth > MAX_NESTING) this.tooDeep(name);
        segments.push({ kind: 'ref', name, arg: [], message: '' });
      } else if (next === '{') {
        flush();
        const ref = this.braced(depth);
        if (ref) segments.push(ref);
      } else {
        // Compose leaves a `$` that starts no reference alone.
        literal += '$';
        this.pos++;
      }
    }
    flush();
    return segments;
  }

  private name(): string {
    const start = this.pos;
    while (isNameChar(this.text[this.pos])) this.pos++;
    return this.text.slice(start, this.pos);
  }

  private tooDeep(name: string): void {
    this.errors.push({ message: `reference to ${name} is nested too deeply (only one level of nesting in defaults is supported)`, name });
  }

  /** Skips to the brace closing the current `${`, so one malformed reference yields one error. */
  private skipToClose(): boolean {
    let depth = 1;
    while (this.pos < this.text.length) {
      const c = this.text[this.pos++];
      if (c === '{') depth++;
      else if (c === '}' && --depth === 0) return true;
    }
    return false;
  }

  private braced(depth: number): Segment | undefined {
    const text = this.text;
    this.pos += 2;
    if (!isNameStart(text[this.pos])) {
      if (text[this.pos] === '}') {
        this.errors.push({ message: 'empty variable reference "${}"' });
        this.pos++;
      } else if (this.pos >= text.length) {
        this.errors.push({ message: 'unclosed variable reference: "${" without "}"' });
      } else {
        this.errors.push({ message: `invalid variable name in "\${...}": ${NAME_RULE}` });
        this.skipToClose();
      }
      return undefined;
    }
    const name = this.name();
    if (depth > MAX_NESTING) this.tooDeep(name);
    const c = text[this.pos];
    if (c === undefined) {
      this.errors.push({ message: `unclosed variable reference "\${${name}": missing "}"`, name });
      return undefined;
    }
    if (c === '}') {
      this.pos++;
      return { kind: 'ref', name, arg: [], message: '' };
    }
    let op: Operator;
    const two = text.slice(this.pos, this.pos + 2);
    if (two === ':-' || two === ':?' || two === ':+') {
      op = two;
      this.pos += 2;
    } else if (c === '-' || c === '?' || c === '+') {
      op = c;
      this.pos++;
    } else {
      this.errors.push({
        message: `invalid variable reference "\${${name}...": expected "}", ":-", "-", ":?", "?", ":+" or "+" after the name`,
        name,
      });
      this.skipToClose();
      return undefined;
    }
    if (op === ':?' || op === '?') {
      // The message is shown as written, never interpolated.
      const start = this.pos;
      if (!this.skipToClose()) {
        this.errors.push({ message: `unclosed variable reference "\${${name}${op}": missing "}"`, name });
        return undefined;
      }
      return { kind: 'ref', name, op, arg: [], message: text.slice(start, this.pos - 1) };
    }
    const arg = this.sequence(depth + 1, true);
    if (text[this.pos] !== '}') {
      this.errors.push({ message: `unclosed variable reference "\${${name}${op}": missing "}"`, name });
      return undefined;
    }
    this.pos++;
    return { kind: 'ref', name, op, arg, message: '' };
  }
}

function collectNames(segments: readonly Segment[], into: string[]): void {
  for (const s of segments) {
    if (s.kind !== 'ref') continue;
    if (!into.includes(s.name)) into.push(s.name);
    collectNames(s.arg, into);
  }
}

/** Interpolates one string. Pure (given a pure lookup) and total: it never throws. */
export function interpolateString(text: string, lookup: Lookup, options: InterpolateOptions = {}): InterpolationResult {
  const parser = new Parser(text);
  const segments = parser.sequence(0, false);
  const errors = [...parser.errors];
  const references: string[] = [];
  collectNames(segments, references);

  const refused = new Set<string>();
  for (const name of references) {
    const why = options.checkName?.(name);
    if (why !== undefined) {
      refused.add(name);
      errors.push({ message: why, name });
    }
  }

  let sensitive = false;
  const missing: string[] = [];
  const unset = (name: string, message: string): string => {
    if (options.allowMissing) {
      if (!missing.includes(name)) missing.push(name);
    } else {
      errors.push({ message, name });
    }
    return '';
  };

  const evaluate = (segs: readonly Segment[]): string => {
    let out = '';
    for (const s of segs) out += s.kind === 'text' ? s.text : resolve(s);
    return out;
  };

  const resolve = (ref: Extract<Segment, { kind: 'ref' }>): string => {
    if (refused.has(ref.name)) return '';
    const found = lookup(ref.name);
    if (typeof found === 'object') {
      errors.push({ message: found.error, name: ref.name });
      return '';
    }
    const fromEnv = (v: string): string => {
      sensitive = true;
      return v;
    };
    const name = ref.name;
    switch (ref.op) {
      case undefined:
        return found === undefined ? unset(name, `${name} is not set`) : fromEnv(found);
      case ':-':
        return found !== undefined && found !== '' ? fromEnv(found) : evaluate(ref.arg);
      case '-':
        return found !== undefined ? fromEnv(found) : evaluate(ref.arg);
      case ':?':
        if (found !== undefined && found !== '') return fromEnv(found);
        if (found === undefined) return unset(name, ref.message ? `${name}: ${ref.message}` : `${name} is not set`);
        errors.push({ message: ref.message ? `${name}: ${ref.message}` : `${name} is empty`, name });
        return '';
      case '?':
        if (found !== undefined) return fromEnv(found);
        return unset(name, ref.message ? `${name}: ${ref.message}` : `${name} is not set`);
      case ':+':
        return found !== undefined && found !== '' ? evaluate(ref.arg) : '';
      case '+':
        return found !== undefined ? evaluate(ref.arg) : '';
    }
  };

  const value = evaluate(segments);
  return { value, sensitive, references, missing, errors };
}

import { Composer, isAlias, isMap, isScalar, isSeq, LineCounter, YAMLParseError, type Document, type Node } from 'yaml';
import { error, warning } from './diagnostics.js';
import type { ConfigFile } from './discover.js';
import { SourcePositions, type Position } from './positions.js';
import { readRegularFile } from './regular-file.js';
import type { Diagnostic, SourceLocation } from './types.js';
import { lexAll, parseAll } from './yaml-push.js';

export type { NodePositions, Position } from './positions.js';

/** Bigger than any sane integrations file, small enough that a wrong `-c` cannot exhaust memory. */
export const MAX_FILE_BYTES = 4 * 1024 * 1024;
/**
 * The yaml library keeps every node with its source range: a 4 MiB flow list of 2 million one-character
 * items took ~70 s and ~3 GB. Counting tokens before the parser sees any (the lexer alone allocates
 * little) bounds that; 10,000 real integrations in one file are ~700,000 tokens.
 */
export const MAX_TOKENS = 1_500_000;

/**
 * The file's tokens, from the one lexer pass the parser then reads; undefined beyond MAX_TOKENS. They
 * are kept rather than fed to the parser as they come: its syntax tree of 1.5 million tokens would not
 * fit where the refusal must (a 128 MB heap), while the tokens are mostly slices of the text.
 */
function lexBounded(text: string): string[] | undefined {
  return lexAll(text, MAX_TOKENS);
}

/** yaml's parseDocument, from tokens already lexed: the first document, and an error if another follows. */
function composeDocument(text: string, lexemes: readonly string[], lineCounter: LineCounter): Document.Parsed {
  // prettyErrors would quote the offending source line, and that line may hold a secret.
  const composer = new Composer({ lineCounter, prettyErrors: false, uniqueKeys: true });
  lineCounter.addNewLine(0);
  // Every document's tokens at once: no more than the first document's when there is one, and bounded by MAX_TOKENS.
  const tokens = parseAll(lexemes, lineCounter.addNewLine);
  let doc: Document.Parsed | undefined;
  for (const next of composer.compose(tokens, true, text.length)) {
    if (doc === undefined) {
      doc = next;
    } else {
      doc.errors.push(new YAMLParseError([next.range[0], next.range[1]], 'MULTIPLE_DOCS', 'Source contains multiple documents; please use YAML.parseAllDocuments()'));
      break;
    }
  }
  // compose(..., forceDoc = true) always yields a document.
  return doc!;
}
/**
 * Values an alias may produce, summed over the document. yaml's own guard (toJS maxAliasCount) lets
 * 99 aliases of one 200,000-item list through: a 400 KB file then expands to 20 M values and exhausts
 * memory. Counting what expansion produces bounds it whatever the shape; real configs alias a few
 * credential blocks, far below this.
 */
export const MAX_ALIAS_EXPANSION = 10_000;

const EMPTY_FILE = 'config file is empty (only whitespace, comments or null); write "integrations: []" to declare no integration in it';

const ALIAS_BOMB = 'too many alias expansions (possible "billion laughs" document); refusing it';

const CORE = 'tag:yaml.org,2002:';

/**
 * The explicit tags whose values are JSON data, and whether a node fits its tag: the core schema's
 * `!!str 5` is "5", but `!!int abc` is left a string with only a warning. Every other tag (`!!binary`,
 * `!!timestamp`, `!!set`, `!!omap`, `!!pairs`, `!custom`) would be converted silently into something else.
 */
const PLAIN_TAGS: ReadonlyMap<string, (node: Node) => boolean> = new Map([
  ['!', () => true],
  [`${CORE}str`, (n: Node) => isScalar(n) && typeof n.value === 'string'],
  [`${CORE}int`, (n: Node) => isScalar(n) && Number.isInteger(n.value)],
  [`${CORE}float`, (n: Node) => isScalar(n) && typeof n.value === 'number'],
  [`${CORE}bool`, (n: Node) => isScalar(n) && typeof n.value === 'boolean'],
  [`${CORE}null`, (n: Node) => isScalar(n) && n.value === null],
  [`${CORE}map`, (n: Node) => isMap(n)],
  [`${CORE}seq`, (n: Node) => isSeq(n)],
]);

/** The tag as written in short form where there is one; long tags are cut (messages stay one short line). */
function shownTag(tag: string): string {
  const shown = tag.startsWith(CORE) ? `!!${tag.slice(CORE.length)}` : tag.startsWith('!') ? tag : `!<${tag}>`;
  return shown.length > 60 ? `${shown.slice(0, 57)}...` : shown;
}

function tagProblem(node: Node): string | undefined {
  if (node.tag === undefined) return undefined;
  const fits = PLAIN_TAGS.get(node.tag);
  if (fits === undefined) return `YAML tag ${shownTag(node.tag)} is not allowed: config values are plain data (strings, numbers, booleans, null, mappings, lists)`;
  return fits(node) ? undefined : `value does not fit its YAML tag ${shownTag(node.tag)}`;
}

/** Thrown inside the converter to abandon a document that expands too much. */
class ExpansionLimit extends Error {}

export interface ParsedFile {
  file: ConfigFile;
  /** Plain JSON-like value; null for an empty document. */
  value: unknown;
  /** Keyed by JSON Pointer, the same addresses ajv reports as `instancePath`. */
  positions: SourcePositions;
}

export interface LoadedFile {
  parsed?: ParsedFile;
  diagnostics: Diagnostic[];
}

function at(file: ConfigFile, p: Position): SourceLocation {
  return { file: file.display, line: p.line, column: p.column };
}

function top(file: ConfigFile): SourceLocation {
  return { file: file.display, line: 1, column: 1 };
}

function readText(file: ConfigFile): { text: string } | { problem: string } {
  try {
    // Type and size first, on the opened file: a FIFO would block a read, a huge file would fill memory.
    const read = readRegularFile(file.path, MAX_FILE_BYTES);
    if ('notFile' in read) return { problem: 'not a regular file' };
    if ('tooLarge' in read) return { problem: read.grew ? 'file is larger than 4 MiB; refusing to read it' : `file is larger than 4 MiB (${read.tooLarge} bytes); refusing to read it` };
    const bytes = read.bytes;
    if (bytes.includes(0)) return { problem: 'not a text file (it contains NUL bytes)' };
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      return { problem: 'not a text file (it is not valid UTF-8)' };
    }
    return { text: text.startsWith('\uFEFF') ? text.slice(1) : text };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EPERM') return { problem: 'cannot read file: permission denied' };
    if (code === 'ENOENT') return { problem: 'file disappeared while reading' };
    return { problem: `cannot read file: ${code ?? 'unknown error'}` };
  }
}

const MESSAGES: Partial<Record<string, string>> = {
  DUPLICATE_KEY: 'duplicate key in the same mapping',
  TAB_AS_INDENT: 'tabs are not allowed as indentation; use spaces',
  MULTIPLE_DOCS: 'a config file may hold only one YAML document (found "---" starting another)',
};

function parseRead(file: ConfigFile, read: { text: string } | { problem: string }): LoadedFile {
  if ('problem' in read) return { diagnostics: [error(read.problem, { location: top(file) })] };
  return parseConfigText(file, read.text);
}

/**
 * Reads and parses each file in turn; every problem becomes a diagnostic with a position, nothing throws.
 * Reads are synchronous: a config's files are small and local, and each promise-based call was a round trip
 * through the thread pool (four per file) that a few files' start-up waited on in turn.
 */
export function* loadConfigFiles(files: readonly ConfigFile[]): Generator<LoadedFile> {
  for (const file of files) yield parseRead(file, readText(file));
}

export function parseConfigText(file: ConfigFile, text: string): LoadedFile {
  const lexemes = lexBounded(text);
  if (lexemes === undefined) {
    const limit = MAX_TOKENS.toLocaleString('en-US');
    return { diagnostics: [error(`too large to parse safely (more than ${limit} YAML tokens); split it into several files`, { location: top(file) })] };
  }
  const lineCounter = new LineCounter();
  const doc = composeDocument(text, lexemes, lineCounter);
  const pos = (offset: number): Position => {
    const lp = lineCounter.linePos(offset);
    return { line: lp.line, column: lp.col };
  };
  const diagnostics: Diagnostic[] = [];
  for (const e of doc.errors) {
    const message = MESSAGES[e.code] ?? firstLine(e.message);
    diagnostics.push(error(message, { location: at(file, pos(e.pos[0])) }));
  }
  for (const w of doc.warnings) {
    // The converter reports every tag problem as an error, at the tagged value.
    if (w.code === 'TAG_RESOLVE_FAILED') continue;
    diagnostics.push(warning(firstLine(w.message), { location: at(file, pos(w.pos[0])) }));
  }
  if (doc.errors.length > 0) return { diagnostics };

  const positions = new SourcePositions(lineCounter.linePos);
  const converter = new Converter(doc, file, positions, pos, diagnostics);
  let value: unknown;
  try {
    value = converter.convert(doc.contents, undefined);
  } catch (err) {
    if (!(err instanceof ExpansionLimit)) throw err;
    return { diagnostics: [...diagnostics, error(ALIAS_BOMB, { location: top(file) })] };
  }
  if (diagnostics.some((d) => d.severity === 'error')) return { diagnostics };
  // A file being written, truncated or emptied by a failed copy looks exactly like this: taking it as
  // "declares nothing" would let a prune delete what it declared a moment ago.
  if (value === null) return { diagnostics: [...diagnostics, error(EMPTY_FILE, { location: top(file) })] };
  positions.setRoot(value, offsetOf(doc.contents, undefined));
  return { parsed: { file, value, positions }, diagnostics };
}

function firstLine(message: string): string {
  const line = message.split('\n', 1)[0] ?? message;
  return line.replace(/ at line \d+, column \d+:?$/, '');
}

/** Where a value is used: the alias, not the anchor, for an alias; its key, or the file's start, when it has no node. */
function offsetOf(node: Node | null | undefined, keyOffset: number | undefined): number {
  return node?.range?.[0] ?? keyOffset ?? 0;
}

/** Turns yaml nodes into plain values while recording where each one sits (as offsets: see positions.ts). */
class Converter {
  private readonly expanding = new Set<Node>();
  /** Aliases being expanded right now, and the values they produced so far. */
  private aliasDepth = 0;
  private expanded = 0;

  constructor(
    private readonly doc: Document.Parsed,
    private readonly file: ConfigFile,
    private readonly positions: SourcePositions,
    private readonly pos: (offset: number) => Position,
    private readonly diagnostics: Diagnostic[],
  ) {}

  private problem(message: string, offset: number): void {
    this.diagnostics.push(error(message, { location: at(this.file, this.pos(offset)) }));
  }

  /**
   * True when the node's tag is refused: its content is then not read (a `!!omap` would only add noise).
   * Reported where the node is written, not again at each alias of it.
   */
  private badTag(node: Node, offset: number): boolean {
    if (node.tag === undefined) return false;
    const problem = tagProblem(node);
    if (problem === undefined) return false;
    if (this.aliasDepth === 0) this.problem(problem, offset);
    return true;
  }

  /** `keyOffset`: where the key of this value sits, for a mapping entry. */
  convert(node: unknown, keyOffset: number | undefined): unknown {
    if (this.aliasDepth > 0 && ++this.expanded > MAX_ALIAS_EXPANSION) throw new ExpansionLimit();
    if (node === null || node === undefined) return null;
    if (isAlias(node)) {
      const target = node.resolve(this.doc);
      if (!target || this.expanding.has(target)) {
        this.problem(target ? `alias *${node.source} refers to a node that contains it` : `unknown alias *${node.source}`, offsetOf(node, keyOffset));
        return null;
      }
      this.expanding.add(target);
      this.aliasDepth++;
      try {
        return this.convert(target, keyOffset);
      } finally {
        this.aliasDepth--;
        this.expanding.delete(target);
      }
    }
    const n = node as Node;
    const offset = offsetOf(n, keyOffset);
    if (this.badTag(n, offset)) return null;
    if (isScalar(n)) {
      const v = n.value;
      if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
      return String(v);
    }
    if (isSeq(n)) {
      this.expanding.add(n);
      const first = this.positions.reserve(n.items.length);
      const out = n.items.map((item, i) => {
        this.positions.set(first + i, offsetOf(item as Node | null, undefined));
        return this.convert(item, undefined);
      });
      this.positions.attach(out, first);
      this.expanding.delete(n);
      return out;
    }
    if (isMap(n)) {
      this.expanding.add(n);
      const out: Record<string, unknown> = {};
      const first = this.positions.reserve(n.items.length);
      const slots = new Map<string, number>();
      n.items.forEach((pair, i) => {
        const keyNode = pair.key as Node | null;
        const keyAt = offsetOf(keyNode, offset);
        if (keyNode && this.badTag(keyNode, keyAt)) return;
        let key: string;
        if (keyNode === null || keyNode === undefined) key = '';
        else if (isScalar(keyNode) && (keyNode.value === null || ['string', 'number', 'boolean'].includes(typeof keyNode.value))) {
          key = keyNode.value === null ? '' : String(keyNode.value);
        } else {
          this.problem('mapping keys must be plain strings', keyAt);
          return;
        }
        this.positions.set(first + i, offsetOf(pair.value as Node | null, keyAt), keyAt);
        slots.set(key, first + i);
        const value = this.convert(pair.value, keyAt);
        // A key named `__proto__` must stay an ordinary (unknown) field, not set the prototype.
        if (key === '__proto__') Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
        else out[key] = value;
      });
      this.positions.attach(out, slots);
      this.expanding.delete(n);
      return out;
    }
    this.problem('unsupported YAML node', offset);
    return null;
  }
}

// yaml's lexer and parser, driven by calls instead of generators when the build made them (see
// scripts/build-yaml-push.ts: same tokens, about half the time and a tenth of the garbage). Without the
// generated file (tests straight from src/) yaml's own classes do the same through their generators.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { CST, Lexer, Parser } from 'yaml';
import { packageRoot } from '../package-root.js';

/** Written by `npm run build` (scripts/build-yaml-push.ts). */
export function pushParserPath(): string {
  return join(packageRoot(), 'generated', 'yaml-push.cjs');
}

interface PushLexer {
  sink: (lexeme: string) => void;
  lex(source: string): void;
}

interface PushParser {
  sink: (token: CST.Token) => void;
  next(lexeme: string): void;
  end(): void;
}

export interface PushClasses {
  Lexer: new () => PushLexer;
  Parser: new (onNewLine?: (offset: number) => void) => PushParser;
}

/** Thrown from a sink to stop lexing. */
class Stop extends Error {}

/** yaml's own generator classes behind the same calls. */
const generatorClasses: PushClasses = {
  Lexer: class {
    sink: (lexeme: string) => void = () => undefined;
    lex(source: string): void {
      for (const lexeme of new Lexer().lex(source)) this.sink(lexeme);
    }
  },
  Parser: class {
    sink: (token: CST.Token) => void = () => undefined;
    private readonly parser: Parser;
    constructor(onNewLine?: (offset: number) => void) {
      this.parser = new Parser(onNewLine);
    }
    next(lexeme: string): void {
      for (const token of this.parser.next(lexeme)) this.sink(token);
    }
    end(): void {
      for (const token of this.parser.end()) this.sink(token);
    }
  },
};

let loaded: PushClasses | undefined;

/** The generated classes, or yaml's own when there are none; `path` for tests. */
export function pushClasses(path: string = pushParserPath()): PushClasses {
  if (path === pushParserPath() && loaded) return loaded;
  let classes = generatorClasses;
  try {
    const generated = createRequire(import.meta.url)(path) as { create(cst: typeof CST): PushClasses };
    classes = generated.create(CST);
  } catch {
    // Not built yet (e.g. tests straight from src/).
  }
  if (path === pushParserPath()) loaded = classes;
  return classes;
}

/** The lexemes of `text`; undefined when there are more than `limit` (lexing stops there). */
export function lexAll(text: string, limit: number, classes: PushClasses = pushClasses()): string[] | undefined {
  const lexemes: string[] = [];
  const lexer = new classes.Lexer();
  lexer.sink = (lexeme) => {
    if (lexemes.push(lexeme) > limit) throw new Stop();
  };
  try {
    lexer.lex(text);
  } catch (error) {
    if (error instanceof Stop) return undefined;
    throw error;
  }
  return lexemes;
}

/** The parser's tokens for `lexemes` (every document's). */
export function parseAll(lexemes: readonly string[], onNewLine: (offset: number) => void, classes: PushClasses = pushClasses()): CST.Token[] {
  const tokens: CST.Token[] = [];
  const parser = new classes.Parser(onNewLine);
  parser.sink = (token) => {
    tokens.push(token);
  };
  for (const lexeme of lexemes) parser.next(lexeme);
  parser.end();
  return tokens;
}

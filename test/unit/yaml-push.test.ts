import fc from 'fast-check';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildPushParserModule, yamlSource } from '../../scripts/build-yaml-push.js';
import { packageRoot } from '../../src/package-root.js';
import { lexAll, parseAll, pushClasses, type PushClasses } from '../../src/config/yaml-push.js';

// The build step's output, made here from the yaml in node_modules, against yaml's own generator classes.
const dir = mkdtempSync(join(tmpdir(), 'nango-gitops-yaml-push-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const path = join(dir, 'yaml-push.cjs');
writeFileSync(path, buildPushParserModule(yamlSource('lexer.js'), yamlSource('parser.js')));
const converted = pushClasses(path);
const yamlOwn = pushClasses(join(dir, 'missing.cjs'));

function cst(text: string, classes: PushClasses): { lexemes: string[] | undefined; tokens: unknown[]; lines: number[] } {
  const lexemes = lexAll(text, 1_000_000, classes);
  const lines: number[] = [];
  const tokens = lexemes ? parseAll(lexemes, (offset) => lines.push(offset), classes) : [];
  return { lexemes, tokens, lines };
}

/** Every YAML file of the repository's tests, examples and docs. */
function repositoryYaml(): string[] {
  const found: string[] = [];
  const walk = (d: string): void => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (/\.ya?ml$/.test(entry.name)) found.push(p);
    }
  };
  for (const top of ['test', 'config-examples', 'docs']) walk(join(packageRoot(), top));
  return found;
}

describe("yaml's lexer and parser without generators", () => {
  it('are the generated ones, not the fallback', () => {
    expect(converted).not.toBe(yamlOwn);
  });

  it('give the same lexemes, tokens and line starts as yaml for every YAML file of the repository', () => {
    const files = repositoryYaml();
    expect(files.length).toBeGreaterThan(20);
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      expect(cst(text, converted), file).toEqual(cst(text, yamlOwn));
    }
  });

  it('give the same for any text made of YAML syntax, broken or not', () => {
    const pieces = ['a', 'key: ', ' ', '  ', '\n', '\r\n', '\t', ':', '- ', '? ', '[', ']', '{', '}', ',', '"', "'", '#', '&x', '*x', '!', '!!str ', '|', '>-', '---', '...', '%YAML 1.2', '\\', '1', '@', '\uFEFF'];
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...pieces), { maxLength: 40 }), (parts) => {
        const text = parts.join('');
        expect(cst(text, converted)).toEqual(cst(text, yamlOwn));
      }),
      { numRuns: 3000 },
    );
  });

  it('stop lexing beyond the limit', () => {
    expect(lexAll('[a, b, c, d, e]', 5, converted)).toBeUndefined();
    expect(lexAll('[a, b, c, d, e]', 100, converted)).toEqual(lexAll('[a, b, c, d, e]', 100, yamlOwn));
  });
});

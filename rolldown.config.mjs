import { isBuiltin } from 'node:module';
import { fileURLToPath } from 'node:url';

// Bundles the compiled CLI into a few files: resolving and compiling ~100 small modules (yaml alone is 73)
// was most of `validate`'s start-up time. yaml and commander are inlined, since every command loads them,
// and p-limit (with yocto-queue), two tiny modules whose resolution through node_modules cost more than
// their code; the other dependencies stay in node_modules, loaded by the commands that need them. chokidar
// (and its readdirp) are ES modules only: the CommonJS bundle could load them only through require(esm),
// which Node 21 and 22.0 to 22.11 (within engines) do not have by default (test/cli/bundle-require.test.ts).
const INLINE = new Set(['yaml', 'commander', 'p-limit', 'yocto-queue', 'chokidar', 'readdirp']);

/**
 * yaml as ES modules (its "browser" build: the same sources, no Node-specific code): tree-shaken, and
 * compiled once instead of once more per CommonJS module wrapper. Its Node build also reads
 * process.env.LOG_TOKENS for every token (and LOG_STREAM per document) to print them for debugging: a
 * getenv() call each, ~100 ms of CPU for a 10,000-integration config, and printed tokens would show literal
 * secrets. The ESM build reads neither.
 */
const YAML_ESM = fileURLToPath(new URL('./node_modules/yaml/browser/dist/index.js', import.meta.url));

/**
 * commander requires node:child_process when it loads, for executable subcommands (`git-style` programs in
 * separate files), which this CLI has none of; loading it (with net, dgram and their internals) was a few
 * ms of every command's start-up. It is required on first use instead.
 */
const COMMANDER_EAGER = "const childProcess = require('node:child_process');";
const lazyChildProcess = {
  name: 'commander-lazy-child-process',
  transform(code, id) {
    if (!id.replaceAll('\\', '/').endsWith('/node_modules/commander/lib/command.js')) return null;
    if (!code.includes(COMMANDER_EAGER)) throw new Error(`rolldown.config.mjs: commander's ${id} no longer has: ${COMMANDER_EAGER}`);
    return code.replace(COMMANDER_EAGER, "const childProcess = { spawn: (...args) => require('node:child_process').spawn(...args) };");
  },
};

/**
 * The CLI bundle is CommonJS, so that src/cli/code-cache.ts can hand V8 its code cache (Node 20 has no
 * compile cache, and none at all for ES modules), and its entry skips the ES-module loader (~5 ms). A
 * package.json in dist/cli makes its .js files CommonJS; the package itself stays `"type": "module"`.
 */
const commonJsDirectory = {
  name: 'commonjs-directory',
  generateBundle() {
    this.emitFile({ type: 'asset', fileName: 'package.json', source: `${JSON.stringify({ type: 'commonjs' })}\n` });
  },
};

const cli = {
  input: { 'nango-gitops': 'dist/src/cli/main.js' },
  platform: 'node',
  plugins: [lazyChildProcess, commonJsDirectory],
  resolve: { alias: { yaml: YAML_ESM } },
  external: (id) => {
    if (id.startsWith('.') || id.startsWith('/') || id.startsWith('node:')) return id.startsWith('node:');
    const name = id.startsWith('@') ? id.split('/').slice(0, 2).join('/') : id.split('/')[0];
    return !INLINE.has(name);
  },
  // dynamicImportInCjs: false: a dependency's import() (ajv, for a schema edited since the build) becomes a
  // require(); from a chunk that came from the code cache, Node 20 cannot resolve an import().
  // strict: the sources are ES modules, strict by definition; a CommonJS file is not unless it says so.
  // charset ascii, comments false: every run reads and decodes each chunk it loads, even with a code cache
  // (V8 keeps the source); without comments (commander's are most of its text) they are ~20 % smaller, and
  // all ASCII, so V8 holds them as one-byte strings. src/ keeps the comments.
  output: { dir: 'dist/cli', cleanDir: true, format: 'cjs', charset: 'ascii', comments: false, strict: true, dynamicImportInCjs: false, entryFileNames: '[name].js', chunkFileNames: '[name]-[hash].js' },
};

// The GitHub Action (action.yml) runs from a checkout of this repository, where no `npm ci` has run: its
// entry point and the CLI it starts are bundled with every dependency inlined (docs/github-actions.md).
const action = {
  input: { index: 'dist/src/action/main.js', 'nango-gitops': 'dist/src/cli/main.js' },
  platform: 'node',
  external: (id) => isBuiltin(id),
  output: { dir: 'dist/action', cleanDir: true, format: 'esm', entryFileNames: '[name].js', chunkFileNames: '[name]-[hash].js' },
};

export default [cli, action];

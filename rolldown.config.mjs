import { isBuiltin } from 'node:module';

// Bundles the compiled CLI into a few files: resolving and compiling ~100 small modules (yaml alone is 73)
// was most of `validate`'s start-up time. Only yaml and commander are inlined, since every command
// loads them; the other dependencies stay in node_modules, loaded by the commands that need them.
const INLINE = new Set(['yaml', 'commander']);

const cli = {
  input: { 'nango-gitops': 'dist/src/cli/main.js' },
  platform: 'node',
  external: (id) => {
    if (id.startsWith('.') || id.startsWith('/') || id.startsWith('node:')) return id.startsWith('node:');
    const name = id.startsWith('@') ? id.split('/').slice(0, 2).join('/') : id.split('/')[0];
    return !INLINE.has(name);
  },
  output: { dir: 'dist/cli', cleanDir: true, format: 'esm', entryFileNames: '[name].js', chunkFileNames: '[name]-[hash].js' },
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

// Bundles the compiled CLI into a few files: resolving and compiling ~100 small modules (yaml alone is 73)
// was most of `validate`'s start-up time. Only yaml and commander are inlined, since every command
// loads them; the other dependencies stay in node_modules, loaded by the commands that need them.
const INLINE = new Set(['yaml', 'commander']);

/**
 * yaml's parser reads process.env.LOG_TOKENS for every token (and its composer LOG_STREAM for every
 * document) to print them for debugging: a getenv() call each, ~100 ms of CPU for a 10,000-integration
 * config, and printing tokens would put literal secrets on stdout. The bundle reads neither.
 */
const YAML_DEBUG_ENV = [
  { file: /[\\/]yaml[\\/]dist[\\/]parse[\\/]parser\.js$/, read: 'node_process.env.LOG_TOKENS' },
  { file: /[\\/]yaml[\\/]dist[\\/]compose[\\/]composer\.js$/, read: 'node_process.env.LOG_STREAM' },
];

const yamlWithoutDebugEnv = {
  name: 'yaml-without-debug-env',
  transform(code, id) {
    const entry = YAML_DEBUG_ENV.find((e) => e.file.test(id));
    if (!entry) return null;
    // A yaml upgrade that moves the read must be noticed, not silently keep the cost.
    if (!code.includes(entry.read)) throw new Error(`${id}: expected \`${entry.read}\` (yaml changed: update rolldown.config.mjs)`);
    return { code: code.replaceAll(entry.read, 'false'), map: null };
  },
};

export default {
  input: { 'nango-gitops': 'dist/src/cli/main.js' },
  platform: 'node',
  plugins: [yamlWithoutDebugEnv],
  external: (id) => {
    if (id.startsWith('.') || id.startsWith('/') || id.startsWith('node:')) return id.startsWith('node:');
    const name = id.startsWith('@') ? id.split('/').slice(0, 2).join('/') : id.split('/')[0];
    return !INLINE.has(name);
  },
  output: { dir: 'dist/cli', cleanDir: true, format: 'esm', entryFileNames: '[name].js', chunkFileNames: '[name]-[hash].js' },
};

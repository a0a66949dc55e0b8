/**
 * The import rules of branchflow (`npm run lint:deps`, part of `npm test`): no circles anywhere, and arrows that
 * point one way down the layers
 *   cli, serve, main, index -> engine -> http -> workflows, modules, plugins -> src/plugins, registry -> generation -> llm, store -> lib
 * src/plugins/ (definePlugin, discovery, the hook runner) sits beside the registry: steps import it for hook types and the
 * runner; its hook-* files import nothing above generation, so services.ts can name the runner. Plugin folders
 * (plugins/) may also import the package's public API (src/index.ts), as an installed plugin imports 'branchflow'.
 * Inside src/store/ the rooms point one way too: file/ -> disk/, watch/ -> tree/ -> lib.
 * See docs/architecture.md for what each layer owns.
 */
const below = (layer, allowed) => ({
  name: `${layer.name}-imports-down`,
  comment: `${layer.path} may import only ${allowed.join(', ')} (and packages)`,
  severity: 'error',
  from: { path: layer.path },
  to: { path: '^(src|workflows|plugins)/', pathNot: [layer.path, ...allowed].map((path) => `^${path}`) },
});

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'An import circle ties files together so that none can be understood, tested or moved alone.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    below({ name: 'lib', path: '^src/lib/' }, []),
    below({ name: 'store-tree', path: '^src/store/tree/' }, ['src/lib/']),
    below({ name: 'store-watch', path: '^src/store/watch/' }, ['src/lib/']),
    below({ name: 'store-disk', path: '^src/store/disk/' }, ['src/lib/', 'src/store/tree/']),
    below({ name: 'store', path: '^src/store/' }, ['src/lib/']),
    below({ name: 'llm', path: '^src/llm/' }, ['src/lib/']),
    below({ name: 'tools', path: '^src/tools/' }, ['src/lib/', 'src/llm/config/config-placeholders.ts']),
    below({ name: 'generation', path: '^src/generation/' }, ['src/lib/', 'src/store/index.ts', 'src/llm/']),
    below({ name: 'registry', path: '^src/(registry/|services.ts)' }, [
      'src/lib/',
      'src/store/index.ts',
      'src/llm/',
      'src/generation/',
      'src/plugins/hook-',
      'src/tools/',
    ]),
    below({ name: 'plugin-hooks', path: '^src/plugins/hook-' }, ['src/lib/', 'src/store/index.ts', 'src/llm/', 'src/generation/']),
    below({ name: 'plugin-loading', path: '^src/plugins/' }, [
      'src/lib/',
      'src/store/index.ts',
      'src/llm/',
      'src/generation/',
      'src/registry/',
      'src/services.ts',
    ]),
    below({ name: 'plugin-folders', path: '^plugins/' }, [
      'src/index.ts',
      'src/lib/',
      'src/store/index.ts',
      'src/llm/',
      'src/generation/',
      'src/registry/',
      'src/services.ts',
      'src/plugins/',
    ]),
    below({ name: 'steps', path: '^(src/modules|workflows)/' }, [
      'src/tools/',
      'src/lib/',
      'src/store/index.ts',
      'src/llm/',
      'src/generation/',
      'src/tools/',
      'src/registry/',
      'src/services.ts',
      'src/modules/',
      'workflows/',
      'src/plugins/',
    ]),
    below({ name: 'http', path: '^src/http/' }, ['src/lib/', 'src/registry/', 'src/services.ts', 'src/generation/generation-events.ts']),
    {
      name: 'store-from-outside-through-its-index',
      comment: 'Outside src/store/, the store is reached through src/store/index.ts, never its rooms.',
      severity: 'error',
      from: { path: '^(src|workflows|plugins)/', pathNot: '^src/store/' },
      to: { path: '^src/store/', pathNot: '^src/store/index\\.ts$' },
    },
    {
      name: 'provider-sdks-only-in-adapters',
      comment: 'Provider SDKs are imported only by their adapters in src/llm/providers/.',
      severity: 'error',
      from: { path: '^(src|workflows|plugins)/', pathNot: '^src/llm/providers/' },
      to: { dependencyTypes: ['npm'], path: 'node_modules/(openai|@google/genai|@anthropic-ai/sdk)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)node_modules/|^dist/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default'],
      extensions: ['.ts', '.js', '.mjs'],
    },
    moduleSystems: ['es6', 'cjs'],
  },
};

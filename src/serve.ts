/** @module serve(): the engine, the HTTP app, signals, wired into one running server (`npm start`, `branchflow serve`). */
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { createEngine } from './engine.js';
import { readHttpConfig, startServer } from './http/index.js';
import { createLogger, type Logger } from './lib/logger.js';
import { loadDotEnv } from './llm/config/dot-env.js';
import { dataFolderExists, initProject, isNewRoot } from './setup/init-project.js';

/**
 * Runs the server until it shuts down; resolves to the process exit code. A start that fails (a bad setting, a
 * taken port, a root that cannot be read) prints one line naming the cause and exits 1: no stack.
 */
export async function serve(env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const root = resolve(env['BRANCHFLOW_ROOT'] ?? process.cwd());
  let logger: Logger | undefined;
  try {
    await checkRoot(root);
    // Before the settings are read, so HOST, PORT and BRANCHFLOW_TOKEN may sit in .env like the keys do.
    await loadDotEnv(root, env);
    const config = readHttpConfig(env);
    logger = createLogger({ level: config.logLevel, format: config.logFormat });
    if (await isNewRoot(root)) {
      const report = await initProject(root);
      process.stdout.write(`first start: created ${report.created.join(', ')} under ${root} from the examples\n`);
    }
    const checkpointMs = env['BRANCHFLOW_CHECKPOINT_MS'];
    const retentionMs = env['BRANCHFLOW_GENERATION_RETENTION_MS'];
    const engine = await createEngine({
      root,
      logger,
      env,
      watch: true,
      ...(checkpointMs === undefined ? {} : { checkpointIntervalMs: Number(checkpointMs) }),
      ...(retentionMs === undefined ? {} : { retentionMs: Number(retentionMs) }),
    });
    const { store } = engine.services;
    const server = await startServer({
      ...config,
      registry: engine.api,
      metrics: engine.metrics,
      logger,
      handleSignals: true,
      onShutdown: () => engine.close(),
      ready: async () => {
        // A shared database answers a ping; the file store is checked by listing its folder.
        const checks = {
          ...(store.check
            ? {}
            : {
                data:
                  (await dataFolderExists(root, 'conversations')) ||
                  `there is no data/conversations/ folder under ${root}: run branchflow init (or restart the server) to create it`,
              }),
          store: await (store.check ? store.check() : store.list()).then(
            (answer) => (typeof answer === 'string' ? answer : true),
            (error: Error) => error.message,
          ),
          watcher: store.status().watching,
          ...(engine.services.generations.log.shared ? { generation_log: await engine.services.generations.log.check() } : {}),
        };
        const logReady = !('generation_log' in checks) || checks.generation_log === true;
        const dataReady = !('data' in checks) || checks.data === true;
        return { ok: dataReady && checks.store === true && checks.watcher && logReady, checks };
      },
    });
    logger.info(`branchflow serving ${engine.root} at ${server.url}`);
    process.stdout.write(`branchflow is ready at ${server.url}  (playground: ${server.url}/, API docs: ${server.url}/docs)\n`);
    process.stdout.write(`${await tryLine(engine.services.store, server.url, config.token !== undefined)}\n`);
    await server.closed;
    return 0;
  } catch (error) {
    logger?.debug('branchflow could not start', { error });
    process.stderr.write(`branchflow could not start: ${(error as Error).message}\n`);
    return 1;
  }
}

async function checkRoot(root: string): Promise<void> {
  const info = await stat(root).catch((error: NodeJS.ErrnoException) => {
    throw new Error(
      `the root ${root} (BRANCHFLOW_ROOT, else the current folder) ${error.code === 'ENOENT' ? 'does not exist' : `cannot be read: ${error.code}`}`,
    );
  });
  if (!info.isDirectory()) throw new Error(`the root ${root} (BRANCHFLOW_ROOT, else the current folder) is not a folder`);
  await access(root, constants.R_OK | constants.W_OK | constants.X_OK).catch((error: NodeJS.ErrnoException) => {
    throw new Error(`the root ${root} cannot be read and written (${error.code}): branchflow keeps its data/ there`);
  });
}

/**
 * A first request to try: `send` (a user turn and the reply to it) on a conversation that exists, the demo when
 * it is there. The reply streams as events; the saved event is a short summary, not the tree.
 */
async function tryLine(store: { list(): Promise<{ file: string }[]> }, url: string, tokenSet: boolean): Promise<string> {
  const conversations = await store.list().catch(() => []);
  const demo = conversations.find((entry) => entry.file === 'data/conversations/branch_demo/conversation.json') ?? conversations[0];
  if (demo === undefined) return `no conversations yet: create one in the playground, or with branchflow new "My chat"`;
  const name = /^data\/conversations\/([^/]+)\/conversation\.json$/.exec(demo.file)?.[1] ?? demo.file;
  const auth = tokenSet ? ` -H "Authorization: Bearer $BRANCHFLOW_TOKEN"` : '';
  const query = new URLSearchParams({ conversation_file: name, content: 'Hello!', llm_config_file: 'mock' });
  return `try: curl -N${auth} '${url}/api/workflow/chat_completion/send?${query.toString()}'`;
}

/** @module serve(): the engine, the HTTP app, signals, wired into one running server (`npm start`, `branchflow serve`). */
import { createEngine } from './engine.js';
import { readHttpConfig, startServer } from './http/index.js';
import { createLogger } from './lib/logger.js';

/** Runs the server until it shuts down; resolves to the process exit code. */
export async function serve(): Promise<number> {
  const config = readHttpConfig(process.env);
  const logger = createLogger({ level: config.logLevel, format: config.logFormat });
  const checkpointMs = process.env['BRANCHFLOW_CHECKPOINT_MS'];

  try {
    const engine = await createEngine({
      logger,
      watch: true,
      ...(checkpointMs === undefined ? {} : { checkpointIntervalMs: Number(checkpointMs) }),
    });
    const { store } = engine.services;
    const server = await startServer({
      ...config,
      registry: engine.api,
      logger,
      handleSignals: true,
      onShutdown: () => engine.close(),
      ready: async () => {
        // A shared database answers a ping; the file store is checked by listing its folder.
        const checks = {
          store: await (store.check ? store.check() : store.list()).then(
            (answer) => (typeof answer === 'string' ? answer : true),
            (error: Error) => error.message,
          ),
          watcher: store.status().watching,
          ...(engine.services.generations.log.shared ? { generation_log: await engine.services.generations.log.check() } : {}),
        };
        const logReady = !('generation_log' in checks) || checks.generation_log === true;
        return { ok: checks.store === true && checks.watcher && logReady, checks };
      },
    });
    const demo = 'data/conversations/branch_demo/conversation.json';
    const auth = config.token ? ` -H 'Authorization: Bearer $BRANCHFLOW_TOKEN'` : '';
    logger.info(`branchflow serving ${engine.root} at ${server.url}`);
    process.stdout.write(
      `branchflow is ready at ${server.url}  (API docs: ${server.url}/docs)\n` +
        `try: curl -N${auth} '${server.url}/api/workflow/chat_completion/complete_stream?conversation_file=${demo}&llm_config_file=data/llm_configs/mock.json'\n`,
    );
    await server.closed;
    return 0;
  } catch (error) {
    logger.error('branchflow could not start', { error });
    process.stderr.write(`branchflow could not start: ${(error as Error).message}\n`);
    return 1;
  }
}

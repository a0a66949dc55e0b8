/**
 * @module `branchflow db migrate | export | import [--replace]`: the PostgreSQL store of BRANCHFLOW_STORE and the
 * data/ folder, both ways, byte for byte (docs/scale-out.md). No engine is started: only the database is opened.
 */
import { resolve } from 'node:path';
import type { CliCommand } from '../command.js';
import { UsageError, type CliContext } from '../context.js';

async function database(cli: CliContext) {
  const url = cli.io.env['BRANCHFLOW_STORE']?.trim();
  if (!url) throw new UsageError('set BRANCHFLOW_STORE=postgres://... to name the database');
  const [{ createLogger, parseLogLevel }, store] = await Promise.all([import('../../lib/logger.js'), import('../../store/index.js')]);
  const logger = createLogger({ level: parseLogLevel(cli.io.env['LOG_LEVEL']?.trim() || 'warn') });
  const root = resolve(cli.io.env['BRANCHFLOW_ROOT'] ?? process.cwd());
  return { url, logger, root, store };
}

export const dbCommand: CliCommand = (program, cli) => {
  const db = program.command('db').description('the PostgreSQL store named by BRANCHFLOW_STORE: migrations, export, import');
  db.command('migrate')
    .description('apply the schema migrations (the server also does at start)')
    .action(async () => {
      const { url, logger, store } = await database(cli);
      const applied = await store.migrateDatabase({ url, logger });
      if (cli.json) return cli.printJson({ applied });
      cli.print(applied.length === 0 ? 'the database schema is up to date' : `applied ${applied.join(', ')}`);
    });
  db.command('export')
    .description('write every conversation in the database to data/conversations/, byte for byte')
    .action(async () => {
      const { url, logger, root, store } = await database(cli);
      const report = await store.exportConversations({ url, logger, root });
      if (cli.json) return cli.printJson(report);
      cli.print(`exported ${report.written.length} conversation(s) to data/conversations/`);
    });
  db.command('import')
    .description('put every conversation of data/conversations/ into the database')
    .option('--replace', 'replace conversations the database already has (default: leave them)')
    .action(async (options: { replace?: boolean }) => {
      const { url, logger, root, store } = await database(cli);
      const report = await store.importConversations({ url, logger, root, replace: options.replace === true });
      if (cli.json) cli.printJson(report);
      else {
        cli.print(`imported ${report.imported.length}, replaced ${report.replaced.length}, left ${report.skipped.length} as they were`);
        for (const problem of report.invalid) cli.print(`not imported: ${problem.file}: ${problem.message}`);
      }
      if (report.invalid.length > 0) cli.exitCode = 1;
    });
};

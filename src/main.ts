import cluster from 'node:cluster';
import { runApiServer } from './api/server.ts';
import { loadConfigOrExit } from './config.ts';
import { createLogger } from './log.ts';
import { prepareDatabase } from './store/migrate.ts';
import { supervise } from './supervisor.ts';

// `npm start`: create + migrate the database, then supervise API and worker processes.
// `node src/main.ts api` (npm run api): one API process alone, for machines that only serve HTTP.
const config = loadConfigOrExit();
const role = cluster.isPrimary ? (process.argv[2] ?? 'all') : 'api';

if (role === 'api') {
  runApiServer(config, createLogger(config.logLevel, 'api'));
} else {
  const log = createLogger(config.logLevel, 'supervisor');
  try {
    const applied = await prepareDatabase(config.databaseUrl);
    log.info({ applied }, 'database ready');
  } catch (error) {
    log.fatal({ err: error }, 'cannot prepare the database');
    process.exit(1);
  }
  supervise(config, log);
}

import cluster from 'node:cluster';
import { loadConfigOrExit } from './config.ts';
import { createLogger } from './log.ts';

// `npm start` / `node src/main.ts`: create + migrate the database (a one-shot child), then supervise API and
// worker processes. `node src/main.ts api` (npm run api): one API process alone, for machines that only serve HTTP.
// Each branch imports only what it runs: the supervisor never loads the HTTP app, the renderers or a database driver.
// A SIGTERM or SIGINT before anything runs has nothing to drain: exit 0 at once rather than die by the
// signal (which an orchestrator reports as a failure). Each role takes the signals over when it starts.
const exitEarly = () => process.exit(0);
process.on('SIGTERM', exitEarly).on('SIGINT', exitEarly);
const handOverSignals = () => process.off('SIGTERM', exitEarly).off('SIGINT', exitEarly);

const config = loadConfigOrExit();
const role = cluster.isPrimary ? (process.argv[2] ?? 'all') : 'api';

if (role === 'api') {
  const log = createLogger(config.logLevel, 'api');
  const { waitForDependenciesOrExit } = await import('./startup.ts');
  await waitForDependenciesOrExit(config, log, ['postgres', 'redis']);
  const { runApiServer } = await import('./api/server.ts');
  handOverSignals();
  runApiServer(config, log);
} else {
  const { migrateInChild, supervise } = await import('./supervisor.ts');
  const log = createLogger(config.logLevel, 'supervisor');
  handOverSignals();
  if (!(await migrateInChild(log))) process.exit(1);
  supervise(config, log);
}

import { loadConfigOrExit } from './config.ts';
import { prepareDatabase } from './store/migrate.ts';

const USAGE = `usage: npm run cli -- <command>
  migrate            create the database if missing and apply migrations`;

const [command] = process.argv.slice(2);
const config = loadConfigOrExit();

switch (command) {
  case 'migrate': {
    const applied = await prepareDatabase(config.databaseUrl);
    console.log(applied.length ? `applied: ${applied.join(', ')}` : 'database is up to date');
    break;
  }
  default:
    console.error(USAGE);
    process.exit(command ? 2 : 0);
}

import { loadConfig } from '../config/config';
import { databaseUrl } from '../config/database-url';
import { createDataSource } from '../db/data-source';

/** `npm run migrate`: applies pending migrations to DATABASE_URL (or the embedded server) and exits. */
async function run(): Promise<void> {
  const ds = createDataSource({ url: databaseUrl(loadConfig()), poolSize: 1 });
  await ds.initialize();
  try {
    const applied = await ds.runMigrations({ transaction: 'each' });
    process.stdout.write(applied.length ? `applied ${applied.map((m) => m.name).join(', ')}\n` : 'schema is up to date\n');
  } finally {
    await ds.destroy();
  }
}

run().catch((err: unknown) => {
  process.stderr.write(`migration failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});

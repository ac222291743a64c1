import { openTestStack, type TestStack } from '../helpers/stack';

/** What TypeORM would still run to make the database match the entities; empty when the migrations are exact. */
async function pendingSchemaChanges(stack: TestStack): Promise<string[]> {
  const sql = await stack.db.driver.createSchemaBuilder().log();
  return sql.upQueries.map((q) => q.query);
}

async function tableNames(stack: TestStack): Promise<string[]> {
  const rows: Array<{ table_name: string }> = await stack.db.query(
    `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name`,
  );
  return rows.map((r) => r.table_name);
}

const ENTITY_TABLES = [
  'api_keys',
  'cluster_assignments',
  'embeddings',
  'events',
  'items',
  'run_items',
  'run_llm_usage',
  'run_sources',
  'runs',
  'sources',
  'summaries',
  'trend_events',
  'trend_members',
  'trends',
  'webhook_deliveries',
  'webhooks',
];

describe('migrations match the entities', () => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await openTestStack('schema'); // a fresh database, migrated by the real migrations
  });

  afterAll(async () => {
    await stack?.close();
  });

  it('leave nothing for the schema builder to change', async () => {
    expect(await tableNames(stack)).toEqual([...ENTITY_TABLES, 'typeorm_migrations'].sort());
    // Printed in full on failure, so the diff says which column or index drifted.
    expect(await pendingSchemaChanges(stack)).toEqual([]);
  });

  it('round-trip: down removes every table, up restores the same schema', async () => {
    const applied = stack.db.migrations.length;
    expect(applied).toBeGreaterThan(0);
    for (let i = 0; i < applied; i++) await stack.db.undoLastMigration({ transaction: 'each' });
    expect(await tableNames(stack)).toEqual(['typeorm_migrations']);
    expect(await stack.db.showMigrations()).toBe(true); // true = some migration is pending

    const ran = await stack.db.runMigrations({ transaction: 'each' });
    expect(ran.map((m) => m.name)).toEqual(stack.db.migrations.map((m) => m.name));
    expect(await stack.db.showMigrations()).toBe(false);
    expect(await tableNames(stack)).toEqual([...ENTITY_TABLES, 'typeorm_migrations'].sort());
    expect(await pendingSchemaChanges(stack)).toEqual([]);
  });
});

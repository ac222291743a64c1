import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { startEmbeddedPostgres, type RunningPostgres } from '../db/embedded';
import { SA } from '../workflows/search-attributes';

declare global {
  // Shared between global setup and teardown (same process).
  var __trendflowStack: { temporal: TestWorkflowEnvironment; pg: RunningPostgres; pgDir: string } | undefined;
}

/**
 * Starts the real parts once for the whole test run: a Temporal dev server (the `temporal` CLI,
 * in-memory SQLite, free port, our search attributes) and an embedded Postgres 18 in a temp dir.
 * Test files get their addresses through the environment and make their own database in it.
 */
export default async function globalSetup(): Promise<void> {
  const cli = execFileSync(path.join(__dirname, '..', 'scripts', 'ensure-temporal.sh'), { encoding: 'utf8' }).trim();
  const pgDir = fs.mkdtempSync(path.join(os.tmpdir(), 'trendflow-test-pg-'));
  const port = 20000 + Math.floor(Math.random() * 20000);
  const [temporal, pg] = await Promise.all([
    TestWorkflowEnvironment.createLocal({
      server: {
        executable: { type: 'existing-path', path: cli },
        searchAttributes: Object.values(SA),
        extraArgs: ['--log-level', 'error'],
      },
    }),
    startEmbeddedPostgres({ dataDir: path.join(pgDir, 'pg'), port, persistent: false }),
  ]);
  globalThis.__trendflowStack = { temporal, pg, pgDir };
  process.env.TEST_TEMPORAL_ADDRESS = temporal.connection.options.address;
  process.env.TEST_DATABASE_URL = pg.url;
}

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client as PgClient } from 'pg';
import type { DataSource } from 'typeorm';
import { loadConfig, type Config } from '../../config/config';
import { openDatabase } from '../../db/data-source';
import { backup, type BackupManifest } from '../../scripts/trendflow-backup';
import { restore } from '../../scripts/trendflow-restore';
import { startPipelineRun } from '../../services/runs';
import { listTrends } from '../../services/trends';
import { createVectorStore } from '../../vectors';
import type { RunProgress } from '../../workflows/types';
import { openTestStack, type TestStack } from '../helpers/stack';

const SAMPLE_CSV = path.resolve(__dirname, '../fixtures/news-stories-sample.csv');
const MODEL = 'use-lite-512';
const TABLES = ['items', 'embeddings', 'trends', 'summaries'] as const;

async function counts(db: DataSource): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of TABLES) out[t] = Number((await db.query(`SELECT count(*)::int AS n FROM ${t}`))[0].n);
  return out;
}

/** A new, empty database on the test server, and a config pointing at it with its own data dir. */
async function freshTarget(label: string): Promise<{ config: Config; url: string; dataDir: string }> {
  const baseUrl = process.env.TEST_DATABASE_URL as string;
  const name = `tf_restore_${label}_${process.pid}_${Date.now() % 100000}`;
  const admin = new PgClient({ connectionString: baseUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  const url = baseUrl.replace(/\/[^/]+$/, `/${name}`);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `trendflow-restore-${label}-`));
  return { config: loadConfig({ TRENDFLOW_DATA_DIR: dataDir, DATABASE_URL: url, LOG_LEVEL: 'warn' }), url, dataDir };
}

describe('scripts/backup and scripts/restore on the embedded stack', () => {
  let stack: TestStack;
  let before: Record<string, number>;
  let backupDir: string;
  let manifest: BackupManifest;
  const cleanup: Array<() => Promise<void> | void> = [];

  beforeAll(async () => {
    stack = await openTestStack('backup');
    const workers = await stack.startWorkers();
    const { runId } = await startPipelineRun(stack.client, { sources: [`csv:${SAMPLE_CSV}`], window: 'all', trigger: 'manual' });
    const run = (await stack.client.workflow.getHandle(runId).result()) as RunProgress;
    expect(run.status).toBe('completed');
    await workers.stop(); // closes the LanceDB store: the copy sees a quiet directory
    before = await counts(stack.db);
    backupDir = fs.mkdtempSync(path.join(os.tmpdir(), 'trendflow-backup-'));
    cleanup.push(() => fs.rmSync(backupDir, { recursive: true, force: true }));
  });

  afterAll(async () => {
    for (const c of cleanup.reverse()) await c();
    await stack?.close();
  });

  it('backs up Postgres and the LanceDB index with a manifest', async () => {
    expect(before.items).toBeGreaterThan(10);
    expect(before.embeddings).toBe(before.items);
    expect(before.trends).toBeGreaterThan(0);
    expect(before.summaries).toBeGreaterThan(0);
    manifest = await backup(stack.config, backupDir);
    const onDisk = JSON.parse(fs.readFileSync(path.join(backupDir, 'manifest.json'), 'utf8')) as BackupManifest;
    expect(onDisk).toEqual(manifest);
    expect(manifest.schemaVersion).toBe(manifest.migrations[manifest.migrations.length - 1]);
    expect(manifest.migrations.length).toBeGreaterThan(0);
    for (const t of TABLES) expect(manifest.counts[t]).toBe(before[t]);
    expect(manifest.vectors.kind).toBe('lancedb');
    expect(fs.existsSync(path.join(backupDir, 'vectors/lancedb'))).toBe(true);
    if (manifest.database.method === 'pg_dump') expect(fs.existsSync(path.join(backupDir, manifest.database.file))).toBe(true);
    else for (const t of TABLES) expect(fs.existsSync(path.join(backupDir, 'db', `${t}.jsonl.gz`))).toBe(true);
    await expect(backup(stack.config, backupDir)).rejects.toThrow(/already holds a backup/);
  });

  async function checkRestored(target: { config: Config; url: string }): Promise<void> {
    const db = await openDatabase(target.url);
    try {
      expect(await counts(db)).toEqual(before);
      const original = await listTrends(stack.db, { status: 'all', limit: 100, offset: 0 });
      const restored = await listTrends(db, { status: 'all', limit: 100, offset: 0 });
      expect(restored.total).toBe(before.trends);
      expect(JSON.stringify(restored.trends)).toBe(JSON.stringify(original.trends));
      // Sequences continue after the restored ids: a new row does not collide.
      await db.query(`INSERT INTO api_keys (name, prefix, salt, hash) VALUES ('after-restore', 'p', 's', 'h')`);
    } finally {
      await db.destroy();
    }
    const store = await createVectorStore(target.config.vectors);
    try {
      expect(await store.count(MODEL)).toBe(before.items);
    } finally {
      await store.close();
    }
  }

  it('restores into a new database with the LanceDB copy, and refuses a non-empty one', async () => {
    const target = await freshTarget('copy');
    cleanup.push(() => fs.rmSync(target.dataDir, { recursive: true, force: true }));
    const result = await restore(target.config, backupDir);
    expect(result.vectors).toBe('lancedb-copy');
    for (const t of TABLES) expect(result.counts[t]).toBe(before[t]);
    await checkRestored(target);
    await expect(restore(target.config, backupDir)).rejects.toThrow(/not empty/);
  });

  it('restores with --reindex: vectors rebuilt from Postgres instead of copied', async () => {
    const target = await freshTarget('reindex');
    cleanup.push(() => fs.rmSync(target.dataDir, { recursive: true, force: true }));
    const result = await restore(target.config, backupDir, { reindex: true });
    expect(result.vectors).toBe('reindexed');
    expect(result.reindexed.map((r) => [r.modelId, r.upserted])).toEqual([[MODEL, before.items]]);
    await checkRestored(target);
  });
});

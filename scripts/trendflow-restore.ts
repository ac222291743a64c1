/**
 * `scripts/restore <dir>`: loads a backup made by scripts/backup into an EMPTY database (DATABASE_URL,
 * else the embedded server) and restores the vector index: the saved LanceDB copy / Qdrant snapshots,
 * or with `--reindex` a rebuild of the index from the embeddings in Postgres (the source of truth).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { createGunzip } from 'node:zlib';
import { Client } from 'pg';
import { embeddedModels, reindexFromPostgres, type ReindexResult } from '../activities/embed/reindex';
import { loadConfig, type Config } from '../config/config';
import { databaseUrl } from '../config/database-url';
import { openDatabase } from '../db/data-source';
import { MIGRATIONS } from '../db/migrations';
import { createVectorStore } from '../vectors';
import {
  appliedMigrations,
  findPgTools,
  parseArgs,
  publicTables,
  qdrantHeaders,
  qdrantJson,
  quoteIdent,
  tableCounts,
  type BackupManifest,
} from './trendflow-backup';

export interface RestoreOptions {
  /** Rebuild the vector index from Postgres instead of restoring the saved copy. */
  reindex?: boolean;
  pgBin?: string;
  log?: (line: string) => void;
}

export interface RestoreResult {
  counts: Record<string, number>;
  vectors: 'lancedb-copy' | 'qdrant-snapshots' | 'reindexed' | 'none';
  reindexed: ReindexResult[];
}

export function readManifest(dir: string): BackupManifest {
  const file = path.join(dir, 'manifest.json');
  if (!fs.existsSync(file)) throw new Error(`${dir} is not a backup: no manifest.json`);
  const manifest = JSON.parse(fs.readFileSync(file, 'utf8')) as BackupManifest;
  if (manifest.format !== 1) throw new Error(`unsupported backup format ${String(manifest.format)}`);
  return manifest;
}

/** Tables ordered so that referenced tables come first (self references ignored). */
async function fkOrder(client: Client, tables: string[]): Promise<string[]> {
  const r = await client.query<{ child: string; parent: string }>(
    `SELECT c.conrelid::regclass::text AS child, c.confrelid::regclass::text AS parent
       FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
      WHERE c.contype = 'f' AND n.nspname = 'public'`,
  );
  const unq = (s: string) => s.replace(/^"|"$/g, '');
  const deps = new Map(tables.map((t) => [t, new Set<string>()]));
  for (const { child, parent } of r.rows) if (unq(child) !== unq(parent)) deps.get(unq(child))?.add(unq(parent));
  const ordered: string[] = [];
  const seen = new Set<string>();
  const visit = (t: string, stack: Set<string>) => {
    if (seen.has(t) || stack.has(t)) return;
    stack.add(t);
    for (const p of deps.get(t) ?? []) if (deps.has(p)) visit(p, stack);
    seen.add(t);
    ordered.push(t);
  };
  for (const t of tables) visit(t, new Set());
  return ordered;
}

async function loadJson(client: Client, dir: string, tables: string[], log: (l: string) => void): Promise<void> {
  const order = await fkOrder(client, tables.filter((t) => t !== 'typeorm_migrations'));
  await client.query('BEGIN');
  try {
    // Superusers (the embedded server's user) skip FK triggers during the load; others rely on the order.
    await client.query('SAVEPOINT srr');
    try {
      await client.query('SET LOCAL session_replication_role = replica');
      await client.query('RELEASE SAVEPOINT srr');
    } catch {
      await client.query('ROLLBACK TO SAVEPOINT srr');
    }
    for (const t of order) {
      const file = path.join(dir, `${t}.jsonl.gz`);
      if (!fs.existsSync(file)) throw new Error(`backup lacks ${t}.jsonl.gz`);
      const cols = (
        await client.query<{ c: string }>(
          `SELECT column_name AS c FROM information_schema.columns
            WHERE table_schema = 'public' AND table_name = $1 AND is_generated = 'NEVER' ORDER BY ordinal_position`,
          [t],
        )
      ).rows.map((r) => quoteIdent(r.c));
      const insert = `INSERT INTO ${quoteIdent(t)} (${cols.join(', ')}) OVERRIDING SYSTEM VALUE
        SELECT ${cols.join(', ')} FROM json_populate_recordset(NULL::${quoteIdent(t)}, $1::json)`;
      let batch: string[] = [];
      let rows = 0;
      const flush = async () => {
        if (batch.length === 0) return;
        await client.query(insert, [`[${batch.join(',')}]`]);
        rows += batch.length;
        batch = [];
      };
      const lines = readline.createInterface({ input: fs.createReadStream(file).pipe(createGunzip()), crlfDelay: Infinity });
      for await (const line of lines) {
        if (!line) continue;
        batch.push(line);
        if (batch.length >= 500) await flush();
      }
      await flush();
      log(`postgres: ${t}: ${rows} rows`);
    }
    // Sequences (SERIAL / identity) continue after the restored ids.
    const seqs = await client.query<{ t: string; c: string; s: string }>(
      `SELECT c.table_name AS t, c.column_name AS c, pg_get_serial_sequence(quote_ident(c.table_name), c.column_name) AS s
         FROM information_schema.columns c
        WHERE c.table_schema = 'public' AND pg_get_serial_sequence(quote_ident(c.table_name), c.column_name) IS NOT NULL`,
    );
    for (const { t, c, s } of seqs.rows) {
      await client.query(
        `SELECT setval($1::regclass, COALESCE((SELECT max(${quoteIdent(c)}) FROM ${quoteIdent(t)}), 0) + 1, false)`,
        [s],
      );
    }
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

async function restoreQdrant(config: Config, dir: string, manifest: Extract<BackupManifest['vectors'], { kind: 'qdrant' }>, log: (l: string) => void) {
  const q = { url: config.vectors.qdrantUrl as string, apiKey: config.vectors.qdrantApiKey };
  for (const c of manifest.collections) {
    const form = new FormData();
    form.append('snapshot', new Blob([fs.readFileSync(path.join(dir, manifest.dir, c.file))]), c.file);
    const route = `/collections/${encodeURIComponent(c.name)}/snapshots/upload?priority=snapshot&wait=true`;
    const res = await fetch(new URL(route, q.url), { method: 'POST', headers: qdrantHeaders(q), body: form });
    if (!res.ok) throw new Error(`qdrant POST ${route}: HTTP ${res.status} ${await res.text()}`);
    const info = await qdrantJson<{ points_count?: number | null }>(q, 'GET', `/collections/${encodeURIComponent(c.name)}`);
    log(`qdrant: collection ${c.name} restored (${info.points_count ?? '?'} points)`);
  }
}

/** Restores the backup in `dir` into the (empty) database and vector store of `config`. */
export async function restore(config: Config, dir: string, options: RestoreOptions = {}): Promise<RestoreResult> {
  const log = options.log ?? (() => undefined);
  const src = path.resolve(dir);
  const manifest = readManifest(src);
  const known = MIGRATIONS.map((m) => m.name);
  const unknown = manifest.migrations.filter((m) => !known.includes(m));
  if (unknown.length) throw new Error(`the backup's schema is newer than this code (unknown migrations: ${unknown.join(', ')}); restore with a newer trendflow`);
  const url = databaseUrl(config);

  const client = new Client({ connectionString: url });
  await client.connect();
  let counts: Record<string, number>;
  try {
    const existing = await publicTables(client);
    if (existing.length > 0) throw new Error(`the target database is not empty (${existing.length} tables: ${existing.slice(0, 5).join(', ')}…); restore into a new database`);
    if (manifest.database.method === 'pg_dump') {
      const serverMajor = Number(/^(\d+)/.exec((await client.query<{ v: string }>("SELECT current_setting('server_version') AS v")).rows[0]?.v ?? '0')?.[1] ?? 0);
      const tools = findPgTools(serverMajor, options.pgBin);
      if (!tools) throw new Error(`no pg_restore >= ${serverMajor} found (pass --pg-bin <dir>)`);
      const bin = tools.dir ? path.join(tools.dir, 'pg_restore') : 'pg_restore';
      execFileSync(bin, ['--no-owner', '--no-privileges', '--exit-on-error', '--dbname', url, path.join(src, manifest.database.file)], {
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      log(`postgres: pg_restore ${manifest.database.file}`);
    } else {
      // The schema the backup was taken with (its migrations), then the rows; newer migrations run after.
      const ds = await openDatabase(url);
      await ds.destroy();
      // openDatabase applies every migration this code has: rows from an older schema load through
      // json_populate_recordset (missing columns take NULL/defaults are not applied), so require equality.
      const applied = await appliedMigrations(client);
      if (applied.join() !== manifest.migrations.join()) {
        throw new Error(
          `schema mismatch: the backup was taken at ${manifest.schemaVersion ?? 'no migration'}, this code is at ${applied[applied.length - 1] ?? 'none'}; ` +
            'restore with the trendflow version that made the backup, then upgrade',
        );
      }
      await loadJson(client, path.join(src, manifest.database.dir), manifest.database.tables, log);
    }
    counts = await tableCounts(client, await publicTables(client));
  } finally {
    await client.end();
  }
  const mismatched = Object.entries(manifest.counts).filter(([t, n]) => counts[t] !== n);
  if (mismatched.length) throw new Error(`row counts differ after restore: ${mismatched.map(([t, n]) => `${t} ${String(counts[t])} != ${n}`).join(', ')}`);

  let vectors: RestoreResult['vectors'] = 'none';
  const reindexed: ReindexResult[] = [];
  if (options.reindex || manifest.vectors.kind === 'none') {
    const db = await openDatabase(url);
    const store = await createVectorStore(config.vectors);
    try {
      for (const { modelId } of await embeddedModels(db)) {
        reindexed.push(await reindexFromPostgres(db, store, { modelId, recreate: true }));
        log(`vectors: ${modelId} reindexed from Postgres into ${store.kind}`);
      }
    } finally {
      await store.close();
      await db.destroy();
    }
    vectors = 'reindexed';
  } else if (manifest.vectors.kind === 'lancedb') {
    if (config.vectors.qdrantUrl) throw new Error('the backup holds a LanceDB index but QDRANT_URL is set: restore with --reindex');
    const target = config.vectors.lancePath;
    if (fs.existsSync(target) && fs.readdirSync(target).length > 0) throw new Error(`${target} is not empty: move it away or restore with --reindex`);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.cpSync(path.join(src, manifest.vectors.dir), target, { recursive: true });
    vectors = 'lancedb-copy';
    log(`lancedb: copied to ${target}`);
  } else {
    if (!config.vectors.qdrantUrl) throw new Error('the backup holds Qdrant snapshots but QDRANT_URL is not set: set it, or restore with --reindex');
    await restoreQdrant(config, src, manifest.vectors, log);
    vectors = 'qdrant-snapshots';
  }
  return { counts, vectors, reindexed };
}

const USAGE = `usage: scripts/restore [--reindex] [--pg-bin <dir>] <dir>
  Restores a scripts/backup directory into an EMPTY database (DATABASE_URL, else the embedded server,
  which must be running) and the vector index; --reindex rebuilds vectors from Postgres instead.`;

async function main(): Promise<void> {
  const { opts, rest } = parseArgs(process.argv.slice(2), ['--reindex', '--help'], ['--pg-bin']);
  if (opts.help || rest.length !== 1) {
    process.stderr.write(`${USAGE}\n`);
    process.exit(opts.help ? 0 : 2);
  }
  const result = await restore(loadConfig(), rest[0] as string, {
    reindex: opts.reindex === true,
    pgBin: typeof opts['pg-bin'] === 'string' ? opts['pg-bin'] : undefined,
    log: (l) => process.stderr.write(`${l}\n`),
  });
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`restore failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}

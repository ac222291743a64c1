import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { IsNull, type DataSource } from 'typeorm';
import { ApiKeyEntity, type ApiKeyScope } from '../db/entities';
import { NotFoundError, ValidationError } from './errors';

/** What a request authenticated with a key knows about it; never the hash. */
export interface ApiKeyIdentity {
  id: number;
  name: string;
  scope: ApiKeyScope;
  rateLimit: number | null;
}

/** A listing row: enough to recognise and revoke a key. */
export interface ApiKeyView extends ApiKeyIdentity {
  prefix: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export interface CreatedApiKey extends ApiKeyView {
  /** The key itself: shown once, stored nowhere. */
  key: string;
}

const KEY_PREFIX = 'tf_';
/** Characters of the key kept in clear to find its row: `tf_` + 8 of the random part (48 bits). */
const LOOKUP_CHARS = 11;
const KEY_SHAPE = /^tf_[A-Za-z0-9_-]{43}$/;

function hashKey(salt: string, key: string): string {
  return createHash('sha256').update(salt).update(key).digest('hex');
}

function view(row: ApiKeyEntity): ApiKeyView {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    scope: row.scope,
    rateLimit: row.rateLimit,
    createdAt: row.createdAt.toISOString(),
    lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
    revokedAt: row.revokedAt?.toISOString() ?? null,
  };
}

export interface CreateApiKeyOptions {
  name: string;
  scope?: ApiKeyScope;
  rateLimit?: number | null;
}

/**
 * Creates a key `tf_<43 base64url chars>` (256 random bits). Only a SHA-256 of a per-key random salt
 * plus the key is stored: with that much entropy a fast hash is enough, and verification stays cheap.
 */
export async function createApiKey(db: DataSource, o: CreateApiKeyOptions): Promise<CreatedApiKey> {
  const name = o.name.trim();
  if (!/^[\w.@:-]{1,100}$/.test(name)) {
    throw new ValidationError('name: 1-100 letters, digits or . _ - @ : characters', [{ path: 'name', message: 'invalid name' }]);
  }
  if (o.rateLimit !== undefined && o.rateLimit !== null && (!Number.isInteger(o.rateLimit) || o.rateLimit < 1)) {
    throw new ValidationError('rateLimit: a positive integer', [{ path: 'rateLimit', message: 'not a positive integer' }]);
  }
  const repo = db.getRepository(ApiKeyEntity);
  if (await repo.existsBy({ name, revokedAt: IsNull() })) {
    throw new ValidationError(`an active key named ${JSON.stringify(name)} exists; revoke it or pick another name`, [
      { path: 'name', message: 'already in use' },
    ]);
  }
  const key = `${KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
  const salt = randomBytes(16).toString('hex');
  const row = await repo.save(
    repo.create({
      name,
      prefix: key.slice(0, LOOKUP_CHARS),
      salt,
      hash: hashKey(salt, key),
      scope: o.scope ?? 'write',
      rateLimit: o.rateLimit ?? null,
    }),
  );
  return { ...view(row), key };
}

/** The active key matching `presented`, or null; compares hashes in constant time. */
export async function verifyApiKey(db: DataSource, presented: string): Promise<ApiKeyIdentity | null> {
  if (!KEY_SHAPE.test(presented)) return null;
  const rows = await db.getRepository(ApiKeyEntity).findBy({ prefix: presented.slice(0, LOOKUP_CHARS), revokedAt: IsNull() });
  for (const row of rows) {
    const expected = Buffer.from(row.hash, 'hex');
    const actual = Buffer.from(hashKey(row.salt, presented), 'hex');
    if (expected.length === actual.length && timingSafeEqual(expected, actual)) {
      return { id: row.id, name: row.name, scope: row.scope, rateLimit: row.rateLimit };
    }
  }
  return null;
}

/** Records use at most once a minute per key, so busy clients do not write on every request. */
export function createUsageRecorder(db: DataSource, everyMs = 60_000) {
  const last = new Map<number, number>();
  return (id: number): Promise<void> => {
    const now = Date.now();
    if ((last.get(id) ?? 0) > now - everyMs) return Promise.resolve();
    last.set(id, now);
    return db
      .getRepository(ApiKeyEntity)
      .update({ id }, { lastUsedAt: new Date(now) })
      .then(() => undefined);
  };
}

export async function countActiveApiKeys(db: DataSource): Promise<number> {
  return db.getRepository(ApiKeyEntity).countBy({ revokedAt: IsNull() });
}

/** Keys, oldest first; revoked ones only when asked. */
export async function listApiKeys(db: DataSource, includeRevoked = false): Promise<ApiKeyView[]> {
  const rows = await db.getRepository(ApiKeyEntity).find({
    where: includeRevoked ? {} : { revokedAt: IsNull() },
    order: { id: 'ASC' },
  });
  return rows.map(view);
}

/** Revokes the active key with this id (digits) or name; revoked keys stop working at once. */
export async function revokeApiKey(db: DataSource, idOrName: string): Promise<ApiKeyView> {
  const repo = db.getRepository(ApiKeyEntity);
  const where = /^\d{1,9}$/.test(idOrName) ? { id: Number(idOrName), revokedAt: IsNull() } : { name: idOrName, revokedAt: IsNull() };
  const row = await repo.findOneBy(where);
  if (!row) throw new NotFoundError('api key', idOrName);
  row.revokedAt = new Date();
  await repo.save(row);
  return view(row);
}

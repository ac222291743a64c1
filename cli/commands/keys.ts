import { type Command, InvalidArgumentError } from 'commander';
import { createApiKey, listApiKeys, revokeApiKey, type ApiKeyView } from '../../services/api-keys';
import type { CliContext } from '../context';
import { emit, table } from '../output';

function positiveInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('a positive integer');
  return n;
}

function scope(v: string): 'read' | 'write' {
  if (v !== 'read' && v !== 'write') throw new InvalidArgumentError('read or write');
  return v;
}

const rows = (keys: ApiKeyView[]) =>
  keys.map((k) => [k.id, k.name, `${k.prefix}…`, k.scope, k.rateLimit ?? 'default', k.createdAt, k.lastUsedAt ?? '-', k.revokedAt ?? '-']);

/** `trendflow keys create|list|revoke`: API keys; only their hashes are stored. */
export function registerKeys(program: Command, ctx: () => CliContext): void {
  const keys = program.command('keys').description('manage API keys (needed for API writes; see README)');
  keys
    .command('create')
    .description('create an API key and print it once; only its salted hash is stored')
    .requiredOption('--name <name>', 'who or what uses the key')
    .option('--scope <scope>', 'write (all endpoints) or read (reads only)', scope, 'write')
    .option('--rate-limit <n>', 'requests per rate window for this key (default: API_RATE_LIMIT)', positiveInt)
    .option('--json', 'print JSON for scripts')
    .action(async (opts: { name: string; scope: 'read' | 'write'; rateLimit?: number; json?: boolean }) => {
      const created = await createApiKey(await ctx().db(), { name: opts.name, scope: opts.scope, rateLimit: opts.rateLimit });
      emit(!!opts.json, created, () =>
        [
          `created API key ${created.id} "${created.name}" (${created.scope})`,
          '',
          `  ${created.key}`,
          '',
          'Store it now: it is not shown again. Send it as `Authorization: Bearer <key>` or `X-API-Key: <key>`.',
        ].join('\n'),
      );
    });
  keys
    .command('list')
    .description('list API keys (never the keys themselves)')
    .option('--all', 'include revoked keys')
    .option('--json', 'print JSON for scripts')
    .action(async (opts: { all?: boolean; json?: boolean }) => {
      const list = await listApiKeys(await ctx().db(), !!opts.all);
      emit(!!opts.json, list, () =>
        list.length === 0
          ? 'no API keys; create one with `trendflow keys create --name <name>`'
          : table(['id', 'name', 'prefix', 'scope', 'limit', 'created', 'last used', 'revoked'], rows(list)),
      );
    });
  keys
    .command('revoke <idOrName>')
    .description('revoke a key by id or name; it stops working at once')
    .option('--json', 'print JSON for scripts')
    .action(async (idOrName: string, opts: { json?: boolean }) => {
      const revoked = await revokeApiKey(await ctx().db(), idOrName);
      emit(!!opts.json, revoked, () => `revoked API key ${revoked.id} "${revoked.name}"`);
    });
}

import { type Command, InvalidArgumentError } from 'commander';
import { WEBHOOK_EVENT_TYPES } from '../../services/events';
import { parseInput } from '../../services/validate';
import {
  createWebhook,
  createWebhookSchema,
  deleteWebhook,
  listDeliveries,
  listWebhooks,
  sendTestEvent,
  webhookIdSchema,
  type DeliveryView,
} from '../../services/webhooks';
import type { CliContext } from '../context';
import { emit, table } from '../output';

const webhookId = (v: string): number => {
  const parsed = webhookIdSchema.safeParse({ id: v });
  if (!parsed.success) throw new InvalidArgumentError('a webhook id (positive integer)');
  return parsed.data.id;
};
const list = (v: string) => v.split(',').map((s) => s.trim()).filter(Boolean);

const positiveInt = (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 500) throw new InvalidArgumentError('an integer from 1 to 500');
  return n;
};

const deliveryRow = (d: DeliveryView) => [d.id, d.eventType, d.eventId, d.status, d.attempts, String(d.lastStatusCode ?? d.lastError ?? '-'), d.deliveredAt ?? d.nextRetryAt ?? '-'];

/** `trendflow webhooks list|add|remove|deliveries|test`: subscriptions to outcome events (docs/operations.md). */
export function registerWebhooks(program: Command, ctx: () => CliContext): void {
  const webhooks = program.command('webhooks').description('webhook subscriptions: signed POSTs of run outcomes, emerging trends and digests');
  webhooks
    .command('list')
    .description('list webhooks (never their secrets)')
    .option('--json', 'print JSON for scripts')
    .action(async (opts: { json?: boolean }) => {
      const all = await listWebhooks(await ctx().db());
      emit(!!opts.json, all, () =>
        all.length === 0
          ? 'no webhooks; add one with `trendflow webhooks add <url> --events run.completed,trend.emerging`'
          : table(['id', 'url', 'events', 'enabled', 'description', 'created'], all.map((w) => [w.id, w.url, w.events.join(','), w.enabled ? 'yes' : 'no', w.description ?? '-', w.createdAt])),
      );
    });
  webhooks
    .command('add <url>')
    .description('subscribe a URL; prints the signing secret once')
    .requiredOption('--events <types>', `comma-separated: ${WEBHOOK_EVENT_TYPES.join(', ')}`, list)
    .option('--secret <secret>', 'HMAC key (16+ characters); generated when not given')
    .option('--description <text>', 'what receives it')
    .option('--json', 'print JSON for scripts')
    .action(async (url: string, opts: { events: string[]; secret?: string; description?: string; json?: boolean }) => {
      const input = parseInput(createWebhookSchema, { url, events: opts.events, secret: opts.secret, description: opts.description });
      const created = await createWebhook(await ctx().db(), input);
      emit(!!opts.json, created, () =>
        [
          `webhook ${created.id}: ${created.url} ← ${created.events.join(', ')}`,
          '',
          `  secret: ${created.secret}`,
          '',
          'Store the secret now: it is not shown again. Deliveries carry X-Trendflow-Signature: t=<unix>,v1=<HMAC-SHA256 of "<t>.<body>">.',
        ].join('\n'),
      );
    });
  webhooks
    .command('remove <id>')
    .description('delete a webhook and its delivery log')
    .option('--json', 'print JSON for scripts')
    .action(async (id: string, opts: { json?: boolean }) => {
      const n = webhookId(id);
      await deleteWebhook(await ctx().db(), n);
      emit(!!opts.json, { id: n, removed: true }, () => `removed webhook ${n}`);
    });
  webhooks
    .command('deliveries <id>')
    .description("a webhook's delivery log, newest first (attempts, last status, next retry)")
    .option('--limit <n>', 'deliveries to show', positiveInt, 20)
    .option('--status <status>', 'pending, delivered or failed')
    .option('--json', 'print JSON for scripts (with every attempt)')
    .action(async (id: string, opts: { limit: number; status?: string; json?: boolean }) => {
      if (opts.status !== undefined && !['pending', 'delivered', 'failed'].includes(opts.status)) throw new InvalidArgumentError('--status: pending, delivered or failed');
      const rows = await listDeliveries(await ctx().db(), webhookId(id), { limit: opts.limit, status: opts.status as DeliveryView['status'] | undefined });
      emit(!!opts.json, rows, () =>
        rows.length === 0
          ? 'no deliveries yet'
          : table(['delivery', 'event', 'event id', 'status', 'attempts', 'last answer', 'delivered / next retry'], rows.map(deliveryRow), 70),
      );
    });
  webhooks
    .command('test <id>')
    .description('send a webhook.test event through the real delivery workflow')
    .option('--json', 'print JSON for scripts')
    .action(async (id: string, opts: { json?: boolean }) => {
      const c = ctx();
      const started = await sendTestEvent(await c.db(), await c.temporal(), webhookId(id));
      emit(!!opts.json, started, () => `test event ${started.eventId} on its way (workflow ${started.workflowId}); see \`trendflow webhooks deliveries ${id}\``);
    });
}

import crypto from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { DataSource, EntityManager } from 'typeorm';
import { z } from 'zod';
import { WebhookDeliveryEntity, WebhookEntity, type DeliveryAttempt, type WebhookDeliveryStatus } from '../db/entities';
import { NotFoundError } from './errors';
import { TASK_QUEUES } from '../workflows/task-queues';
import { appendEvents, WEBHOOK_EVENT_TYPES } from './events';

/** Headers of every delivery: receivers verify the signature and dedupe on the delivery id. */
export const SIGNATURE_HEADER = 'X-Trendflow-Signature';
export const EVENT_HEADER = 'X-Trendflow-Event';
export const DELIVERY_HEADER = 'X-Trendflow-Delivery';

const webhookUrl = z
  .url({ protocol: /^https?$/, error: 'must be an http or https URL' })
  .max(2000)
  // Runs even after the URL check failed (zod reports every issue), so it must not assume a parsable URL.
  .refine((u) => !URL.canParse(u) || (!new URL(u).username && !new URL(u).password), 'must not carry credentials; authenticate by the signature');
const events = z.array(z.enum(WEBHOOK_EVENT_TYPES)).min(1).max(WEBHOOK_EVENT_TYPES.length).describe(`any of ${WEBHOOK_EVENT_TYPES.join(', ')}`);
const secret = z.string().min(16).max(200).describe('HMAC key; generated (and returned once) when not given');

export const createWebhookSchema = z
  .object({ url: webhookUrl, events, secret: secret.optional(), description: z.string().trim().max(500).optional(), enabled: z.boolean().default(true) })
  .strict();
export const patchWebhookSchema = z
  .object({ url: webhookUrl.optional(), events: events.optional(), secret: secret.optional(), description: z.string().trim().max(500).nullable().optional(), enabled: z.boolean().optional() })
  .strict()
  .refine((p) => Object.keys(p).length > 0, 'give at least one field to change');
export const webhookIdSchema = z.object({ id: z.coerce.number().int().positive().max(2_147_483_647).describe('webhook id') });

export type CreateWebhook = z.output<typeof createWebhookSchema>;
export type PatchWebhook = z.output<typeof patchWebhookSchema>;

export interface WebhookView {
  id: number;
  url: string;
  events: string[];
  description: string | null;
  enabled: boolean;
  createdAt: string;
  updatedAt: string;
  /** Only in the answer to create (and to a patch that sets a new secret). */
  secret?: string;
}

const view = (w: WebhookEntity, withSecret = false): WebhookView => ({
  id: w.id,
  url: w.url,
  events: w.events,
  description: w.description,
  enabled: w.enabled,
  createdAt: w.createdAt.toISOString(),
  updatedAt: w.updatedAt.toISOString(),
  ...(withSecret ? { secret: w.secret } : {}),
});

export async function createWebhook(db: DataSource, input: CreateWebhook): Promise<WebhookView> {
  const repo = db.getRepository(WebhookEntity);
  const saved = await repo.save(
    repo.create({
      url: input.url,
      events: [...new Set(input.events)],
      secret: input.secret ?? `whsec_${crypto.randomBytes(24).toString('base64url')}`,
      description: input.description ?? null,
      enabled: input.enabled,
    }),
  );
  return view(saved, true);
}

export async function listWebhooks(db: DataSource): Promise<WebhookView[]> {
  return (await db.getRepository(WebhookEntity).find({ order: { id: 'ASC' } })).map((w) => view(w));
}

async function load(db: DataSource, id: number): Promise<WebhookEntity> {
  const w = await db.getRepository(WebhookEntity).findOneBy({ id });
  if (!w) throw new NotFoundError('webhook', String(id));
  return w;
}

export async function getWebhook(db: DataSource, id: number): Promise<WebhookView> {
  return view(await load(db, id));
}

export async function updateWebhook(db: DataSource, id: number, patch: PatchWebhook): Promise<WebhookView> {
  const w = await load(db, id);
  if (patch.url !== undefined) w.url = patch.url;
  if (patch.events !== undefined) w.events = [...new Set(patch.events)];
  if (patch.secret !== undefined) w.secret = patch.secret;
  if (patch.description !== undefined) w.description = patch.description;
  if (patch.enabled !== undefined) w.enabled = patch.enabled;
  return view(await db.getRepository(WebhookEntity).save(w), patch.secret !== undefined);
}

/** Deletes the webhook and its delivery log; deliveries in flight find it gone and stop. */
export async function deleteWebhook(db: DataSource, id: number): Promise<void> {
  const { affected } = await db.getRepository(WebhookEntity).delete({ id });
  if (!affected) throw new NotFoundError('webhook', String(id));
}

export interface DeliveryView {
  id: string;
  webhookId: number;
  eventId: string;
  eventType: string;
  status: WebhookDeliveryStatus;
  attempts: number;
  lastStatusCode: number | null;
  lastError: string | null;
  nextRetryAt: string | null;
  deliveredAt: string | null;
  createdAt: string;
  attemptLog: DeliveryAttempt[];
}

/** The delivery log of one webhook, newest first. */
export async function listDeliveries(db: DataSource, webhookId: number, o: { limit: number; status?: WebhookDeliveryStatus }): Promise<DeliveryView[]> {
  await load(db, webhookId);
  const rows = await db
    .getRepository(WebhookDeliveryEntity)
    .createQueryBuilder('d')
    .innerJoinAndSelect('d.event', 'e')
    .where('d.webhook_id = :webhookId', { webhookId })
    .andWhere(o.status ? 'd.status = :status' : '1=1', { status: o.status })
    .orderBy('d.id', 'DESC')
    .take(o.limit)
    .getMany();
  return rows.map((d) => ({
    id: String(d.id),
    webhookId: d.webhookId,
    eventId: String(d.eventId),
    eventType: d.event?.type ?? '',
    status: d.status,
    attempts: d.attempts,
    lastStatusCode: d.lastStatusCode,
    lastError: d.lastError,
    nextRetryAt: d.nextRetryAt?.toISOString() ?? null,
    deliveredAt: d.deliveredAt?.toISOString() ?? null,
    createdAt: d.createdAt.toISOString(),
    attemptLog: d.attemptLog,
  }));
}

/** `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`: the timestamp in the MAC stops replays of old bodies. */
export function signPayload(secretKey: string, body: string, unixSeconds: number): string {
  const mac = crypto.createHmac('sha256', secretKey).update(`${unixSeconds}.${body}`).digest('hex');
  return `t=${unixSeconds},v1=${mac}`;
}

/** What a receiver does: recompute the MAC and compare in constant time, refusing stale timestamps. */
export function verifySignature(secretKey: string, body: string, header: string, nowSeconds: number, toleranceS = 300): boolean {
  const parts = Object.fromEntries(header.split(',').map((p) => [p.slice(0, p.indexOf('=')), p.slice(p.indexOf('=') + 1)]));
  const t = Number(parts.t);
  if (!Number.isInteger(t) || Math.abs(nowSeconds - t) > toleranceS || typeof parts.v1 !== 'string') return false;
  const expected = Buffer.from(signPayload(secretKey, body, t).split('v1=')[1] ?? '', 'hex');
  const given = Buffer.from(parts.v1, 'hex');
  return given.length === expected.length && crypto.timingSafeEqual(given, expected);
}

/**
 * One delivery row per (event, enabled webhook subscribed to its type), created once: a retried
 * planner gets the same ids back. `webhookIds` limits it (the test endpoint targets one webhook).
 */
export async function planDeliveries(q: Pick<EntityManager, 'query'>, eventIds: string[], webhookIds?: number[]): Promise<string[]> {
  if (eventIds.length === 0) return [];
  const rows: Array<{ id: string }> = await q.query(
    `WITH wanted AS (
       SELECT w.id AS webhook_id, e.id AS event_id FROM events e
       JOIN webhooks w ON w.enabled AND (w.events ? e.type OR e.type = 'webhook.test')
       WHERE e.id = ANY($1::bigint[]) AND ($2::int[] IS NULL OR w.id = ANY($2))
     ), ins AS (
       INSERT INTO webhook_deliveries (webhook_id, event_id) SELECT webhook_id, event_id FROM wanted
       ON CONFLICT (webhook_id, event_id) DO NOTHING RETURNING id
     )
     SELECT d.id FROM webhook_deliveries d JOIN wanted USING (webhook_id, event_id)
     UNION SELECT id FROM ins ORDER BY 1`,
    [eventIds, webhookIds ?? null],
  );
  return rows.map((r) => String(r.id));
}

/** Whether any enabled webhook wants one of these types (else the pipeline starts no delivery workflow). */
export async function anyWebhookWants(q: Pick<EntityManager, 'query'>, types: string[]): Promise<boolean> {
  const [row] = (await q.query(`SELECT EXISTS (SELECT 1 FROM webhooks WHERE enabled AND events ?| $1::text[]) AS yes`, [types])) as Array<{ yes: boolean }>;
  return row?.yes ?? false;
}

/** Sends a `webhook.test` event to one webhook through the real delivery workflow (signing, retries, log). */
export async function sendTestEvent(db: DataSource, client: Client, webhookId: number): Promise<{ eventId: string; workflowId: string }> {
  const w = await load(db, webhookId);
  const [eventId = ''] = await appendEvents(db, [
    { type: 'webhook.test', runId: null, subject: `webhook:${w.id}:${crypto.randomUUID()}`, payload: { webhookId: w.id, message: 'test delivery from trendflow' } },
  ]);
  const workflowId = `webhook-test-${eventId}`;
  await client.workflow.start('webhookDeliveryWorkflow', { taskQueue: TASK_QUEUES.workflows, workflowId, args: [{ eventIds: [eventId], webhookIds: [w.id] }] });
  return { eventId, workflowId };
}

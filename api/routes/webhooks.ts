import type { Router } from 'express';
import { z } from 'zod';
import { WEBHOOK_EVENT_TYPES } from '../../services/events';
import {
  createWebhook,
  createWebhookSchema,
  deleteWebhook,
  getWebhook,
  listDeliveries,
  listWebhooks,
  patchWebhookSchema,
  sendTestEvent,
  updateWebhook,
  webhookIdSchema,
} from '../../services/webhooks';
import type { ApiDeps } from '../app';
import { apiRouter } from '../openapi';

const webhookView = z.object({
  id: z.number().int(),
  url: z.string(),
  events: z.array(z.enum(WEBHOOK_EVENT_TYPES)),
  description: z.string().nullable(),
  enabled: z.boolean(),
  createdAt: z.string(),
  updatedAt: z.string(),
  secret: z.string().optional().describe('only when created or when a new secret was set: store it, it is not shown again'),
});
const deliveryView = z.object({
  id: z.string().describe('the X-Trendflow-Delivery header receivers dedupe on'),
  webhookId: z.number().int(),
  eventId: z.string(),
  eventType: z.string(),
  status: z.enum(['pending', 'delivered', 'failed']),
  attempts: z.number().int(),
  lastStatusCode: z.number().int().nullable(),
  lastError: z.string().nullable(),
  nextRetryAt: z.string().nullable(),
  deliveredAt: z.string().nullable(),
  createdAt: z.string(),
  attemptLog: z.array(z.object({ at: z.string(), attempt: z.number().int(), statusCode: z.number().int().nullable(), error: z.string().nullable(), ms: z.number() })),
});
const deliveriesQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  status: z.enum(['pending', 'delivered', 'failed']).optional(),
});

/** `/webhooks`: subscriptions to outcome events, delivered signed by webhookDeliveryWorkflow (docs/operations.md). */
export function webhooksRouter({ db, temporal }: ApiDeps): Router {
  const r = apiRouter();
  const tags = ['webhooks'];
  const params = webhookIdSchema;
  const one = { 200: { description: 'the webhook', schema: webhookView }, 404: { description: 'no such webhook' } };

  r.get('/webhooks', { summary: 'List webhooks (never their secrets)', tags, responses: { 200: { description: 'webhooks, oldest first', schema: z.object({ webhooks: z.array(webhookView) }) } } }, async (_in, _req, res) => {
    res.json({ webhooks: await listWebhooks(db) });
  });
  r.post(
    '/webhooks',
    {
      summary: 'Subscribe a URL to events',
      description: `Deliveries are POSTs signed with \`X-Trendflow-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<body>">\`. Events: ${WEBHOOK_EVENT_TYPES.join(', ')}.`,
      tags,
      body: createWebhookSchema,
      responses: { 201: { description: 'created; the answer holds the secret, shown only now', schema: webhookView } },
    },
    async ({ body }, _req, res) => {
      const created = await createWebhook(db, body);
      res.status(201).location(`/api/v1/webhooks/${created.id}`).json(created);
    },
  );
  r.get('/webhooks/:id', { summary: 'One webhook', tags, params, responses: one }, async ({ params: p }, _req, res) => {
    res.json(await getWebhook(db, p.id));
  });
  r.patch('/webhooks/:id', { summary: 'Change a webhook (url, events, secret, description, enabled)', tags, params, body: patchWebhookSchema, responses: one }, async ({ params: p, body }, _req, res) => {
    res.json(await updateWebhook(db, p.id, body));
  });
  r.delete(
    '/webhooks/:id',
    { summary: 'Delete a webhook and its delivery log', tags, params, responses: { 204: { description: 'deleted' }, 404: { description: 'no such webhook' } } },
    async ({ params: p }, _req, res) => {
      await deleteWebhook(db, p.id);
      res.status(204).end();
    },
  );
  r.get(
    '/webhooks/:id/deliveries',
    { summary: 'The delivery log of a webhook, newest first, with each attempt', tags, params, query: deliveriesQuery, responses: { 200: { description: 'deliveries', schema: z.object({ deliveries: z.array(deliveryView) }) }, 404: { description: 'no such webhook' } } },
    async ({ params: p, query }, _req, res) => {
      res.json({ deliveries: await listDeliveries(db, p.id, query) });
    },
  );
  r.post(
    '/webhooks/:id/test',
    { summary: 'Send a webhook.test event through the real delivery path', tags, params, responses: { 202: { description: 'delivery started', schema: z.object({ eventId: z.string(), workflowId: z.string() }) }, 404: { description: 'no such webhook' } } },
    async ({ params: p }, _req, res) => {
      res.status(202).json(await sendTestEvent(db, temporal(), p.id));
    },
  );
  return r.router;
}

import { ApplicationFailure, Context } from '@temporalio/activity';
import type { DataSource } from 'typeorm';
import { WebhookDeliveryEntity, type DeliveryAttempt, type WebhookEntity } from '../../db/entities';
import { eventsByIds } from '../../services/events';
import { DELIVERY_HEADER, EVENT_HEADER, planDeliveries, SIGNATURE_HEADER, signPayload } from '../../services/webhooks';
import type {
  DeliverWebhookInput,
  DeliverWebhookResult,
  GiveUpDeliveryInput,
  WebhookDeliveryInput,
  WebhookDeliveryPlan,
  WebhookRetrySettings,
} from '../../workflows/types';
import { DELIVERY_FAILURES } from './errors';
import { postWebhook, type PostOutcome } from './http';

export interface NotifyActivityDeps {
  db: DataSource;
  retry: WebhookRetrySettings;
  /** Attempts kept per delivery in `attempt_log`. */
  attemptLogSize?: number;
  /** Deliver to loopback/private/link-local addresses too (off in production: see address-guard.ts). */
  allowPrivateNetworks?: boolean;
}

/** The delay Temporal's retry policy (backoff 2, capped) puts before attempt `attempt + 1`. */
export function backoffMs(retry: WebhookRetrySettings, attempt: number): number {
  return Math.min(retry.initialIntervalMs * 2 ** Math.max(0, attempt - 1), retry.maximumIntervalMs);
}

/** Webhook delivery: plans one row per (event, webhook) and POSTs each, logging every attempt. */
export function createNotifyActivities({ db, retry, attemptLogSize = 20, allowPrivateNetworks }: NotifyActivityDeps) {
  const deliveries = db.getRepository(WebhookDeliveryEntity);

  async function record(id: string, attempt: number, outcome: PostOutcome, status: 'pending' | 'delivered' | 'failed', nextRetryAt: Date | null) {
    const entry: DeliveryAttempt = { at: new Date().toISOString(), attempt, statusCode: outcome.statusCode, error: outcome.error, ms: outcome.ms };
    await db.query(
      `UPDATE webhook_deliveries SET attempts = greatest(attempts, $2), status = $3, last_status_code = $4, last_error = $5,
              next_retry_at = $6, delivered_at = CASE WHEN $3 = 'delivered' THEN now() ELSE delivered_at END,
              attempt_log = (SELECT coalesce(jsonb_agg(a ORDER BY n), '[]'::jsonb) FROM (
                SELECT a, n FROM jsonb_array_elements(attempt_log || jsonb_build_array($7::jsonb)) WITH ORDINALITY AS x(a, n)
                ORDER BY n DESC LIMIT $8) last),
              updated_at = now()
       WHERE id = $1`,
      [id, attempt, status, outcome.statusCode, outcome.error?.slice(0, 1000) ?? null, nextRetryAt, JSON.stringify(entry), attemptLogSize],
    );
  }

  return {
    /** Creates (or finds, on retry) the deliveries of some events, with the backoff to deliver them by. */
    async planWebhookDeliveries(input: WebhookDeliveryInput): Promise<WebhookDeliveryPlan> {
      return { deliveryIds: await planDeliveries(db, input.eventIds, input.webhookIds), retry };
    },

    /**
     * One POST of one delivery. Throws a retryable failure while the receiver is down (429's
     * Retry-After sets the next delay) and a non-retryable one when it refuses the event for good.
     */
    async deliverWebhook({ deliveryId, retry: policy }: DeliverWebhookInput): Promise<DeliverWebhookResult> {
      const { attempt } = Context.current().info;
      const d = await deliveries.findOne({ where: { id: deliveryId }, relations: { webhook: true, event: true } });
      // Already delivered: the worker died between the receiver's 2xx and Temporal hearing of it.
      if (d?.status === 'delivered') return { deliveryId, status: 'delivered', attempts: d.attempts };
      const webhook: WebhookEntity | undefined = d?.webhook;
      if (!d || !webhook || !webhook.enabled) {
        if (d) await db.query(`UPDATE webhook_deliveries SET status = 'failed', last_error = 'webhook disabled', next_retry_at = NULL WHERE id = $1`, [deliveryId]);
        return { deliveryId, status: 'skipped', attempts: d?.attempts ?? 0 };
      }
      const [event] = await eventsByIds(db, [String(d.eventId)]);
      if (!event) return { deliveryId, status: 'skipped', attempts: d.attempts };
      const body = JSON.stringify({ ...event, deliveryId });
      const outcome = await postWebhook(
        webhook.url,
        body,
        {
          [SIGNATURE_HEADER]: signPayload(webhook.secret, body, Math.floor(Date.now() / 1000)),
          [EVENT_HEADER]: event.type,
          [DELIVERY_HEADER]: deliveryId,
        },
        { timeoutMs: policy.timeoutMs, allowPrivateNetworks: allowPrivateNetworks ?? false },
      );
      if (outcome.ok) {
        await record(deliveryId, attempt, outcome, 'delivered', null);
        return { deliveryId, status: 'delivered', attempts: attempt };
      }
      if (!outcome.retryable) {
        await record(deliveryId, attempt, outcome, 'failed', null);
        throw ApplicationFailure.create({ message: `${webhook.url} refused delivery ${deliveryId}: ${outcome.error}`, type: DELIVERY_FAILURES.rejected, nonRetryable: true });
      }
      // Retry-After (429, 503) is honoured as asked, up to an hour (a hostile value must not park it for good).
      const delay = outcome.retryAfterMs === undefined ? backoffMs(policy, attempt) : Math.min(outcome.retryAfterMs, 3600_000);
      await record(deliveryId, attempt, outcome, 'pending', new Date(Date.now() + delay));
      throw ApplicationFailure.create({
        message: `${webhook.url}: ${outcome.error}`,
        type: DELIVERY_FAILURES.retryable,
        ...(outcome.retryAfterMs === undefined ? {} : { nextRetryDelay: delay }),
      });
    },

    /** Marks a delivery failed once its retries ran out (schedule-to-close reached). */
    async giveUpDelivery({ deliveryId, reason }: GiveUpDeliveryInput): Promise<void> {
      await db.query(
        `UPDATE webhook_deliveries SET status = 'failed', next_retry_at = NULL, last_error = coalesce(last_error, $2), updated_at = now()
         WHERE id = $1 AND status = 'pending'`,
        [deliveryId, reason.slice(0, 1000)],
      );
    },
  };
}

export type NotifyActivities = ReturnType<typeof createNotifyActivities>;

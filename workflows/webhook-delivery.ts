import { ActivityFailure, ApplicationFailure, isCancellation, proxyActivities } from '@temporalio/workflow';
import type { NotifyActivities } from '../activities/notify';
import { TASK_QUEUES } from './task-queues';
import type { WebhookDeliveryInput } from './types';

// Planning and giving up are quick DB writes beside the run bookkeeping.
const notify = proxyActivities<NotifyActivities>({
  taskQueue: TASK_QUEUES.workflows,
  startToCloseTimeout: '1 minute',
  retry: { maximumAttempts: 20, maximumInterval: '30 seconds' },
});

export interface WebhookDeliverySummary {
  delivered: number;
  failed: number;
  skipped: number;
}

/**
 * Delivers events to the webhooks subscribed to them, each delivery on its own backoff so one slow or
 * dead receiver delays nobody else. Started by the pipeline with parentClosePolicy ABANDON: the run
 * ends at once and a receiver down for hours still gets its events (until `giveUpAfterMs`).
 */
export async function webhookDeliveryWorkflow(input: WebhookDeliveryInput): Promise<WebhookDeliverySummary> {
  const plan = await notify.planWebhookDeliveries(input);
  const { retry } = plan;
  const deliver = proxyActivities<NotifyActivities>({
    taskQueue: TASK_QUEUES.workflows,
    startToCloseTimeout: retry.timeoutMs + 10_000,
    scheduleToCloseTimeout: retry.giveUpAfterMs,
    retry: {
      initialInterval: retry.initialIntervalMs,
      backoffCoefficient: 2,
      maximumInterval: retry.maximumIntervalMs,
      // No maximumAttempts: the schedule-to-close deadline, not a count, decides when to give up.
    },
  });
  const summary: WebhookDeliverySummary = { delivered: 0, failed: 0, skipped: 0 };
  await Promise.all(
    plan.deliveryIds.map(async (deliveryId) => {
      try {
        const r = await deliver.deliverWebhook({ deliveryId, retry });
        summary[r.status === 'delivered' ? 'delivered' : 'skipped']++;
      } catch (err) {
        if (isCancellation(err)) throw err;
        const cause = err instanceof ActivityFailure ? err.cause : err;
        const reason = cause instanceof ApplicationFailure ? `${cause.type}: ${cause.message}` : `gave up: ${cause instanceof Error ? cause.message : String(cause)}`;
        await notify.giveUpDelivery({ deliveryId, reason });
        summary.failed++;
      }
    }),
  );
  return summary;
}

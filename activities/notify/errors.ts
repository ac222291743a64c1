/** Failure types of webhook deliveries, as the workflow's retry policy and the delivery log name them. */
export const DELIVERY_FAILURES = {
  /** 5xx, 408, 429, refused connection, timeout: tried again with backoff. */
  retryable: 'WebhookUnavailable',
  /** Any other 4xx, a redirect: the receiver refused this delivery, trying again would not help. */
  rejected: 'WebhookRejected',
} as const;

/** Base class for every error the summarize stage throws on purpose. */
export class SummarizeError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Thrown when the model answered but its content is unusable: a refusal, no JSON, or JSON that fails the schema. */
export class LlmResponseError extends SummarizeError {
  constructor(
    message: string,
    readonly model: string,
    /** The start of what the model returned, for logs; never the whole body. */
    readonly snippet: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Thrown when the HTTP call failed; `retryable` is true for 408/429/5xx, timeouts and connection errors. */
export class LlmRequestError extends SummarizeError {
  constructor(
    message: string,
    readonly model: string,
    readonly retryable: boolean,
    /** HTTP status, undefined when no response arrived (timeout, connection refused). */
    readonly status?: number,
    /** Server's `retry-after` hint, when it sent one, so the caller can wait that long instead of its own backoff. */
    readonly retryAfterMs?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

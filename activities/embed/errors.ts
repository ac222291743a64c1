/** Base class for every error the embed stage throws on purpose. */
export class EmbedError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/**
 * Thrown when an embeddings HTTP call failed for good: a 4xx other than 408/409/429 (`retryable` false: bad
 * model name, bad key, input too long), or a transient failure that outlasted the embedder's own retries.
 */
export class EmbedderRequestError extends EmbedError {
  constructor(
    message: string,
    readonly model: string,
    readonly retryable: boolean,
    /** HTTP status; undefined when no response arrived (timeout, connection refused). */
    readonly status: number | undefined,
    /** Requests made, the failing one included. */
    readonly attempts: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Thrown when the server answered 2xx with vectors we cannot use (wrong count, wrong length, not finite); never retryable. */
export class EmbedderResponseError extends EmbedError {
  constructor(
    message: string,
    readonly model: string,
  ) {
    super(message);
  }
}

/** Thrown by a worker-thread embedder when a thread dies or fails to load the model. */
export class EmbedderThreadError extends EmbedError {
  constructor(
    message: string,
    readonly threadId: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Thrown when a local transformers.js model folder is missing, incomplete or cannot be loaded; a retry cannot fix it. */
export class TransformersModelError extends EmbedError {
  constructor(
    message: string,
    readonly modelPath: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** True for errors a retry of the same input cannot fix, which the embed activity reports as non-retryable. */
export function isPermanentEmbedError(error: unknown): boolean {
  return (
    (error instanceof EmbedderRequestError && !error.retryable) ||
    error instanceof EmbedderResponseError ||
    error instanceof TransformersModelError
  );
}

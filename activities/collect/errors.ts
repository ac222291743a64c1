/**
 * Errors the collect stage throws. Callers (the collect activity) turn them into Temporal failures:
 * `retryable: false` becomes a non-retryable ApplicationFailure whose `type` is the class name.
 */

/** Base class of every error a source throws; `spec` is the source spec as the user wrote it. */
export class SourceError extends Error {
  constructor(
    readonly spec: string,
    message: string,
    readonly retryable: boolean,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Thrown when a spec string cannot be parsed or names an unknown kind, option or value. */
export class SourceSpecError extends SourceError {
  constructor(spec: string, message: string, options?: ErrorOptions) {
    super(spec, message, false, options);
  }
}

/** Thrown when the file does not exist or the server answers 404/410. */
export class SourceNotFoundError extends SourceError {
  constructor(spec: string, message: string, options?: ErrorOptions) {
    super(spec, message, false, options);
  }
}

/** Thrown when the content is not what the kind promises: malformed CSV/JSONL/feed, HTML instead of a feed, too large. */
export class SourceFormatError extends SourceError {
  constructor(spec: string, message: string, options?: ErrorOptions) {
    super(spec, message, false, options);
  }
}

export interface SourceFetchErrorOptions extends ErrorOptions {
  /** HTTP status, when the server answered at all. */
  status?: number;
  /** Delay the server asked for (Retry-After), in milliseconds. */
  retryAfterMs?: number;
  /** Defaults to true; false for client errors that will fail the same way again (401, 403, 400…). */
  retryable?: boolean;
}

/** Thrown on network errors, timeouts, 429 and 5xx (retryable), and other 4xx answers (not retryable). */
export class SourceFetchError extends SourceError {
  readonly status: number | undefined;
  readonly retryAfterMs: number | undefined;

  constructor(spec: string, message: string, options: SourceFetchErrorOptions = {}) {
    const { status, retryAfterMs, retryable = true, ...errorOptions } = options;
    super(spec, message, retryable, errorOptions);
    this.status = status;
    this.retryAfterMs = retryAfterMs;
  }
}

/** Thrown when the `sources` row of a spec is disabled or removed: the run records it as failed without fetching. */
export class SourceDisabledError extends SourceError {
  constructor(spec: string, message: string) {
    super(spec, message, false);
  }
}

/** Message of any thrown value; duck-typed because errors from Node internals fail `instanceof Error` under Jest's VM contexts. */
export function errorMessage(err: unknown): string {
  return typeof err === 'object' && err !== null && 'message' in err && typeof err.message === 'string' ? err.message : String(err);
}

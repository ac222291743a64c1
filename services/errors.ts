/** Application errors the API maps to HTTP problems in one place (api/problem.ts). */
export class AppError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly title: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

/** Thrown when request input fails validation; `details` lists each problem with its path. */
export class ValidationError extends AppError {
  override name = 'ValidationError';
  constructor(message: string, details?: unknown) {
    super(message, 400, 'Invalid request', details);
  }
}

/** Thrown when a run, trend or other resource does not exist. */
export class NotFoundError extends AppError {
  override name = 'NotFoundError';
  constructor(what: string, id: string) {
    super(`${what} ${JSON.stringify(id)} does not exist`, 404, 'Not found', { [what]: id });
  }
}

/** Thrown when a dependency (Temporal, Postgres, vector store) cannot be reached. */
export class UnavailableError extends AppError {
  override name = 'UnavailableError';
  constructor(message: string) {
    super(message, 503, 'Service unavailable');
  }
}

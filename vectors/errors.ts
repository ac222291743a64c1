/** Thrown when a vector store call fails; `cause` keeps the driver's error. */
export class VectorStoreError extends Error {
  override readonly name: string = 'VectorStoreError';

  constructor(
    readonly store: string,
    readonly operation: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${store} ${operation}: ${message}`, options);
  }
}

/** Thrown when a vector's length differs from the dimension of its model's collection; never retryable. */
export class VectorDimensionError extends VectorStoreError {
  override readonly name: string = 'VectorDimensionError';

  constructor(
    store: string,
    operation: string,
    readonly modelId: string,
    readonly expected: number,
    readonly actual: number,
  ) {
    super(store, operation, `model ${modelId} has dimension ${expected}, got a vector of length ${actual}`);
  }
}

/** The message of anything thrown; duck-typed since errors from other realms (Jest sandbox, native addons) fail `instanceof Error`. */
export function errorMessage(error: unknown): string {
  const message = typeof error === 'object' && error !== null && 'message' in error ? error.message : undefined;
  return typeof message === 'string' ? message : String(error);
}

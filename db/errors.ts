/** Thrown when the embedded Postgres data dir is owned by another live process, or the server won't start. */
export class EmbeddedPostgresError extends Error {
  override name = 'EmbeddedPostgresError';
  constructor(
    message: string,
    readonly dataDir: string,
  ) {
    super(message);
  }
}

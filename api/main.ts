import { loadConfig } from '../config/config';
import { startApi } from './server';

/** `npm run api`: the HTTP API alone, against an already running stack. */
async function run(): Promise<void> {
  const api = await startApi(loadConfig());
  const stop = () => {
    api.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

run().catch((err: unknown) => {
  process.stderr.write(`API failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});

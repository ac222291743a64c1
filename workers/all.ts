import path from 'node:path';
import { supervise } from '../scripts/supervisor';
import { TASK_QUEUES, type QueueName } from '../workflows/task-queues';

/** One child process per task queue, each with its own metrics port (9464 + n). */
export function workerChildren(basePort = 9464) {
  return (Object.keys(TASK_QUEUES) as QueueName[]).map((queue, i) => ({
    name: `worker:${queue}`,
    command: process.execPath,
    args: [path.join(__dirname, `${queue}.js`)],
    env: { WORKER_METRICS_PORT: String(basePort + i) },
    restart: true,
  }));
}

/** `npm run workers`: the dev launcher for every worker pool, against an already running stack. */
if (require.main === module) {
  const sup = supervise(workerChildren(), () => undefined);
  const stop = () => void sup.stop().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

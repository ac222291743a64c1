/** One task queue per kind of work, so each pool scales and is rate-limited on its own. */
export const TASK_QUEUES = {
  workflows: 'trendflow-workflows',
  collect: 'trendflow-collect',
  embed: 'trendflow-embed',
  cluster: 'trendflow-cluster',
  summarize: 'trendflow-summarize',
} as const;

export type QueueName = keyof typeof TASK_QUEUES;

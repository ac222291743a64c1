// The stack helpers moved to bench/lib/stack.ts (the end-to-end bench uses them too); the fault suite keeps its names.
export {
  BenchPostgres as FaultPostgres,
  TemporalDevServer as FaultTemporal,
  WorkerPool,
  QUEUES,
  freePort,
  peakRssKb,
} from '../lib/stack';

import { Histogram, type Registry } from 'prom-client';
import type { DataSource, EntitySubscriberInterface } from 'typeorm';
import type { AfterQueryEvent } from 'typeorm/subscriber/event/QueryEvent';
import type { VectorStore } from '../vectors/vector-store';

/** Latency of the two stores every process talks to: Postgres (through TypeORM) and the vector index. */
export function createStoreMetrics(registry: Registry) {
  return {
    dbQuery: new Histogram({
      name: 'trendflow_db_query_duration_seconds',
      help: 'Postgres query latency by statement kind (select, insert, update, delete, other) and outcome',
      labelNames: ['operation', 'outcome'] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
      registers: [registry],
    }),
    vectorOp: new Histogram({
      name: 'trendflow_vector_store_duration_seconds',
      help: 'Vector store call latency by store kind, operation and outcome',
      labelNames: ['store', 'operation', 'outcome'] as const,
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
  };
}

export type StoreMetrics = ReturnType<typeof createStoreMetrics>;

const OPERATIONS = new Set(['select', 'insert', 'update', 'delete']);

/** The statement kind of a query; a CTE or anything unusual is `other`, so labels stay few. */
export function queryOperation(sql: string): string {
  const word = /^\s*(\w+)/.exec(sql)?.[1]?.toLowerCase() ?? 'other';
  return OPERATIONS.has(word) ? word : 'other';
}

/**
 * Times every query the data source runs (TypeORM's afterQuery event; failed queries carry no time and
 * are counted with 0). Returns a function that stops observing, for data sources that outlive the caller.
 */
export function instrumentDataSource(db: DataSource, metrics: StoreMetrics): () => void {
  const subscriber: EntitySubscriberInterface = {
    afterQuery(event: AfterQueryEvent<unknown>) {
      metrics.dbQuery.observe(
        { operation: queryOperation(event.query), outcome: event.success ? 'ok' : 'error' },
        (event.executionTime ?? 0) / 1000,
      );
    },
  };
  db.subscribers.push(subscriber);
  return () => {
    const i = db.subscribers.indexOf(subscriber);
    if (i >= 0) db.subscribers.splice(i, 1);
  };
}

/**
 * The same store, with each method call (upsert, search, …: whatever the VectorStore contract has)
 * timed into `trendflow_vector_store_duration_seconds`; close() is passed through untimed.
 */
export function instrumentVectorStore(store: VectorStore, metrics: StoreMetrics): VectorStore {
  return new Proxy(store, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function' || typeof prop !== 'string' || prop === 'close') return value;
      return (...args: unknown[]) => {
        const end = metrics.vectorOp.startTimer({ store: target.kind, operation: prop });
        const result: unknown = value.apply(target, args);
        if (!(result instanceof Promise)) {
          end({ outcome: 'ok' });
          return result;
        }
        return result.then(
          (v: unknown) => {
            end({ outcome: 'ok' });
            return v;
          },
          (err: unknown) => {
            end({ outcome: 'error' });
            throw err;
          },
        );
      };
    },
  });
}

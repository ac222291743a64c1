import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { ENTITIES } from './entities';
import { MIGRATIONS } from './migrations';

export interface DataSourceOptions {
  url: string;
  /** Pool size per process; workers of one queue share it. */
  poolSize?: number;
  /** Run pending migrations on initialize (the stack's start script and tests do; workers don't need to). */
  migrate?: boolean;
}

/** A TypeORM data source over the project's entities and hand-checked migrations; never `synchronize`. */
export function createDataSource(options: DataSourceOptions): DataSource {
  return new DataSource({
    type: 'postgres',
    url: options.url,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsRun: options.migrate ?? false,
    migrationsTableName: 'typeorm_migrations',
    synchronize: false,
    logging: ['error'],
    extra: { max: options.poolSize ?? 10, connectionTimeoutMillis: 10_000 },
  });
}

/** Initializes the data source and runs migrations; used by start-up code and tests. */
export async function openDatabase(url: string, poolSize?: number): Promise<DataSource> {
  const ds = createDataSource({ url, poolSize, migrate: true });
  await ds.initialize();
  return ds;
}

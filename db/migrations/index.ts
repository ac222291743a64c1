import { InitialSchema1763800000000 } from './1763800000000-initial-schema';

/** Every migration, oldest first; the data source runs pending ones on start. */
export const MIGRATIONS = [InitialSchema1763800000000];

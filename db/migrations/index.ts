import { InitialSchema1763800000000 } from './1763800000000-initial-schema';
import { SourcesPoliteness1763900000000 } from './1763900000000-sources-politeness';
import { TrendLifecycle1763920000000 } from './1763920000000-trend-lifecycle';
import { ApiKeys1763940000000 } from './1763940000000-api-keys';
import { EventsWebhooks1764000000000 } from './1764000000000-events-webhooks';
import { TrendChangeNotify1764100000000 } from './1764100000000-trend-change-notify';

/** Every migration, oldest first; the data source runs pending ones on start. */
export const MIGRATIONS = [InitialSchema1763800000000, SourcesPoliteness1763900000000, TrendLifecycle1763920000000, ApiKeys1763940000000, EventsWebhooks1764000000000, TrendChangeNotify1764100000000];

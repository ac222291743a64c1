import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** Typed keys for the custom search attributes in temporal-config/search-attributes.json. */
export const SA = {
  status: defineSearchAttributeKey('TrendflowStatus', SearchAttributeType.KEYWORD),
  trigger: defineSearchAttributeKey('TrendflowTrigger', SearchAttributeType.KEYWORD),
  sources: defineSearchAttributeKey('TrendflowSources', SearchAttributeType.KEYWORD_LIST),
  items: defineSearchAttributeKey('TrendflowItems', SearchAttributeType.INT),
  trends: defineSearchAttributeKey('TrendflowTrends', SearchAttributeType.INT),
  failedSources: defineSearchAttributeKey('TrendflowFailedSources', SearchAttributeType.INT),
};

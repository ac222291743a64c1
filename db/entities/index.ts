export { SourceEntity } from './source';
export { ItemEntity } from './item';
export { EmbeddingEntity } from './embedding';
export { RunEntity, type RunStatus } from './run';
export { RunSourceEntity } from './run-source';
export { RunItemEntity } from './run-item';
export { TrendEntity, type TrendLifecycle, type TrendStatus } from './trend';
export { TrendEventEntity, type TrendEventKind } from './trend-event';
export { RunLlmUsageEntity } from './run-llm-usage';
export { TrendMemberEntity } from './trend-member';
export { ClusterAssignmentEntity } from './cluster-assignment';
export { SummaryEntity } from './summary';
export { ApiKeyEntity, type ApiKeyScope } from './api-key';
export { EventEntity } from './event';
export { WebhookEntity } from './webhook';
export { WebhookDeliveryEntity, type DeliveryAttempt, type WebhookDeliveryStatus } from './webhook-delivery';

import { SourceEntity } from './source';
import { ItemEntity } from './item';
import { EmbeddingEntity } from './embedding';
import { RunEntity } from './run';
import { RunSourceEntity } from './run-source';
import { RunItemEntity } from './run-item';
import { TrendEntity } from './trend';
import { TrendMemberEntity } from './trend-member';
import { ClusterAssignmentEntity } from './cluster-assignment';
import { SummaryEntity } from './summary';
import { ApiKeyEntity } from './api-key';
import { TrendEventEntity } from './trend-event';
import { RunLlmUsageEntity } from './run-llm-usage';
import { EventEntity } from './event';
import { WebhookEntity } from './webhook';
import { WebhookDeliveryEntity } from './webhook-delivery';

export const ENTITIES = [
  SourceEntity,
  ItemEntity,
  EmbeddingEntity,
  RunEntity,
  RunSourceEntity,
  RunItemEntity,
  TrendEntity,
  TrendMemberEntity,
  ClusterAssignmentEntity,
  SummaryEntity,
  ApiKeyEntity,
  TrendEventEntity,
  RunLlmUsageEntity,
  EventEntity,
  WebhookEntity,
  WebhookDeliveryEntity,
];

export { SourceEntity } from './source';
export { ItemEntity } from './item';
export { EmbeddingEntity } from './embedding';
export { RunEntity, type RunStatus } from './run';
export { RunSourceEntity } from './run-source';
export { RunItemEntity } from './run-item';
export { TrendEntity, type TrendStatus } from './trend';
export { TrendMemberEntity } from './trend-member';
export { ClusterAssignmentEntity } from './cluster-assignment';
export { SummaryEntity } from './summary';

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
];

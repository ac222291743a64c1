import { TrendEntity } from './trend';
import { ItemEntity } from './item';
import { Column, Entity, Index, PrimaryColumn, JoinColumn, ManyToOne } from 'typeorm';

/** The current trend of an item: an item belongs to at most one trend, so reruns cannot duplicate. */
@Entity({ name: 'trend_members' })
@Index('trend_members_trend_idx', ['trendId'])
export class TrendMemberEntity {
  @PrimaryColumn({ name: 'item_id', type: 'bigint' })
  itemId!: string;

  @Column({ name: 'trend_id', type: 'int' })
  trendId!: number;

  /** Cosine similarity to the trend centroid when assigned. */
  @Column({ type: 'real' })
  similarity!: number;

  @Column({ name: 'run_id', type: 'text' })
  runId!: string;

  @ManyToOne(() => TrendEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'trend_id' })
  trend?: TrendEntity;

  @ManyToOne(() => ItemEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'item_id' })
  item?: ItemEntity;
}

import { RunEntity } from './run';
import { TrendEntity } from './trend';
import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';

/**
 * create: `trendId` is new. split: `trendId` is new, taken from `otherTrendId`. merge: `otherTrendId`
 * was absorbed into `trendId`. dissolve: `trendId` lost every member.
 */
export type TrendEventKind = 'create' | 'split' | 'merge' | 'dissolve';

/** What a run did to trend identities, so ids are never silently renumbered. */
@Entity({ name: 'trend_events' })
@Index('trend_events_trend_idx', ['trendId'])
@Index('trend_events_run_idx', ['runId'])
export class TrendEventEntity {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ name: 'run_id', type: 'text' })
  runId!: string;

  @Column({ type: 'text' })
  kind!: TrendEventKind;

  @Column({ name: 'trend_id', type: 'int' })
  trendId!: number;

  @Column({ name: 'other_trend_id', type: 'int', nullable: true })
  otherTrendId!: number | null;

  /** Members that moved with the event (the new trend's size, or the absorbed trend's members). */
  @Column({ type: 'int', default: 0 })
  items!: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @ManyToOne(() => RunEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'run_id' })
  run?: RunEntity;

  @ManyToOne(() => TrendEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'trend_id' })
  trend?: TrendEntity;
}

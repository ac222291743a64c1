import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

/** `dissolved` covers trends merged into another (then `mergedIntoId` says which). */
export type TrendStatus = 'active' | 'dissolved';

/** Where a trend is in its life, from its member times (rule in activities/cluster/lifecycle.ts). */
export type TrendLifecycle = 'emerging' | 'growing' | 'peaking' | 'fading';

/** A cluster that keeps its id across runs while its membership mostly stays the same. */
@Entity({ name: 'trends' })
export class TrendEntity {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ type: 'text', default: 'active' })
  status!: TrendStatus;

  @Column({ type: 'text', default: '' })
  label!: string;

  @Column({ type: 'jsonb', default: [] })
  keywords!: Array<{ term: string; score: number }>;

  @Column({ type: 'int', default: 0 })
  size!: number;

  @Column({ name: 'source_count', type: 'int', default: 0 })
  sourceCount!: number;

  @Column({ type: 'real', default: 0 })
  cohesion!: number;

  @Column({ name: 'first_seen', type: 'timestamptz', nullable: true })
  firstSeen!: Date | null;

  @Column({ name: 'last_seen', type: 'timestamptz', nullable: true })
  lastSeen!: Date | null;

  /** sha256 of the sorted member item ids: a summary is reused while this is unchanged. */
  @Column({ name: 'membership_hash', type: 'char', length: 64, nullable: true })
  membershipHash!: string | null;

  /** Item ids of the most central members, most central first. */
  @Column({ name: 'representative_ids', type: 'jsonb', default: [] })
  representativeIds!: string[];

  /** Set when this trend was merged into another; its status is then `dissolved`. */
  @Column({ name: 'merged_into_id', type: 'int', nullable: true })
  mergedIntoId!: number | null;

  @Column({ type: 'text', default: 'emerging' })
  lifecycle!: TrendLifecycle;

  /** Members per hour over the recent period (see lifecycle.ts). */
  @Column({ type: 'real', default: 0 })
  velocity!: number;

  /** Change of the per-hour rate between the previous and the recent period, per hour. */
  @Column({ type: 'real', default: 0 })
  acceleration!: number;

  @Column({ name: 'recent_count', type: 'int', default: 0 })
  recentCount!: number;

  @Column({ name: 'previous_count', type: 'int', default: 0 })
  previousCount!: number;

  /** Normalised entropy of members over sources: 0 = one source, 1 = evenly spread. */
  @Column({ name: 'source_diversity', type: 'real', default: 0 })
  sourceDiversity!: number;

  /** Sum of members' score and comment counts from item metadata; null when no member reports either. */
  @Column({ type: 'real', nullable: true })
  engagement!: number | null;

  /** One sentence saying why the trend is where it is ("why it's trending"). */
  @Column({ type: 'text', default: '' })
  explanation!: string;

  /** The time the lifecycle figures are relative to: the newest item time in the run's window. */
  @Column({ name: 'lifecycle_as_of', type: 'timestamptz', nullable: true })
  lifecycleAsOf!: Date | null;

  @Column({ name: 'created_run_id', type: 'text' })
  createdRunId!: string;

  @Column({ name: 'updated_run_id', type: 'text' })
  updatedRunId!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}

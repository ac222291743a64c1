import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

export type TrendStatus = 'active' | 'dissolved';

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

  @Column({ name: 'created_run_id', type: 'text' })
  createdRunId!: string;

  @Column({ name: 'updated_run_id', type: 'text' })
  updatedRunId!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}

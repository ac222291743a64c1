import { Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';

export type RunStatus = 'running' | 'completed' | 'failed' | 'cancelled';

/** One pipeline pass; the id is the Temporal workflow id. */
@Entity({ name: 'runs' })
@Index('runs_created_at_idx', ['createdAt'])
export class RunEntity {
  @PrimaryColumn({ type: 'text' })
  id!: string;

  @Column({ type: 'text' })
  status!: RunStatus;

  @Column({ type: 'text', default: 'api' })
  trigger!: string;

  @Column({ type: 'jsonb' })
  params!: Record<string, unknown>;

  @Column({ name: 'window_from', type: 'timestamptz', nullable: true })
  windowFrom!: Date | null;

  @Column({ name: 'window_to', type: 'timestamptz', nullable: true })
  windowTo!: Date | null;

  /** Counters per stage, written by finalize (and by each stage as it ends). */
  @Column({ type: 'jsonb', default: {} })
  stats!: Record<string, unknown>;

  @Column({ type: 'text', nullable: true })
  error!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true })
  finishedAt!: Date | null;
}

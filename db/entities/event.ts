import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * The outbox: one row per thing that happened (run started, clustered, completed or failed, a trend
 * became emerging, a digest is ready). Writers append in the transaction that made the change and
 * `pg_notify('trendflow_events', id)`; the SSE stream and the webhook deliveries read from here.
 */
@Entity({ name: 'events' })
@Index('events_run_idx', ['runId'])
export class EventEntity {
  /** Also the SSE event id, so `Last-Event-ID` replays from here. */
  @PrimaryGeneratedColumn('increment', { type: 'bigint' })
  id!: string;

  @Column({ type: 'text' })
  type!: string;

  @Column({ name: 'run_id', type: 'text', nullable: true })
  runId!: string | null;

  /** `<type>:<run>:<subject>`: an activity retried after a crash writes nothing twice. */
  @Index('events_dedupe_key_idx', { unique: true })
  @Column({ name: 'dedupe_key', type: 'text' })
  dedupeKey!: string;

  @Column({ type: 'jsonb', default: {} })
  payload!: Record<string, unknown>;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}

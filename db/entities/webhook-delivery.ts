import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { EventEntity } from './event';
import { WebhookEntity } from './webhook';

export type WebhookDeliveryStatus = 'pending' | 'delivered' | 'failed';

/** One attempt as the delivery log keeps it. */
export interface DeliveryAttempt {
  at: string;
  attempt: number;
  statusCode: number | null;
  error: string | null;
  ms: number;
}

/**
 * One event for one webhook, with its attempts. Unique per (webhook, event), so a retried planner or
 * workflow never makes a second delivery; the id is the `X-Trendflow-Delivery` receivers dedupe on.
 */
@Entity({ name: 'webhook_deliveries' })
@Index('webhook_deliveries_webhook_event_idx', ['webhookId', 'eventId'], { unique: true })
@Index('webhook_deliveries_event_idx', ['eventId'])
export class WebhookDeliveryEntity {
  @PrimaryGeneratedColumn('increment', { type: 'bigint' })
  id!: string;

  @Column({ name: 'webhook_id', type: 'int' })
  webhookId!: number;

  @Column({ name: 'event_id', type: 'bigint' })
  eventId!: string;

  @Column({ type: 'text', default: 'pending' })
  status!: WebhookDeliveryStatus;

  @Column({ type: 'int', default: 0 })
  attempts!: number;

  @Column({ name: 'last_status_code', type: 'int', nullable: true })
  lastStatusCode!: number | null;

  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError!: string | null;

  /** When Temporal will try again (from the retry policy), null once delivered or given up. */
  @Column({ name: 'next_retry_at', type: 'timestamptz', nullable: true })
  nextRetryAt!: Date | null;

  @Column({ name: 'delivered_at', type: 'timestamptz', nullable: true })
  deliveredAt!: Date | null;

  /** The latest attempts, newest last (capped, so a receiver down for days cannot grow a row without bound). */
  @Column({ name: 'attempt_log', type: 'jsonb', default: [] })
  attemptLog!: DeliveryAttempt[];

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;

  @ManyToOne(() => WebhookEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'webhook_id' })
  webhook?: WebhookEntity;

  @ManyToOne(() => EventEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'event_id' })
  event?: EventEntity;
}

import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

/** A webhook subscription: the events it wants, POSTed to `url` and signed with `secret` (HMAC-SHA256). */
@Entity({ name: 'webhooks' })
export class WebhookEntity {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ type: 'text' })
  url!: string;

  /** Event types (`trend.emerging`, `run.failed`, …); see services/webhooks.ts. */
  @Column({ type: 'jsonb', default: [] })
  events!: string[];

  /** Kept in clear: it signs every delivery. Shown once, when the webhook is created. */
  @Column({ type: 'text' })
  secret!: string;

  @Column({ type: 'text', nullable: true })
  description!: string | null;

  @Column({ type: 'boolean', default: true })
  enabled!: boolean;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}

import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** A configured source, keyed by its spec (`rss:https://…`, `csv:./file.csv`). */
@Entity({ name: 'sources' })
export class SourceEntity {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ type: 'text', unique: true })
  spec!: string;

  @Column({ type: 'text' })
  kind!: string;

  @Column({ type: 'boolean', default: true })
  enabled!: boolean;

  /** Source-specific high-water mark (ETag, last item time…), so later runs fetch only what is new. */
  @Column({ type: 'jsonb', default: {} })
  cursor!: Record<string, unknown>;

  @Column({ name: 'last_collected_at', type: 'timestamptz', nullable: true })
  lastCollectedAt!: Date | null;

  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  /**
   * Set when a source is removed while items still reference it: the row stays for their provenance,
   * disabled and hidden from lists; adding the spec again restores it.
   */
  @Column({ name: 'deleted_at', type: 'timestamptz', nullable: true })
  deletedAt!: Date | null;
}

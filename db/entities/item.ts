import { SourceEntity } from './source';
import { Column, Entity, Index, PrimaryGeneratedColumn, JoinColumn, ManyToOne } from 'typeorm';

/** One collected item, stored once: canonical URL and content hash are both unique. */
@Entity({ name: 'items' })
@Index('items_published_at_idx', ['publishedAt'])
// Near-duplicate checks look up other sources' items by published, else collected, time.
@Index('items_collected_at_idx', ['collectedAt'])
@Index('items_duplicate_of_idx', ['duplicateOf'])
export class ItemEntity {
  // bigint ids come back from pg as strings, which is what the API and Temporal payloads use anyway.
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ name: 'source_id', type: 'int' })
  sourceId!: number;

  @Column({ name: 'external_id', type: 'text', nullable: true })
  externalId!: string | null;

  @Column({ type: 'text' })
  url!: string;

  @Column({ name: 'canonical_url', type: 'text', unique: true })
  canonicalUrl!: string;

  @Column({ type: 'text' })
  title!: string;

  @Column({ type: 'text', default: '' })
  text!: string;

  @Column({ type: 'text', nullable: true })
  author!: string | null;

  @Column({ name: 'published_at', type: 'timestamptz', nullable: true })
  publishedAt!: Date | null;

  @Column({ name: 'collected_at', type: 'timestamptz', default: () => 'now()' })
  collectedAt!: Date;

  @Column({ name: 'content_hash', type: 'char', length: 64, unique: true })
  contentHash!: string;

  @Column({ type: 'jsonb', default: {} })
  metadata!: Record<string, unknown>;

  /** ISO 639-1 code detected from title + text; null when too short or mixed to tell. */
  @Column({ type: 'text', nullable: true })
  language!: string | null;

  /** The item stored first for the same story from another source (near-duplicate headline); null for originals. */
  @Column({ name: 'duplicate_of', type: 'bigint', nullable: true })
  duplicateOf!: string | null;

  @ManyToOne(() => SourceEntity, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'source_id' })
  source?: SourceEntity;

  @ManyToOne(() => ItemEntity, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'duplicate_of' })
  original?: ItemEntity | null;
}

import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/**
 * One vector per (model, content hash): the same text is never embedded twice, and a retried batch
 * overwrites nothing. Vectors are float32 little-endian bytes — much faster to move than real[] text.
 */
@Entity({ name: 'embeddings' })
export class EmbeddingEntity {
  @PrimaryColumn({ name: 'model_id', type: 'text' })
  modelId!: string;

  @PrimaryColumn({ name: 'content_hash', type: 'char', length: 64 })
  contentHash!: string;

  @Column({ type: 'int' })
  dims!: number;

  @Column({ type: 'bytea' })
  vector!: Buffer;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}

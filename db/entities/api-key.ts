import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** `read` keys may call read endpoints when reads need a key; `write` keys may call everything. */
export type ApiKeyScope = 'read' | 'write';

/**
 * An API key. Only a salted SHA-256 of the key is stored; the key itself is shown once, at creation.
 * `prefix` (the first characters of the key) finds the row and lets operators recognise a key.
 */
@Entity({ name: 'api_keys' })
@Index('api_keys_prefix_idx', ['prefix'])
@Index('api_keys_active_name_idx', ['name'], { unique: true, where: '"revoked_at" IS NULL' })
export class ApiKeyEntity {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ type: 'text' })
  name!: string;

  @Column({ type: 'text' })
  prefix!: string;

  @Column({ type: 'text' })
  salt!: string;

  /** hex sha256(salt + key) */
  @Column({ type: 'text' })
  hash!: string;

  @Column({ type: 'text', default: 'write' })
  scope!: ApiKeyScope;

  /** Requests per rate window for this key; null = the API default. */
  @Column({ name: 'rate_limit', type: 'integer', nullable: true })
  rateLimit!: number | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'last_used_at', type: 'timestamptz', nullable: true })
  lastUsedAt!: Date | null;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt!: Date | null;
}

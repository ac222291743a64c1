import { TrendEntity } from './trend';
import { Column, CreateDateColumn, Entity, PrimaryColumn, JoinColumn, ManyToOne } from 'typeorm';

/** The current summary of a trend, with what produced it (method, model, prompt version). */
@Entity({ name: 'summaries' })
export class SummaryEntity {
  @PrimaryColumn({ name: 'trend_id', type: 'int' })
  trendId!: number;

  @Column({ name: 'membership_hash', type: 'char', length: 64 })
  membershipHash!: string;

  @Column({ type: 'text' })
  title!: string;

  @Column({ type: 'text' })
  summary!: string;

  @Column({ name: 'key_points', type: 'jsonb', default: [] })
  keyPoints!: string[];

  @Column({ type: 'jsonb', default: [] })
  entities!: string[];

  @Column({ type: 'text' })
  method!: string;

  @Column({ type: 'text' })
  model!: string;

  @Column({ name: 'prompt_version', type: 'text' })
  promptVersion!: string;

  @Column({ type: 'jsonb', nullable: true })
  tokens!: { prompt: number; completion: number } | null;

  @Column({ name: 'run_id', type: 'text' })
  runId!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @ManyToOne(() => TrendEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'trend_id' })
  trend?: TrendEntity;
}

import { RunEntity } from './run';
import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/**
 * LLM spending of one run, shared by every summarize worker: the per-run token budget is checked
 * against this row, so it holds across processes and activity retries.
 */
@Entity({ name: 'run_llm_usage' })
export class RunLlmUsageEntity {
  @PrimaryColumn({ name: 'run_id', type: 'text' })
  runId!: string;

  /** Completed LLM calls (failed ones are not counted). */
  @Column({ type: 'int', default: 0 })
  calls!: number;

  @Column({ name: 'prompt_tokens', type: 'int', default: 0 })
  promptTokens!: number;

  @Column({ name: 'completion_tokens', type: 'int', default: 0 })
  completionTokens!: number;

  /** Trends summarized extractively because the budget was spent. */
  @Column({ name: 'budget_fallbacks', type: 'int', default: 0 })
  budgetFallbacks!: number;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;

  @ManyToOne(() => RunEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'run_id' })
  run?: RunEntity;
}

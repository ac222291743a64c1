import { RunEntity } from './run';
import { Column, Entity, PrimaryColumn, JoinColumn, ManyToOne } from 'typeorm';

/** What one source did in one run: counts, or the reason it failed. */
@Entity({ name: 'run_sources' })
export class RunSourceEntity {
  @PrimaryColumn({ name: 'run_id', type: 'text' })
  runId!: string;

  @PrimaryColumn({ type: 'text' })
  spec!: string;

  @Column({ type: 'text' })
  status!: 'ok' | 'failed';

  @Column({ type: 'int', default: 0 })
  fetched!: number;

  @Column({ type: 'int', default: 0 })
  inserted!: number;

  @Column({ type: 'int', default: 0 })
  duplicates!: number;

  @Column({ type: 'int', default: 0 })
  skipped!: number;

  @Column({ name: 'error_type', type: 'text', nullable: true })
  errorType!: string | null;

  @Column({ type: 'text', nullable: true })
  error!: string | null;

  @ManyToOne(() => RunEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'run_id' })
  run?: RunEntity;
}

import { RunEntity } from './run';
import { Column, Entity, PrimaryColumn, JoinColumn, ManyToOne } from 'typeorm';

/** A run's own snapshot of who was clustered where (trend null = noise); `trendflow eval` scores this. */
@Entity({ name: 'cluster_assignments' })
export class ClusterAssignmentEntity {
  @PrimaryColumn({ name: 'run_id', type: 'text' })
  runId!: string;

  @PrimaryColumn({ name: 'item_id', type: 'bigint' })
  itemId!: string;

  @Column({ name: 'trend_id', type: 'int', nullable: true })
  trendId!: number | null;

  @ManyToOne(() => RunEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'run_id' })
  run?: RunEntity;
}

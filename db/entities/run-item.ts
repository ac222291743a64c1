import { RunEntity } from './run';
import { ItemEntity } from './item';
import { Column, Entity, PrimaryColumn, JoinColumn, ManyToOne } from 'typeorm';

/** Items a run collected (new or already stored); embed batches are id ranges over this table. */
@Entity({ name: 'run_items' })
export class RunItemEntity {
  @PrimaryColumn({ name: 'run_id', type: 'text' })
  runId!: string;

  @PrimaryColumn({ name: 'item_id', type: 'bigint' })
  itemId!: string;

  @Column({ name: 'is_new', type: 'boolean' })
  isNew!: boolean;

  @ManyToOne(() => RunEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'run_id' })
  run?: RunEntity;

  @ManyToOne(() => ItemEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'item_id' })
  item?: ItemEntity;
}

import { Column, Entity, PrimaryColumn } from 'typeorm';

/** The journey's stages in order (touchpoints belong to one). */
@Entity('journey_stages')
export class JourneyStageEntity {
  @PrimaryColumn('text')
  key: string;

  @Column('text')
  name: string;

  @Column('integer')
  position: number;
}

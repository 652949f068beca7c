import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsInt, IsString, Matches, Max, MaxLength, Min, MinLength } from 'class-validator';
import { IsOptionalNotNull } from '../input/is-optional-not-null.decorator';

export const JOURNEY_KEY = /^[a-z][a-z0-9_]{0,62}$/;
export const JOURNEY_KEY_MESSAGE = 'must start with a lower-case letter and hold only a-z, 0-9 and _ (at most 63 characters)';

export class StageKeyParams {
  @ApiProperty({ example: 'purchase' })
  @Matches(JOURNEY_KEY, { message: `key ${JOURNEY_KEY_MESSAGE}` })
  key: string;
}

export class StageDto {
  @ApiProperty({ example: 'purchase' })
  key: string;

  @ApiProperty({ example: 'Purchase' })
  name: string;

  @ApiProperty({ description: '1-based order in the journey', example: 3 })
  position: number;
}

export class StageListDto {
  @ApiProperty({ type: [StageDto] })
  stages: StageDto[];
}

export class CreateStageDto {
  @ApiProperty({ example: 'advocacy', description: 'Stable: touchpoints and published strategies refer to it' })
  @Matches(JOURNEY_KEY, { message: `key ${JOURNEY_KEY_MESSAGE}` })
  key: string;

  @ApiProperty({ example: 'Advocacy' })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  name: string;

  @ApiPropertyOptional({ description: 'Where to insert it (1 first); omitted: last' })
  @IsOptionalNotNull()
  @IsInt()
  @Min(1)
  @Max(1000)
  position?: number;
}

export class RenameStageDto {
  @ApiProperty({ example: 'Onboarding' })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  name: string;
}

export class ReorderStagesDto {
  @ApiProperty({ type: [String], description: 'Every stage key exactly once, first stage first' })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(100)
  @Matches(JOURNEY_KEY, { each: true, message: `each key ${JOURNEY_KEY_MESSAGE}` })
  keys: string[];
}

import { ApiProperty, ApiPropertyOptional, type ApiPropertyOptions } from '@nestjs/swagger';

const CHECKS: ApiPropertyOptions = {
  type: 'object',
  additionalProperties: { type: 'object', properties: { status: { type: 'string', enum: ['up', 'down'] } }, additionalProperties: true },
  description: 'One entry per check (redis, modelServices, resultStore, disk, lifecycle) with its status and details',
};

/** @nestjs/terminus' result shape. */
export class HealthCheckDto {
  @ApiProperty({ enum: ['ok', 'error', 'shutting_down'] }) status!: string;
  @ApiPropertyOptional({ ...CHECKS, description: 'The checks that passed' } as ApiPropertyOptions) info?: Record<string, unknown>;
  @ApiPropertyOptional({ ...CHECKS, description: 'The checks that failed' } as ApiPropertyOptions) error?: Record<string, unknown>;
  @ApiProperty(CHECKS) details!: Record<string, unknown>;
}

/** Spring Boot Actuator's health shape. */
export class ActuatorHealthDto {
  @ApiProperty({ enum: ['UP', 'DOWN'] }) status!: string;
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: {
      type: 'object',
      properties: { status: { type: 'string', enum: ['UP', 'DOWN'] }, details: { type: 'object', additionalProperties: true } },
    },
    description: 'One component per check',
  })
  components?: Record<string, unknown>;
}

class BuildDto {
  @ApiProperty({ example: 'video-gateway' }) artifact!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ example: '0.1.0' }) version!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) time!: string | null;
}

class GitCommitDto {
  @ApiProperty({ description: 'Short id' }) id!: string;
  @ApiProperty() full!: string;
}

class GitDto {
  @ApiProperty({ type: String, nullable: true }) branch!: string | null;
  @ApiProperty({ type: GitCommitDto }) commit!: GitCommitDto;
}

/** Actuator's /info: build and git facts. */
export class BuildInfoDto {
  @ApiProperty({ type: BuildDto }) build!: BuildDto;
  @ApiProperty({ type: GitDto, nullable: true }) git!: GitDto | null;
}

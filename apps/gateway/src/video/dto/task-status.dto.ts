import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { TASK_STATUSES } from '@app/contracts';

export class AdjustmentDto {
  @ApiProperty({ example: 'width' }) field!: string;
  @ApiProperty({ oneOf: [{ type: 'string', nullable: true }, { type: 'number' }], description: 'The requested value (null when there was none)' }) from!: string | number | null;
  @ApiProperty({ oneOf: [{ type: 'string' }, { type: 'number' }] }) to!: string | number;
  @ApiProperty({ example: '576x1008x49 does not fit 16 GB; reduced to 384x672' }) reason!: string;
}

export class TaskErrorDto {
  @ApiProperty({ example: 'backend_error' }) code!: string;
  @ApiProperty() message!: string;
}

export class RequestedParamsDto {
  @ApiProperty() prompt!: string;
  @ApiPropertyOptional() negativePrompt?: string;
  @ApiProperty() width!: number;
  @ApiProperty() height!: number;
  @ApiProperty() numFrames!: number;
  @ApiProperty() fps!: number;
  @ApiProperty() numInferenceSteps!: number;
  @ApiProperty() guidanceScale!: number;
  @ApiPropertyOptional() seed?: number;
}

export class EffectiveParamsDto {
  @ApiProperty() width!: number;
  @ApiProperty() height!: number;
  @ApiProperty() numFrames!: number;
  @ApiProperty() fps!: number;
  @ApiProperty() numInferenceSteps!: number;
  @ApiProperty() guidanceScale!: number;
  @ApiProperty() seed!: number;
  @ApiProperty({ example: 'model_cpu_offload_and_qfloat8' }) memoryMode!: string;
}

export class WebhookDeliveryDto {
  @ApiProperty({ description: 'Delivery attempts so far' }) attempts!: number;
  @ApiProperty({ nullable: true, type: Number, description: 'HTTP status of the last answer' }) lastStatus!: number | null;
  @ApiProperty({ nullable: true, type: String }) lastError!: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) deliveredAt!: string | null;
}

export class TaskStatusDto {
  @ApiProperty({ format: 'uuid' }) taskId!: string;
  @ApiProperty({ enum: TASK_STATUSES }) status!: string;
  @ApiProperty({ minimum: 0, maximum: 1 }) progress!: number;
  @ApiProperty({ nullable: true, type: Number, description: '1-based place in the queue while PENDING' }) queuePosition!: number | null;
  @ApiProperty() model!: string;
  @ApiProperty({ enum: ['t2v', 'i2v'] }) mode!: string;
  @ApiProperty({ enum: ['low', 'normal', 'high'] }) priority!: string;
  @ApiProperty({ format: 'date-time' }) createTime!: string;
  @ApiProperty({ format: 'date-time' }) updateTime!: string;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) startTime!: string | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) finishTime!: string | null;
  @ApiProperty({ type: RequestedParamsDto }) requested!: RequestedParamsDto;
  @ApiProperty({ type: EffectiveParamsDto, nullable: true }) effective!: EffectiveParamsDto | null;
  @ApiProperty({ type: [AdjustmentDto] }) adjustments!: AdjustmentDto[];
  @ApiProperty({ nullable: true, type: String }) resultUrl!: string | null;
  @ApiProperty({ type: TaskErrorDto, nullable: true }) error!: TaskErrorDto | null;
  @ApiProperty() cancelRequested!: boolean;
  @ApiProperty() attempts!: number;
  @ApiProperty({ description: 'Answered from the result cache: no GPU was used' }) cached!: boolean;
  @ApiProperty({ nullable: true, type: String, description: 'Signed link to the video that plays without a token until it expires (COMPLETED only)' }) shareUrl!: string | null;
  @ApiProperty({ type: WebhookDeliveryDto, nullable: true, description: 'Delivery of the callbackUrl webhook, when one was asked for' }) webhook!: WebhookDeliveryDto | null;
}

export class ProblemDto {
  @ApiProperty() type!: string;
  @ApiProperty() title!: string;
  @ApiProperty() status!: number;
  @ApiPropertyOptional() detail?: string;
  @ApiPropertyOptional() instance?: string;
  @ApiPropertyOptional({ type: 'array', items: { type: 'object', properties: { field: { type: 'string' }, message: { type: 'string' }, allowed: { type: 'string' } } } })
  errors?: Array<{ field: string; message: string; allowed?: string }>;
}

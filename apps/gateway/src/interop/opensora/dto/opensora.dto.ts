import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { OPENSORA_ASPECT_RATIOS, OPENSORA_COND_TYPES, OPENSORA_DEFAULTS, OPENSORA_RANGES, OPENSORA_RESOLUTIONS } from '../opensora-request.js';

export class OpenSoraGenerateDto {
  @ApiProperty({ description: 'Text prompt, 1-2000 characters', minLength: 1, maxLength: 2000, example: 'a golden retriever running on the beach at sunset, slow motion' })
  prompt!: string;
  @ApiPropertyOptional({ enum: OPENSORA_RESOLUTIONS, default: OPENSORA_DEFAULTS.resolution }) resolution?: string;
  @ApiPropertyOptional({ enum: OPENSORA_ASPECT_RATIOS, default: OPENSORA_DEFAULTS.aspect_ratio }) aspect_ratio?: string;
  @ApiPropertyOptional({ description: 'Frames, 4k+1 up to 129: 49 ≈ 2 s, 97 ≈ 4 s, 129 ≈ 5 s at 24 fps', default: OPENSORA_DEFAULTS.num_frames, minimum: 1, maximum: 129 })
  num_frames?: number;
  @ApiPropertyOptional({ description: 'Amount of motion, 1 (almost still) to 7 (violent)', default: OPENSORA_DEFAULTS.motion_score, minimum: OPENSORA_RANGES.motion_score.min, maximum: OPENSORA_RANGES.motion_score.max })
  motion_score?: number;
  @ApiPropertyOptional({ description: 'Diffusion steps', default: OPENSORA_DEFAULTS.num_steps, minimum: OPENSORA_RANGES.num_steps.min, maximum: OPENSORA_RANGES.num_steps.max }) num_steps?: number;
  @ApiPropertyOptional({ description: 'Random seed (random when absent)', minimum: 0, maximum: 4294967295 }) seed?: number;
  @ApiPropertyOptional({ enum: OPENSORA_COND_TYPES, default: OPENSORA_DEFAULTS.cond_type, description: 't2v: text to video; i2v_head: image to video (needs image_url)' })
  cond_type?: string;
  @ApiPropertyOptional({ description: 'Extension for cond_type i2v_head: the first frame (public http(s) URL or base64 data: URL)', format: 'uri' }) image_url?: string;
}

export class OpenSoraSubmittedDto {
  @ApiProperty({ format: 'uuid', description: 'Also the task id of /api/video/status/{id}' }) job_id!: string;
  @ApiProperty({ example: '任务已提交' }) message!: string;
}

export class OpenSoraJobDto {
  @ApiProperty({ format: 'uuid' }) job_id!: string;
  @ApiProperty({ enum: ['pending', 'processing', 'completed', 'failed'] }) status!: string;
  @ApiProperty({ type: String, nullable: true, description: 'Download path, once completed' }) video_url!: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'Why it failed (a cancelled job is failed, "cancelled: ...")' }) error!: string | null;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) started_at!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'ISO 8601, once finished' }) completed_at!: string | null;
  @ApiProperty({ minimum: 0, maximum: 1 }) progress!: number;
  @ApiProperty({ type: Number, nullable: true, description: '1-based place in the queue while pending' }) queue_position!: number | null;
}

export class OpenSoraHealthDto {
  @ApiProperty({ example: 'ok' }) status!: string;
  @ApiProperty({ format: 'date-time' }) time!: string;
}

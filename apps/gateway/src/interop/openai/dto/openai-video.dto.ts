import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class OpenAiVideoErrorDto {
  @ApiProperty({ example: 'backend_error' }) code!: string;
  @ApiProperty() message!: string;
}

/** The Video object, as the openai SDKs type it. */
export class OpenAiVideoDto {
  @ApiProperty({ description: 'The task id (also readable at /api/video/status/{id})', format: 'uuid' }) id!: string;
  @ApiProperty({ enum: ['video'] }) object!: 'video';
  @ApiProperty({ example: 'easyanimate-v5.1-12b' }) model!: string;
  @ApiProperty({ enum: ['queued', 'in_progress', 'completed', 'failed'], description: 'A cancelled task is failed with error.code "cancelled"' }) status!: string;
  @ApiProperty({ minimum: 0, maximum: 100 }) progress!: number;
  @ApiProperty({ description: 'Unix seconds' }) created_at!: number;
  @ApiProperty({ type: Number, nullable: true, description: 'Unix seconds, once finished' }) completed_at!: number | null;
  @ApiProperty({ type: Number, nullable: true, description: 'Unix seconds; set once the video has expired' }) expires_at!: number | null;
  @ApiProperty({ type: String, nullable: true }) prompt!: string | null;
  @ApiProperty({ type: String, nullable: true, enum: [null] }) remixed_from_video_id!: null;
  @ApiProperty({ example: '4', description: 'Duration: frames / fps (4n+1 models: (frames - 1) / fps)' }) seconds!: string;
  @ApiProperty({ example: '512x512', description: 'WIDTHxHEIGHT of the video (the effective size once it ran)' }) size!: string;
  @ApiProperty({ type: OpenAiVideoErrorDto, nullable: true }) error!: OpenAiVideoErrorDto | null;
}

export class OpenAiVideoListDto {
  @ApiProperty({ enum: ['list'] }) object!: 'list';
  @ApiProperty({ type: [OpenAiVideoDto] }) data!: OpenAiVideoDto[];
  @ApiProperty({ type: String, nullable: true }) first_id!: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'Pass as `after` for the next page' }) last_id!: string | null;
  @ApiProperty() has_more!: boolean;
}

export class OpenAiVideoDeletedDto {
  @ApiProperty() id!: string;
  @ApiProperty({ enum: ['video.deleted'] }) object!: 'video.deleted';
  @ApiProperty() deleted!: boolean;
}

class OpenAiErrorBodyDto {
  @ApiProperty() message!: string;
  @ApiProperty({ example: 'invalid_request_error' }) type!: string;
  @ApiProperty({ type: String, nullable: true, example: 'seconds' }) param!: string | null;
  @ApiProperty({ type: String, nullable: true, example: 'invalid_value' }) code!: string | null;
}

export class OpenAiErrorDto {
  @ApiProperty({ type: OpenAiErrorBodyDto }) error!: OpenAiErrorBodyDto;
}

export class OpenAiImageReferenceDto {
  @ApiPropertyOptional({ description: 'A public http(s) URL (fetched by the gateway) or a base64 data: URL', format: 'uri' }) image_url?: string;
}

/** POST /v1/videos, JSON or multipart/form-data (the openai SDKs send multipart). */
export class OpenAiCreateVideoDto {
  @ApiProperty({ example: 'a red fox running through snow' }) prompt!: string;
  @ApiPropertyOptional({ description: 'One of the served models; defaults to DEFAULT_MODEL', example: 'easyanimate-v5.1-12b' }) model?: string;
  @ApiPropertyOptional({ description: 'WIDTHxHEIGHT within the model\'s limits; defaults to the model\'s size', example: '512x512', pattern: '^\\d+x\\d+$' }) size?: string;
  @ApiPropertyOptional({ description: 'Duration; frames = seconds × fps (+1 for 4n+1 models), within the model\'s frame range', example: '4' }) seconds?: string;
  @ApiPropertyOptional({
    description: 'Image-to-video: an image file (multipart), or {"image_url": ...} / input_reference[image_url]',
    oneOf: [{ type: 'string', format: 'binary' }, { $ref: '#/components/schemas/OpenAiImageReferenceDto' }],
  })
  input_reference?: unknown;
  @ApiPropertyOptional({ description: 'Extension: what the video should avoid' }) negative_prompt?: string;
  @ApiPropertyOptional({ description: 'Extension (instead of size)' }) width?: number;
  @ApiPropertyOptional({ description: 'Extension (instead of size)' }) height?: number;
  @ApiPropertyOptional({ description: 'Extension (instead of seconds)' }) num_frames?: number;
  @ApiPropertyOptional({ description: 'Extension' }) fps?: number;
  @ApiPropertyOptional({ description: 'Extension: denoising steps' }) num_inference_steps?: number;
  @ApiPropertyOptional({ description: 'Extension' }) guidance_scale?: number;
  @ApiPropertyOptional({ description: 'Extension: 0 to 4294967295' }) seed?: number;
  @ApiPropertyOptional({ enum: ['low', 'normal', 'high'], description: 'Extension: queue priority' }) priority?: string;
}

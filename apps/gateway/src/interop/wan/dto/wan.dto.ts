import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { WAN_DEFAULTS, WAN_RANGES, WAN_SOLVERS } from '../wan-request.js';

const range = (name: keyof typeof WAN_RANGES) => ({ minimum: WAN_RANGES[name].min, maximum: WAN_RANGES[name].max });

export class WanSubmitDto {
  @ApiProperty({ description: 'What the video shows, 10-500 characters', minLength: 10, maxLength: 500, example: 'A serene lake with a swan gracefully swimming' })
  prompt!: string;
  @ApiProperty({ description: 'The first frame: a public http(s) URL fetched by the gateway (or a base64 data: URL)', format: 'uri', example: 'https://picsum.photos/1280/720' })
  image_url!: string;
  @ApiPropertyOptional({ description: 'WIDTH*HEIGHT among the model\'s sizes (720P model: 1280*720, 720*1280; 480P: 832*480, 480*832); default the model\'s', example: '1280*720' })
  image_size?: string;
  @ApiPropertyOptional({ description: 'Frames, 24-120 and 4n+1 up to 81 (Wan2.1)', default: WAN_DEFAULTS.num_frames, ...range('num_frames') }) num_frames?: number;
  @ApiPropertyOptional({ description: 'CFG guidance', default: WAN_DEFAULTS.guidance_scale, ...range('guidance_scale') }) guidance_scale?: number;
  @ApiPropertyOptional({ description: 'Denoising steps', default: WAN_DEFAULTS.infer_steps, ...range('infer_steps') }) infer_steps?: number;
  @ApiPropertyOptional({ description: 'Random seed; random when absent', ...range('seed') }) seed?: number;
  @ApiPropertyOptional({ description: 'What to avoid, up to 500 characters', maxLength: 500 }) negative_prompt?: string;
  @ApiPropertyOptional({ description: 'Distributed: VAE parallel encode/decode (passed to the model service)', default: WAN_DEFAULTS.vae_parallel }) vae_parallel?: boolean;
  @ApiPropertyOptional({ description: 'Distributed: Ulysses sequence-parallel group size (passed to the model service)', default: WAN_DEFAULTS.ulysses_size, ...range('ulysses_size') }) ulysses_size?: number;
  @ApiPropertyOptional({ description: 'Distributed: FSDP-shard the DiT (passed to the model service)', default: WAN_DEFAULTS.dit_fsdp }) dit_fsdp?: boolean;
  @ApiPropertyOptional({ description: 'Distributed: FSDP-shard T5 (passed to the model service)', default: WAN_DEFAULTS.t5_fsdp }) t5_fsdp?: boolean;
  @ApiPropertyOptional({ description: 'Distributed: CFG-parallel group size (passed to the model service)', default: WAN_DEFAULTS.cfg_size, ...range('cfg_size') }) cfg_size?: number;
  @ApiPropertyOptional({ description: 'Attention cache on (passed to the model service)', default: WAN_DEFAULTS.use_attentioncache }) use_attentioncache?: boolean;
  @ApiPropertyOptional({ description: 'Attention cache: first step', default: WAN_DEFAULTS.start_step, ...range('start_step') }) start_step?: number;
  @ApiPropertyOptional({ description: 'Attention cache: refresh interval', default: WAN_DEFAULTS.attentioncache_interval, ...range('attentioncache_interval') }) attentioncache_interval?: number;
  @ApiPropertyOptional({ description: 'Attention cache: last step', default: WAN_DEFAULTS.end_step, ...range('end_step') }) end_step?: number;
  @ApiPropertyOptional({ enum: WAN_SOLVERS, default: WAN_DEFAULTS.sample_solver, description: 'Sampler (passed to the model service)' }) sample_solver?: string;
  @ApiPropertyOptional({ description: 'Flow shift (the diffusers backend uses it; default 5.0, 3.0 for 480P i2v)', default: WAN_DEFAULTS.sample_shift, ...range('sample_shift') }) sample_shift?: number;
}

export class WanSubmittedDto {
  @ApiProperty({ description: 'Also the task id of /api/video/status/{id}' }) requestId!: string;
}

export class WanRequestIdDto {
  @ApiProperty({ example: 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d' }) requestId!: string;
}

class WanResultsDto {
  @ApiProperty({ example: '/compat/wan/videos/a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d.mp4' }) video_url!: string;
}

export class WanStatusDto {
  @ApiProperty({ enum: ['InQueue', 'InProgress', 'Succeed', 'Failed', 'Cancelled'] }) status!: string;
  @ApiProperty({ type: String, nullable: true }) reason!: string | null;
  @ApiProperty({ type: WanResultsDto, nullable: true }) results!: WanResultsDto | null;
  @ApiProperty({ type: Number, nullable: true, description: '1-based place in the queue while InQueue' }) queue_position!: number | null;
  @ApiProperty({ minimum: 0, maximum: 1 }) progress!: number;
  @ApiProperty({ description: 'Epoch seconds' }) created_at!: number;
  @ApiProperty({ description: 'Epoch seconds' }) updated_at!: number;
}

export class WanCancelledDto {
  @ApiProperty({ enum: ['Cancelled'] }) status!: string;
}

export class WanHealthDto {
  @ApiProperty({ example: 'healthy' }) status!: string;
}

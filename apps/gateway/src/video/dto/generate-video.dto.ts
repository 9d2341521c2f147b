import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** Documentation of the submit body; the ranges are the default model's (EasyAnimate V5.1 12B). */
export class GenerateVideoDto {
  @ApiProperty({ description: 'What the video shows (normalised: NFKC, control and zero-width characters removed)', minLength: 1, maxLength: 1000, example: 'a red fox running through snow, cinematic' })
  prompt!: string;

  @ApiPropertyOptional({ description: 'What the video should avoid', maxLength: 1000 })
  negativePrompt?: string;

  @ApiPropertyOptional({ description: 'Model id; defaults to DEFAULT_MODEL', example: 'easyanimate-v5.1-12b' })
  model?: string;

  @ApiPropertyOptional({ description: 'Width in pixels, a multiple of 16', minimum: 256, maximum: 1344, default: 512 })
  width?: number;

  @ApiPropertyOptional({ description: 'Height in pixels, a multiple of 16', minimum: 256, maximum: 1344, default: 512 })
  height?: number;

  @ApiPropertyOptional({ description: 'Number of frames', minimum: 1, maximum: 49, default: 25 })
  numFrames?: number;

  @ApiPropertyOptional({ description: 'Frames per second of the MP4', minimum: 1, maximum: 60, default: 8 })
  fps?: number;

  @ApiPropertyOptional({ description: 'Denoising steps', minimum: 1, maximum: 100, default: 50 })
  numInferenceSteps?: number;

  @ApiPropertyOptional({ description: 'Classifier-free guidance scale', minimum: 1, maximum: 20, default: 5 })
  guidanceScale?: number;

  @ApiPropertyOptional({ description: 'Random seed (0 to 4294967295); random when absent', minimum: 0, maximum: 4294967295 })
  seed?: number;

  @ApiPropertyOptional({ enum: ['low', 'normal', 'high'], default: 'normal' })
  priority?: 'low' | 'normal' | 'high';

  @ApiPropertyOptional({
    description: 'Image-to-video: the first frame, fetched by the gateway (public http(s) URL or base64 data: URL). PNG, JPEG or WebP, 64-4096 px a side, at most IMAGE_MAX_BYTES (10 MiB)',
    format: 'uri',
    example: 'https://example.com/first-frame.png',
  })
  imageUrl?: string;

  @ApiPropertyOptional({ description: 'Image-to-video with multipart/form-data: the first frame as a file part (instead of imageUrl); the other fields are form fields', type: 'string', format: 'binary' })
  image?: unknown;

  @ApiPropertyOptional({
    description: 'Webhook: the final status (COMPLETED, FAILED, CANCELLED) is POSTed here with Standard Webhooks signature headers, retried with backoff. Must be a public http(s) URL (SSRF guard; WEBHOOK_ALLOWED_HOSTS for exceptions)',
    format: 'uri',
    example: 'https://example.com/hooks/video',
  })
  callbackUrl?: string;

  @ApiPropertyOptional({ description: 'false: render anew, neither answered from the result cache nor sharing an identical job in flight (same as Cache-Control: no-cache)', default: true })
  cache?: boolean;
}

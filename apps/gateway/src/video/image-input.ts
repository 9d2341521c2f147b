import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { Redis } from 'ioredis';
import { APP_CONFIG, type AppConfig } from '@app/config';
import { imageKey, type GenerationMode } from '@app/contracts';
import { AllowList } from '@app/outbound';
import { validationProblem, type FieldProblem } from '../problem/problem.js';
import { fetchImageUrl } from './image-fetch.js';
import { IMAGE_SIDE_LIMITS, inspectImage, type ImageLimits, type ImageType } from './image-format.js';
import { coerceFormFields, readForm } from './multipart-form.js';
import type { SubmitPreferences } from '../results/submit-preferences.js';

/** An input image that passed the checks, as the task will carry it. */
export interface ImageInput {
  bytes: Buffer;
  /** Hex SHA-256 of the bytes (part of the result cache key). */
  digest: string;
  type: ImageType;
  width: number;
  height: number;
}

/** An image named by a request but not read yet: a URL is fetched only after the other fields validated. */
export interface PendingImage {
  /** The request field it came from, named in errors. */
  field: string;
  resolve(): Promise<ImageInput>;
}

/** A native submit's fields, and its image when it brings one. */
export interface NativeSubmission {
  body: unknown;
  image?: PendingImage;
}

export interface SubmitOptions {
  image?: ImageInput;
  /** Backend options passed through to the model service. */
  extra?: Record<string, unknown>;
  /** Idempotency-Key and Cache-Control from the request headers (results/submit-preferences.ts). */
  results?: SubmitPreferences;
}

/** Numeric fields of the native body, coerced from multipart text. */
const NATIVE_NUMBER_FIELDS = ['width', 'height', 'numFrames', 'fps', 'numInferenceSteps', 'guidanceScale', 'seed'];

/** Image-to-video input: the native `imageUrl` / multipart `image`, and the same checks for every other API. */
@Injectable()
export class ImageInputService {
  readonly limits: ImageLimits;
  private readonly allowList: AllowList;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.limits = { maxBytes: config.IMAGE_MAX_BYTES, ...IMAGE_SIDE_LIMITS };
    this.allowList = new AllowList(config.OUTBOUND_ALLOW_LIST);
  }

  /**
   * The native submit: a JSON body (with an optional `imageUrl`), or multipart/form-data with the same
   * fields as form fields and the picture in an `image` file part. Returns the body without the image fields,
   * at once for JSON (no promise on the hot path).
   */
  readNativeSubmission(request: FastifyRequest): NativeSubmission | Promise<NativeSubmission> {
    return request.isMultipart() ? this.readNativeForm(request) : this.fromJsonBody(request.body);
  }

  private async readNativeForm(request: FastifyRequest): Promise<NativeSubmission> {
    const form = await readForm(request, { fileFields: ['image'], maxFileBytes: this.limits.maxBytes });
    const { imageUrl, ...rest } = coerceFormFields(form.fields, NATIVE_NUMBER_FIELDS);
    const file = form.files.get('image');
    if (file && imageUrl !== undefined) throw bothGiven('image', 'imageUrl');
    if (file) return { body: rest, image: this.fromBytes(file, 'image') };
    return { body: rest, ...(imageUrl === undefined ? {} : { image: this.fromUrl(imageUrl, 'imageUrl') }) };
  }

  private fromJsonBody(body: unknown): NativeSubmission {
    if (typeof body !== 'object' || body === null || Array.isArray(body) || !('imageUrl' in body)) return { body };
    const { imageUrl, ...rest } = body as Record<string, unknown>;
    if (imageUrl === null || imageUrl === undefined) return { body: rest };
    return { body: rest, image: this.fromUrl(imageUrl, 'imageUrl') };
  }

  /** Bytes already in hand (an uploaded file). */
  fromBytes(bytes: Buffer, field: string): PendingImage {
    return { field, resolve: async () => this.check(bytes, field) };
  }

  /** An http(s) URL fetched by the gateway through the SSRF guard, or a base64 `data:` URL. */
  fromUrl(url: unknown, field: string): PendingImage {
    return {
      field,
      resolve: async () => {
        if (typeof url !== 'string' || url.length === 0) throw validationProblem([{ field, message: 'must be a URL string' }]);
        const fetched = await fetchImageUrl(url, this.limits.maxBytes, this.allowList);
        if (!fetched.ok) throw validationProblem([{ field, message: fetched.message, ...(fetched.allowed ? { allowed: fetched.allowed } : {}) }]);
        return this.check(fetched.bytes, field);
      },
    };
  }

  check(bytes: Buffer, field: string): ImageInput {
    const facts = inspectImage(bytes, this.limits);
    if ('message' in facts) throw validationProblem([{ field, message: facts.message, allowed: facts.allowed }]);
    return { bytes, digest: createHash('sha256').update(bytes).digest('hex'), ...facts };
  }
}

function bothGiven(a: string, b: string) {
  return validationProblem([{ field: b, message: `give either ${a} or ${b}, not both` }]);
}

/** Keeps the bytes in Redis for the dispatcher (which sends them to the model service) until the task ends. */
export async function storeTaskImage(redis: Redis, taskId: string, image: ImageInput, ttlSeconds: number): Promise<string> {
  const key = imageKey(taskId);
  await redis.set(key, image.bytes, 'EX', ttlSeconds);
  return key;
}

/** What submit() takes: the image not read yet. */
export interface SubmitInput extends Omit<SubmitOptions, 'image'> {
  image?: PendingImage;
}

/** A `mode` error means an image was given to a text-only model, or is missing for an image-only one: say so in those words. */
export function explainModeProblems(problems: FieldProblem[], mode: GenerationMode, imageField: string): FieldProblem[] {
  return problems.map((problem) => {
    if (problem.field !== 'mode') return problem;
    return mode === 'i2v'
      ? { field: imageField, message: `the model does not take an input image (${problem.allowed ?? 't2v'} only)` }
      : { field: imageField, message: 'the model makes videos from an image: an input image is required' };
  });
}

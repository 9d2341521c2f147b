import type { GenerationMode } from '@app/contracts';
import type { FieldNames } from './foreign-fields.js';

export type ImageReference = { kind: 'url'; url: string; field: string } | { kind: 'file'; bytes: Buffer; field: string };

/** A foreign create request in native terms: the body for VideoService.parse, the image, backend options, and how to name fields in errors. */
export interface NativeCreate {
  body: Record<string, unknown>;
  mode: GenerationMode;
  image?: ImageReference;
  extra?: Record<string, unknown>;
  names: FieldNames;
}

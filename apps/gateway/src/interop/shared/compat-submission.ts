import type { IncomingHttpHeaders } from 'node:http';
import { Injectable } from '@nestjs/common';
import type { Principal } from '../../auth/principal.js';
import { validationProblem, type FieldProblem } from '../../problem/problem.js';
import { submitPreferences } from '../../results/submit-preferences.js';
import { ImageInputService } from '../../video/image-input.js';
import type { TaskView } from '../../video/task-view.js';
import { VideoService } from '../../video/video.service.js';
import { inForeignTerms } from './foreign-fields.js';
import type { NativeCreate } from './native-create.js';

/**
 * The submit every compatibility API shares once it has translated its body: native validation with errors
 * named in the API's own field names, the image fetched (URL) or checked (upload), then the native submit
 * with the request's Idempotency-Key and Cache-Control.
 */
@Injectable()
export class CompatSubmission {
  constructor(
    private readonly videos: VideoService,
    private readonly images: ImageInputService,
  ) {}

  /** `create` as a translator returns it: the request in native terms, or the problems that stop it (422). */
  async submit(principal: Principal, create: NativeCreate | FieldProblem[], imageField: string, headers: IncomingHttpHeaders): Promise<TaskView> {
    if (Array.isArray(create)) throw validationProblem(create);
    const parsed = inForeignTerms(create.names, () => this.videos.parse(create.body, create.mode, imageField));
    const reference = create.image;
    const pending = reference && (reference.kind === 'file' ? this.images.fromBytes(reference.bytes, reference.field) : this.images.fromUrl(reference.url, reference.field));
    const image = pending ? await pending.resolve() : undefined;
    return this.videos.submitParsed(principal, parsed, { image, ...(create.extra ? { extra: create.extra } : {}), results: submitPreferences(headers) });
  }
}

import { Inject, Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { APP_CONFIG, type AppConfig } from '@app/config';
import type { TaskRecord } from '@app/contracts';
import { decideRange, RESULT_CONTENT_TYPE, RESULT_STORE, ResultIndex, resultKeyOf, type ResultStore } from '@app/storage';
import { ProblemException } from '../problem/problem.js';

/**
 * Sends a task's video from the result store with Range support (206/416), for the authenticated result URL
 * and for share links. With RESULT_REDIRECT and an S3 store it answers 302 to a presigned URL instead.
 */
@Injectable()
export class ResultDelivery {
  private readonly redirect: boolean;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(RESULT_STORE) private readonly store: ResultStore,
    private readonly index: ResultIndex,
  ) {
    this.redirect = config.RESULT_REDIRECT && this.store.kind === 's3';
  }

  /** 410 for an expired task, 409 before it completed. */
  assertReady(task: TaskRecord): void {
    if (task.status === 'EXPIRED') throw gone(task.taskId);
    if (task.status !== 'COMPLETED') {
      throw new ProblemException(409, 'not-ready', 'Conflict', `task ${task.taskId} is ${task.status}; the result exists once it is COMPLETED`);
    }
  }

  async send(request: FastifyRequest, reply: FastifyReply, task: TaskRecord): Promise<void> {
    this.assertReady(task);
    const key = resultKeyOf(task);
    const filename = `${task.taskId}.mp4`;
    if (this.redirect) {
      const location = await this.store.signedUrl(key, this.config.S3_PRESIGN_TTL_SECONDS, filename);
      if (location) {
        await reply.header('Cache-Control', 'no-store').redirect(location, 302);
        return;
      }
    }
    const info = await this.store.stat(key);
    if (!info) return this.vanished(key, task.taskId);
    const decision = decideRange(request.headers.range, info.size);
    if (decision.kind === 'unsatisfiable') {
      throw new ProblemException(416, 'range-not-satisfiable', 'Range Not Satisfiable', `the video has ${info.size} bytes`, { size: info.size }, {
        'Content-Range': `bytes */${info.size}`,
      });
    }
    const object = await this.store.read(key, decision.kind === 'partial' ? decision.range : undefined);
    if (!object) return this.vanished(key, task.taskId);
    void reply
      .header('Content-Type', RESULT_CONTENT_TYPE)
      .header('Accept-Ranges', 'bytes')
      .header('Content-Disposition', `inline; filename="${filename}"`)
      .header('Last-Modified', info.lastModified.toUTCString())
      .header('ETag', `"${key}-${info.size}"`)
      .header('Content-Length', String(object.end - object.start + 1));
    if (decision.kind === 'partial') void reply.status(206).header('Content-Range', `bytes ${object.start}-${object.end}/${object.size}`);
    await reply.send(object.stream);
  }

  /** The file is gone although the task says COMPLETED: treat it as expired everywhere (tasks, cache). */
  private async vanished(key: string, taskId: string): Promise<never> {
    await this.index.expire(key);
    throw gone(taskId);
  }
}

const gone = (taskId: string) => new ProblemException(410, 'expired', 'Gone', `the result of task ${taskId} has expired`);

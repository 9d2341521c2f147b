import { join } from 'node:path';
import { Inject, Injectable } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { APP_CONFIG, type AppConfig } from '@app/config';
import type { TaskRecord } from '@app/contracts';
import { ProblemException } from '../../problem/problem.js';

/** The MP4 of a completed task, as the native result endpoint serves it (Range requests answered). */
@Injectable()
export class ResultFiles {
  private readonly dir: string;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.dir = join(config.DATA_DIR, 'results');
  }

  async send(reply: FastifyReply, task: TaskRecord, filename: string, disposition: 'inline' | 'attachment' = 'attachment'): Promise<void> {
    if (task.status === 'EXPIRED') throw new ProblemException(410, 'expired', 'Gone', `the video of ${task.taskId} has expired`);
    if (task.status !== 'COMPLETED') {
      throw new ProblemException(409, 'not-ready', 'Conflict', `${task.taskId} is ${task.status.toLowerCase()}; the video exists once it has completed`, {
        taskStatus: task.status,
      });
    }
    reply.header('Content-Disposition', `${disposition}; filename="${filename}"`);
    await reply.sendFile(`${task.taskId}.mp4`, this.dir);
  }
}

import { mkdirSync } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** Finished videos on local disk under DATA_DIR/results, written atomically (temp file, then rename). */
export class LocalResultStore {
  readonly directory: string;

  constructor(dataDir: string) {
    this.directory = join(dataDir, 'results');
    mkdirSync(this.directory, { recursive: true });
  }

  pathFor(taskId: string): string {
    return join(this.directory, `${taskId}.mp4`);
  }

  async store(taskId: string, write: (temporaryPath: string) => Promise<void>): Promise<number> {
    const temporary = `${this.pathFor(taskId)}.part`;
    try {
      await write(temporary);
      await rename(temporary, this.pathFor(taskId));
    } catch (error) {
      await rm(temporary, { force: true });
      throw error;
    }
    return (await stat(this.pathFor(taskId))).size;
  }

  async remove(taskId: string): Promise<void> {
    await rm(this.pathFor(taskId), { force: true });
  }
}

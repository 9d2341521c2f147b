import { execFile, spawn } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ImageServer, makePng } from '../clients/fixtures.js';
import { Api } from '../support/api.js';
import { probeVideo } from '../support/media.js';
import { REPO_ROOT } from '../support/processes.js';
import { TEST_SECRET, TestStack, tokenFor } from '../support/stack.js';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** The installed bin (package.json "bin": dist/apps/cli/src/main.js, run through its shebang). */
const BIN = join(REPO_ROOT, (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { bin: { videogw: string } }).bin.videogw);

/** Runs the bin; `onStderr` sees the error stream so far each time it grows. */
function videogw(args: string[], env: Record<string, string>, cwd: string, onStderr?: (stderr: string) => Promise<void>): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(BIN, args, { cwd, env: { PATH: process.env.PATH ?? '', ...env }, timeout: 60_000 });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      void onStderr?.(stderr);
    });
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

describe('videogw CLI against a running stack', () => {
  const images = new ImageServer();
  const settings: Record<string, string> = { THROTTLE_SUBMIT_LIMIT: '1000' };
  const stack = new TestStack(settings);
  const token = tokenFor('cli-user');
  let env: Record<string, string>;
  let api: Api;

  beforeAll(async () => {
    await images.start();
    settings.OUTBOUND_ALLOW_LIST = `127.0.0.1:${images.port}`;
    await stack.start([{ stepDelayMs: 60 }]);
    env = { VIDEOGW_URL: stack.baseUrl, VIDEOGW_TOKEN: token };
    api = new Api(stack.baseUrl, token);
  });
  afterAll(async () => {
    await stack.stop();
    await images.stop();
  });

  it('is an executable bin that prints its usage', async () => {
    expect(statSync(BIN).mode & 0o111).not.toBe(0);
    const help = await videogw(['--help'], {}, stack.dir);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('videogw generate "prompt"');
    expect(help.stdout).toContain('VIDEOGW_URL');
  });

  it('generates: submits, shows queue position and steps, downloads to --out (checked with ffprobe)', async () => {
    // A job ahead of it keeps it in the queue until the CLI has shown its place; then that job is cancelled.
    const ahead = await api.submit({ prompt: 'ahead in the queue', width: 256, height: 256, numFrames: 1, numInferenceSteps: 100 });
    await api.waitForStatus(ahead.taskId, 'PROCESSING');
    const out = join(stack.dir, 'fox.mp4');
    const args = ['generate', 'a red fox running through snow', '--width', '256', '--height', '384', '--frames', '9', '--steps', '30', '--seed', '7', '--out', out];
    let released = false;
    const run = await videogw(args, env, stack.dir, async (stderr) => {
      if (released || !stderr.includes('queued: queue position 1')) return;
      released = true;
      await api.request('DELETE', `/api/video/${ahead.taskId}`);
    });
    expect(run).toMatchObject({ code: 0, stdout: `${out}\n` });
    expect(released).toBe(true);
    expect(run.stderr).toMatch(/task [0-9a-f-]{36} \(easyanimate-v5\.1-12b, t2v\) queued/);
    expect(run.stderr).toMatch(/^generating: step \d+\/30 \(\d+%\)$/m);
    expect(run.stderr).toMatch(/^completed: step 30\/30 \(100%\)$/m);
    expect(await probeVideo(out)).toEqual({ codec: 'h264', width: 256, height: 384, frames: 9 });
  });

  it('draws a cli-progress bar on a terminal', async () => {
    const out = join(stack.dir, 'tty.mp4');
    const command = [BIN, 'generate', "'on a terminal'", '--width', '256', '--height', '256', '--frames', '1', '--steps', '10', '--out', out].join(' ');
    const run = await new Promise<Run>((resolve) => {
      execFile('script', ['-qec', command, '/dev/null'], { cwd: stack.dir, env: { PATH: process.env.PATH ?? '', TERM: 'xterm', ...env }, timeout: 60_000 }, (error, stdout, stderr) =>
        resolve({ code: error ? 1 : 0, stdout, stderr }),
      );
    });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/completed {2}\[\u2588{30}\] 100% step 10\/10/);
    expect((await probeVideo(out)).frames).toBe(1);
  });

  it('sends --image as an upload (file) or as imageUrl (URL): image-to-video', async () => {
    const file = join(stack.dir, 'frame.png');
    writeFileSync(file, makePng(160, 120));
    for (const image of [file, `${images.origin}/200/150`]) {
      const out = join(stack.dir, `i2v-${image === file ? 'file' : 'url'}.mp4`);
      const run = await videogw(['generate', 'the frame comes alive', '--image', image, '--width', '256', '--height', '256', '--frames', '2', '--steps', '1', '--out', out], env, stack.dir);
      expect(run.stderr).toMatch(/\(easyanimate-v5\.1-12b, i2v\) queued/);
      expect(run.code).toBe(0);
      expect((await probeVideo(out)).frames).toBe(2);
    }
    expect(images.hits).toEqual(['/200/150']);
  });

  it('shows status and cancels a task', async () => {
    const long = await api.submit({ prompt: 'a very long render', width: 256, height: 256, numFrames: 1, numInferenceSteps: 100 });
    await api.waitForStatus(long.taskId, (task) => task.status === 'PROCESSING' && task.progress > 0);
    const shown = await videogw(['status', long.taskId], env, stack.dir);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(new RegExp(`^${long.taskId}  PROCESSING  \\d+%`));
    expect(shown.stdout).toContain('model easyanimate-v5.1-12b (t2v), 256x256, 1 frames, 100 steps');
    expect(shown.stdout).toContain('prompt: a very long render');

    const cancelled = await videogw(['cancel', long.taskId], env, stack.dir);
    expect(cancelled).toMatchObject({ code: 0, stdout: `${long.taskId}: stopping (it was running; it ends at the next step)\n` });
    await api.waitForStatus(long.taskId, 'CANCELLED');
    const json = await videogw(['status', long.taskId, '--json'], env, stack.dir);
    expect(JSON.parse(json.stdout)).toMatchObject({ taskId: long.taskId, status: 'CANCELLED' });
  });

  it('prints a token that the gateway accepts (as npm run token)', async () => {
    const minted = await videogw(['token', '--sub', 'cli-minted'], { JWT_SECRET: TEST_SECRET, DATA_DIR: stack.dir }, stack.dir);
    expect(minted.code).toBe(0);
    const run = await videogw(['generate', 'with a minted token', '--no-wait', '--frames', '1', '--steps', '1', '--width', '256', '--height', '256'], { ...env, VIDEOGW_TOKEN: minted.stdout.trim() }, stack.dir);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^[0-9a-f-]{36}\n$/);
    expect((await videogw(['token'], { JWT_SECRET: TEST_SECRET }, stack.dir)).code).toBe(2);
  });

  it('explains problems: the bad field and what is allowed, a missing token, an unreachable gateway', async () => {
    const invalid = await videogw(['generate', 'x', '--width', '250', '--frames', '80'], env, stack.dir);
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toContain('videogw: 422 Request parameters are not valid');
    expect(invalid.stderr).toMatch(/ {2}width: width must be a multiple of 16 between 256 and 1344 \(allowed: 256\.\.1344, multiple of 16\)/);
    expect(invalid.stderr).toMatch(/ {2}numFrames: /);

    const anonymous = await videogw(['status', '00000000-0000-0000-0000-000000000000'], { VIDEOGW_URL: stack.baseUrl }, stack.dir);
    expect(anonymous.code).toBe(1);
    expect(anonymous.stderr).toContain('401');
    expect(anonymous.stderr).toContain('set VIDEOGW_TOKEN');

    const unknown = await videogw(['status', '00000000-0000-0000-0000-000000000000'], env, stack.dir);
    expect(unknown.stderr).toContain('404 Not Found');

    const unreachable = await videogw(['status', 'abcdefgh'], { VIDEOGW_URL: 'http://127.0.0.1:9', VIDEOGW_TOKEN: token }, stack.dir);
    expect(unreachable.stderr).toContain('cannot reach the gateway at http://127.0.0.1:9');
    expect((await videogw(['generate', '--width', 'wide'], env, stack.dir)).code).toBe(2);
  });
});

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface VideoFacts {
  codec: string;
  width: number;
  height: number;
  frames: number;
}

/** What ffprobe says about the first video stream, frames counted by decoding. */
export async function probeVideo(path: string): Promise<VideoFacts> {
  const { stdout } = await run('ffprobe', [
    '-v', 'error', '-select_streams', 'v:0', '-count_frames',
    '-show_entries', 'stream=codec_name,width,height,nb_read_frames', '-of', 'json', path,
  ]);
  const stream = (JSON.parse(stdout) as { streams: Array<Record<string, string | number>> }).streams[0];
  if (!stream) throw new Error(`${path} has no video stream`);
  return { codec: String(stream.codec_name), width: Number(stream.width), height: Number(stream.height), frames: Number(stream.nb_read_frames) };
}

import { parseArgs } from 'node:util';
import { CliError, type GatewayClient } from '../gateway-client.js';

export async function status(client: GatewayClient, args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { json: { type: 'boolean', default: false } } });
  const taskId = positionals[0];
  if (!taskId) throw new CliError('usage: videogw status <task id> [--json]', 2);
  const task = await client.status(taskId);
  if (values.json) {
    process.stdout.write(`${JSON.stringify(task, null, 2)}\n`);
    return;
  }
  const size = task.effective ?? task.requested;
  const lines = [
    `${task.taskId}  ${task.status}  ${Math.round(task.progress * 100)}%${task.queuePosition ? `  queue position ${task.queuePosition}` : ''}`,
    `model ${task.model} (${task.mode}), ${size.width}x${size.height}, ${size.numFrames} frames, ${size.numInferenceSteps} steps${task.effective ? `, seed ${task.effective.seed}, ${task.effective.memoryMode}` : ''}`,
    `prompt: ${task.requested.prompt}`,
  ];
  if (task.error) lines.push(`error: ${task.error.code}: ${task.error.message}`);
  if (task.resultUrl) lines.push(`result: ${task.resultUrl}`);
  process.stdout.write(`${lines.join('\n')}\n`);
}

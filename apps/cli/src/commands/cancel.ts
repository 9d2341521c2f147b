import { CliError, type GatewayClient } from '../gateway-client.js';

export async function cancel(client: GatewayClient, args: string[]): Promise<void> {
  const taskId = args[0];
  if (!taskId || args.length > 1) throw new CliError('usage: videogw cancel <task id>', 2);
  const { task, stopping } = await client.cancel(taskId);
  process.stdout.write(stopping ? `${task.taskId}: stopping (it was running; it ends at the next step)\n` : `${task.taskId}: ${task.status}\n`);
}

#!/usr/bin/env node
/**
 * videogw: generate videos through the gateway's public API from a shell.
 *   videogw generate "prompt" [--model …] [--width …] [--out file.mp4] …   videogw status <id>
 *   videogw cancel <id>   videogw token --sub alice
 * VIDEOGW_URL (default http://127.0.0.1:8080) and VIDEOGW_TOKEN configure it.
 */
import { loadCliConfig } from '@app/config';
import { cancel } from './commands/cancel.js';
import { generate, GENERATE_USAGE } from './commands/generate.js';
import { status } from './commands/status.js';
import { token } from './commands/token.js';
import { CliError, GatewayClient } from './gateway-client.js';

const USAGE = `usage: videogw <command> [arguments]

${GENERATE_USAGE}

videogw status <task id> [--json]      status, progress, queue position, parameters
videogw cancel <task id>               cancel a queued or running task
videogw token --sub <principal>        print a token for a local stack (JWT_SECRET)

environment: VIDEOGW_URL (default http://127.0.0.1:8080), VIDEOGW_TOKEN (a JWT)`;

async function main(argv: string[]): Promise<void> {
  const [command, ...args] = argv;
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if (command === 'token') return token(args);
  const config = loadCliConfig();
  if ('error' in config) throw new CliError(`bad environment: ${config.error}`, 2);
  const client = new GatewayClient(config.VIDEOGW_URL.replace(/\/$/, ''), config.VIDEOGW_TOKEN);
  switch (command) {
    case 'generate':
      return generate(client, args);
    case 'status':
      return status(client, args);
    case 'cancel':
      return cancel(client, args);
    default:
      throw new CliError(`unknown command "${command}"\n\n${USAGE}`, 2);
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof CliError) {
    process.stderr.write(`videogw: ${error.message}\n`);
    process.exit(error.exitCode);
  }
  const code = (error as { code?: string }).code;
  if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')) {
    process.stderr.write(`videogw: ${(error as Error).message}\n`);
    process.exit(2);
  }
  throw error;
});

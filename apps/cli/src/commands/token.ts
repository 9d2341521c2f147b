import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import jwt from 'jsonwebtoken';
import { loadConfigOrExit } from '@app/config';
import { CliError } from '../gateway-client.js';

/** An HS256 token for a local stack, as `npm run token` prints it (JWT_SECRET, or DATA_DIR/jwt-secret from `npm start`). */
export function token(args: string[]): void {
  const { values } = parseArgs({
    args,
    options: {
      sub: { type: 'string' },
      tenant: { type: 'string' },
      roles: { type: 'string', default: 'video:generate' },
      scope: { type: 'string' },
      ttl: { type: 'string', default: '3600' },
    },
  });
  if (!values.sub) throw new CliError('usage: videogw token --sub <principal> [--roles video:generate,video:admin] [--tenant t] [--scope s] [--ttl seconds]', 2);
  const config = loadConfigOrExit();
  const secretFile = join(config.DATA_DIR, 'jwt-secret');
  const secret = config.JWT_SECRET ?? (existsSync(secretFile) ? readFileSync(secretFile, 'utf8').trim() : undefined);
  if (!secret) throw new CliError(`no JWT_SECRET and no ${secretFile}; run \`npm start\` once or set JWT_SECRET`, 2);
  const ttl = Number(values.ttl);
  if (!Number.isInteger(ttl) || ttl <= 0) throw new CliError('--ttl must be a positive number of seconds', 2);
  const claims: Record<string, unknown> = { sub: values.sub, roles: values.roles.split(',').filter(Boolean) };
  if (values.tenant) claims.tenant = values.tenant;
  if (values.scope) claims.scope = values.scope;
  const signed = jwt.sign(claims, secret, {
    algorithm: 'HS256',
    expiresIn: ttl,
    ...(config.JWT_ISSUER ? { issuer: config.JWT_ISSUER } : {}),
    ...(config.JWT_AUDIENCE ? { audience: config.JWT_AUDIENCE } : {}),
  });
  process.stdout.write(`${signed}\n`);
}

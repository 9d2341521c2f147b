/**
 * Prints an HS256 token for the local stack: `npm run token -- --sub alice [--roles video:admin] [--tenant acme] [--ttl 3600]`.
 * The secret is JWT_SECRET, or the one `npm start` keeps in DATA_DIR/jwt-secret.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import jwt from 'jsonwebtoken';
import { loadConfigOrExit } from '@app/config';

const { values } = parseArgs({
  options: {
    sub: { type: 'string' },
    tenant: { type: 'string' },
    roles: { type: 'string', default: 'video:generate' },
    scope: { type: 'string' },
    ttl: { type: 'string', default: '3600' },
  },
});

const config = loadConfigOrExit();
const secretFile = join(config.DATA_DIR, 'jwt-secret');
const secret = config.JWT_SECRET ?? (existsSync(secretFile) ? readFileSync(secretFile, 'utf8').trim() : undefined);
if (!values.sub) fail('--sub is required (the principal the token stands for)');
if (!secret) fail(`no JWT_SECRET and no ${secretFile}; run \`npm start\` once or set JWT_SECRET`);
const ttl = Number(values.ttl);
if (!Number.isInteger(ttl) || ttl <= 0) fail('--ttl must be a positive number of seconds');

const claims: Record<string, unknown> = { sub: values.sub, roles: values.roles.split(',').filter(Boolean) };
if (values.tenant) claims.tenant = values.tenant;
if (values.scope) claims.scope = values.scope;
process.stdout.write(
  `${jwt.sign(claims, secret, {
    algorithm: 'HS256',
    expiresIn: ttl,
    ...(config.JWT_ISSUER ? { issuer: config.JWT_ISSUER } : {}),
    ...(config.JWT_AUDIENCE ? { audience: config.JWT_AUDIENCE } : {}),
  })}\n`,
);

function fail(message: string): never {
  process.stderr.write(`token: ${message}\n`);
  process.exit(2);
}

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jwt from 'jsonwebtoken';
import { freePort, ManagedProcess, REPO_ROOT, waitFor } from './processes.js';

const PYTHON = join(REPO_ROOT, 'model-service', '.venv', 'bin', 'python');
export const TEST_SECRET = 'e2e-secret-e2e-secret-e2e-secret';

export interface ModelServiceOptions {
  model?: string;
  vramGb?: number;
  stepDelayMs?: number;
  jobSeconds?: number;
  /** Loopback address to listen on (default 127.0.0.1), e.g. 127.0.0.2 for DNS discovery tests. */
  host?: string;
  env?: Record<string, string>;
}

/** Real processes for one test suite: Redis with AOF, model services, dispatcher, gateway. */
export class TestStack {
  readonly dir = mkdtempSync(join(tmpdir(), 'videogw-e2e-'));
  readonly logDir = join(this.dir, 'logs');
  redisPort = 0;
  gatewayPort = 0;
  dispatcherPort = 0;
  redis?: ManagedProcess;
  gateway?: ManagedProcess;
  dispatcher?: ManagedProcess;
  readonly modelServices: Array<{ url: string; process: ManagedProcess; port: number }> = [];
  /** Every dispatcher started, by name, with its port (several replicas in fleet tests). */
  readonly dispatchers = new Map<string, { process: ManagedProcess; port: number }>();

  constructor(private readonly settings: Record<string, string> = {}) {}

  get redisUrl(): string {
    return `redis://127.0.0.1:${this.redisPort}`;
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.gatewayPort}`;
  }

  async startRedis(): Promise<void> {
    this.redisPort ||= await freePort();
    this.redis = new ManagedProcess('redis', 'redis-server', [
      '--bind', '127.0.0.1', '--port', String(this.redisPort), '--dir', this.dir,
      '--appendonly', 'yes', '--appendfsync', 'everysec', '--save', '',
    ], { env: process.env, logDir: this.logDir }).start();
    await waitFor('redis', async () => {
      const { Redis } = await import('ioredis');
      const client = new Redis(this.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      client.on('error', () => undefined); // a refused probe rejects connect(); without a listener ioredis also prints it
      try {
        await client.connect();
        return (await client.ping()) === 'PONG';
      } finally {
        client.disconnect();
      }
    });
  }

  async startModelService(options: ModelServiceOptions = {}, port?: number): Promise<string> {
    const servicePort = port ?? (await freePort());
    const name = `model-service-${options.host && options.host !== '127.0.0.1' ? `${options.host}-` : ''}${servicePort}`;
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      MODEL_SERVICE_HOST: options.host ?? '127.0.0.1',
      MODEL_SERVICE_PORT: String(servicePort),
      MODEL_BACKEND: 'procedural',
      MODEL_NAME: options.model ?? 'easyanimate-v5.1-12b',
      SIMULATED_VRAM_GB: String(options.vramGb ?? 80),
      PROCEDURAL_STEP_DELAY_MS: String(options.stepDelayMs ?? 20),
      MODEL_OUTPUT_DIR: join(this.dir, name),
      ...(options.jobSeconds ? { PROCEDURAL_JOB_SECONDS: String(options.jobSeconds) } : {}),
      ...options.env,
    };
    const process_ = new ManagedProcess(name, PYTHON, ['-m', 'app.main'], {
      cwd: join(REPO_ROOT, 'model-service'),
      env,
      logDir: this.logDir,
    }).start();
    const url = `http://${options.host ?? '127.0.0.1'}:${servicePort}`;
    await waitFor(`model service ${url}`, async () => (await fetch(`${url}/health`)).ok, 60_000);
    const existing = this.modelServices.findIndex((service) => service.url === url);
    if (existing >= 0) this.modelServices.splice(existing, 1);
    this.modelServices.push({ url, process: process_, port: servicePort });
    return url;
  }

  appEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    return {
      ...process.env,
      NODE_ENV: 'test',
      HOST: '127.0.0.1',
      PORT: String(this.gatewayPort || 8080),
      DISPATCHER_PORT: String(this.dispatcherPort || 8081),
      REDIS_URL: this.redisUrl,
      DATA_DIR: join(this.dir, 'data'),
      JWT_SECRET: TEST_SECRET,
      MODEL_SERVICES: this.modelServices.map((service) => service.url).join(','),
      HEALTH_POLL_INTERVAL_MS: '200',
      LOCK_DURATION_MS: '4000',
      STALLED_INTERVAL_MS: '1500',
      LEASE_TTL_MS: '3000',
      JOB_BACKOFF_MS: '200',
      LOG_LEVEL: 'info',
      ...this.settings,
      ...extra,
    };
  }

  async startDispatcher(extra: Record<string, string> = {}, name = 'dispatcher'): Promise<ManagedProcess> {
    this.dispatcherPort ||= await freePort();
    const port = name === 'dispatcher' ? this.dispatcherPort : await freePort();
    const dispatcher = new ManagedProcess(name, process.execPath, ['dist/apps/dispatcher/src/main.js'], {
      env: this.appEnv({ DISPATCHER_PORT: String(port), ...extra }),
      logDir: this.logDir,
    }).start();
    await waitFor(name, async () => (await fetch(`http://127.0.0.1:${port}/health`)).ok, 30_000);
    if (name === 'dispatcher') this.dispatcher = dispatcher;
    this.dispatchers.set(name, { process: dispatcher, port });
    return dispatcher;
  }

  async startGateway(extra: Record<string, string> = {}): Promise<void> {
    this.gatewayPort ||= await freePort();
    this.gateway = new ManagedProcess('gateway', process.execPath, ['dist/apps/gateway/src/main.js'], {
      env: this.appEnv(extra),
      logDir: this.logDir,
    }).start();
    await waitFor('gateway', async () => (await fetch(`${this.baseUrl}/health`)).ok, 30_000);
  }

  /** Redis, the given model services, a dispatcher and a gateway. */
  async start(services: ModelServiceOptions[] = [{}]): Promise<this> {
    this.gatewayPort ||= await freePort();
    this.dispatcherPort ||= await freePort();
    await this.startRedis();
    for (const options of services) await this.startModelService(options);
    await this.startDispatcher();
    await this.startGateway();
    return this;
  }

  async stop(): Promise<void> {
    await this.gateway?.stop();
    await this.dispatcher?.stop();
    await Promise.all([...this.dispatchers.values()].map((replica) => replica.process.stop()));
    await Promise.all(this.modelServices.map((service) => service.process.stop()));
    await this.redis?.stop();
    if (!process.env.KEEP_E2E_DIRS) rmSync(this.dir, { recursive: true, force: true });
  }
}

export function tokenFor(sub: string, claims: Record<string, unknown> = {}, secret = TEST_SECRET): string {
  return jwt.sign({ sub, roles: ['video:generate'], ...claims }, secret, { algorithm: 'HS256', expiresIn: 600 });
}

import { z } from 'zod';

const csv = z
  .string()
  .optional()
  .transform((value) => (value ?? '').split(',').map((item) => item.trim()).filter(Boolean));
const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .optional()
  .transform((value) => value === 'true' || value === '1' || value === 'yes');
const int = (fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER) =>
  z.coerce.number().int().min(min).max(max).default(fallback);
const httpUrl = z.url({ protocol: /^https?$/ });

/** Every setting the gateway and the dispatcher read, with a default that works on a developer's machine. */
export const configSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    HOST: z.string().min(1).default('127.0.0.1'),
    PORT: int(8080, 1, 65535),
    DISPATCHER_PORT: int(8081, 1, 65535),
    REDIS_URL: z.url({ protocol: /^rediss?$/ }).default('redis://127.0.0.1:6379'),
    DATA_DIR: z.string().min(1).default('./data'),
    PUBLIC_BASE_URL: httpUrl.optional(),

    JWT_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
    JWT_JWKS_URI: httpUrl.optional(),
    JWT_ISSUER: z.string().optional(),
    JWT_AUDIENCE: z.string().optional(),
    JWT_CLOCK_SKEW_SECONDS: int(30, 0, 300),

    DEFAULT_MODEL: z.string().min(1).default('easyanimate-v5.1-12b'),
    MODELS: csv,

    MODEL_SERVICES: csv.pipe(z.array(httpUrl)),
    MODEL_SERVICES_DNS: z.string().optional(),
    MODEL_SERVICES_DNS_INTERVAL_MS: int(10_000, 500),
    HEALTH_POLL_INTERVAL_MS: int(1_000, 50),
    HEALTH_TIMEOUT_MS: int(2_000, 50),
    MODEL_SERVICE_TIMEOUT_MS: int(10_000, 100),
    JOB_TIMEOUT_MS: int(2 * 60 * 60 * 1000, 1_000),
    JOB_ATTEMPTS: int(3, 1, 20),
    JOB_BACKOFF_MS: int(1_000, 0),
    STALLED_INTERVAL_MS: int(15_000, 1_000),
    LOCK_DURATION_MS: int(30_000, 1_000),

    DISPATCHER_ID: z.string().min(1).optional(),
    LEASE_TTL_MS: int(10_000, 1_000),
    BREAKER_ERROR_THRESHOLD_PERCENTAGE: int(50, 1, 100),
    BREAKER_VOLUME_THRESHOLD: int(3, 1),
    BREAKER_RESET_TIMEOUT_MS: int(15_000, 100),
    BREAKER_ROLLING_WINDOW_MS: int(60_000, 1_000),

    MAX_WAITING_JOBS: int(100, 1),
    MAX_UNFINISHED_PER_PRINCIPAL: int(20, 1),

    IMAGE_MAX_BYTES: int(10 * 1024 * 1024, 1024, 100 * 1024 * 1024),
    IMAGE_TTL_SECONDS: int(24 * 60 * 60, 60),

    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    LOG_PROMPTS: bool,
  })
  .superRefine((config, ctx) => {
    if (!config.MODELS.includes(config.DEFAULT_MODEL)) config.MODELS.unshift(config.DEFAULT_MODEL);
    if (config.MODEL_SERVICES_DNS !== undefined && !/^[A-Za-z0-9.-]+:\d{1,5}$/.test(config.MODEL_SERVICES_DNS)) {
      ctx.addIssue({ code: 'custom', path: ['MODEL_SERVICES_DNS'], message: 'must be host:port' });
    }
  });

export type AppConfig = z.output<typeof configSchema>;

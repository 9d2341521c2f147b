import { z } from 'zod';

const csv = z
  .string()
  .optional()
  .transform((value) => (value ?? '').split(',').map((item) => item.trim()).filter(Boolean));
const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .optional()
  .transform((value) => value === 'true' || value === '1' || value === 'yes');
const flag = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'])
    .optional()
    .transform((value) => (value === undefined ? fallback : value === 'true' || value === '1' || value === 'yes'));
/** Fastify's trustProxy: false | true | a hop count | a comma-separated list of proxy addresses or CIDRs (TRUST_PROXY). */
const trustProxy = z
  .string()
  .regex(/^(true|false|\d{1,2}|[0-9A-Fa-f.:/]+(\s*,\s*[0-9A-Fa-f.:/]+)*)$/, 'must be true, false, a hop count or a list of proxy addresses/CIDRs')
  .default('false')
  .transform((value): boolean | string[] | ((address: string, hop: number) => boolean) => {
    if (value === 'true' || value === 'false') return value === 'true';
    if (/^\d+$/.test(value)) {
      const hops = Number(value);
      return (_address, hop) => hop < hops; // what Fastify does with a number
    }
    return value.split(',').map((item) => item.trim());
  });
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
    JWT_JWKS_CACHE_MAX_AGE_MS: int(10 * 60_000, 0),
    TRUST_PROXY: trustProxy,
    BODY_LIMIT_BYTES: int(64 * 1024, 1024, 64 * 1024 * 1024),

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
    /** Roles (any of them) that may submit with priority high; everyone may ask for low and normal. */
    HIGH_PRIORITY_ROLES: z
      .string()
      .default('video:admin')
      .transform((value) => value.split(',').map((item) => item.trim()).filter(Boolean)),

    MAX_WAITING_JOBS: int(100, 1),
    MAX_UNFINISHED_PER_PRINCIPAL: int(20, 1),
    ADMISSION_ENABLED: flag(true),
    ADMISSION_RETRY_AFTER_SECONDS: int(10, 1, 3600),
    THROTTLE_ENABLED: flag(true),
    THROTTLE_SUBMIT_LIMIT: int(10, 1),
    THROTTLE_SUBMIT_TTL_MS: int(10_000, 100),
    THROTTLE_STATUS_LIMIT: int(600, 1),
    THROTTLE_STATUS_TTL_MS: int(60_000, 100),
    THROTTLE_DEFAULT_LIMIT: int(600, 1),
    THROTTLE_DEFAULT_TTL_MS: int(60_000, 100),
    PROMPT_BANNED_TERMS_FILE: z.string().min(1).optional(),
    PROMPT_BANNED_TERMS_POLL_MS: int(2_000, 0),

    IMAGE_MAX_BYTES: int(10 * 1024 * 1024, 1024, 100 * 1024 * 1024),
    IMAGE_TTL_SECONDS: int(24 * 60 * 60, 60),

    /** Results (issue 6): where videos are stored, the result cache, idempotency, share links, webhooks, live events, retention. */
    RESULT_STORE: z.enum(['local', 's3']).default('local'),
    S3_ENDPOINT: httpUrl.optional(),
    S3_BUCKET: z.string().min(1).optional(),
    S3_REGION: z.string().min(1).default('us-east-1'),
    S3_ACCESS_KEY_ID: z.string().min(1).optional(),
    S3_SECRET_ACCESS_KEY: z.string().min(1).optional(),
    S3_FORCE_PATH_STYLE: bool,
    S3_KEY_PREFIX: z.string().default('results/'),
    S3_PRESIGN_TTL_SECONDS: int(900, 1, 7 * 24 * 3600),
    RESULT_REDIRECT: bool,
    RESULT_CACHE_ENABLED: flag(true),
    RESULT_CACHE_TTL_SECONDS: int(24 * 3600, 1),
    RESULT_CACHE_RECHECK_MS: int(5000, 0, 3_600_000),
    RESULT_CACHE_SEEDLESS: bool,
    RESULT_CACHE_SCOPE: z.enum(['global', 'owner']).default('global'),
    COALESCE_ENABLED: flag(true),
    IDEMPOTENCY_TTL_SECONDS: int(24 * 3600, 1),
    SHARE_LINK_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
    SHARE_LINK_TTL_SECONDS: int(24 * 3600, 1),
    WEBHOOK_SECRET: z.string().regex(/^whsec_[A-Za-z0-9+/]+={0,2}$/, 'must be whsec_ followed by base64').optional(),
    WEBHOOK_ATTEMPTS: int(8, 1, 50),
    WEBHOOK_BACKOFF_MS: int(2_000, 0),
    WEBHOOK_TIMEOUT_MS: int(10_000, 100),
    WEBHOOK_ALLOWED_HOSTS: csv,
    OUTBOUND_ALLOW_LIST: csv,
    SSE_POLL_INTERVAL_MS: int(500, 20),
    SSE_HEARTBEAT_MS: int(15_000, 100),
    RESULT_RETENTION_SECONDS: int(7 * 24 * 3600, 0),
    RESULT_RETENTION_SWEEP_MS: int(5 * 60_000, 100),

    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    LOG_PROMPTS: bool,

    /** Readiness fails when the file system holding DATA_DIR has less free space than this. */
    DISK_FREE_MIN_BYTES: int(256 * 1024 * 1024, 0),
    /** Readiness needs a healthy model service per model; false for scale-to-zero GPU pools (the check then only reports). */
    READINESS_REQUIRES_MODEL_SERVICES: flag(true),
    /** On SIGTERM: how long in-flight HTTP requests and running jobs get before they are handed back. */
    SHUTDOWN_GRACE_MS: int(20_000, 0),
    /** On SIGTERM: how long readiness reports DOWN before the server stops taking requests. */
    SHUTDOWN_DRAIN_MS: int(0, 0),
    /** Shown by /actuator/info; otherwise read from dist/build-info.json or the git checkout. */
    GIT_COMMIT: z.string().min(1).optional(),
  })
  .superRefine((config, ctx) => {
    if (!config.MODELS.includes(config.DEFAULT_MODEL)) config.MODELS.unshift(config.DEFAULT_MODEL);
    if (config.RESULT_STORE === 's3' && !config.S3_BUCKET) ctx.addIssue({ code: 'custom', path: ['S3_BUCKET'], message: 'is required when RESULT_STORE=s3' });
    if (config.MODEL_SERVICES_DNS !== undefined && !/^[A-Za-z0-9.-]+:\d{1,5}$/.test(config.MODEL_SERVICES_DNS)) {
      ctx.addIssue({ code: 'custom', path: ['MODEL_SERVICES_DNS'], message: 'must be host:port' });
    }
  });

export type AppConfig = z.output<typeof configSchema>;

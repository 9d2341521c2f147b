import { join } from 'node:path';
import type { AppConfig } from '@app/config';
import { LocalResultStore } from './local-result-store.js';
import type { ResultStore } from './result-store.js';
import { S3ResultStore } from './s3-result-store.js';

/** RESULT_STORE=local (DATA_DIR/results) or s3 (S3_* settings). */
export function createResultStore(config: AppConfig): ResultStore {
  if (config.RESULT_STORE === 'local') return new LocalResultStore(config.DATA_DIR);
  return new S3ResultStore({
    bucket: config.S3_BUCKET!,
    region: config.S3_REGION,
    endpoint: config.S3_ENDPOINT,
    accessKeyId: config.S3_ACCESS_KEY_ID,
    secretAccessKey: config.S3_SECRET_ACCESS_KEY,
    forcePathStyle: config.S3_FORCE_PATH_STYLE,
    keyPrefix: config.S3_KEY_PREFIX,
    scratchDir: join(config.DATA_DIR, 'uploads'),
  });
}

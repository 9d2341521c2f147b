import { common } from './jest.config.js';

/** End-to-end suites start real processes (Redis, model services, compiled apps): one suite at a time. */
export default {
  ...common,
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.e2e-spec.ts'],
  testTimeout: 180_000,
  maxWorkers: 1,
};

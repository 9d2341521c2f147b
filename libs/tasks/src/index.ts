export * from './task-codec.js';
export * from './task-store.js';
export * from './redis.js';
export * from './queue-options.js';
export * from './tasks.module.js';

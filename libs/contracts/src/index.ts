export * from './task.js';
export * from './queues.js';
export * from './keys.js';
export * from './model-service.js';
export * from './fleet.js';
export * from './results.js';

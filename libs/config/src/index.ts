export * from './schema.js';
export * from './load-config.js';
export * from './config.module.js';
export * from './cli-config.js';

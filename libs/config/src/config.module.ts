import { Global, Module, type DynamicModule } from '@nestjs/common';
import type { AppConfig } from './schema.js';

/** Injection token for the validated configuration object. */
export const APP_CONFIG = Symbol('APP_CONFIG');

/** The configuration is parsed once in main.ts (so a bad value stops start-up) and shared from here. */
@Global()
@Module({})
export class AppConfigModule {
  static forRoot(config: AppConfig): DynamicModule {
    return { module: AppConfigModule, providers: [{ provide: APP_CONFIG, useValue: config }], exports: [APP_CONFIG] };
  }
}

import { Logger, ServiceUnavailableException } from '@nestjs/common';
import type { HealthCheckResult, HealthCheckService, HealthIndicatorFunction } from '@nestjs/terminus';

export interface HealthOutcome {
  httpStatus: 200 | 503;
  result: HealthCheckResult;
}

/**
 * Runs terminus' checks and returns the result with its HTTP status instead of throwing, so the
 * controllers answer 503 with the health body rather than a problem document. Logs each change
 * between ready and not ready once (probes come every few seconds).
 */
export class ReadinessReporter {
  private readonly logger = new Logger('Readiness');
  private lastStatus: HealthCheckResult['status'] | undefined;

  constructor(private readonly health: HealthCheckService) {}

  async check(indicators: HealthIndicatorFunction[]): Promise<HealthOutcome> {
    let outcome: HealthOutcome;
    try {
      outcome = { httpStatus: 200, result: await this.health.check(indicators) };
    } catch (error) {
      if (!(error instanceof ServiceUnavailableException)) throw error;
      outcome = { httpStatus: 503, result: error.getResponse() as HealthCheckResult };
    }
    const status = outcome.result.status;
    if (status !== this.lastStatus) {
      if (outcome.httpStatus === 503) this.logger.warn({ down: Object.keys(outcome.result.error ?? {}) }, `not ready (${status})`);
      else if (this.lastStatus !== undefined) this.logger.log(`ready again (${status})`);
      this.lastStatus = status;
    }
    return outcome;
  }
}

import type { HealthCheckResult } from '@nestjs/terminus';

export type ActuatorStatus = 'UP' | 'DOWN';

export interface ActuatorComponent {
  status: ActuatorStatus;
  details?: Record<string, unknown>;
}

/** Spring Boot Actuator's health body: what Java shops' probes and dashboards already read. */
export interface ActuatorHealth {
  status: ActuatorStatus;
  components?: Record<string, ActuatorComponent>;
}

/** A terminus result as Actuator shows it: `ok`/`degraded` are UP, `error`/`shutting_down` DOWN. */
export function toActuator(result: HealthCheckResult): ActuatorHealth {
  const components: Record<string, ActuatorComponent> = {};
  for (const [key, { status, ...details }] of Object.entries(result.details)) {
    components[key] = { status: status === 'down' ? 'DOWN' : 'UP', ...(Object.keys(details).length > 0 ? { details } : {}) };
  }
  const status: ActuatorStatus = result.status === 'ok' || result.status === 'degraded' ? 'UP' : 'DOWN';
  return { status, components };
}

/** Terminus' own shape for /health and /health/ready. */
export const LIVENESS_RESULT: HealthCheckResult = { status: 'ok', info: {}, error: {}, details: {} };

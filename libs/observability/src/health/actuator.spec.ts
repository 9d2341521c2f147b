import { LIVENESS_RESULT, toActuator } from './actuator.js';

describe('toActuator', () => {
  it('maps an ok terminus result to UP with one component per indicator and its details', () => {
    const health = toActuator({
      status: 'ok',
      info: {},
      error: {},
      details: { redis: { status: 'up' }, disk: { status: 'up', freeBytes: 10, thresholdBytes: 5 } },
    });
    expect(health).toEqual({
      status: 'UP',
      components: { redis: { status: 'UP' }, disk: { status: 'UP', details: { freeBytes: 10, thresholdBytes: 5 } } },
    });
  });

  it('is DOWN when any indicator is down, and while shutting down', () => {
    const down = toActuator({ status: 'error', details: { redis: { status: 'down', state: 'reconnecting' }, disk: { status: 'up' } } });
    expect(down.status).toBe('DOWN');
    expect(down.components?.redis).toEqual({ status: 'DOWN', details: { state: 'reconnecting' } });
    expect(down.components?.disk).toEqual({ status: 'UP' });
    expect(toActuator({ status: 'shutting_down', details: {} }).status).toBe('DOWN');
  });

  it('counts a degraded indicator as UP', () => {
    expect(toActuator({ status: 'degraded', details: { queue: { status: 'degraded' } } })).toEqual({ status: 'UP', components: { queue: { status: 'UP' } } });
  });

  it('has a liveness body in terminus shape', () => {
    expect(toActuator(LIVENESS_RESULT)).toEqual({ status: 'UP', components: {} });
  });
});

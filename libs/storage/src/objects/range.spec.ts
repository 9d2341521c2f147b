import fc from 'fast-check';
import { decideRange } from './range.js';

describe('decideRange', () => {
  it.each([
    [undefined, 1000, { kind: 'full' }],
    ['bytes=0-99', 1000, { kind: 'partial', range: { start: 0, end: 99 } }],
    ['bytes=900-', 1000, { kind: 'partial', range: { start: 900, end: 999 } }],
    ['bytes=-100', 1000, { kind: 'partial', range: { start: 900, end: 999 } }],
    ['bytes=-5000', 1000, { kind: 'partial', range: { start: 0, end: 999 } }],
    ['bytes=990-5000', 1000, { kind: 'partial', range: { start: 990, end: 999 } }],
    ['bytes=1000-', 1000, { kind: 'unsatisfiable' }],
    ['bytes=99999999-', 1000, { kind: 'unsatisfiable' }],
    ['bytes=-0', 1000, { kind: 'unsatisfiable' }],
    ['bytes=5-2', 1000, { kind: 'full' }],
    ['bytes=0-1,5-9', 1000, { kind: 'full' }],
    ['items=0-1', 1000, { kind: 'full' }],
    ['bytes=-', 1000, { kind: 'full' }],
  ] as const)('%s of %d bytes', (header, size, expected) => {
    expect(decideRange(header, size)).toEqual(expected);
  });

  it('always returns a range inside the object', () => {
    fc.assert(
      fc.property(fc.nat(10_000), fc.option(fc.nat(20_000)), fc.option(fc.nat(20_000)), (size, a, b) => {
        const decision = decideRange(`bytes=${a ?? ''}-${b ?? ''}`, size);
        if (decision.kind !== 'partial') return true;
        return decision.range.start >= 0 && decision.range.start <= decision.range.end && decision.range.end < size;
      }),
    );
  });
});

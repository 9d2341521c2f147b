import { validationProblem } from '../../problem/problem.js';
import { inForeignTerms, numberField, renameProblem } from './foreign-fields.js';

describe('foreign field names', () => {
  it('renames the field and its mentions in the message', () => {
    expect(renameProblem({ field: 'numFrames', message: 'numFrames must be an integer of the form 4n+1', allowed: '1, 5, 9' }, { numFrames: 'num_frames' })).toEqual({
      field: 'num_frames',
      message: 'num_frames must be an integer of the form 4n+1',
      allowed: '1, 5, 9',
    });
    expect(renameProblem({ field: 'seed', message: 'bad' }, { width: 'size' })).toEqual({ field: 'seed', message: 'bad' });
  });

  it('rethrows a native 422 in foreign terms and anything else as it is', () => {
    const run = () => inForeignTerms({ width: 'size' }, () => {
      throw validationProblem([{ field: 'width', message: 'width must be a multiple of 16' }]);
    });
    expect(run).toThrow(expect.objectContaining({ response: expect.objectContaining({ errors: [{ field: 'size', message: 'size must be a multiple of 16' }] }) }));
    const other = new Error('boom');
    expect(() => inForeignTerms({}, () => { throw other; })).toThrow(other);
    expect(inForeignTerms({}, () => 7)).toBe(7);
  });

  it('reads numbers from JSON and from form text', () => {
    expect([numberField(3), numberField('3.5'), numberField(' 8 '), numberField(''), numberField(null), numberField(undefined)]).toEqual([3, 3.5, 8, undefined, undefined, undefined]);
    expect(numberField('4s')).toBeNaN();
    expect(numberField(true)).toBeNaN();
  });
});

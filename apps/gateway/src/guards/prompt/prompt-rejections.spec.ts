import { BannedTermMatcher, checkPromptFields } from '@app/policies';
import { promptRejections } from './prompt-rejections.js';

const limits = { promptLength: { min: 1, max: 20 }, negativePromptLength: { min: 0, max: 20 } };
const matcher = new BannedTermMatcher(['forbidden']);

function problemsFor(input: { prompt?: unknown; negativePrompt?: unknown }) {
  const check = checkPromptFields(input as { prompt?: string; negativePrompt?: string }, limits, matcher);
  return check.ok ? [] : check.errors;
}

describe('promptRejections (on the messages checkPromptFields really writes)', () => {
  it('tells a banned term from a length problem, per field', () => {
    expect(promptRejections(problemsFor({ prompt: 'a FORBIDDEN thing', negativePrompt: 'x'.repeat(21) }))).toEqual([
      { field: 'prompt', reason: 'banned_term' },
      { field: 'negativePrompt', reason: 'length' },
    ]);
    expect(promptRejections(problemsFor({ prompt: ' ' }))).toEqual([{ field: 'prompt', reason: 'length' }]);
    expect(promptRejections(problemsFor({ prompt: 'ok', negativePrompt: 'forbidden' }))).toEqual([{ field: 'negativePrompt', reason: 'banned_term' }]);
  });

  it('ignores the other fields', () => {
    expect(promptRejections([{ field: 'width', message: 'must be a multiple of 16' }])).toEqual([]);
  });
});

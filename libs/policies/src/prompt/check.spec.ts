import { EASYANIMATE_V51_12B } from '../profiles/index.js';
import { BannedTermMatcher } from './banned-terms.js';
import { checkPromptFields } from './check.js';

const limits = EASYANIMATE_V51_12B.limits;
const matcher = new BannedTermMatcher(['gore', '暴力']);

describe('checkPromptFields', () => {
  it('returns both fields normalised', () => {
    expect(checkPromptFields({ prompt: '  a  cat\u200B on a mat ', negativePrompt: 'ＢＬＵＲＲＹ\n' }, limits, matcher)).toEqual({
      ok: true,
      prompt: 'a cat on a mat',
      negativePrompt: 'BLURRY',
    });
    expect(checkPromptFields({ prompt: 'a cat' }, limits)).toEqual({ ok: true, prompt: 'a cat', negativePrompt: '' });
  });

  it.each([
    [undefined, 'prompt is required and must not be blank'],
    ['', 'prompt is required and must not be blank'],
    [' \u200B\t ', 'prompt is required and must not be blank'],
    ['x'.repeat(1001), 'prompt must be between 1 and 1000 characters after normalisation (got 1001)'],
  ])('rejects prompt %p', (prompt, message) => {
    expect(checkPromptFields({ prompt }, limits)).toEqual({
      ok: false,
      errors: [{ field: 'prompt', message, allowed: '1..1000 characters' }],
    });
  });

  it('measures length after normalisation, in code points', () => {
    expect(checkPromptFields({ prompt: `${'猫'.repeat(1000)}${'\u200B'.repeat(50)}    ` }, limits).ok).toBe(true);
    expect(checkPromptFields({ prompt: '🐈'.repeat(1000) }, limits).ok).toBe(true);
    expect(checkPromptFields({ prompt: 'a', negativePrompt: 'n'.repeat(1001) }, limits)).toMatchObject({
      ok: false,
      errors: [{ field: 'negativePrompt' }],
    });
  });

  it('rejects a non-string prompt', () => {
    expect(checkPromptFields({ prompt: 42 as unknown as string }, limits)).toEqual({
      ok: false,
      errors: [{ field: 'prompt', message: 'prompt must be a string' }],
    });
  });

  it.each([
    ['prompt', { prompt: 'a scene full of G.O.R.E' }],
    ['prompt', { prompt: '这是一个暴 力的场景' }],
    ['negativePrompt', { prompt: 'a cat', negativePrompt: 'ｇｏｒｅ' }],
  ])('names the field (%s) of a banned term and never repeats the term', (field, input) => {
    const result = checkPromptFields(input, limits, matcher);
    expect(result).toEqual({ ok: false, errors: [{ field, message: `${field} contains a term that is not allowed` }] });
    expect(JSON.stringify(result)).not.toMatch(/gore|暴|力/i);
  });

  it('can leave the negative prompt unscreened', () => {
    expect(checkPromptFields({ prompt: 'a cat', negativePrompt: 'gore' }, limits, matcher, { screenNegativePrompt: false }).ok).toBe(true);
  });
});

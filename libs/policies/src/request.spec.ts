import { EASYANIMATE_V51_12B, WAN21_T2V_14B } from './profiles/index.js';
import { BannedTermMatcher, parseBannedTermList } from './prompt/banned-terms.js';
import { validateVideoRequest } from './request.js';

const matcher = new BannedTermMatcher(parseBannedTermList('# violence\n暴力\n\n  gore  \n'));

describe('validateVideoRequest', () => {
  it('returns normalised prompts with the checked parameters', () => {
    expect(validateVideoRequest(EASYANIMATE_V51_12B, { prompt: ' a  cat ', width: 1008, height: 576 }, matcher)).toEqual({
      ok: true,
      mode: 't2v',
      prompt: 'a cat',
      negativePrompt: '',
      params: { width: 1008, height: 576, numFrames: 25, fps: 8, numInferenceSteps: 50, guidanceScale: 5 },
    });
  });

  it('reports prompt and parameter errors together', () => {
    const result = validateVideoRequest(WAN21_T2V_14B, { prompt: 'G O R E', width: 1000, numFrames: 80 }, matcher);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors.map((e) => e.field)).toEqual(['prompt', 'width', 'numFrames']);
  });
});

describe('parseBannedTermList', () => {
  it('skips blank lines and # comments and trims', () => {
    expect(parseBannedTermList('# header\r\nfoo\n\n  bar baz  \n#x\n')).toEqual(['foo', 'bar baz']);
    expect(matcher.size).toBe(2);
  });
});

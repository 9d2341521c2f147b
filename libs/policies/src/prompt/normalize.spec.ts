import fc from 'fast-check';
import { codePointLength, foldForMatching, normalizePrompt } from './normalize.js';

describe('normalizePrompt', () => {
  it.each([
    ['collapses whitespace runs and trims', '  a cat \t\n  on\r\na  mat  ', 'a cat on a mat'],
    ['folds full-width forms (NFKC)', 'ＡＢＣ　１２３', 'ABC 123'],
    ['removes zero-width and format characters', 'b\u200Bad\u200C \u200Dw\u2060o\uFEFFr\u00ADd\u200E\u200F', 'bad word'],
    ['removes control characters', 'a\u0000b\u0007c\u001Fd\u007Fe\u009Bf', 'abcdef'],
    ['turns tabs and newlines into spaces', 'one\ttwo\nthree\u0085four', 'one two three four'],
    ['removes bidi overrides and tag characters', 'a\u202Eb\u2066c\u{E0041}d', 'abcd'],
    ['removes lone surrogates', 'a\uD800b\uDC00c', 'abc'],
    ['keeps emoji and CJK', '一只猫 🐈 在花园里', '一只猫 🐈 在花园里'],
    ['composes decomposed accents', 'cafe\u0301', 'café'],
    ['turns compatibility spaces into one space', 'a\u00A0\u2003\u3000b', 'a b'],
    ['returns an empty string for only invisible input', '\u200B \u2060\t', ''],
  ])('%s', (_, input, expected) => {
    expect(normalizePrompt(input)).toBe(expected);
  });

  it('is idempotent', () => {
    const tricky = fc.constantFrom(' ', '\t', '\n', '\u200B', '\u200D', '\u0301', '\uFFA0', '\u3164', 'e', 'Ａ', 'ﬁ', '\uD800', '\uDC00', '\u0085', '가', '\u1161');
    const text = fc.oneof(
      fc.string({ unit: 'binary' }),
      fc.string({ unit: 'grapheme-composite' }),
      fc.array(tricky, { maxLength: 30 }).map((a) => a.join('')),
    );
    fc.assert(
      fc.property(text, (s) => {
        const once = normalizePrompt(s);
        expect(normalizePrompt(once)).toBe(once);
      }),
      { numRuns: 5000 },
    );
  });

  it('never leaves leading, trailing or doubled spaces', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        const out = normalizePrompt(s);
        expect(out).toBe(out.trim());
        expect(out).not.toMatch(/\s\s|[\t\n\r\u200B\uFEFF]/);
      }),
    );
  });
});

describe('foldForMatching', () => {
  it.each([
    ['B.A.D', 'bad'],
    ['b a d', 'bad'],
    ['b-a_d!', 'bad'],
    ['Hello, World 42', 'helloworld42'],
    ['暴 力。', '暴力'],
    ['ΚΑΚΟΣ', 'κακοσ'],
    ['κακός', 'κακόσ'],
  ])('folds %p to %p', (input, expected) => {
    expect(foldForMatching(normalizePrompt(input))).toBe(expected);
  });
});

describe('codePointLength', () => {
  it('counts code points, not UTF-16 units', () => {
    expect(codePointLength('abc')).toBe(3);
    expect(codePointLength('一只猫')).toBe(3);
    expect(codePointLength('🐈🐈')).toBe(2);
    expect(codePointLength('')).toBe(0);
  });

  it('matches the string iterator for well-formed text', () => {
    fc.assert(fc.property(fc.string({ unit: 'grapheme' }), (s) => expect(codePointLength(s)).toBe([...s].length)));
  });
});

import fc from 'fast-check';
import { BannedTermMatcher } from './banned-terms.js';
import { foldForMatching, normalizePrompt } from './normalize.js';

const fold = (s: string) => foldForMatching(normalizePrompt(s));

describe('BannedTermMatcher', () => {
  const matcher = new BannedTermMatcher(['bad', '暴力', 'Blood Bath', '  ', '...', 'bad', 'he', 'she', 'hers']);

  it('counts distinct terms that fold to something', () => {
    expect(matcher.size).toBe(6);
    expect(new BannedTermMatcher([]).size).toBe(0);
    expect(new BannedTermMatcher([]).firstMatch('anything')).toBe(-1);
  });

  it.each([
    ['an English term in a sentence', 'a truly bad idea', 0],
    ['a Chinese term inside a sentence', '这是一个暴力的场景', 1],
    ['full-width capitals', 'ＢＡＤ', 0],
    ['spaced letters', 'b a d', 0],
    ['a zero-width joiner inside', 'b\u200Dad', 0],
    ['punctuation between letters', 'B.A.D', 0],
    ['a soft hyphen and a zero-width space', 'ba\u00ADd\u200B', 0],
    ['a multi-word term written without spaces', 'BLOODBATH', 2],
    ['a Chinese term split by spaces and full-width punctuation', '暴 ，力', 1],
    ['overlapping terms (Aho–Corasick output links)', 'ushers', 7],
  ])('finds %s', (_, text, index) => {
    expect(matcher.findIn(text)).toBe(index);
    expect(matcher.firstMatch(fold(text))).toBe(index);
  });

  it.each(['a good idea', '暴雨', 'blood', 'b', ''])('does not flag %p', (text) => {
    expect(matcher.findIn(text)).toBe(-1);
  });

  it('returns the index in the list it was given', () => {
    const m = new BannedTermMatcher(['', '# not a comment, a term', 'zebra']);
    expect(m.findIn('ZEBRA crossing')).toBe(2);
    expect(m.findIn('notacommentaterm')).toBe(1);
  });

  it('agrees with a naive substring search', () => {
    const small = fc.string({ unit: fc.constantFrom('a', 'b', 'c', '暴', '力'), minLength: 1, maxLength: 5 });
    fc.assert(
      fc.property(fc.array(small, { minLength: 1, maxLength: 20 }), fc.string({ unit: fc.constantFrom('a', 'b', 'c', 'd', '暴', '力'), maxLength: 40 }), (terms, text) => {
        const found = new BannedTermMatcher(terms).firstMatch(text);
        const any = terms.some((t) => text.includes(t));
        expect(found >= 0).toBe(any);
        if (found >= 0) expect(text).toContain(terms[found]);
      }),
      { numRuns: 2000 },
    );
  });

  it('agrees with a naive search on large alphabets and lists (dense rows, child masks, hash probes)', () => {
    const alphabet = [...'abcdefghijklmnopqrstuvwxyz0123456789', '暴', '力', '血', '腥', '的', '一'];
    const unit = fc.constantFrom(...alphabet);
    /** Where the earliest occurrence of any term ends (exclusive), or -1. */
    const earliestEnd = (terms: string[], text: string) => {
      for (let end = 1; end <= text.length; end++) if (terms.some((t) => text.slice(0, end).endsWith(t))) return end;
      return -1;
    };
    fc.assert(
      fc.property(
        fc.array(fc.string({ unit, minLength: 2, maxLength: 4 }), { minLength: 300, maxLength: 500 }),
        fc.array(fc.string({ unit, maxLength: 80 }), { minLength: 5, maxLength: 5 }),
        (terms, texts) => {
          const matcher = new BannedTermMatcher(terms);
          for (const text of texts) {
            const found = matcher.firstMatch(text);
            const end = earliestEnd(terms, text);
            expect(found >= 0).toBe(end >= 0);
            if (found >= 0) expect(text.slice(0, end).endsWith(terms[found]!)).toBe(true);
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  describe('properties', () => {
    const termChars = [...'abcdefghijklm', '暴', '力', '血', '腥'];
    const textChars = [...'nopqrstuvwxyz0123456789', '猫', '花', '园', ' ', '.', ',', '!', '-', '\u200B', '\t', '。'];
    const term = fc.string({ unit: fc.constantFrom(...termChars), minLength: 1, maxLength: 8 });
    const text = fc.string({ unit: fc.constantFrom(...textChars), maxLength: 200 });
    const junk = fc.constantFrom('', '', ' ', '.', '-', '_', '*', '\u200B', '\u200C', '\u200D', '\u2060', '\uFEFF', '\u00AD', '\t', '\n', '。', '、');

    /** The same term with random case, full-width forms and junk between its characters. */
    const disguised = (t: string) =>
      fc
        .tuple(
          fc.array(fc.tuple(fc.boolean(), fc.boolean(), junk), { minLength: t.length, maxLength: t.length }),
          junk,
        )
        .map(([choices, lead]) => {
          let out = lead;
          [...t].forEach((ch, i) => {
            const [upper, wide, after] = choices[i]!;
            let c = upper ? ch.toUpperCase() : ch;
            if (wide && c.charCodeAt(0) >= 0x21 && c.charCodeAt(0) <= 0x7e) c = String.fromCharCode(c.charCodeAt(0) + 0xfee0);
            out += c + (i < t.length - 1 ? after : '');
          });
          return out;
        });

    it('catches every mix of case, full-width, zero-width, spacing and punctuation variants', () => {
      const scenario = fc
        .array(term, { minLength: 1, maxLength: 30 })
        .chain((terms) => fc.tuple(fc.constant(terms), fc.nat({ max: terms.length - 1 })))
        .chain(([terms, i]) => fc.tuple(fc.constant(terms), disguised(terms[i]!), text, text));
      fc.assert(
        fc.property(scenario, ([terms, variant, before, after]) => {
          expect(new BannedTermMatcher(terms).findIn(`${before}${variant}${after}`)).toBeGreaterThanOrEqual(0);
        }),
        { numRuns: 2000 },
      );
    });

    it('never flags a text written in an alphabet disjoint from the terms', () => {
      fc.assert(
        fc.property(fc.array(term, { minLength: 1, maxLength: 50 }), text, (terms, t) => {
          expect(new BannedTermMatcher(terms).findIn(t)).toBe(-1);
        }),
        { numRuns: 1000 },
      );
    });
  });
});

import { astralClass, bmpClasses, INVISIBLE, pairAt, SPACE, WORD } from './char-class.js';

/**
 * Removes characters that render as nothing: format characters (Cf: zero-width space and joiners, bidi controls,
 * soft hyphen, BOM, tags), lone surrogates, other default-ignorable code points (variation selectors, Hangul
 * fillers, combining grapheme joiner) and C0/C1 controls other than whitespace. Returns `s` itself when clean.
 */
function removeInvisible(s: string): string {
  const table = bmpClasses();
  let out = '';
  let start = 0;
  let changed = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const cp = c < 0xd800 ? -1 : pairAt(s, i, c);
    const cls = cp < 0 ? table[c]! : astralClass(cp);
    const width = cp < 0 ? 1 : 2;
    if (cls & INVISIBLE) {
      out += s.slice(start, i);
      start = i + width;
      changed = true;
    }
    i += width - 1;
  }
  return changed ? out + s.slice(start) : s;
}

/** Whitespace runs (including \t \n \r, NEL, NBSP-like spaces) become one space; none at either end. */
function collapseSpaces(s: string): string {
  const table = bmpClasses();
  const n = s.length;
  let out = '';
  let start = 0;
  let changed = false;
  for (let i = 0; i < n; i++) {
    if (!(table[s.charCodeAt(i)]! & SPACE)) continue;
    let j = i + 1;
    while (j < n && table[s.charCodeAt(j)]! & SPACE) j++;
    const inner = i > 0 && j < n;
    if (!(inner && j === i + 1 && s.charCodeAt(i) === 0x20)) {
      out += s.slice(start, i) + (inner ? ' ' : '');
      start = j;
      changed = true;
    }
    i = j - 1;
  }
  return changed ? out + s.slice(start) : s;
}

/**
 * NFKC, invisible characters removed, whitespace runs collapsed to one space, trimmed. Idempotent.
 * Invisibles go before NFKC (a removed character could otherwise block a composition the first time and not the
 * second) and again after it in the rare case NFKC produced one (U+FFA0 → U+1160), followed by one more NFKC.
 */
export function normalizePrompt(text: string): string {
  const visible = removeInvisible(text);
  let s = visible.normalize('NFKC');
  if (s !== visible) {
    const again = removeInvisible(s);
    if (again !== s) s = again.normalize('NFKC');
  }
  return collapseSpaces(s);
}

/**
 * The form banned terms are matched in: lower case, only letters and numbers (\p{L}, \p{N}) kept, so spaces,
 * punctuation and joiners inserted into a term cannot split it. Expects normalizePrompt's output (full-width
 * forms are already folded by NFKC). Final sigma becomes σ so toLowerCase's context rule cannot split Greek terms.
 */
export function foldForMatching(normalized: string): string {
  const s = normalized.toLowerCase();
  const table = bmpClasses();
  let out = '';
  let start = 0;
  let changed = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const cp = c < 0xd800 ? -1 : pairAt(s, i, c);
    const cls = cp < 0 ? table[c]! : astralClass(cp);
    const width = cp < 0 ? 1 : 2;
    if (!(cls & WORD)) {
      out += s.slice(start, i);
      start = i + width;
      changed = true;
    }
    i += width - 1;
  }
  const folded = changed ? out + s.slice(start) : s;
  return folded.includes('ς') ? folded.replaceAll('ς', 'σ') : folded;
}

/** Length in Unicode code points (what users count as characters, CJK and emoji included). */
export function codePointLength(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    if (pairAt(s, i, s.charCodeAt(i)) >= 0) {
      n--;
      i++;
    }
  }
  return n;
}

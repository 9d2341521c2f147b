/**
 * Per-character classes for the prompt pipeline. V8's regexes with Unicode property classes cost ~10–20 µs per
 * 1000 non-ASCII characters, so each BMP code unit is classified once (lazily, ~65k regex tests) into a byte
 * table and the hot loops read that; astral code points (rare in prompts) are classified on the fly.
 */

export const INVISIBLE = 1;
export const SPACE = 2;
export const WORD = 4;

const INVISIBLE_RE = /^[\p{Cf}\p{Cs}\p{Default_Ignorable_Code_Point}\u0000-\u0008\u000E-\u001F\u007F-\u0084\u0086-\u009F]$/u;
const SPACE_RE = /^[\s\u0085]$/;
const WORD_RE = /^[\p{L}\p{N}]$/u;

function classify(ch: string): number {
  return (INVISIBLE_RE.test(ch) ? INVISIBLE : 0) | (SPACE_RE.test(ch) ? SPACE : 0) | (WORD_RE.test(ch) ? WORD : 0);
}

let bmp: Uint8Array | undefined;

export function bmpClasses(): Uint8Array {
  if (bmp) return bmp;
  const table = new Uint8Array(0x10000);
  for (let c = 0; c < 0x10000; c++) {
    // Surrogate code units only reach the table when unpaired: a lone surrogate is invisible (Cs).
    table[c] = c >= 0xd800 && c <= 0xdfff ? INVISIBLE : classify(String.fromCharCode(c));
  }
  return (bmp = table);
}

export function astralClass(codePoint: number): number {
  return classify(String.fromCodePoint(codePoint));
}

/** The code point of the surrogate pair at `i`, or -1 when there is none. */
export function pairAt(s: string, i: number, c: number): number {
  if (c < 0xd800 || c > 0xdbff || i + 1 >= s.length) return -1;
  const d = s.charCodeAt(i + 1);
  return d >= 0xdc00 && d <= 0xdfff ? ((c - 0xd800) << 10) + (d - 0xdc00) + 0x10000 : -1;
}

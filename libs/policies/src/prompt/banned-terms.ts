import { foldForMatching, normalizePrompt } from './normalize.js';

const ROOT = 0;
const NONE = -1;
const MANY = -1;

/**
 * Aho–Corasick automaton over UTF-16 code units of folded terms, stored in flat typed arrays so a scan
 * allocates nothing:
 * - every code unit maps to a small symbol id (0 = appears in no term, which sends the scan straight to the root);
 * - the root's transitions are a direct array indexed by symbol;
 * - a node with one child keeps it inline; the transitions of nodes with several children live in one
 *   open-addressing hash table keyed by (node, symbol);
 * - `hit[node]` is the index of a term ending at the node or at any node on its failure chain (output links
 *   precomputed), so a match is detected with one array read per character.
 * Matching code units rather than code points is exact: folded text has no lone surrogates, and a well-formed
 * term cannot start in the middle of a surrogate pair.
 */
export class BannedTermMatcher {
  /** Number of distinct non-empty terms after folding. */
  readonly size: number;

  private readonly symbolOf: Int32Array;
  private readonly rootNext: Int32Array;
  private readonly onlySym: Int32Array;
  private readonly onlyChild: Int32Array;
  private readonly keyNode: Int32Array;
  private readonly keySym: Int32Array;
  private readonly target: Int32Array;
  private readonly mask: number;
  private readonly shift: number;
  private readonly fail: Int32Array;
  private readonly hit: Int32Array;

  /** Terms are folded with foldForMatching(normalizePrompt(term)); terms that fold to nothing are ignored. */
  constructor(terms: readonly string[]) {
    const symbolOf = new Int32Array(0x10000);
    let symbols = 0;
    // Build-time trie: a Map keyed by node * 2^16 + symbol (exact in a double), parent/symbol per node.
    const edges = new Map<number, number>();
    const parent: number[] = [NONE];
    const parentSym: number[] = [0];
    const depth: number[] = [0];
    const termAt: number[] = [NONE];
    let size = 0;

    for (let t = 0; t < terms.length; t++) {
      const folded = foldForMatching(normalizePrompt(terms[t]!));
      if (folded.length === 0) continue;
      let node = ROOT;
      for (let i = 0; i < folded.length; i++) {
        const unit = folded.charCodeAt(i);
        let sym = symbolOf[unit]!;
        if (sym === 0) sym = symbolOf[unit] = ++symbols;
        const key = node * 0x10000 + sym;
        let next = edges.get(key);
        if (next === undefined) {
          next = parent.length;
          parent.push(node);
          parentSym.push(sym);
          depth.push(depth[node]! + 1);
          termAt.push(NONE);
          edges.set(key, next);
        }
        node = next;
      }
      if (termAt[node] === NONE) {
        termAt[node] = t;
        size++;
      }
    }

    const nodeCount = parent.length;
    const rootNext = new Int32Array(symbols + 1); // absent → ROOT (0)
    // Most trie nodes have one child: it is kept inline, and only nodes with several go to the hash table.
    const onlySym = new Int32Array(nodeCount); // 0: leaf, MANY: see the hash table
    const onlyChild = new Int32Array(nodeCount);
    let hashed = 0;
    for (const [key, child] of edges) {
      const node = Math.floor(key / 0x10000);
      const sym = key - node * 0x10000;
      if (node === ROOT) rootNext[sym] = child;
      else if (onlySym[node] === 0) {
        onlySym[node] = sym;
        onlyChild[node] = child;
      } else {
        if (onlySym[node] !== MANY) hashed++;
        onlySym[node] = MANY;
        hashed++;
      }
    }
    let bits = 4;
    while (1 << bits < hashed * 2) bits++;
    const capacity = 1 << bits;
    const shift = 32 - bits;
    const keyNode = new Int32Array(capacity).fill(NONE);
    const keySym = new Int32Array(capacity);
    const target = new Int32Array(capacity);
    const mask = capacity - 1;
    for (const [key, child] of edges) {
      const node = Math.floor(key / 0x10000);
      if (node === ROOT || onlySym[node] !== MANY) continue;
      const sym = key - node * 0x10000;
      let h = hash(node, sym, shift);
      while (keyNode[h] !== NONE) h = (h + 1) & mask;
      keyNode[h] = node;
      keySym[h] = sym;
      target[h] = child;
    }

    this.symbolOf = symbolOf;
    this.rootNext = rootNext;
    this.onlySym = onlySym;
    this.onlyChild = onlyChild;
    this.keyNode = keyNode;
    this.keySym = keySym;
    this.target = target;
    this.mask = mask;
    this.shift = shift;
    this.size = size;

    // Failure and output links in breadth-first order (by depth, via counting sort).
    const fail = new Int32Array(nodeCount);
    const hit = new Int32Array(nodeCount).fill(NONE);
    const maxDepth = depth.reduce((a, b) => Math.max(a, b), 0);
    const start = new Int32Array(maxDepth + 2);
    for (let n = 0; n < nodeCount; n++) start[depth[n]! + 1]!++;
    for (let d = 1; d < start.length; d++) start[d]! += start[d - 1]!;
    const order = new Int32Array(nodeCount);
    for (let n = 0; n < nodeCount; n++) order[start[depth[n]!]!++] = n;
    for (let k = 1; k < nodeCount; k++) {
      const n = order[k]!;
      const p = parent[n]!;
      const sym = parentSym[n]!;
      let f = ROOT;
      if (p !== ROOT) {
        f = fail[p]!;
        for (;;) {
          const g = f === ROOT ? rootNext[sym]! : this.step(f, sym);
          if (g !== NONE && g !== ROOT) {
            f = g;
            break;
          }
          if (f === ROOT) break;
          f = fail[f]!;
        }
      }
      fail[n] = f;
      hit[n] = termAt[n] !== NONE ? termAt[n]! : hit[f]!;
    }
    this.fail = fail;
    this.hit = hit;
  }

  /** Index (in the constructor's list) of a term found in `foldedText`, or -1. The earliest-ending match wins. */
  firstMatch(foldedText: string): number {
    const { symbolOf, rootNext, fail, hit } = this;
    let state = ROOT;
    for (let i = 0; i < foldedText.length; i++) {
      const sym = symbolOf[foldedText.charCodeAt(i)]!;
      if (sym === 0) {
        state = ROOT;
        continue;
      }
      for (;;) {
        if (state === ROOT) {
          state = rootNext[sym]!;
          break;
        }
        const next = this.step(state, sym);
        if (next !== NONE) {
          state = next;
          break;
        }
        state = fail[state]!;
      }
      const found = hit[state]!;
      if (found !== NONE) return found;
    }
    return NONE;
  }

  /** Normalises and folds `text`, then looks for a term. */
  findIn(text: string): number {
    return this.firstMatch(foldForMatching(normalizePrompt(text)));
  }

  private step(node: number, sym: number): number {
    const only = this.onlySym[node]!;
    if (only === sym) return this.onlyChild[node]!;
    if (only !== MANY) return NONE;
    const { keyNode, keySym, mask } = this;
    let h = hash(node, sym, this.shift);
    for (;;) {
      const k = keyNode[h]!;
      if (k === NONE) return NONE;
      if (k === node && keySym[h] === sym) return this.target[h]!;
      h = (h + 1) & mask;
    }
  }
}

// Bound once: a global lookup per call is slow where the global object is a vm context's (jest).
const imul = Math.imul;

/** Fibonacci hashing: the top `32 - shift` bits of the product. */
function hash(node: number, sym: number, shift: number): number {
  return imul(node ^ imul(sym, 0x27d4eb2d), 0x9e3779b1) >>> shift;
}

/** Terms from a list file: one per line; blank lines and lines starting with '#' are skipped. */
export function parseBannedTermList(text: string): string[] {
  const terms: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    const term = line.trim();
    if (term.length > 0 && !term.startsWith('#')) terms.push(term);
  }
  return terms;
}

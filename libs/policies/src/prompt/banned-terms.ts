import { foldForMatching, normalizePrompt } from './normalize.js';

const ROOT = 0;
const NONE = -1;
const MANY = -1;
/** A node with at least this many children may get a dense row of transitions. */
const DENSE_MIN_CHILDREN = 8;
/** At most this many dense-row entries (4 bytes each) per matcher. */
const DENSE_BUDGET = 1 << 20;

/** What the scan reads of a node, side by side in `nodes` (a node's fields share a cache line). */
const STRIDE = 8;
const ROW = 0; // row of `dense` with the node's complete transitions, or NONE
const ONLY_SYM = 1; // symbol of the only child; 0: a leaf; MANY: several children
const ONLY_CHILD = 2;
const CHILD_MASK = 3; // bit (symbol & 31) set for each child's symbol
const FAIL = 4;
const HIT = 5; // a term ending here or on the failure chain, or NONE

/**
 * Aho–Corasick automaton over UTF-16 code units of folded terms, stored in flat typed arrays so a scan
 * allocates nothing:
 * - every code unit maps to a small symbol id (0 = appears in no term, which sends the scan straight to the root);
 * - the root's transitions are a direct array indexed by symbol;
 * - the nodes with the most children (the shallow ones, where a scan spends most of its time) get a dense row
 *   of complete automaton transitions, failures already followed, within a fixed memory budget;
 * - any other node with one child keeps it inline; the transitions of the others live in one open-addressing
 *   hash table keyed by (node, symbol), behind a 32-bit mask of their children's symbols that lets most
 *   misses skip the probe;
 * - a node's hit is the index of a term ending at the node or at any node on its failure chain (output links
 *   precomputed), so a match is detected with one read per character.
 * Matching code units rather than code points is exact: folded text has no lone surrogates, and a well-formed
 * term cannot start in the middle of a surrogate pair.
 */
export class BannedTermMatcher {
  /** Number of distinct non-empty terms after folding. */
  readonly size: number;

  private readonly symbolOf: Int32Array;
  private readonly rootNext: Int32Array;
  /** STRIDE fields per node, see ROW..HIT. */
  private readonly nodes: Int32Array;
  private readonly dense: Int32Array;
  private readonly rowWidth: number;
  private readonly keyNode: Int32Array;
  private readonly keySym: Int32Array;
  private readonly target: Int32Array;
  private readonly mask: number;
  private readonly shift: number;

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
    const nodes = new Int32Array(nodeCount * STRIDE);
    const rootNext = new Int32Array(symbols + 1); // absent → ROOT (0)
    const children = new Int32Array(nodeCount);
    let hashed = 0;
    for (const [key, child] of edges) {
      const node = Math.floor(key / 0x10000);
      const sym = key - node * 0x10000;
      const at = node * STRIDE;
      children[node]!++;
      nodes[at + CHILD_MASK]! |= 1 << (sym & 31);
      if (node === ROOT) rootNext[sym] = child;
      else if (nodes[at + ONLY_SYM] === 0) {
        nodes[at + ONLY_SYM] = sym;
        nodes[at + ONLY_CHILD] = child;
      } else {
        if (nodes[at + ONLY_SYM] !== MANY) hashed++;
        nodes[at + ONLY_SYM] = MANY;
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
      if (node === ROOT || nodes[node * STRIDE + ONLY_SYM] !== MANY) continue;
      const sym = key - node * 0x10000;
      let h = hash(node, sym, shift);
      while (keyNode[h] !== NONE) h = (h + 1) & mask;
      keyNode[h] = node;
      keySym[h] = sym;
      target[h] = child;
    }
    /** The trie's own child of `node` on `sym`, or NONE. */
    const childOf = (node: number, sym: number): number => {
      if (node === ROOT) return rootNext[sym]! || NONE;
      const only = nodes[node * STRIDE + ONLY_SYM]!;
      if (only === sym) return nodes[node * STRIDE + ONLY_CHILD]!;
      if (only !== MANY) return NONE;
      for (let h = hash(node, sym, shift); keyNode[h] !== NONE; h = (h + 1) & mask) {
        if (keyNode[h] === node && keySym[h] === sym) return target[h]!;
      }
      return NONE;
    };
    /** The complete automaton's move (failures followed). */
    const transition = (node: number, sym: number): number => {
      for (;;) {
        const next = childOf(node, sym);
        if (next !== NONE) return next;
        if (node === ROOT) return ROOT;
        node = nodes[node * STRIDE + FAIL]!;
      }
    };

    // Failure and output links in breadth-first order (by depth, via counting sort).
    const maxDepth = depth.reduce((a, b) => Math.max(a, b), 0);
    const start = new Int32Array(maxDepth + 2);
    for (let n = 0; n < nodeCount; n++) start[depth[n]! + 1]!++;
    for (let d = 1; d < start.length; d++) start[d]! += start[d - 1]!;
    const order = new Int32Array(nodeCount);
    for (let n = 0; n < nodeCount; n++) order[start[depth[n]!]!++] = n;
    nodes[ROOT * STRIDE + HIT] = NONE;
    for (let k = 1; k < nodeCount; k++) {
      const n = order[k]!;
      const p = parent[n]!;
      const f = p === ROOT ? ROOT : transition(nodes[p * STRIDE + FAIL]!, parentSym[n]!);
      nodes[n * STRIDE + FAIL] = f;
      nodes[n * STRIDE + HIT] = termAt[n] !== NONE ? termAt[n]! : nodes[f * STRIDE + HIT]!;
    }

    // Dense rows, most children first: entry `sym` is the state the scan moves to.
    const rowWidth = symbols + 1;
    const candidates: number[] = [];
    for (let n = 0; n < nodeCount; n++) {
      nodes[n * STRIDE + ROW] = NONE;
      if (n !== ROOT && children[n]! >= DENSE_MIN_CHILDREN) candidates.push(n);
    }
    candidates.sort((a, b) => children[b]! - children[a]!);
    const rows = Math.min(candidates.length, Math.floor(DENSE_BUDGET / rowWidth));
    const dense = new Int32Array(rows * rowWidth);
    for (let r = 0; r < rows; r++) {
      const n = candidates[r]!;
      for (let sym = 1; sym <= symbols; sym++) dense[r * rowWidth + sym] = transition(n, sym);
    }
    for (let r = 0; r < rows; r++) nodes[candidates[r]! * STRIDE + ROW] = r; // after: transition() reads no rows

    this.size = size;
    this.symbolOf = symbolOf;
    this.rootNext = rootNext;
    this.nodes = nodes;
    this.dense = dense;
    this.rowWidth = rowWidth;
    this.keyNode = keyNode;
    this.keySym = keySym;
    this.target = target;
    this.mask = mask;
    this.shift = shift;
  }

  /** Index (in the constructor's list) of a term found in `foldedText`, or -1. The earliest-ending match wins. */
  firstMatch(foldedText: string): number {
    // Every table in a local and the transition inlined: this loop runs once per character of every prompt.
    const { symbolOf, rootNext, nodes, dense, rowWidth, keyNode, keySym, target, mask, shift } = this;
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
        const at = state * STRIDE;
        const row = nodes[at + ROW]!;
        if (row !== NONE) {
          state = dense[row * rowWidth + sym]!;
          break;
        }
        const only = nodes[at + ONLY_SYM]!;
        if (only === sym) {
          state = nodes[at + ONLY_CHILD]!;
          break;
        }
        if (only === MANY && (nodes[at + CHILD_MASK]! & (1 << (sym & 31))) !== 0) {
          let h = hash(state, sym, shift);
          let k = keyNode[h]!;
          while (k !== NONE && (k !== state || keySym[h] !== sym)) {
            h = (h + 1) & mask;
            k = keyNode[h]!;
          }
          if (k !== NONE) {
            state = target[h]!;
            break;
          }
        }
        state = nodes[at + FAIL]!;
      }
      const found = nodes[state * STRIDE + HIT]!;
      if (found !== NONE) return found;
    }
    return NONE;
  }

  /** Normalises and folds `text`, then looks for a term. */
  findIn(text: string): number {
    return this.firstMatch(foldForMatching(normalizePrompt(text)));
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

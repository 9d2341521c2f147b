import type { MemoryMode, ModelProfile, PeakMemoryRule, VramTableRule } from './types.js';

/**
 * VRAM is given in bytes and compared in decimal GB (1e9 bytes): a "16 GB" card reports between
 * ~15.8e9 (T4) and ~17.2e9 (RTX 4080) bytes, and a service configured with 16e9 or 16·2³⁰ lands in the same class.
 */
export function vramBytesToGb(vramBytes: number): number {
  return vramBytes / 1e9;
}

/**
 * A GPU belongs to a table row from 90% of the row's nominal size: the README's 24 GB reference GPU is an
 * A10, whose 23,028 MiB are 24.1e9 bytes, and 16 GB cards such as the T4 show 15.8e9; 0.9 keeps those in
 * their row while a 12 GB (12.9e9) card stays below the 16 GB row and a 32 GB card stays in the 24 GB row.
 */
export const NOMINAL_VRAM_TOLERANCE = 0.9;

/**
 * Added to a measured peak before comparing it with the card: the published peaks are what PyTorch allocated,
 * which leaves out the CUDA context and allocator fragmentation. 1 GB still admits the measurements' own
 * hardware (I2V-14B: 76.7 + 1 ≤ 80).
 */
export const PEAK_HEADROOM_GB = 1;

/** Index of the table row that applies to this GPU, or -1 when it is below the smallest row. */
export function tableRowIndex(rule: VramTableRule, vramGb: number): number {
  let found = -1;
  for (let i = 0; i < rule.rows.length; i++) {
    if (vramGb >= rule.rows[i]!.nominalGb * NOMINAL_VRAM_TOLERANCE) found = i;
  }
  return found;
}

function modeRank(profile: ModelProfile, mode: MemoryMode): number {
  return profile.memoryModes.indexOf(mode);
}

/**
 * The fastest mode at or slower than `rank` that the service may use, or null.
 * A cell saying mode M runs means every slower (leaner) mode runs too.
 */
function firstUsableFrom(profile: ModelProfile, rank: number, usable: readonly MemoryMode[] | undefined): MemoryMode | null {
  const modes = profile.memoryModes;
  for (let i = rank; i < modes.length; i++) {
    const m = modes[i]!;
    if (usable === undefined || usable.includes(m)) return m;
  }
  return null;
}

/**
 * Table rule: only the published cells are trusted. A request is covered by a column when it has no more
 * pixels per frame (width·height) and no more frames than the column; memory grows with both, so any covering
 * column bounds what the request needs, and the least demanding covering column is the tightest bound.
 * A request larger than every column (e.g. 1344x1344) is not covered: nothing published says it runs.
 */
function fastestByTable(
  profile: ModelProfile,
  rule: VramTableRule,
  vramGb: number,
  pixels: number,
  numFrames: number,
  usable: readonly MemoryMode[] | undefined,
): MemoryMode | null {
  const row = tableRowIndex(rule, vramGb);
  if (row < 0) return null;
  const modes = rule.rows[row]!.modes;
  let best = Infinity;
  for (let c = 0; c < rule.columns.length; c++) {
    const col = rule.columns[c]!;
    const mode = modes[c];
    if (mode == null || col.width * col.height < pixels || col.numFrames < numFrames) continue;
    const r = modeRank(profile, mode);
    if (r >= 0 && r < best) best = r;
  }
  return best === Infinity ? null : firstUsableFrom(profile, best, usable);
}

/**
 * Peak rule: a measured point covers a request with no more pixels and frames; the request fits in the point's
 * mode when peak + headroom ≤ VRAM. Points are not extrapolated downwards: a smaller request is assumed to
 * need as much as the smallest measurement covering it.
 */
function fastestByPeak(
  profile: ModelProfile,
  rule: PeakMemoryRule,
  vramGb: number,
  pixels: number,
  numFrames: number,
  usable: readonly MemoryMode[] | undefined,
): MemoryMode | null {
  let best = Infinity;
  for (const p of rule.points) {
    if (p.maxPixels < pixels || p.maxFrames < numFrames || p.peakGb + PEAK_HEADROOM_GB > vramGb) continue;
    if (usable !== undefined && !usable.includes(p.memoryMode)) continue;
    const r = modeRank(profile, p.memoryMode);
    if (r >= 0 && r < best) best = r;
  }
  return best === Infinity ? null : profile.memoryModes[best]!;
}

/**
 * The fastest memory mode in which `width`x`height`x`numFrames` runs on a GPU with `vramGb` GB, according to
 * the profile's published numbers, or null when none does. `usable` restricts the modes the service can switch to.
 */
export function fastestFittingMode(
  profile: ModelProfile,
  vramGb: number,
  width: number,
  height: number,
  numFrames: number,
  usable?: readonly MemoryMode[],
): MemoryMode | null {
  const pixels = width * height;
  const rule = profile.fit;
  return rule.kind === 'vram-table'
    ? fastestByTable(profile, rule, vramGb, pixels, numFrames, usable)
    : fastestByPeak(profile, rule, vramGb, pixels, numFrames, usable);
}

/** Human description of the evidence used for a GPU, for adjustment reasons: "EasyAnimate V5.1 12B VRAM table, 16 GB row". */
export function fitEvidence(profile: ModelProfile, vramGb: number): string {
  const rule = profile.fit;
  if (rule.kind === 'vram-table') {
    const row = tableRowIndex(rule, vramGb);
    return row < 0 ? `${rule.table}, below its ${rule.rows[0]!.nominalGb} GB row` : `${rule.table}, ${rule.rows[row]!.nominalGb} GB row`;
  }
  return `${rule.table}, measured peaks ${rule.points.map((p) => `${p.peakGb} GB (${p.label})`).join('; ')} + ${PEAK_HEADROOM_GB} GB headroom`;
}

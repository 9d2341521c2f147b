import type { ModelProfile } from '../types.js';
import { EASYANIMATE_V51_12B, EASYANIMATE_V51_7B } from './easyanimate.js';
import { OPENSORA_2_0 } from './opensora.js';
import { WAN21_I2V_14B_480P, WAN21_I2V_14B_720P, WAN21_T2V_14B, WAN21_T2V_1_3B } from './wan.js';

export { EASYANIMATE_V51_12B, EASYANIMATE_V51_7B } from './easyanimate.js';
export { OPENSORA_2_0, OPENSORA_SIZES, openSoraSize, type OpenSoraAspectRatio, type OpenSoraResolution } from './opensora.js';
export { WAN21_I2V_14B_480P, WAN21_I2V_14B_720P, WAN21_T2V_14B, WAN21_T2V_1_3B } from './wan.js';

export const DEFAULT_MODEL_ID = 'easyanimate-v5.1-12b';

export const MODEL_PROFILES: readonly ModelProfile[] = [
  EASYANIMATE_V51_12B,
  EASYANIMATE_V51_7B,
  WAN21_T2V_14B,
  WAN21_T2V_1_3B,
  WAN21_I2V_14B_720P,
  WAN21_I2V_14B_480P,
  OPENSORA_2_0,
];

const BY_ID: ReadonlyMap<string, ModelProfile> = new Map(MODEL_PROFILES.map((p) => [p.id, p]));

export const MODEL_IDS: readonly string[] = MODEL_PROFILES.map((p) => p.id);

/** The profile with this id, or undefined. */
export function getModelProfile(id: string): ModelProfile | undefined {
  return BY_ID.get(id);
}

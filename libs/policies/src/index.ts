export type {
  FieldError,
  FitRule,
  FrameForm,
  FrameLimit,
  GenerationDefaults,
  GenerationMode,
  GenerationParams,
  MemoryMode,
  ModelFamily,
  ModelLimits,
  ModelProfile,
  PeakMemoryPoint,
  PeakMemoryRule,
  Range,
  SideLimit,
  VramTableColumn,
  VramTableRow,
  VramTableRule,
} from './types.js';
export {
  DEFAULT_MODEL_ID,
  EASYANIMATE_V51_12B,
  EASYANIMATE_V51_7B,
  getModelProfile,
  MODEL_IDS,
  MODEL_PROFILES,
  OPENSORA_2_0,
  OPENSORA_SIZES,
  openSoraSize,
  WAN21_I2V_14B_480P,
  WAN21_I2V_14B_720P,
  WAN21_T2V_14B,
  WAN21_T2V_1_3B,
  type OpenSoraAspectRatio,
  type OpenSoraResolution,
} from './profiles/index.js';
export {
  fastestFittingMode,
  fitEvidence,
  NOMINAL_VRAM_TOLERANCE,
  PEAK_HEADROOM_GB,
  tableRowIndex,
  vramBytesToGb,
} from './fit.js';
export {
  isFrameCountAllowed,
  isSideAllowed,
  MAX_SEED,
  validateGenerationRequest,
  type GenerationRequestInput,
  type GenerationValidation,
} from './validation.js';
export { DISCRETE_ASPECT_TOLERANCE, fitToVram, type Adjustment, type EffectiveParams, type FitOptions, type VramFit } from './vram-policy.js';
export { codePointLength, foldForMatching, normalizePrompt } from './prompt/normalize.js';
export { BannedTermMatcher, parseBannedTermList } from './prompt/banned-terms.js';
export { checkPromptFields, type PromptCheck, type PromptCheckOptions, type PromptFieldsInput, type PromptLimits } from './prompt/check.js';
export { validateVideoRequest, type VideoRequestValidation } from './request.js';
export { canonicalRequestKey, type CacheKeyInput } from './cache-key.js';
export { measureBannedTermScan, type BannedTermScanMeasurement } from './bench.js';

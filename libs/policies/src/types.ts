import type { GenerationMode, GenerationParams } from '@app/contracts';

/** Memory strategies of the model services, as EasyAnimate names them. Other families map them onto their own flags. */
export type MemoryMode =
  | 'model_full_gpu'
  | 'model_cpu_offload'
  | 'model_cpu_offload_and_qfloat8'
  | 'sequential_cpu_offload';

export type ModelFamily = 'easyanimate' | 'wan' | 'opensora';

export type { GenerationMode, GenerationParams };

export type GenerationDefaults = Omit<GenerationParams, 'seed'>;

export interface Range {
  readonly min: number;
  readonly max: number;
}

export interface SideLimit extends Range {
  readonly multipleOf: number;
}

/** 'any': every integer in range; '4n+1': 1, 5, 9, ... (latent frames of a 4x temporal VAE). */
export type FrameForm = 'any' | '4n+1';

export interface FrameLimit extends Range {
  readonly form: FrameForm;
}

export interface ModelLimits {
  readonly width: SideLimit;
  readonly height: SideLimit;
  readonly numFrames: FrameLimit;
  readonly fps: Range;
  readonly numInferenceSteps: Range;
  readonly guidanceScale: Range;
  /** Lengths in Unicode code points, measured after normalisation. */
  readonly promptLength: Range;
  readonly negativePromptLength: Range;
}

/** One column of a published "what fits" table: a request no larger than this in pixels and frames. */
export interface VramTableColumn {
  readonly width: number;
  readonly height: number;
  readonly numFrames: number;
}

/** One row: the fastest mode that runs each column on a GPU of this nominal size, null where nothing runs. */
export interface VramTableRow {
  readonly nominalGb: number;
  readonly modes: ReadonlyArray<MemoryMode | null>;
}

/**
 * A published table of which memory mode runs which size on which GPU class (EasyAnimate's README).
 * The policy evaluating it is in fit.ts.
 */
export interface VramTableRule {
  readonly kind: 'vram-table';
  readonly table: string;
  readonly columns: readonly VramTableColumn[];
  /** Ascending by nominalGb. */
  readonly rows: readonly VramTableRow[];
}

/** A measured peak: a request no larger than maxPixels per frame and maxFrames peaked at peakGb in this mode. */
export interface PeakMemoryPoint {
  readonly label: string;
  readonly maxPixels: number;
  readonly maxFrames: number;
  readonly peakGb: number;
  readonly memoryMode: MemoryMode;
}

/** Published peak-memory measurements (Wan2.1, Open-Sora); see fit.ts for how they are applied. */
export interface PeakMemoryRule {
  readonly kind: 'peak-memory';
  readonly table: string;
  readonly points: readonly PeakMemoryPoint[];
}

export type FitRule = VramTableRule | PeakMemoryRule;

export interface ModelProfile {
  readonly id: string;
  readonly family: ModelFamily;
  readonly displayName: string;
  /** Where the numbers come from. */
  readonly sources: readonly string[];
  /** The first one is the default. */
  readonly modes: readonly GenerationMode[];
  readonly defaults: Readonly<GenerationDefaults>;
  readonly limits: ModelLimits;
  /** When set, only these [width, height] pairs are accepted. */
  readonly allowedSizes?: ReadonlyArray<readonly [number, number]>;
  /** Fastest first. */
  readonly memoryModes: readonly MemoryMode[];
  readonly fit: FitRule;
}

/** A field-level problem, named by the camelCase API field. */
export interface FieldError {
  field: string;
  message: string;
  allowed?: string;
}

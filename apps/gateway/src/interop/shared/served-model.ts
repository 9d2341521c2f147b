import { getModelProfile, type ModelProfile } from '@app/policies';
import { ProblemException } from '../../problem/problem.js';

/**
 * The model a compatibility API is about: the first of `candidates` this deployment serves (MODELS /
 * DEFAULT_MODEL). When none is, every call answers 503 with a problem saying what to enable.
 */
export function servedModel(enabledModels: readonly string[], candidates: readonly string[], api: string): ModelProfile {
  const id = candidates.find((candidate) => enabledModels.includes(candidate));
  const profile = id ? getModelProfile(id) : undefined;
  if (!profile) {
    throw new ProblemException(
      503,
      'model-not-enabled',
      'Model not served here',
      `the ${api} API runs on ${candidates.join(' or ')}, which this gateway does not serve; add it to MODELS (served: ${enabledModels.join(', ')})`,
      { models: candidates },
    );
  }
  return profile;
}

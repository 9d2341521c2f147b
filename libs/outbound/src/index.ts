export { OutboundError, type OutboundErrorCode } from './errors.js';
export { AllowList, classifyAddress, parseIp, type AddressVerdict } from './address-policy.js';
export { assertPublicUrl, type CheckedUrl, type ResolvedAddress, type Resolver, type UrlGuardOptions } from './url-guard.js';
export { safeFetch, type SafeFetchOptions, type SafeResponse } from './safe-fetch.js';

export { accessCallHandler, type AccessCallDeps, type AccessOrderer } from './access-call-handler';
export { DEFAULT_ACCESS_LIMITS, type AccessLimits, type AccessSettings } from './access-settings';
export { REFUSAL_REASONS, type RefusalReason } from './refusal';

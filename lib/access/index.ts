export { accessCallHandler, type AccessCallDeps, type AccessOrderer } from './access-call-handler';
export { type AccessLimits, type AccessSettings } from './access-settings';
export { REFUSAL_REASONS, type RefusalReason } from './refusal';

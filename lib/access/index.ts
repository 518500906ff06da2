export { accessCallHandler, type AccessCallDeps, type AccessOrderer } from './access-call-handler';
export { REFUSAL_REASONS, type RefusalReason } from './refusal';

export { CallbackEngine, isCallbackLeg } from './engine';
export type { CallbackEngineOptions, PromptNames, RequestScheduler } from './context';
export type { EngineEventMap, LegChange, RequestChange } from './events';
export { InvalidOrder, orderSchema, type CallbackOrder, type OrderResult } from './order';
export { poolTelephony, type EngineTelephony, type EngineClient, type PoolTelephonyOptions } from './telephony';
export { digitsDestinationAsker, type DestinationAsker, type AskDestinationInput } from './ask-destination';
export { CALLER_ID_POLICIES, type CallerIdPolicyName } from './caller-ids';
export { CONTROLLER_LOST } from './recover';

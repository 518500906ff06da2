export { LegAIvr, type LegAIvrOptions } from './leg-a-ivr';
export { PromptCatalogue, PROMPTS, type PromptName } from './prompts';
export { runStep, type IvrStep } from './step';
export { AnnounceBalance } from './announce-balance';
export { AnnounceMaxDuration } from './announce-max-duration';
export { PinEntry, type PinEntryOptions, type PinResult } from './pin-entry';
export { DestinationEntry, type DestinationEntryOptions } from './destination-entry';
export { IdentifyPayer, type IdentifyPayerOptions, type IdentifyResult } from './identify-payer';

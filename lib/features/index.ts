export { DEFAULT_CODES, FEATURES, validateCodes, type CodeDefinition, type FeatureName } from './codes';
export { DtmfCodeMatcher, fit, type DtmfCodeMatcherOptions, type MatchResult } from './matcher';
export { HANDLERS, NewNumber, RecordStart, RecordStop, RedialLater, type FeatureContext, type FeatureHandler, type FeatureSettings } from './handlers';
export { talkFeatures, type TalkFeaturesOptions } from './talk-features';
export { RedialNow } from './redial-now';
export { FeatureLeg, openFeatureLeg } from './feature-leg';
export { Consult, type ConsultationState } from './consult';

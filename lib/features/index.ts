export { DEFAULT_CODES, FEATURES, validateCodes, type CodeDefinition, type FeatureName } from './codes';
export { DtmfCodeMatcher, fit, type DtmfCodeMatcherOptions, type MatchResult } from './matcher';
export { HANDLERS, NewNumber, RecordStart, RecordStop, RedialLater, type FeatureContext, type FeatureHandler, type FeatureSettings } from './handlers';
export { talkFeatures, type TalkFeaturesOptions } from './talk-features';
export { ReceiveFax } from './fax';
export { faxResultOf, type FaxResult } from './fax-result';
export { convertTiffToPdf, findOnPath, TIFF2PDF } from './pdf-converter';
export { ThreeWayConference } from './conference';

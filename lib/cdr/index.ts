export { basicAuthorization, basicCredentialsMatch, CDR_USER } from './basic-auth';
export { JSON_CDR_CONTENT_TYPES, readJsonCdrBody, type BodyReading, type ReportedCdr } from './json-cdr-body';
export { cdrOutcomeCounter, type CdrPostOutcome } from './metrics';
export { reconcile, type Decision, type Difference, type OurLeg, type OurSettlement, type ReportedEnd } from './reconcile';
export { CdrReceiver, type CdrOutcome, type CdrReceiverDependencies, type ReportedEndBooks } from './receiver';

export { CallerIdVerification, type CallerIdVerificationOptions, type CodeSender, type Registration, type Verification } from './verification';
export { CODE_PATTERN } from './verification-code';

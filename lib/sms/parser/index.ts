export { parseSmsCommand, type ParseOptions } from './parse';
export type { ParseErrorCode, ParseResult, SmsCommand, SmsCommandKind } from './commands';
export { CALLBACK_SYNTAX, COMMAND_LIST, CONFERENCE_SYNTAX } from './syntax';

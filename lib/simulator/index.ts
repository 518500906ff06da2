export { FreeswitchSimulator, type SimulatorEvents } from './simulator';
export type { ChannelView, PlaybackRecord, RecordingRecord, AnswerState, CallState, ChannelStateName } from './channel';
export type { ConnectionInfo, DtmfPress, InboundCallOptions, InboundCaller, PhoneBehaviour, PhoneScript, RaceOrders, SimulatorOptions } from './types';
export { encodeJsonCdr, type CdrTarget, type JsonCdrEncoding } from './cdr-poster';

import { FrameParser, interpretFrame, type EslEvent, type EslFrame, type EslMessage } from '../../lib/esl/wire';
import { FreeswitchSimulator, type PhoneBehaviour, type SimulatorOptions } from '../../lib/simulator';
import { flushAsync, ManualClock } from '../../lib/time/clock';
import { EslTestClient, OutboundServer } from './esl-test-client';
import { loadCaptures, type Capture } from '../esl/capture-fixtures';
import { checkEventLayout } from './template-layout';

export interface TxCommand {
  readonly command: string;
  readonly headers: Record<string, string>;
  readonly body: string | undefined;
}

/** The commands the capture client sent on a connection, with the rig's socket port replaced by ours. */
export function txCommands(capture: Capture, conn: string, socketPort?: number): TxCommand[] {
  const frames = new FrameParser({ commands: true }).push(capture.tx(conn));
  return frames.map((frame) => {
    const rewrite = (text: string): string => (socketPort === undefined ? text : text.replace('127.0.0.1:8084', `127.0.0.1:${socketPort}`));
    const headers: Record<string, string> = {};
    for (const [name, value] of frame.headers.entries()) if (name.toLowerCase() !== 'content-length') headers[name] = rewrite(value);
    return { command: rewrite(frame.command ?? ''), headers, body: frame.body?.toString('utf8') };
  });
}

export function sendTx(client: EslTestClient, tx: TxCommand | undefined): void {
  if (!tx) throw new Error('the capture has fewer commands than the replay expects');
  client.send(tx.command, tx.headers, tx.body);
}

/** The phones of the capture rig's carrier context (esl-captures/README.md). */
export function rigPhone(number: string): PhoneBehaviour {
  switch (number[0]) {
    case '2':
      return { kind: 'busy' };
    case '3':
      return { kind: 'no-answer' };
    case '4':
      return { kind: 'answer', dtmf: [{ afterMs: 2000, digits: '123#' }] };
    case '5':
      return { kind: 'answer', hangupAfterMs: 5000 };
    case '6':
      return { kind: 'unallocated' };
    case '7':
      return {
        kind: 'answer',
        dtmf: [
          { afterMs: 4000, digits: '##5' },
          { afterMs: 5000, digits: '*8' },
        ],
      };
    default:
      return { kind: 'answer' };
  }
}

export function useRigPhones(sim: FreeswitchSimulator, numbers: string[]): void {
  for (const number of numbers) sim.setPhone(number, rigPhone(number));
}

/** The recorded prompts' lengths (the README: tone_1khz_1s is 1 s, demo-congrats 30.3 s). */
export const RIG_FILES: Record<string, number> = {
  '/usr/local/freeswitch/sounds/prompts/tone_1khz_1s.wav': 1000,
  '/usr/local/freeswitch/sounds/prompts/goodbye.wav': 2700,
  '/usr/share/asterisk/sounds/en_US_f_Allison/demo-congrats.wav': 30300,
  // PLAYBACK_START to PLAYBACK_STOP in 06c and 06c2: 2.67 s and 2.63 s.
  '/usr/local/freeswitch/sounds/prompts/beep_record.wav': 2650,
};

/** One connection's stream, in the terms the conformance test compares. */
export interface StreamView {
  /** Reply-Text of command replies, `<connect>` for the connect reply, api bodies with uuids as roles and numbers blanked. */
  readonly replies: string[];
  /** Content-Types of everything that is not an event, in order. */
  readonly controlTypes: string[];
  readonly eventTypes: Set<string>;
  readonly events: EslEvent[];
  readonly notices: string[];
}

export function streamView(frames: readonly EslFrame[], keepEvent: (event: EslEvent) => boolean = () => true, reply: (text: string) => string = (text) => text): StreamView {
  const view: StreamView = { replies: [], controlTypes: [], eventTypes: new Set(), events: [], notices: [] };
  // FreeSWITCH names uuids of its own in api output (conference bgdial's Job-UUID): compared as roles.
  const role = uuidRoles();
  for (const frame of frames) {
    const message: EslMessage = interpretFrame(frame);
    const type = frame.headers.get('Content-Type') ?? '';
    if (message.kind === 'event') {
      view.eventTypes.add(type);
      if (keepEvent(message.event)) view.events.push(message.event);
      continue;
    }
    view.controlTypes.push(type);
    if (message.kind === 'command-reply') view.replies.push(message.text);
    else if (message.kind === 'channel-data') view.replies.push('<connect>');
    else if (message.kind === 'api-response') view.replies.push(reply(role(message.body)).replace(/\d+/g, 'N'));
    else if (message.kind === 'disconnect-notice') view.notices.push(message.disposition);
  }
  return view;
}

export function captureFrames(capture: Capture, conn: string): EslFrame[] {
  return new FrameParser().push(capture.rx(conn));
}

/** The capture's legs named sofia/internal/… are ours; sofia/external/… are the rig's far ends. */
export function ourLegs(frames: readonly EslFrame[]): Set<string> {
  const uuids = new Set<string>();
  for (const frame of frames) {
    const message = interpretFrame(frame);
    const headers = message.kind === 'event' ? message.event.headers : message.kind === 'channel-data' ? message.channel.headers : undefined;
    const uuid = headers?.get('Unique-ID');
    if (uuid && headers?.get('Channel-Name')?.startsWith('sofia/internal/')) uuids.add(uuid);
  }
  return uuids;
}

/** Header names without the variables, whose set depends on SIP and media details the simulator does not model. */
export function nonVariableNames(event: EslEvent): string[] {
  return event.headers.names().filter((n) => !n.startsWith('variable_'));
}

export function describeEvent(event: EslEvent): string {
  const app = event.headers.get('Application');
  return app ? `${event.name}(${app})` : event.name;
}

/** Drops a leading CHANNEL_PARK the capture does not have (a FreeSWITCH race, see above). */
export function alignPark(recorded: EslEvent[], simulated: EslEvent[]): EslEvent[] {
  if (simulated[0]?.name === 'CHANNEL_PARK' && recorded[0]?.name !== 'CHANNEL_PARK') return simulated.slice(1);
  return simulated;
}

export function expectSameStream(recorded: StreamView, simulated: StreamView, options: { dropReply?: (text: string) => boolean } = {}): void {
  const keep = (text: string): boolean => !(options.dropReply?.(text) ?? false);
  expect(simulated.replies).toEqual(recorded.replies.filter(keep));
  expect(simulated.notices).toEqual(recorded.notices);
  expect([...simulated.eventTypes]).toEqual([...recorded.eventTypes].filter(() => simulated.events.length > 0));
  const simEvents = alignPark(recorded.events, simulated.events);
  expect(simEvents.map(describeEvent)).toEqual(recorded.events.map(describeEvent));
  const problems: string[] = [];
  simEvents.forEach((event, i) => {
    const twin = recorded.events[i] as EslEvent;
    const ours = nonVariableNames(event);
    const theirs = nonVariableNames(twin);
    if (ours.join() !== theirs.join()) {
      const missing = theirs.filter((n) => !ours.includes(n));
      const extra = ours.filter((n) => !theirs.includes(n));
      problems.push(`#${i} ${describeEvent(event)}: missing [${missing.join(', ')}] extra [${extra.join(', ')}]${missing.length + extra.length === 0 ? ' (order)' : ''}`);
    }
    const order = checkEventLayout(event);
    if (order) problems.push(`#${i} ${describeEvent(event)}: ${order}`);
  });
  expect(problems).toEqual([]);
  expect(valueDifferences(recorded.events, simEvents)).toEqual([]);
}

/**
 * The headers whose values are compared, event by event. Everything else may legitimately differ:
 * uuids are compared only through these headers, as roles (the n-th uuid the stream names), since
 * far-end legs, Core-UUID and Event-UUID differ per run; timestamps (Event-Date-*, *-Time,
 * *-Epoch), host and address fields (FreeSWITCH-*, Caller-Network-Addr, sip_*_ip) and codec or
 * media details the simulator does not model are never compared.
 */
export const COMPARED_HEADERS = [
  'Unique-ID',
  'Channel-State',
  'Channel-Call-State',
  'Answer-State',
  'Hangup-Cause',
  'Application',
  'Application-Response',
  'variable_last_app',
  'variable_sip_hangup_disposition',
  'variable_bridge_hangup_cause',
  'variable_last_bridge_hangup_cause',
  'Other-Type',
  'Other-Leg-Unique-ID',
  'Caller-Dialplan',
  'Caller-RDNIS',
  'DTMF-Digit',
  'DTMF-Source',
  'Job-UUID',
  'Job-Command',
  'Record-Completion-Cause',
  'Action',
  'Member-ID',
  'Conference-Size',
  'Result',
  'Playback-Status',
] as const;

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;

/** Replaces each uuid by its role in the stream: the order in which the stream first named it. */
function uuidRoles(): (text: string) => string {
  const roles = new Map<string, string>();
  return (text) =>
    text.replace(UUID, (uuid) => {
      const role = roles.get(uuid) ?? `<uuid${roles.size + 1}>`;
      roles.set(uuid, role);
      return role;
    });
}

/** Each event's compared header values (absent ones as "-"), uuids as roles, one line per event. */
export function valueLines(events: readonly EslEvent[]): string[] {
  const role = uuidRoles();
  return events.map((event) => {
    const values = COMPARED_HEADERS.filter((name) => event.headers.has(name)).map((name) => `${name}=${role(event.headers.getAll(name).join('|'))}`);
    const body = event.name === 'BACKGROUND_JOB' ? ` body=${role(event.body?.trim() ?? '')}` : '';
    return `${describeEvent(event)} ${values.join(' ')}${body}`;
  });
}

/** The lines where the simulated values differ from the recorded ones (index, capture, simulator). */
export function valueDifferences(recorded: readonly EslEvent[], simulated: readonly EslEvent[]): string[] {
  const theirs = valueLines(recorded);
  const ours = valueLines(simulated);
  return theirs.flatMap((line, i) => (line === ours[i] ? [] : [`#${i}\n  capture:   ${line}\n  simulator: ${ours[i] ?? '(none)'}`]));
}

export function keepLegs(legs: Set<string>, withJobs = true): (event: EslEvent) => boolean {
  return (event) => {
    const uuid = event.headers.get('Unique-ID');
    return uuid === undefined ? withJobs : legs.has(uuid);
  };
}

export function compareControlTypes(recorded: StreamView, simulated: StreamView, drop = 0): void {
  // Same non-event frames in the same order (auth/request, command/reply, api/response, notices).
  expect(simulated.controlTypes.length).toBe(recorded.controlTypes.length - drop);
  expect(new Set(simulated.controlTypes)).toEqual(new Set(recorded.controlTypes));
}

/** Which events a comparison leaves out on both sides (ones the simulator does not model, each with its reason). */
export type EventFilter = (event: EslEvent) => boolean;

/** What a replay leaves out of the comparison, on both sides, because the simulator does not model it. */
export interface Comparison {
  /** The events compared (default all). */
  readonly modelled?: EventFilter;
  /** An api output as compared (default as it is). */
  readonly reply?: (text: string) => string;
}

const everyEvent: EventFilter = () => true;

/** What the simulator is held to on a capture's connection: the inbound one leaves out the rig's far-end legs. */
function comparedEvents(cap: Capture, conn: string, modelled: EventFilter): EventFilter {
  if (conn !== 'inbound') return modelled;
  const ours = keepLegs(ourLegs(captureFrames(cap, conn)));
  return (event) => ours(event) && modelled(event);
}

/** The inbound connection's frames match the capture's, leaving out the rig's far-end legs. */
export function expectConformsToInbound(cap: Capture, frames: EslFrame[], { modelled = everyEvent, reply }: Comparison = {}): StreamView {
  const recorded = streamView(captureFrames(cap, 'inbound'), comparedEvents(cap, 'inbound', modelled), reply);
  const simulated = streamView(frames, modelled, reply);
  expectSameStream(recorded, simulated);
  compareControlTypes(recorded, simulated);
  return simulated;
}

/** The socket session's stream (every event is our leg's) compared with the capture's. */
export function expectConformsToSocket(cap: Capture, frames: EslFrame[], { modelled = everyEvent, reply }: Comparison = {}): StreamView {
  const recorded = streamView(captureFrames(cap, 'socket'), modelled, reply);
  const simulated = streamView(frames, modelled, reply);
  expectSameStream(recorded, simulated);
  compareControlTypes(recorded, simulated);
  return simulated;
}

export interface Harness {
  sim: FreeswitchSimulator;
  clock: ManualClock;
  out: OutboundServer;
}

/** A simulator playing the rig's phones; `options` pick the races a capture needs (its `races`, `lingerNotice`). */
export async function harness(phones: string[], options: Omit<SimulatorOptions, 'clock'> = {}): Promise<Harness> {
  const clock = new ManualClock();
  const sim = await FreeswitchSimulator.start({ clock, fileDurations: RIG_FILES, gateways: ['carrier'], ...options });
  useRigPhones(sim, phones);
  return { sim, clock, out: await OutboundServer.listen() };
}

export interface Replayed {
  inbound: EslTestClient;
  socket: EslTestClient;
  /** The capture's inbound commands (the socket application's address rewritten to the harness's). */
  tx: TxCommand[];
  /** The capture's socket commands. */
  stx: TxCommand[];
}

/**
 * Replays a capture's originate with `&socket(...)`: its first `inboundCommands` inbound commands,
 * the socket connection that follows, then its first `socketCommands` socket commands (all of them
 * by default), one reply each.
 */
export async function replayOriginate(h: Harness, cap: Capture, inboundCommands: number, socketCommands?: number): Promise<Replayed> {
  const inbound = await EslTestClient.connect(h.sim.eslPort);
  const tx = txCommands(cap, 'inbound', h.out.port);
  for (const command of tx.slice(0, inboundCommands)) {
    sendTx(inbound, command);
    await inbound.reply();
  }
  const socket = await h.out.accept();
  const stx = txCommands(cap, 'socket');
  for (const command of stx.slice(0, socketCommands ?? stx.length)) {
    sendTx(socket, command);
    await socket.reply();
  }
  return { inbound, socket, tx, stx };
}

/**
 * Replays an access-number call (04, 14): its first `inboundCommands` inbound commands, then the
 * subscriber's leg S placed directly with placeInboundCall (the rig's SIP loop and the bgapi that
 * drove it are not replayed), the socket connection, and its first `socketCommands` commands.
 */
export async function replayAccessCall(h: Harness, cap: Capture, inboundCommands: number, socketCommands: number): Promise<Replayed & { s: string }> {
  const s = [...ourLegs(captureFrames(cap, 'socket'))][0] as string;
  const inbound = await EslTestClient.connect(h.sim.eslPort);
  const tx = txCommands(cap, 'inbound');
  for (const command of tx.slice(0, inboundCommands)) {
    sendTx(inbound, command);
    await inbound.reply();
  }
  await h.sim.placeInboundCall({ uuid: s, destination: '8000', callerIdNumber: '79261234567', socket: { host: '127.0.0.1', port: h.out.port } });
  const socket = await h.out.accept();
  const stx = txCommands(cap, 'socket');
  for (const command of stx.slice(0, socketCommands)) {
    sendTx(socket, command);
    await socket.reply();
  }
  return { inbound, socket, tx, stx, s };
}

/** The inbound stream of an access-number replay: S's events only, without the subscriber's bgapi and its job. */
export function expectConformsToAccessInbound(cap: Capture, frames: EslFrame[], s: string): void {
  const recorded = streamView(captureFrames(cap, 'inbound'), keepLegs(new Set([s]), false));
  const simulated = streamView(frames);
  expectSameStream(recorded, simulated, { dropReply: (text) => text.startsWith('+OK Job-UUID') });
  compareControlTypes(recorded, simulated, 1);
}

export interface TimelineReplay {
  inbound: EslTestClient;
  /** The outbound socket connection, when the capture has one. */
  socket: EslTestClient | undefined;
}

const SETTLE_ROUNDS = 10;

/** Frames the replay counts on a connection: CHANNEL_PARK aside (a race, see alignPark), and only compared events. */
function countedFrames(frames: readonly EslFrame[], compared: EventFilter): number {
  return frames.filter((frame) => {
    const message = interpretFrame(frame);
    return message.kind !== 'event' || (message.event.name !== 'CHANNEL_PARK' && compared(message.event));
  }).length;
}

/**
 * Replays a whole capture by its timeline: every command the capture client sent, on its
 * connection, once the clock has reached the moment it was sent and each connection has received
 * as many frames as the capture's had by then (counting only the frames the comparison keeps, so a
 * missing event fails with what did arrive). Timing comes from the capture; the order of
 * everything that happens in between is the simulator's. Ends when every connection is closed.
 */
export async function replayTimeline(h: Harness, cap: Capture, { modelled = everyEvent }: Comparison = {}): Promise<TimelineReplay> {
  const clients = new Map<string, EslTestClient>([['inbound', await EslTestClient.connect(h.sim.eslPort)]]);
  const commands = new Map(['inbound', 'socket'].map((conn) => [conn, txCommands(cap, conn, conn === 'inbound' ? h.out.port : undefined)]));
  const recorded = new Map(['inbound', 'socket'].map((conn) => [conn, cap.received.has(conn) ? captureFrames(cap, conn) : []]));
  const compared = new Map(['inbound', 'socket'].map((conn) => [conn, comparedEvents(cap, conn, modelled)]));
  const seen = new Map<string, number>();
  const sent = new Map<string, number>();
  let elapsed = 0;
  for (const entry of cap.timeline) {
    if (entry.dir === '<') {
      seen.set(entry.conn, (seen.get(entry.conn) ?? 0) + 1);
      continue;
    }
    if (entry.t > elapsed) await h.clock.advance(entry.t - elapsed);
    elapsed = Math.max(elapsed, entry.t);
    for (const [conn, client] of clients) {
      const filter = compared.get(conn) ?? modelled;
      const expected = countedFrames((recorded.get(conn) ?? []).slice(0, seen.get(conn) ?? 0), filter);
      await untilCounted(client, conn, expected, filter);
    }
    let client = clients.get(entry.conn);
    if (!client) {
      client = await h.out.accept();
      clients.set(entry.conn, client);
    }
    const index = sent.get(entry.conn) ?? 0;
    sent.set(entry.conn, index + 1);
    sendTx(client, commands.get(entry.conn)?.[index]);
    await client.reply();
    // What the command set off inside the simulator (a bridge unwinding, the next queued
    // application starting its timers) happens before the clock moves on.
    for (let round = 0; round < SETTLE_ROUNDS; round++) await flushAsync();
  }
  for (const client of clients.values()) await client.closed;
  return { inbound: clients.get('inbound') as EslTestClient, socket: clients.get('socket') };
}

async function untilCounted(client: EslTestClient, conn: string, expected: number, compared: EventFilter): Promise<void> {
  const arrived = (): number => countedFrames(client.frames, compared);
  if (arrived() >= expected) return;
  try {
    await client.next(() => arrived() >= expected);
  } catch {
    const events = streamView(client.frames, compared).events.map(describeEvent).join(', ');
    throw new Error(`${conn}: ${arrived()} of the ${expected} frames the capture had by then arrived; events: ${events}`);
  }
}

export async function teardown(h: Harness, clients: EslTestClient[]): Promise<void> {
  for (const client of clients) client.close();
  await h.out.close();
  await h.sim.stop();
}

const captures = new Map(loadCaptures().map((c) => [c.scenario, c]));

export function capture(name: string): Capture {
  const found = captures.get(name);
  if (!found) throw new Error(`no capture ${name}`);
  return found;
}

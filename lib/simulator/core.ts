import type { Logger } from 'winston';
import type { HangupCause } from '../esl/hangup-causes';
import type { EslEvent } from '../esl/wire';
import type { Clock, TimerHandle } from '../time/clock';
import { APPLICATIONS } from './applications';
import type { Application } from './applications/types';
import { applyCdrVariables, applyHangupSipVariables, dispositionIsImmediate, type HangupOrigin } from './cdr';
import { Channel, type ChannelSpec } from './channel';
import { ConferenceRegistry } from './conference';
import { pressDigit } from './dtmf';
import { scheduleDigits } from './dtmf-schedule';
import { EventFactory, otherLegOf, type HeaderValues, type SwitchIdentity } from './event-factory';
import { EventFrames } from './event-frames';
import type { EventOrigin, TemplatedEventName } from './event-templates';
import type { InCallScript, PhoneBook } from './phones';
import { stopRecording } from './recording';
import { Session } from './session';
import { toneStreamMs } from './tone-stream';
import type { ConnectionInfo, LingerNoticePlace, RaceOrders } from './types';

export interface EventSink {
  /** Increasing in the order sinks are added: an event reaches its sinks in that order. */
  readonly id: number;
  /** Whether an event of this name could pass (its subscription names it): a cheap test before the event is built. */
  wants(name: string): boolean;
  deliver(fired: EventFrames): void;
}

export interface BridgeLink {
  /** The originator: the leg whose events carry CHANNEL_BRIDGE / CHANNEL_UNBRIDGE. */
  readonly a: Channel;
  readonly b: Channel;
  /**
   * `bridge` application (A runs it), `uuid_bridge` (both legs are held), or att_xfer's
   * consultation (A runs it; its bridge to the held party stays, suspended, under it).
   */
  readonly kind: 'app' | 'signal' | 'xfer';
  ended: boolean;
  /** A left a uuid_bridge first: its bridge thread, not B's, wrote the bridge causes (09). */
  aLeftFirst?: boolean;
}

export interface CoreConfig {
  readonly identity: SwitchIdentity;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly gateways: readonly string[];
  readonly phones: PhoneBook;
  readonly defaultPlaybackMs: number;
  readonly fileDurations: Readonly<Record<string, number>>;
  readonly lingerNotice: LingerNoticePlace;
  /** Between two digits of a phone's DTMF script (SimulatorOptions.dtmfIntervalMs). */
  readonly dtmfIntervalMs: number;
  readonly missingFiles: ReadonlySet<string>;
  readonly races: RaceOrders;
}

const FINISHED_KEPT = 1000;

/**
 * The switch: the live legs and their sessions, event firing, and the call-state transitions
 * (answer, hangup and teardown, bridges, digits) whose event order the captures fix.
 */
export class SwitchCore {
  readonly factory: EventFactory;
  readonly applications: ReadonlyMap<string, Application> = APPLICATIONS;
  readonly conferences = new ConferenceRegistry();
  readonly lastApplication = new Map<string, { app: string; arg: string }>();
  /** sip_hangup_disposition of our own hangups, which only CHANNEL_HANGUP_COMPLETE shows. */
  private readonly pendingDispositions = new Map<string, string>();
  /** Gateways whose registration or OPTIONS ping failed: mod_sofia refuses their originates at once. */
  private readonly downGateways = new Map<string, HangupCause>();
  /** `extension@domain` of the users in the node's directory (what `user/…` dials): whether each is registered now. */
  private readonly directoryUsers = new Map<string, boolean>();
  readonly startedAt: number;
  onEvent: ((event: EslEvent) => void) | undefined;
  /** Whether onEvent looks at events now (someone listens to the simulator's 'event'). */
  watchingEvents: () => boolean = () => false;
  onCommand: ((connection: ConnectionInfo, line: string) => void) | undefined;
  /** A leg was torn down (after CHANNEL_HANGUP_COMPLETE): where mod_json_cdr's on_reporting runs. */
  onReported: ((channel: Channel) => Promise<void> | undefined) | undefined;
  /** Whether on_reporting runs before CHANNEL_HANGUP_COMPLETE, holding the event until it is done (see CdrTarget.timing). */
  reportsFirst: () => boolean = () => false;
  /** Open ESL connections, inbound and outbound, so that stop() can close them. */
  readonly connections = new Set<{ destroy(): void }>();
  private stopped = false;
  private readonly legs = new Map<string, Session>();
  private readonly finished = new Map<string, Channel>();
  /** Sinks that may take any channel's events. */
  private readonly sinks = new Set<EventSink>();
  /**
   * Sinks that take one channel's events only (`myevents <uuid>`, every outbound socket), by that
   * channel: fire() never visits those of other channels, which keeps an event's cost flat when
   * thousands of calls each hold a socket.
   */
  private readonly channelSinks = new Map<string, EventSink[]>();
  private readonly sinkChannels = new Map<EventSink, string>();
  private readonly bridges = new Map<string, BridgeLink>();
  /** A leg hung up because its peer hung up tears down after that peer (capture 09). */
  private readonly teardownAfter = new Map<string, string>();
  private sessionCounter = 0;

  constructor(readonly config: CoreConfig) {
    this.factory = new EventFactory(config.identity, config.clock);
    this.startedAt = config.clock.now();
  }

  get logger(): Logger {
    return this.config.logger;
  }

  get phones(): PhoneBook {
    return this.config.phones;
  }

  /** Sessions created since start (each leg takes one session_id). */
  get totalSessions(): number {
    return this.sessionCounter;
  }

  now(): number {
    return this.config.clock.now();
  }

  /** A delay by the clock; a zero delay only yields, so a ManualClock need not be advanced for it. */
  after(ms: number, callback: () => void): TimerHandle {
    let cancelled = false;
    const run = (): void => {
      if (!cancelled && !this.stopped) callback();
    };
    if (ms > 0) {
      const timer = this.config.clock.setTimeout(run, ms);
      return { cancel: () => timer.cancel() };
    }
    setImmediate(run);
    return { cancel: () => void (cancelled = true) };
  }

  /** Stops all activity: no timer fires and no event goes out after this. */
  shutdown(): void {
    this.stopped = true;
    this.sinks.clear();
    this.channelSinks.clear();
    this.sinkChannels.clear();
    for (const connection of [...this.connections]) connection.destroy();
  }

  addSink(sink: EventSink): void {
    this.sinks.add(sink);
  }

  /** From now on `sink` takes only the events of channel `uuid` (or of jobs it owns). */
  bindSink(sink: EventSink, uuid: string): void {
    if (!this.sinks.delete(sink)) return;
    this.sinkChannels.set(sink, uuid);
    const bound = this.channelSinks.get(uuid);
    if (bound) bound.push(sink);
    else this.channelSinks.set(uuid, [sink]);
  }

  removeSink(sink: EventSink): void {
    if (this.sinks.delete(sink)) return;
    const uuid = this.sinkChannels.get(sink);
    if (uuid === undefined) return;
    this.sinkChannels.delete(sink);
    const bound = this.channelSinks.get(uuid) ?? [];
    if (bound.length <= 1) this.channelSinks.delete(uuid);
    else bound.splice(bound.indexOf(sink), 1);
  }

  fire(event: EslEvent): void {
    if (this.stopped) return;
    const targets = this.sinksFor(event);
    if (targets.length > 0) {
      const fired = new EventFrames(event);
      for (const sink of targets) sink.deliver(fired);
    }
    this.onEvent?.(event);
  }

  /** The sinks that may take `event`, in the order they were added (the same test as Subscription.accepts for `myevents`). */
  private sinksFor(event: EslEvent): EventSink[] {
    const targets = [...this.sinks];
    const uuid = event.headers.get('Unique-ID');
    const owner = event.headers.get('Job-Owner-UUID');
    const mine = uuid === undefined ? undefined : this.channelSinks.get(uuid);
    const owned = owner === undefined || owner === uuid ? undefined : this.channelSinks.get(owner);
    if (mine === undefined && owned === undefined) return targets;
    targets.push(...(mine ?? []), ...(owned ?? []));
    return targets.sort((a, b) => a.id - b.id);
  }

  /**
   * Fires a templated event, or only numbers it when no connection subscribes to its name and no
   * one watches events: most of a call's events (CHANNEL_STATE, EXECUTE, PARK…) go to no client,
   * and building their ~150 headers was the simulator's largest cost.
   */
  emit(name: TemplatedEventName, channel: Channel | undefined, values: HeaderValues = {}, options: { body?: string; origin?: EventOrigin } = {}): void {
    if (this.stopped) return;
    if (this.wanted(name, channel?.uuid, values['Job-Owner-UUID'])) this.fire(this.factory.build(name, channel, values, options));
    else this.factory.skip();
  }

  /** Whether a sink that may see events of channel `uuid` (or of jobs `owner` owns) subscribes to `name`, or someone watches. */
  private wanted(name: string, uuid: string | undefined, owner: string | number | undefined): boolean {
    if (this.watchingEvents()) return true;
    for (const sink of this.sinks) if (sink.wants(name)) return true;
    for (const id of [uuid, owner]) {
      if (typeof id === 'string' && this.channelSinks.get(id)?.some((sink) => sink.wants(name))) return true;
    }
    return false;
  }

  session(uuid: string): Session | undefined {
    return this.legs.get(uuid);
  }

  channel(uuid: string): Channel | undefined {
    return this.legs.get(uuid)?.channel;
  }

  /** A live leg, or one that ended recently (for assertions after the call). */
  anyChannel(uuid: string): Channel | undefined {
    return this.channel(uuid) ?? this.finished.get(uuid);
  }

  sessions(): Session[] {
    return [...this.legs.values()];
  }

  nextSessionId(): string {
    return String(++this.sessionCounter);
  }

  createLeg(spec: ChannelSpec, variables: ReadonlyArray<readonly [string, string]>): Session {
    const channel = new Channel(spec);
    for (const [name, value] of variables) channel.setVar(name, value);
    const session = new Session(channel, this);
    this.legs.set(channel.uuid, session);
    return session;
  }

  gatewayExists(name: string): boolean {
    return this.config.gateways.includes(name);
  }

  /** The cause every originate through a gateway that is down fails with, before any channel exists. */
  gatewayDownCause(name: string): HangupCause | undefined {
    return this.downGateways.get(name);
  }

  setGatewayDown(name: string, cause: HangupCause | undefined): void {
    if (cause === undefined) this.downGateways.delete(name);
    else this.downGateways.set(name, cause);
  }

  /** The `domain` global: vanilla FreeSWITCH sets it to the node's IPv4 address. */
  get defaultDomain(): string {
    return this.config.identity.ipv4;
  }

  /** In the directory and registered; in it but not registered; or not in it at all. */
  directoryUser(extension: string, domain: string): 'registered' | 'unregistered' | 'unknown' {
    const registered = this.directoryUsers.get(`${extension}@${domain}`);
    return registered === undefined ? 'unknown' : registered ? 'registered' : 'unregistered';
  }

  setRegistered(extension: string, domain: string, registered: boolean): void {
    this.directoryUsers.set(`${extension}@${domain}`, registered);
  }

  ringReady(channel: Channel): void {
    if (!channel.up || channel.answerState !== 'ringing' || channel.times.progress !== undefined) return;
    channel.times.progress = this.now();
    if (channel.direction === 'inbound') channel.callState = 'RINGING';
    this.emit('CHANNEL_PROGRESS', channel);
  }

  preAnswer(channel: Channel): void {
    if (!channel.up || channel.answerState !== 'ringing') return;
    channel.times.progressMedia = this.now();
    channel.answerState = 'early';
    channel.media = true;
    // The event still shows the call state it leaves (RINGING); EARLY shows from the next one (captures 03, 14).
    this.emit('CHANNEL_PROGRESS_MEDIA', channel);
    channel.callState = 'EARLY';
  }

  /** Our side answers (answer app, bridge, conference): media first on a ringing inbound leg (capture 14). */
  answer(channel: Channel): void {
    if (!channel.up || channel.answered) return;
    if (channel.answerState === 'ringing') this.preAnswer(channel);
    this.markAnswered(channel);
  }

  /** CHANNEL_ANSWER and the far end's in-call script (digits, hangup). */
  markAnswered(channel: Channel): void {
    channel.times.answered = this.now();
    channel.answerState = 'answered';
    channel.media = true;
    this.emit('CHANNEL_ANSWER', channel);
    channel.callState = 'ACTIVE';
    const session = this.legs.get(channel.uuid);
    if (session?.farEnd) this.startInCallScript(session, session.farEnd);
  }

  private startInCallScript(session: Session, script: InCallScript): void {
    const timers: TimerHandle[] = [];
    for (const { atMs, digit } of scheduleDigits(script.dtmf ?? [], this.config.dtmfIntervalMs)) {
      timers.push(this.after(atMs, () => this.pressDigits(session.channel, digit)));
    }
    if (script.hangupAfterMs !== undefined) {
      timers.push(this.after(script.hangupAfterMs, () => this.hangup(session.channel, 'NORMAL_CLEARING', 'remote-bye')));
    }
    session.hangupHooks.push(() => timers.forEach((t) => t.cancel()));
  }

  /** The phone on this leg presses keys. */
  pressDigits(channel: Channel, digits: string): void {
    const session = this.legs.get(channel.uuid);
    if (!session) return;
    for (const digit of digits) pressDigit(this, session, digit);
  }

  /** FreeSWITCH sends digits to the phone on this leg (forwarded, send_dtmf, uuid_send_dtmf). */
  sendDigitsToPhone(channel: Channel, digits: string): void {
    for (const digit of digits) if (/^[0-9*#A-Da-d]$/.test(digit)) channel.dtmfReceived.push(digit.toUpperCase());
  }

  /**
   * CHANNEL_HANGUP now; the rest (the applications unwinding, CHANNEL_STATE, HANGUP_COMPLETE)
   * follows as the leg's session unwinds.
   */
  hangup(channel: Channel, cause: HangupCause, origin: HangupOrigin = 'local', sipStatus?: number): void {
    if (!channel.up) return;
    const session = this.legs.get(channel.uuid);
    channel.hangupCause = cause;
    channel.answerState = 'hangup';
    channel.stateNumber = 10;
    channel.times.hangup = this.now();
    const disposition = applyHangupSipVariables(channel, origin, sipStatus);
    this.emit('CHANNEL_HANGUP', channel);
    session?.controller?.hungUp();
    if (dispositionIsImmediate(origin)) channel.setVar('sip_hangup_disposition', disposition);
    else this.pendingDispositions.set(channel.uuid, disposition);
    for (const hook of session?.hangupHooks.splice(0) ?? []) hook();
    // Our own session unwinds before the peer reacts, so its events come first (capture 09).
    session?.poke();
    this.reactToHangup(channel, cause);
    if (session && !session.running) setImmediate(() => this.teardown(channel));
  }

  private reactToHangup(channel: Channel, cause: HangupCause): void {
    const link = this.bridges.get(channel.uuid);
    if (!link || link.ended) return;
    const peer = link.a === channel ? link.b : link.a;
    if (!peer.up) return;
    if (link.kind === 'xfer') {
      // att_xfer on A decides what becomes of the third party and the held leg (applications/att-xfer.ts).
      this.legs.get(link.a.uuid)?.poke();
      return;
    }
    if (link.kind === 'app') {
      // The bridge application on A notices B leaving; A leaving takes B with it, and B, with
      // nothing to unwind, completes before A (capture 11a).
      if (channel === link.a) {
        this.teardownAfter.set(channel.uuid, peer.uuid);
        this.aLeavesBridge(link, cause);
      } else this.legs.get(link.a.uuid)?.poke();
      return;
    }
    // signal_bridge_on_hangup: the originator goes back to its dialplan (an inline one has nothing
    // left, so it ends too) unless hangup_after_bridge hangs it up with the peer's cause.
    if (peer === link.a && !peer.isTrue('hangup_after_bridge')) {
      // The originator hears of it once the leaving leg is gone: UNBRIDGE after its HANGUP_COMPLETE (12d2).
      const release = (): void => {
        this.endBridge(link);
        if (!peer.up) return;
        peer.state = 'CS_EXECUTE';
        peer.stateNumber = 4;
        this.emit('CHANNEL_STATE', peer);
        void this.legs.get(peer.uuid)?.transferTo([]);
      };
      const leaving = this.legs.get(channel.uuid);
      if (leaving && !leaving.tornDown && this.config.races.bridgePeerLeaves !== 'unbridge-first') leaving.teardownHooks.push(release);
      else release();
    } else if (link.kind === 'signal' && channel === link.a) {
      this.teardownAfter.set(peer.uuid, channel.uuid);
      this.aLeavesBridge(link, cause);
    } else {
      this.hangupAlong(peer, channel, cause);
    }
  }

  /**
   * B's bridge thread sees A gone: last_bridge_hangup_cause on B's hangup, bridge_hangup_cause
   * after it, and A only bridge_hangup_cause (captures 09, 11a).
   */
  private aLeavesBridge(link: BridgeLink, cause: HangupCause): void {
    link.aLeftFirst = true;
    link.a.setVar('bridge_hangup_cause', cause);
    link.b.setVar('last_bridge_hangup_cause', cause);
    this.hangup(link.b, cause);
    link.b.setVar('bridge_hangup_cause', cause);
  }

  private hangupAlong(peer: Channel, leaving: Channel, cause: HangupCause): void {
    this.teardownAfter.set(peer.uuid, leaving.uuid);
    this.hangup(peer, cause);
  }

  /** The end of a hung-up leg: STATE CS_HANGUP, STATE CS_REPORTING, CHANNEL_HANGUP_COMPLETE. */
  teardown(channel: Channel): void {
    const session = this.legs.get(channel.uuid);
    if (!session || session.tornDown || channel.up) return;
    const first = this.teardownAfter.get(channel.uuid);
    const blocker = first === undefined ? undefined : this.legs.get(first);
    if (blocker && !blocker.tornDown) {
      blocker.teardownHooks.push(() => this.teardown(channel));
      return;
    }
    session.tornDown = true;
    this.teardownAfter.delete(channel.uuid);
    const link = this.bridges.get(channel.uuid);
    if (link && !link.ended && link.a === channel) this.endBridge(link);
    for (const recording of channel.recordings) if (recording.stoppedAt === undefined) stopRecording(this, channel, recording);
    channel.state = 'CS_HANGUP';
    this.emit('CHANNEL_STATE', channel);
    const report = (): void => this.report(channel, session, link);
    if (!session.controller?.holdsReporting(report)) report();
  }

  /** CS_REPORTING, mod_json_cdr's on_reporting and CHANNEL_HANGUP_COMPLETE. */
  private report(channel: Channel, session: Session, link: BridgeLink | undefined): void {
    const disposition = this.pendingDispositions.get(channel.uuid);
    if (disposition !== undefined) channel.setVar('sip_hangup_disposition', disposition);
    this.pendingDispositions.delete(channel.uuid);
    applyCdrVariables(channel, this.now(), this.lastApplication.get(channel.uuid));
    channel.state = 'CS_REPORTING';
    channel.stateNumber = 11;
    channel.callState = 'HANGUP';
    this.emit('CHANNEL_STATE', channel);
    const reporting = this.reportsFirst() && !this.stopped ? this.onReported?.(channel) : undefined;
    if (reporting) {
      void reporting.then(() => this.completeTeardown(channel, session, link, false));
      return;
    }
    this.completeTeardown(channel, session, link, true);
  }

  /** CHANNEL_HANGUP_COMPLETE and the leg's removal; `report`: mod_json_cdr's post still to come. */
  private completeTeardown(channel: Channel, session: Session, link: BridgeLink | undefined, report: boolean): void {
    this.emit('CHANNEL_HANGUP_COMPLETE', channel, { 'Hangup-Cause': channel.hangupCause });
    if (report && !this.stopped) void this.onReported?.(channel);
    this.legs.delete(channel.uuid);
    this.lastApplication.delete(channel.uuid);
    if (link?.ended) this.bridges.delete(channel.uuid);
    this.finished.set(channel.uuid, channel);
    if (this.finished.size > FINISHED_KEPT) this.finished.delete(this.finished.keys().next().value as string);
    // Messages that never ran still complete, so a static socket's pending sendmsg gets its reply.
    for (const message of session.queue.splice(0)) message.done?.();
    session.controller?.channelDone();
    for (const hook of session.teardownHooks.splice(0)) hook();
  }

  bridgeOf(uuid: string): BridgeLink | undefined {
    const link = this.bridges.get(uuid);
    return link && !link.ended ? link : undefined;
  }

  /** Joins two legs: Other-Leg data on both, bridge variables, one CHANNEL_BRIDGE on A. */
  bridge(a: Channel, b: Channel, kind: BridgeLink['kind']): BridgeLink {
    // A leg keeps the snapshot of its peer taken when they first met (originate, uuid_bridge).
    if (a.other?.uuid !== b.uuid) a.other = otherLegOf(b, 'originatee');
    if (b.other?.uuid !== a.uuid) b.other = otherLegOf(a, 'originator');
    const link: BridgeLink = { a, b, kind, ended: false };
    this.bridges.set(a.uuid, link);
    this.bridges.set(b.uuid, link);
    const now = this.now();
    for (const [leg, peer] of [
      [a, b],
      [b, a],
    ] as const) {
      leg.bridgedTo = peer.uuid;
      leg.times.bridged = now;
      leg.setVar('bridge_channel', peer.name);
      leg.setVar('bridge_uuid', peer.uuid);
      leg.setVar('signal_bond', peer.uuid);
      leg.setVar('last_bridge_to', peer.uuid);
    }
    this.emit('CHANNEL_BRIDGE', a, { 'Bridge-A-Unique-ID': a.uuid, 'Bridge-B-Unique-ID': b.uuid });
    return link;
  }

  /** Other-Type/Other-Leg-* stay on both legs after they part (capture 05). */
  linkOtherLegs(a: Channel, b: Channel): void {
    a.other = otherLegOf(b, 'originatee');
    b.other = otherLegOf(a, 'originator');
  }

  /** Takes a leg out of its bridge before it is moved (uuid_transfer, uuid_bridge, uuid_park). */
  releaseFromBridge(channel: Channel): void {
    const link = this.bridgeOf(channel.uuid);
    if (!link) return;
    if (link.kind === 'app') {
      // When A moves, its bridge application ends and takes B along, and only A's bridge thread
      // writes a cause (12c); B moving ends it for A.
      if (link.b === channel) {
        this.endBridge(link);
        this.legs.get(link.a.uuid)?.poke();
      } else {
        link.aLeftFirst = true;
        channel.setVar('bridge_hangup_cause', 'NORMAL_CLEARING');
      }
      return;
    }
    this.endBridge(link);
    const peer = link.a === channel ? link.b : link.a;
    void this.legs.get(peer.uuid)?.transferTo([]);
  }

  endBridge(link: BridgeLink): void {
    if (link.ended) return;
    link.ended = true;
    link.a.bridgedTo = undefined;
    link.b.bridgedTo = undefined;
    if (!link.b.up && link.b.hangupCause && !link.aLeftFirst) {
      link.a.setVar('last_bridge_hangup_cause', link.b.hangupCause);
      link.a.setVar('bridge_hangup_cause', link.b.hangupCause);
    }
    this.emit('CHANNEL_UNBRIDGE', link.a, { 'Bridge-A-Unique-ID': link.a.uuid, 'Bridge-B-Unique-ID': link.b.uuid });
  }

  /** How long a file plays: `silence_stream://N` says N ms, a tone stream its cadences, looping tone streams never end. */
  playbackDuration(file: string): number {
    const known = this.config.fileDurations[file];
    if (known !== undefined) return known;
    if (file.startsWith('file_string://')) {
      return file
        .slice('file_string://'.length)
        .split('!')
        .reduce((sum, part) => sum + this.playbackDuration(part), 0);
    }
    const silence = /^silence_stream:\/\/(-?\d+)/.exec(file);
    if (silence) return Number(silence[1]) < 0 ? Infinity : Number(silence[1]);
    if (/loops=-1/.test(file)) return Infinity;
    return toneStreamMs(file) ?? this.config.defaultPlaybackMs;
  }
}

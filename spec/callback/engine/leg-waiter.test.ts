import { LegWaiter, type LegOutcome } from '../../../lib/callback/engine/leg-waiter';
import type { NodeChoice } from '../../../lib/callback/engine/socket-windows';
import type { CallSession } from '../../../lib/esl/call-session';
import { EslCommandFailed } from '../../../lib/esl/errors';
import { ManualClock } from '../../../lib/time/clock';

const UUID = 'a0000000-0000-4000-8000-000000000001';
const SOCKET_WAIT_MS = 10_000;
const RING_MS = 30_000;
const ONE_NODE: NodeChoice = { among: ['fs1'], pick: (open) => open[0]! };

/** The waiter only reads a session's uuid. */
function sessionOf(uuid: string): CallSession {
  return { uuid } as CallSession;
}

function rig(options: { maxLateSockets?: number; socketsTakenIn?: () => Promise<void> } = {}) {
  const clock = new ManualClock();
  const waiter = new LegWaiter({ clock, socketWaitMs: SOCKET_WAIT_MS, maxLateSockets: options.maxLateSockets ?? 100, ...(options.socketsTakenIn ? { socketsTakenIn: options.socketsTakenIn } : {}) });
  let outcome: LegOutcome | undefined;
  let settlements = 0;
  const wait = (originate: () => Promise<unknown> = () => Promise.resolve('+OK')): void => {
    void waiter.socketLeg(UUID, ONE_NODE, originate, RING_MS).then((result) => {
      settlements += 1;
      outcome = result;
    });
  };
  return { clock, waiter, wait, outcome: () => outcome, settlements: () => settlements };
}

const GIVEN_UP = { kind: 'failed', cause: 'NORMAL_TEMPORARY_FAILURE', orphan: true, givenUp: 'answered, but no socket named it within 10000 ms of its +OK' };

describe('LegWaiter socket legs', () => {
  it('gives a leg whose socket never connects up as an orphan once the socket wait after its +OK is over', async () => {
    const { clock, waiter, wait, outcome } = rig();
    wait();
    await clock.advance(SOCKET_WAIT_MS - 1);
    expect(outcome()).toBeUndefined();
    await clock.advance(1);
    expect(outcome()).toEqual(GIVEN_UP);
    expect(waiter.pending).toBe(0);
    expect(waiter.offer(sessionOf(UUID))).toBe(false);
  });

  it('answers with the session offered, and forgets the leg', async () => {
    const { clock, waiter, wait, outcome } = rig();
    const session = sessionOf(UUID);
    wait();
    await clock.advance(100);
    expect(waiter.offer(session)).toBe(true);
    await clock.advance(0);
    expect(outcome()).toEqual({ kind: 'answered', session });
    expect(waiter.pending).toBe(0);
  });

  it('does not give up while the socket that connected for the leg finishes its handshake and admission, however long they take', async () => {
    const { clock, waiter, wait, outcome, settlements } = rig();
    const session = sessionOf(UUID);
    wait();
    await clock.advance(9_000);
    const arrived = waiter.arriving(UUID);
    await clock.advance(SOCKET_WAIT_MS * 3);
    expect(outcome()).toBeUndefined();
    expect(waiter.offer(session)).toBe(true);
    arrived();
    await clock.advance(SOCKET_WAIT_MS);
    expect(outcome()).toEqual({ kind: 'answered', session });
    expect(settlements()).toBe(1);
  });

  it('gives up as soon as the socket that came fails, once the socket wait is over', async () => {
    const { clock, waiter, wait, outcome } = rig();
    wait();
    const arrived = waiter.arriving(UUID);
    await clock.advance(SOCKET_WAIT_MS + 5_000);
    expect(outcome()).toBeUndefined();
    arrived();
    await clock.advance(0);
    expect(outcome()).toEqual(GIVEN_UP);
  });

  it('keeps the socket wait when a socket fails before it is over: only the wait ends the leg', async () => {
    const { clock, waiter, wait, outcome } = rig();
    wait();
    await clock.advance(1_000);
    const arrived = waiter.arriving(UUID);
    await clock.advance(1_000);
    arrived();
    await clock.advance(SOCKET_WAIT_MS - 2_001);
    expect(outcome()).toBeUndefined();
    await clock.advance(1);
    expect(outcome()).toEqual(GIVEN_UP);
  });

  it('holds the give-up until every socket that came for the leg is offered or failed: an impostor failing does not end it', async () => {
    const { clock, waiter, wait, outcome, settlements } = rig();
    const session = sessionOf(UUID);
    wait();
    const impostor = waiter.arriving(UUID);
    const real = waiter.arriving(UUID);
    await clock.advance(SOCKET_WAIT_MS + 1);
    impostor();
    impostor();
    await clock.advance(0);
    expect(outcome()).toBeUndefined();
    expect(waiter.offer(session)).toBe(true);
    real();
    await clock.advance(0);
    expect(outcome()).toEqual({ kind: 'answered', session });
    expect(settlements()).toBe(1);
  });

  it('holds the longer give-up of an originate whose outcome was lost the same way', async () => {
    const { clock, waiter, wait, outcome } = rig();
    wait(() => Promise.reject(new Error('connection dropped')));
    const arrived = waiter.arriving(UUID);
    await clock.advance(RING_MS + SOCKET_WAIT_MS + 1);
    expect(outcome()).toBeUndefined();
    arrived();
    await clock.advance(0);
    expect(outcome()).toEqual({ kind: 'failed', cause: 'NETWORK_OUT_OF_ORDER', orphan: true, givenUp: "its originate's result was lost (Error: connection dropped) and it did not come up within 40000 ms" });
  });

  it('fails a leg whose originate failed at once, a socket arriving or not, and ignores sockets for legs nobody waits for', async () => {
    const { clock, waiter, wait, outcome } = rig();
    const stray = waiter.arriving('b0000000-0000-4000-8000-000000000002');
    stray();
    wait(() => Promise.reject(new EslCommandFailed('originate', 'USER_BUSY', 'USER_BUSY')));
    const arrived = waiter.arriving(UUID);
    await clock.advance(0);
    expect(outcome()).toEqual({ kind: 'failed', cause: 'USER_BUSY', orphan: false });
    arrived();
    expect(waiter.pending).toBe(0);
  });

  it('holds a give-up that came due until the sockets queued for the controller are taken in, and answers if one of them is the leg', async () => {
    let takenIn: () => void = () => undefined;
    const socketsTakenIn = jest.fn(() => new Promise<void>((resolve) => (takenIn = resolve)));
    const { clock, waiter, wait, outcome } = rig({ socketsTakenIn });
    const session = sessionOf(UUID);
    wait();
    await clock.advance(SOCKET_WAIT_MS * 3);
    expect(socketsTakenIn).toHaveBeenCalledTimes(1);
    expect(outcome()).toBeUndefined();
    const arrived = waiter.arriving(UUID);
    takenIn();
    await clock.advance(0);
    expect(outcome()).toBeUndefined();
    expect(waiter.offer(session)).toBe(true);
    arrived();
    await clock.advance(0);
    expect(outcome()).toEqual({ kind: 'answered', session });
  });

  it('gives the leg up once the queued sockets are taken in and none of them was it', async () => {
    let takenIn: () => void = () => undefined;
    const { clock, wait, outcome } = rig({ socketsTakenIn: () => new Promise<void>((resolve) => (takenIn = resolve)) });
    wait();
    await clock.advance(SOCKET_WAIT_MS);
    expect(outcome()).toBeUndefined();
    takenIn();
    await clock.advance(0);
    expect(outcome()).toEqual(GIVEN_UP);
  });
});

describe('LegWaiter socket window', () => {
  const uuidOf = (i: number): string => `c0000000-0000-4000-8000-${String(i).padStart(12, '0')}`;

  function windowRig(maxLateSockets: number) {
    const clock = new ManualClock();
    const waiter = new LegWaiter({ clock, socketWaitMs: SOCKET_WAIT_MS, maxLateSockets });
    const originated: number[] = [];
    const onNode = new Map<number, string>();
    const outcomes = new Map<number, LegOutcome>();
    const leg = (i: number, result: (accepted: () => void) => Promise<unknown> = () => Promise.resolve('+OK'), nodes: NodeChoice = ONE_NODE): void => {
      void waiter
        .socketLeg(
          uuidOf(i),
          nodes,
          (node, accepted) => {
            originated.push(i);
            onNode.set(i, node);
            return result(accepted);
          },
          RING_MS,
        )
        .then((outcome) => outcomes.set(i, outcome));
    };
    return { clock, waiter, leg, originated, onNode, outcomes };
  }

  it('originates no new leg while as many answered legs wait for their socket, and one more for each socket that comes', async () => {
    const { clock, waiter, leg, originated } = windowRig(2);
    leg(1);
    leg(2);
    await clock.advance(0);
    expect(waiter.lateSockets).toBe(2);
    leg(3);
    leg(4);
    await clock.advance(1_000);
    expect(originated).toEqual([1, 2]);
    const arrived = waiter.arriving(uuidOf(1));
    await clock.advance(0);
    expect(originated).toEqual([1, 2, 3]);
    expect(waiter.offer(sessionOf(uuidOf(1)))).toBe(true);
    arrived();
    await clock.advance(0);
    expect(originated).toEqual([1, 2, 3]);
    expect(waiter.lateSockets).toBe(2);
  });

  it('counts a leg until FreeSWITCH took its originate, not while it rings', async () => {
    const { clock, leg, originated } = windowRig(1);
    let accept: () => void = () => undefined;
    leg(1, (accepted) => {
      accept = accepted;
      return new Promise<string>(() => undefined);
    });
    leg(2, () => new Promise<string>(() => undefined));
    await clock.advance(1_000);
    expect(originated).toEqual([1]);
    accept();
    await clock.advance(0);
    expect(originated).toEqual([1, 2]);
  });

  it('does not count a leg whose socket came before its +OK', async () => {
    const { clock, waiter, leg, originated } = windowRig(1);
    let answer: (value: string) => void = () => undefined;
    leg(1, () => new Promise<string>((resolve) => (answer = resolve)));
    await clock.advance(0);
    const arrived = waiter.arriving(uuidOf(1));
    answer('+OK');
    await clock.advance(0);
    expect(waiter.lateSockets).toBe(0);
    leg(2);
    await clock.advance(0);
    expect(originated).toEqual([1, 2]);
    arrived();
  });

  it('frees the place of a leg given up, and never strands legs behind an admitted originate that failed', async () => {
    const { clock, waiter, leg, originated, outcomes } = windowRig(1);
    leg(1);
    await clock.advance(0);
    leg(2, () => Promise.reject(new EslCommandFailed('originate', 'USER_BUSY', 'USER_BUSY')));
    leg(3);
    await clock.advance(SOCKET_WAIT_MS);
    expect(outcomes.get(1)).toEqual(GIVEN_UP);
    expect(originated).toEqual([1, 2, 3]);
    expect(outcomes.get(2)).toEqual({ kind: 'failed', cause: 'USER_BUSY', orphan: false });
    expect(waiter.lateSockets).toBe(1);
  });

  it("dials the other node while one node's answered leg waits for a socket that never comes, and that node again once it is given up", async () => {
    const { clock, waiter, leg, originated, onNode, outcomes } = windowRig(100);
    const either: NodeChoice = { among: ['fs1', 'fs2'], pick: (open) => open[0]! };
    leg(1, undefined, either);
    await clock.advance(2_000);
    expect(onNode.get(1)).toBe('fs1');
    expect(waiter.lateSockets).toBe(1);
    leg(2, undefined, either);
    leg(3, undefined, { among: ['fs1'], pick: (open) => open[0]! });
    await clock.advance(0);
    expect(originated).toEqual([1, 2]);
    expect(onNode.get(2)).toBe('fs2');
    await clock.advance(SOCKET_WAIT_MS - 2_000);
    expect(outcomes.get(1)).toEqual(GIVEN_UP);
    expect(originated).toEqual([1, 2, 3]);
    expect(onNode.get(3)).toBe('fs1');
  });

  it("reopens a node once a socket of a leg answered after its oldest late leg arrives, though that leg still waits", async () => {
    const { clock, waiter, leg, originated, outcomes } = windowRig(100);
    leg(1);
    await clock.advance(500);
    leg(2);
    await clock.advance(1_500);
    leg(3);
    await clock.advance(0);
    expect(originated).toEqual([1, 2]);
    const arrived = waiter.arriving(uuidOf(2));
    await clock.advance(0);
    expect(originated).toEqual([1, 2, 3]);
    expect(waiter.offer(sessionOf(uuidOf(2)))).toBe(true);
    arrived();
    expect(outcomes.get(1)).toBeUndefined();
    expect(waiter.lateSockets).toBe(2);
  });
});

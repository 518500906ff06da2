import { errorText } from '../../esl/listeners';
import { asLastStatement, inTransaction, type Store } from '../../store';
import { retryOnDeadlock } from '../../store/sql-errors';
import type { Logger } from '../../log/logger';
import type { EngineContext } from './context';
import type { LegEnd } from './leg-events';
import type { LiveLeg } from './live-leg';
import { bookingOf, type Settlement } from './settlement';

interface Taken {
  readonly leg: LiveLeg;
  /** Waited for from when the leg was taken, as its own settlement would have (its give-up timers run from then). */
  readonly ended: Promise<LegEnd>;
  readonly resolve: (settlement: Settlement) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * The request's last transaction (issue #20): the settlements of the legs that end with the
 * request and its final move, in ONE commit instead of one per leg plus the move's own. The legs
 * of a talk end within milliseconds of each other (one hangs up, the bridge ends the other), and
 * the final move waits for every settlement anyway (#16.2), so writing them together delays
 * nothing the request's end did not already wait for; the final state and the billed cost land
 * at the same instant.
 *
 * Each leg is booked as on its own (its CDR first, unique per leg: a replay writes nothing), the
 * move comes last, and the settlements commit whether the move wins or not: the legs happened and
 * are owed. A leg whose settlement began before (a failed carrier try, a leg that ended alone, a
 * CDR FreeSWITCH reported first) is not taken and is awaited as it is; a leg that ends alone
 * keeps its own transaction, as does every settlement after a crash (`recover.ts`).
 */
export class FinalSettlement {
  private readonly taken: Taken[] = [];

  constructor(
    private readonly ctx: EngineContext,
    private readonly log: () => Logger,
  ) {}

  /** Takes the leg's settlement into the final transaction; false when its settlement has begun already. */
  take(leg: LiveLeg): boolean {
    let resolve: Taken['resolve'] = () => undefined;
    let reject: Taken['reject'] = () => undefined;
    const settlement = new Promise<Settlement>((ok, fail) => {
      resolve = ok;
      reject = fail;
    });
    if (!leg.settleWith(settlement)) return false;
    // Whoever asks the leg for its settlement hears a failure; nobody asking is no crash.
    settlement.catch(() => undefined);
    this.taken.push({ leg, ended: leg.endAndRow(), resolve, reject });
    return true;
  }

  /**
   * Waits for the taken legs' ends, then writes their settlements and `move` (the request's
   * compare-and-set, whose answer this is) in one transaction, waiting out a database outage as
   * each would alone. Should the unit fail otherwise, each leg is settled on its own and the move
   * written after them, as before the two were joined, so one leg's failure strands no other.
   */
  async writeWith(what: string, move: (store: Store) => Promise<boolean>): Promise<boolean> {
    const { ctx } = this;
    const taken = this.taken.splice(0);
    if (taken.length === 0) return ctx.untilWritten(what, () => move(ctx.store));
    try {
      // Waiting for the switch's word that the legs ended is waiting, not work.
      const ends = await ctx.work.waitFor(Promise.all(taken.map(({ ended }) => ended)));
      // Calls ending together (a burst of hangups) write their last transactions over loop turns, ahead of new orders.
      await ctx.newWork.slot('finishing');
      const bookings = await Promise.all(taken.map(({ leg }, i) => bookingOf(ctx, leg.settleInput(ends[i]!))));
      const { moved, settlements } = await ctx.untilWritten(what, () =>
        retryOnDeadlock(() =>
          inTransaction(
            ctx.db,
            async (tx) => {
              const settlements: Settlement[] = [];
              for (const booking of bookings) settlements.push(await booking.write(tx));
              // The move is the unit's last statement: it carries the COMMIT (a round trip less on MariaDB).
              return { moved: await asLastStatement(tx.db, () => move(tx)), settlements };
            },
            () => ctx.clock.now(),
            // Pipelined: every write of it is expected to change its rows, one packet on MariaDB in the common case.
            { pipelined: true },
          ),
        ),
      );
      taken.forEach(({ leg, resolve }, i) => {
        bookings[i]!.committed(settlements[i]!);
        resolve(leg.settledAs(ends[i]!, settlements[i]!));
      });
      return moved;
    } catch (error) {
      this.log().error('the legs could not be settled with the final move; settling each on its own', { error: errorText(error) });
      const alone = taken.map(({ leg, resolve, reject }) =>
        leg.settleOnItsOwn().then(resolve, (failed: unknown) => {
          leg.log.error('leg settlement failed', { error: errorText(failed) });
          reject(failed);
        }),
      );
      await ctx.work.waitFor(Promise.allSettled(alone));
      return ctx.untilWritten(what, () => move(ctx.store));
    }
  }
}

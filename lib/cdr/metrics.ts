import { Counter, type Registry } from 'prom-client';

/** Outcomes of posted CDRs: the receiver's, and the route's refusals. */
export type CdrPostOutcome = 'settled' | 'deferred' | 'agrees' | 'discrepancy' | 'corrected' | 'unknown_leg' | 'duplicate' | 'unauthorized' | 'invalid';

/** `callback_freeswitch_cdrs_total{outcome}`; alert on `discrepancy`, `unauthorized` and `invalid`. */
export function cdrOutcomeCounter(registry: Registry): (outcome: CdrPostOutcome) => void {
  const counter = new Counter({
    name: 'callback_freeswitch_cdrs_total',
    help: 'CDRs FreeSWITCH posted (mod_json_cdr), by what became of them: settled from the CDR, kept for a leg still live, agreeing or disagreeing with our record, an estimate corrected to the CDR, for an unknown leg, a repeat, or refused.',
    labelNames: ['outcome'],
    registers: [registry],
  });
  return (outcome) => counter.inc({ outcome });
}

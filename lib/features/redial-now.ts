import type { FeatureContext, FeatureHandler } from './handlers';

/**
 * D4 `*0`: hang up B and dial the same number again at once. The request does it (decide:
 * bridged → dialing_b with hangup B, settle B, dial B): the old B gets its CDR and cost, the new
 * one its own row, holds and talk limit, and A hears ringback as for the first B.
 */
export class RedialNow implements FeatureHandler {
  async exec({ talk }: FeatureContext): Promise<void> {
    talk.log.info('redialing B', { number: talk.legB.number });
    await talk.send({ type: 'b_redial_requested' });
  }
}

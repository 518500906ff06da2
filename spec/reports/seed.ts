import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import type { ReportCdr } from '../../lib/billing/reports';
import { minorUnits } from '../../lib/domain/money';
import { createStore } from '../../lib/store';
import { ALPHA, BETA, LEGS } from './fixtures';

/** Writes the fixture legs as CDRs of two real accounts; returns those accounts' ids by fixture id. */
export async function seedLegs(db: Knex): Promise<Map<number, number>> {
  const store = createStore(db);
  const ids = new Map<number, number>();
  for (const fixture of [ALPHA, BETA]) {
    const account = await store.accounts.create({ name: fixture.name, currency: fixture.currency });
    ids.set(fixture.id, account.id);
  }
  for (const leg of LEGS) await store.cdrs.insert(toNewCdr(leg, ids));
  return ids;
}

function toNewCdr(leg: ReportCdr, ids: Map<number, number>) {
  return {
    legUuid: randomUUID(),
    accountId: leg.accountId === null ? null : (ids.get(leg.accountId) ?? null),
    direction: 'outbound',
    number: leg.number,
    startedAt: leg.startedAt,
    answeredAt: leg.answeredAt,
    endedAt: leg.startedAt + 5_000 + leg.billsec * 1000,
    billsec: leg.billsec,
    hangupCause: leg.billsec > 0 ? 'NORMAL_CLEARING' : 'NO_ANSWER',
    costMinor: minorUnits(leg.costMinor),
    ratePrefix: leg.ratePrefix,
    carrier: leg.carrier,
    carrierCostMinor: leg.carrierCostMinor === null ? null : minorUnits(leg.carrierCostMinor),
    carrierCurrency: leg.carrierCurrency,
    source: 'socket' as const,
  };
}

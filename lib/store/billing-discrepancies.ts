import { z } from 'zod';
import type { MinorUnits } from '../domain/money';
import { Repository, insertedId, int, money, oneOf, type DbInt } from './rows';
import { ledgerEntryFields, listLedger, payerColumns, toLedgerEntry, type LedgerEntry, type LedgerQuery, type LedgerRow } from './payer-ledger';
import { isUniqueViolation } from './sql-errors';
import { nonNegativeMinorField, parseInput } from './validation';

export const DISCREPANCY_SOURCES = ['socket', 'json_cdr', 'estimate', 'correction'] as const;
/** What rated the leg: its socket end, a posted CDR, a recovery estimate, a correction of an estimate. */
export type DiscrepancySource = (typeof DISCREPANCY_SOURCES)[number];

/** over_hold: the leg's rated cost was more than its hold; the hold was charged, the excess not. */
export const DISCREPANCY_KINDS = ['over_hold'] as const;
export type DiscrepancyKind = (typeof DISCREPANCY_KINDS)[number];

/** Money a settlement did not move, for the operator to decide on (issue #15). */
export interface BillingDiscrepancy extends LedgerEntry {
  kind: DiscrepancyKind;
  source: DiscrepancySource;
  billsec: number;
  holdMinor: MinorUnits;
  ratedCostMinor: MinorUnits;
  chargedMinor: MinorUnits;
  excessMinor: MinorUnits;
}

interface DiscrepancyRow extends LedgerRow {
  kind: string;
  source: string;
  billsec: DbInt;
  hold_minor: DbInt;
  rated_cost_minor: DbInt;
  charged_minor: DbInt;
  excess_minor: DbInt;
}

const newSchema = z.object({
  ...ledgerEntryFields,
  kind: z.enum(DISCREPANCY_KINDS),
  source: z.enum(DISCREPANCY_SOURCES),
  billsec: z.number().int().nonnegative(),
  holdMinor: nonNegativeMinorField,
  ratedCostMinor: nonNegativeMinorField,
  chargedMinor: nonNegativeMinorField,
  excessMinor: nonNegativeMinorField,
});
export type NewBillingDiscrepancy = z.input<typeof newSchema>;

function toDiscrepancy(row: DiscrepancyRow): BillingDiscrepancy {
  return {
    ...toLedgerEntry(row),
    kind: oneOf(DISCREPANCY_KINDS, row.kind),
    source: oneOf(DISCREPANCY_SOURCES, row.source),
    billsec: int(row.billsec),
    holdMinor: money(row.hold_minor),
    ratedCostMinor: money(row.rated_cost_minor),
    chargedMinor: money(row.charged_minor),
    excessMinor: money(row.excess_minor),
  };
}

export class BillingDiscrepanciesRepository extends Repository {
  /** Records one, once per leg and source (a repeat writes nothing); call it inside the settlement's transaction. */
  async record(input: NewBillingDiscrepancy): Promise<boolean> {
    const d = parseInput(newSchema, input, 'billing discrepancy');
    try {
      insertedId(
        await this.db('billing_discrepancies').insert({
          leg_uuid: d.legUuid,
          request_id: d.requestId,
          ...payerColumns(d.payer),
          kind: d.kind,
          source: d.source,
          billsec: d.billsec,
          hold_minor: d.holdMinor,
          rated_cost_minor: d.ratedCostMinor,
          charged_minor: d.chargedMinor,
          excess_minor: d.excessMinor,
          created_at: this.clock(),
        }),
      );
      return true;
    } catch (error) {
      if (isUniqueViolation(error)) return false;
      throw error;
    }
  }

  /** Oldest first; with accountId, those of one account (as payer). */
  async list(query: LedgerQuery = {}): Promise<BillingDiscrepancy[]> {
    return (await listLedger<DiscrepancyRow>(this.db, 'billing_discrepancies', query)).map(toDiscrepancy);
  }
}

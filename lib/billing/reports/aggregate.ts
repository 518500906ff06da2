import { compareKeys, groupKeyOf, keyString } from './dimensions';
import type { GroupKey, Grouping, ReportCdr, ReportLine } from './types';

interface Sums {
  key: GroupKey;
  calls: number;
  answered: number;
  billsec: number;
  revenueMinor: number;
  costMinor: number;
  uncosted: number;
}

/** A leg counts as answered when FreeSWITCH reported an answer or billed seconds. */
export function isAnswered(cdr: ReportCdr): boolean {
  return cdr.answeredAt !== null || cdr.billsec > 0;
}

/**
 * Sums CDRs into groups as they arrive, so a report over millions of legs never holds them all.
 * Only integers are summed; the ratios are derived once at the end.
 */
export class ReportAccumulator {
  private readonly groups = new Map<string, Sums>();
  private readonly totals = new Map<string, Sums>();

  constructor(private readonly grouping: Grouping) {}

  add(cdr: ReportCdr): void {
    const key = groupKeyOf(cdr, this.grouping);
    addTo(this.groups, key, cdr);
    addTo(this.totals, { currency: cdr.currency }, cdr);
  }

  lines(): ReportLine[] {
    return finish(this.groups);
  }

  totalLines(): ReportLine[] {
    return finish(this.totals);
  }
}

/** The pure form: all CDRs at once. */
export function aggregate(cdrs: Iterable<ReportCdr>, grouping: Grouping): { lines: ReportLine[]; totals: ReportLine[] } {
  const accumulator = new ReportAccumulator(grouping);
  for (const cdr of cdrs) accumulator.add(cdr);
  return { lines: accumulator.lines(), totals: accumulator.totalLines() };
}

function addTo(groups: Map<string, Sums>, key: GroupKey, cdr: ReportCdr): void {
  const id = keyString(key);
  let sums = groups.get(id);
  if (!sums) {
    sums = { key, calls: 0, answered: 0, billsec: 0, revenueMinor: 0, costMinor: 0, uncosted: 0 };
    groups.set(id, sums);
  }
  sums.calls += 1;
  if (isAnswered(cdr)) sums.answered += 1;
  sums.billsec += cdr.billsec;
  sums.revenueMinor += cdr.costMinor;
  const cost = carrierCostIn(cdr, key.currency);
  if (cost !== null) sums.costMinor += cost;
  else if (isAnswered(cdr)) sums.uncosted += 1;
}

/** The carrier's charge for the leg when it is known in `currency`; money of two currencies is never added. */
function carrierCostIn(cdr: ReportCdr, currency: string | null): number | null {
  return cdr.carrierCostMinor !== null && cdr.carrierCurrency === currency ? cdr.carrierCostMinor : null;
}

function finish(groups: Map<string, Sums>): ReportLine[] {
  return [...groups.values()].sort((a, b) => compareKeys(a.key, b.key)).map(toLine);
}

function toLine({ key, calls, answered, billsec, revenueMinor, costMinor, uncosted }: Sums): ReportLine {
  return {
    ...key,
    calls,
    answered,
    billsec,
    revenueMinor,
    costMinor,
    marginMinor: revenueMinor - costMinor,
    uncosted,
    asr: answered / calls,
    acdSeconds: answered === 0 ? null : billsec / answered,
    minutes: billsec / 60,
  };
}

import fc from 'fast-check';
import { correctEstimate, rateLeg } from '../../lib/billing';
import { ratingTerms, terms } from './arbitraries';

// 1/1 at 0.6000 per minute: one minor unit a second, so the figures read as seconds.
const perSecond = terms({ ratePerMinute: 600_000, incrementFirstSeconds: 1, incrementNextSeconds: 1 });
const estimate = (estimatedBillsec: number, reportedBillsec: number, extra: { paidMinor?: number; operatorSeconds?: number } = {}) =>
  correctEstimate({ terms: perSecond, estimatedBillsec, estimatedCostMinor: rateLeg(perSecond, estimatedBillsec).costMinor, reportedBillsec, ...extra });

describe('correcting a leg settled from an estimate to the billsec FreeSWITCH reported', () => {
  it('charges the payer the difference when the estimate was too low', () => {
    expect(estimate(80, 200)).toEqual({ estimatedCostMinor: 80, correctedCostMinor: 200, payerDeltaMinor: 120, operatorDeltaMinor: 0 });
  });

  it('refunds the payer the difference when the estimate was too high', () => {
    expect(estimate(110, 10)).toEqual({ estimatedCostMinor: 110, correctedCostMinor: 10, payerDeltaMinor: -100, operatorDeltaMinor: 0 });
  });

  it('moves nothing when the CDR bills the same as the estimate (the same increment)', () => {
    const minutes = terms({ ratePerMinute: 60_000 });
    expect(correctEstimate({ terms: minutes, estimatedBillsec: 61, estimatedCostMinor: rateLeg(minutes, 61).costMinor, reportedBillsec: 100 })).toMatchObject({ payerDeltaMinor: 0, operatorDeltaMinor: 0 });
  });

  it('rates the real billsec with the estimate\'s own terms: fee, minimum and increments', () => {
    const rate = terms({ ratePerMinute: 20_000, incrementFirstSeconds: 30, incrementNextSeconds: 6, connectionFeeMinor: 5, minimumSeconds: 60 });
    const corrected = correctEstimate({ terms: rate, estimatedBillsec: 0, estimatedCostMinor: 0, reportedBillsec: 95 });
    expect(corrected).toEqual({ estimatedCostMinor: 0, correctedCostMinor: rateLeg(rate, 95).costMinor, payerDeltaMinor: rateLeg(rate, 95).costMinor, operatorDeltaMinor: 0 });
  });

  it('a leg booked at no cost (it could not be priced) stays at no cost', () => {
    expect(correctEstimate({ terms: undefined, estimatedBillsec: 10, estimatedCostMinor: 0, reportedBillsec: 500 })).toEqual({ estimatedCostMinor: 0, correctedCostMinor: 0, payerDeltaMinor: 0, operatorDeltaMinor: 0 });
  });

  it('refunds a card only what it paid beyond the real cost, when it could not pay the whole estimate', () => {
    // Estimated 110, the card had only 30: the real cost 10 gives back 20, not 100.
    expect(estimate(110, 10, { paidMinor: 30 })).toMatchObject({ payerDeltaMinor: -20 });
    // It paid less than even the real cost: nothing to give back.
    expect(estimate(110, 50, { paidMinor: 30 })).toMatchObject({ payerDeltaMinor: 0 });
    // Too low an estimate charges the difference (the store charges a card only what it has).
    expect(estimate(80, 200, { paidMinor: 30 })).toMatchObject({ payerDeltaMinor: 120 });
  });

  it('re-rates the operator\'s part of a leg A taken over by the payer the IVR identified (A6)', () => {
    // 20 s on the operator before the takeover; estimated 50 s, really 100 s: only the payer's part grows.
    expect(estimate(50, 100, { operatorSeconds: 20 })).toEqual({ estimatedCostMinor: 50, correctedCostMinor: 100, payerDeltaMinor: 50, operatorDeltaMinor: 0 });
    // Estimated 50 s, really 12 s: the operator's part shrinks to 12, the payer's to nothing.
    expect(estimate(50, 12, { operatorSeconds: 20 })).toEqual({ estimatedCostMinor: 50, correctedCostMinor: 12, payerDeltaMinor: -30, operatorDeltaMinor: -8 });
  });

  it('after the correction, what the payer and the operator paid adds up to the real cost, to the minor unit (property)', () => {
    fc.assert(
      fc.property(ratingTerms(), fc.nat(7_200), fc.nat(7_200), fc.option(fc.nat(600), { nil: undefined }), (rate, estimatedBillsec, reportedBillsec, operatorSeconds) => {
        const estimatedCostMinor = rateLeg(rate, estimatedBillsec).costMinor;
        const corrected = correctEstimate({ terms: rate, estimatedBillsec, estimatedCostMinor, reportedBillsec, operatorSeconds });
        expect(corrected.correctedCostMinor).toBe(rateLeg(rate, reportedBillsec).costMinor);
        expect(estimatedCostMinor + corrected.payerDeltaMinor + corrected.operatorDeltaMinor).toBe(corrected.correctedCostMinor);
        expect(Number.isSafeInteger(corrected.payerDeltaMinor) && Number.isSafeInteger(corrected.operatorDeltaMinor)).toBe(true);
      }),
    );
  });

  it('never refunds more than was paid, nor charges more than the difference (property)', () => {
    fc.assert(
      fc.property(ratingTerms(), fc.nat(7_200), fc.nat(7_200), fc.nat(100_000), (rate, estimatedBillsec, reportedBillsec, paid) => {
        const estimatedCostMinor = rateLeg(rate, estimatedBillsec).costMinor;
        const paidMinor = Math.min(paid, estimatedCostMinor);
        const { correctedCostMinor, payerDeltaMinor } = correctEstimate({ terms: rate, estimatedBillsec, estimatedCostMinor, reportedBillsec, paidMinor });
        expect(-payerDeltaMinor).toBeLessThanOrEqual(paidMinor);
        expect(payerDeltaMinor).toBeLessThanOrEqual(Math.max(0, correctedCostMinor - estimatedCostMinor));
        expect(paidMinor + payerDeltaMinor).toBeGreaterThanOrEqual(Math.min(paidMinor, correctedCostMinor));
      }),
    );
  });
});

import type { RatingTerms } from '../../lib/billing';
import { minorUnits } from '../../lib/domain/money';
import { lossVerdict, type SellPrice } from '../../lib/routing/loss-check';
import { perSecond } from './fixtures';

/** 10 minor units (0.10) a minute, billed by the whole minute with no fee. */
const sell = (terms: Partial<RatingTerms> = {}, currency: string | null = 'USD'): SellPrice => ({
  terms: { ...perSecond(100_000), incrementFirstSeconds: 60, incrementNextSeconds: 60, ...terms },
  currency,
});

describe('lossVerdict', () => {
  it('compares the rates per minute when nothing else differs', () => {
    expect(lossVerdict(perSecond(100_000), 'USD', sell())).toBe('no_loss');
    expect(lossVerdict(perSecond(100_001), 'USD', sell())).toBe('loss');
  });

  it('counts a carrier\'s connection fee: cheaper by the minute, dearer on a short call', () => {
    // One second through the carrier: 0.15 rounded up to 1, plus the fee; sold as a whole minute, 10.
    expect(lossVerdict({ ...perSecond(90_000), connectionFeeMinor: minorUnits(10) }, 'USD', sell())).toBe('loss');
    expect(lossVerdict({ ...perSecond(90_000), connectionFeeMinor: minorUnits(9) }, 'USD', sell())).toBe('no_loss');
    // The tariff's own fee pays for the carrier's.
    expect(lossVerdict({ ...perSecond(100_000), connectionFeeMinor: minorUnits(5) }, 'USD', sell({ connectionFeeMinor: minorUnits(5) }))).toBe('no_loss');
  });

  it('compares the shortest answered call: a carrier billing a longer first increment or minimum than the tariff loses on short calls', () => {
    const perSecondSell = sell({ incrementFirstSeconds: 1, incrementNextSeconds: 1 });
    expect(lossVerdict({ ...perSecond(100_000), incrementFirstSeconds: 60 }, 'USD', perSecondSell)).toBe('loss');
    expect(lossVerdict({ ...perSecond(100_000), incrementFirstSeconds: 60 }, 'USD', sell())).toBe('no_loss');
    expect(lossVerdict({ ...perSecond(60_000), minimumSeconds: 300 }, 'USD', sell())).toBe('loss');
    expect(lossVerdict({ ...perSecond(60_000), minimumSeconds: 300 }, 'USD', sell({ minimumSeconds: 300 }))).toBe('no_loss');
  });

  it('refuses to compare across currencies, or with a tariff whose currency is unknown', () => {
    expect(lossVerdict(perSecond(1), 'EUR', sell())).toBe('other_currency');
    expect(lossVerdict(perSecond(1), 'USD', sell({}, null))).toBe('other_currency');
  });
});

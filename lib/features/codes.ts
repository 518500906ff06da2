/** The in-call features (SPEC D1–D8) a code can start. */
export const FEATURES = ['consult', 'new_number', 'redial_later', 'redial_now', 'fax', 'conference', 'record_start', 'record_stop'] as const;
export type FeatureName = (typeof FEATURES)[number];

/**
 * One code: `keys` is what A presses. Besides the literal keys `0`–`9`, `*`, `#`, two letters
 * stand for digits the code carries: `D` one digit (`#D`: D3's m), `N` one to 20 digits (`##N#`: D1's number).
 */
export interface CodeDefinition {
  readonly feature: FeatureName;
  readonly keys: string;
}

/**
 * The defaults of issue 6: D1 `##number#`, D2 `**`, D3 `#0`–`#9`, D4 `*0`, D5 `*1`, D6 `*3number#`
 * (like D1, the third party's number follows the code), D7 `*8`/`*9`, D8 `#11`.
 */
export const DEFAULT_CODES: readonly CodeDefinition[] = [
  { feature: 'consult', keys: '##N#' },
  { feature: 'new_number', keys: '**' },
  { feature: 'redial_later', keys: '#D' },
  { feature: 'redial_now', keys: '*0' },
  { feature: 'fax', keys: '*1' },
  { feature: 'conference', keys: '*3N#' },
  { feature: 'record_start', keys: '*8' },
  { feature: 'record_stop', keys: '*9' },
  { feature: 'new_number', keys: '#11' },
];

const KEY = /^[0-9*#DN]+$/;

/** Throws on a table that cannot be matched (bad keys, the same keys twice, a code starting with a placeholder). */
export function validateCodes(codes: readonly CodeDefinition[]): void {
  const seen = new Set<string>();
  for (const code of codes) {
    if (!KEY.test(code.keys)) throw new Error(`DTMF code ${code.keys}: only 0-9, *, # and the placeholders D, N`);
    if (!/^[*#]/.test(code.keys)) throw new Error(`DTMF code ${code.keys}: must start with * or # (other digits go to the far end)`);
    if (/N(?![*#])/.test(code.keys)) throw new Error(`DTMF code ${code.keys}: N must be followed by * or #`);
    if (seen.has(code.keys)) throw new Error(`DTMF code ${code.keys} is defined twice`);
    seen.add(code.keys);
  }
}

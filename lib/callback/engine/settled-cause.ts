import type { Cdr } from '../../store/cdrs';

/**
 * The cause a request ends with when its legs were all settled without a controller (from
 * FreeSWITCH's CDRs): that of the leg that ended first, as FreeSWITCH reported it (the party who
 * hung up). Undefined when any of them was settled from an estimate: then nobody knows how the
 * call ended, and the request says its controller was lost.
 */
export function reportedCauseOf(cdrs: readonly Cdr[]): string | undefined {
  if (cdrs.length === 0 || cdrs.some((cdr) => cdr.raw?.reported !== true || cdr.hangupCause === null)) return undefined;
  const first = [...cdrs].sort((x, y) => (x.endedAt ?? Infinity) - (y.endedAt ?? Infinity))[0];
  return first?.hangupCause ?? undefined;
}

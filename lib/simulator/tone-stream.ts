/**
 * How long a `tone_stream://` plays (mod_tone_stream / libteletone): each `%(on,off,freq…)`
 * cadence lasts on + off ms and the whole script runs `loops=N` times (once by default;
 * `loops=-1` for ever). Undefined for a script without a cadence, whose length the caller picks.
 */
export function toneStreamMs(file: string): number | undefined {
  if (!file.startsWith('tone_stream://')) return undefined;
  const script = file.slice('tone_stream://'.length);
  const loops = /(?:^|;)\s*loops=(-?\d+)/.exec(script);
  if (loops && Number(loops[1]) < 0) return Infinity;
  const cadences = [...script.matchAll(/%\(\s*(\d+)\s*,\s*(\d+)\s*[,)]/g)];
  if (cadences.length === 0) return undefined;
  const once = cadences.reduce((sum, [, on, off]) => sum + Number(on) + Number(off), 0);
  return once * (loops ? Math.max(1, Number(loops[1])) : 1);
}

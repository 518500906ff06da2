/** A caller is blocked by its exact number, or by a prefix entry ending in `*` (the `blockedCallers` setting). */
export function isBlocked(caller: string, blocked: readonly string[]): boolean {
  return blocked.some((entry) => (entry.endsWith('*') ? caller.startsWith(entry.slice(0, -1)) : caller === entry));
}

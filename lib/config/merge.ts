import { deletePath, formatPath, getPath, isPlainObject, isWithin, setPath } from './paths';
import type { Assignment } from './sources';
import type { UnionPoint } from './walk';

/** The sources combined into one input for the schema, remembering who set what. */
export interface Merged {
  readonly input: Record<string, unknown>;
  /** Formatted path → the assignment that set it. */
  readonly provenance: ReadonlyMap<string, Assignment>;
}

/**
 * Later layers win, key by key. A union section (database, queue) is different: when a later
 * layer picks another variant (DATABASE_URL=mysql://… over a config file's sqlite filename), the
 * earlier variant's keys are dropped rather than mixed in, where they would be rejected as unknown.
 */
export function mergeLayers(layers: readonly (readonly Assignment[])[], unions: readonly UnionPoint[]): Merged {
  const input: Record<string, unknown> = {};
  const provenance = new Map<string, Assignment>();
  const forget = (key: string): void => {
    for (const known of [...provenance.keys()]) if (isWithin(known, key)) provenance.delete(known);
  };
  for (const layer of layers) {
    const implied: Assignment[] = [];
    for (const union of unions) {
      const inside = layer.filter((assignment) => assignment.path.length > union.path.length && startsWith(assignment.path, union.path));
      if (inside.length === 0) continue;
      const wanted = variantOf(union, inside.map((assignment) => [assignment.path[union.path.length] ?? '', assignment.value] as const));
      const current = getPath(input, union.path);
      const present = isPlainObject(current) ? variantOf(union, Object.entries(current)) : undefined;
      if (wanted !== undefined && present !== undefined && wanted !== present) {
        deletePath(input, union.path);
        forget(formatPath(union.path));
      }
      const explicit = inside.some((assignment) => assignment.path.length === union.path.length + 1 && assignment.path[union.path.length] === union.discriminator);
      const first = inside[0];
      if (wanted !== undefined && !explicit && first !== undefined) {
        implied.push({ path: [...union.path, union.discriminator], value: wanted, raw: first.raw, source: first.source });
      }
    }
    for (const assignment of [...implied, ...layer]) {
      const key = formatPath(assignment.path);
      forget(key);
      setPath(input, assignment.path, assignment.value);
      provenance.set(key, assignment);
    }
  }
  return { input, provenance };
}

/** The variant named by the discriminator, or else the only variant that has all the given keys. */
function variantOf(union: UnionPoint, entries: readonly (readonly [string, unknown])[]): string | undefined {
  const tag = entries.find(([key]) => key === union.discriminator)?.[1];
  if (typeof tag === 'string') return tag;
  const keys = entries.map(([key]) => key);
  const candidates = [...union.variants].filter(([, accepted]) => keys.every((key) => accepted.has(key)));
  return candidates.length === 1 ? candidates[0]?.[0] : undefined;
}

function startsWith(path: readonly string[], prefix: readonly string[]): boolean {
  return prefix.every((segment, index) => path[index] === segment);
}

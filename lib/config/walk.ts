import { z } from 'zod';
import { describeAllowed, oneOf } from './allowed';
import { envVarName } from './env-names';
import { EACH, formatPath, genericPath, isPlainObject, type PathSegment } from './paths';
import { peel, type Peeled } from './peel';
import { settingsSchema } from './schema';

/*
 * One walk over the schema yields everything the loader and the docs need to know about each
 * setting, so a new field gets its environment variable, its error wording and its docs row
 * without anyone editing a list.
 */

export type ValueKind = 'string' | 'number' | 'boolean' | 'json';

export interface SettingEntry {
  /** Object path; `[]` stands for every element of an array (documentation only). */
  readonly path: readonly string[];
  /** Dotted form of the path, e.g. `callback.maxRetries` or `freeswitch.nodes[].port`. */
  readonly key: string;
  /** Undefined inside arrays, whose elements arrive with the array's JSON. */
  readonly envVar: string | undefined;
  readonly kind: ValueKind;
  readonly description: string;
  readonly allowed: string;
  readonly hasDefault: boolean;
  readonly defaultValue: unknown;
  readonly defaultText: string | undefined;
  readonly nullable: boolean;
  readonly optional: boolean;
  /** Set for fields of one variant of a union, e.g. `database.url` only when `database.client` is mysql. */
  readonly onlyWhen: { readonly key: string; readonly value: string } | undefined;
}

export interface UnionPoint {
  readonly path: readonly string[];
  readonly discriminator: string;
  /** Each discriminator value with the keys its variant accepts. */
  readonly variants: ReadonlyMap<string, ReadonlySet<string>>;
}

export interface SettingsMap {
  readonly entries: readonly SettingEntry[];
  readonly unions: readonly UnionPoint[];
  /** Keys of the objects the walk descended into; a config file is read along the same objects. */
  readonly objects: ReadonlySet<string>;
}

interface Context {
  readonly inArray: boolean;
  readonly onlyWhen: SettingEntry['onlyWhen'];
}

interface Collector {
  readonly entries: SettingEntry[];
  readonly unions: UnionPoint[];
  readonly objects: Set<string>;
}

export function mapSchema(schema: z.core.$ZodType): SettingsMap {
  const collector: Collector = { entries: [], unions: [], objects: new Set() };
  visit(schema, [], { inArray: false, onlyWhen: undefined }, collector);
  return collector;
}

let cached: SettingsMap | undefined;

export function settingsMap(): SettingsMap {
  cached ??= mapSchema(settingsSchema);
  return cached;
}

/** The entry describing a position, or the nearest enclosing one (e.g. an element of a list). */
export function entryFor(map: SettingsMap, path: readonly PathSegment[]): SettingEntry | undefined {
  const generic = genericPath(path);
  for (let length = generic.length; length > 0; length -= 1) {
    const key = formatPath(generic.slice(0, length));
    const entry = map.entries.find((candidate) => candidate.key === key);
    if (entry !== undefined) return entry;
  }
  return undefined;
}

/** The keys an object at this position accepts, across all variants of a union. */
export function childKeys(map: SettingsMap, path: readonly PathSegment[]): string[] {
  const parent = genericPath(path);
  const keys = new Set<string>();
  for (const entry of map.entries) {
    const child = entry.path[parent.length];
    if (entry.path.length > parent.length && child !== undefined && parent.every((segment, index) => entry.path[index] === segment)) keys.add(child);
  }
  return [...keys];
}

function visit(schema: z.core.$ZodType, path: readonly string[], context: Context, out: Collector): void {
  const peeled = peel(schema);
  const { core } = peeled;
  if (core instanceof z.ZodObject) {
    if (!context.inArray) out.objects.add(formatPath(path));
    for (const [key, child] of Object.entries(core.shape)) visit(child, [...path, key], context, out);
    return;
  }
  if (core instanceof z.ZodDiscriminatedUnion) {
    visitUnion(core, peeled, path, context, out);
    return;
  }
  out.entries.push({
    path,
    key: formatPath(path),
    envVar: context.inArray ? undefined : envVarName(path),
    kind: kindOf(core),
    description: peeled.description ?? '',
    allowed: describeAllowed(schema),
    hasDefault: peeled.hasDefault,
    defaultValue: peeled.defaultValue,
    defaultText: peeled.meta.defaultText,
    nullable: peeled.nullable,
    optional: peeled.optional,
    onlyWhen: context.onlyWhen,
  });
  if (core instanceof z.ZodArray && peel(core._zod.def.element).core instanceof z.ZodObject) {
    visit(core._zod.def.element, [...path, EACH], { ...context, inArray: true }, out);
  }
}

/** The discriminator gets its own row, carrying the union's description and default. */
function visitUnion(union: z.ZodDiscriminatedUnion, outer: Peeled, path: readonly string[], context: Context, out: Collector): void {
  const discriminator = union._zod.def.discriminator;
  const discriminatorPath = [...path, discriminator];
  const insertAt = out.entries.length;
  const variants = new Map<string, Set<string>>();
  const visited = new Set<string>([discriminator]);
  out.objects.add(formatPath(path));
  for (const option of union._zod.def.options) {
    const shape = peel(option).core;
    if (!(shape instanceof z.ZodObject)) continue;
    const value = literalString(shape.shape[discriminator]);
    if (value === undefined) continue;
    variants.set(value, new Set(Object.keys(shape.shape)));
    for (const [key, child] of Object.entries(shape.shape)) {
      if (visited.has(key)) continue;
      visited.add(key);
      visit(child, [...path, key], { ...context, onlyWhen: { key: formatPath(discriminatorPath), value } }, out);
    }
  }
  const defaultTag = isPlainObject(outer.defaultValue) ? outer.defaultValue[discriminator] : undefined;
  out.entries.splice(insertAt, 0, {
    path: discriminatorPath,
    key: formatPath(discriminatorPath),
    envVar: context.inArray ? undefined : envVarName(discriminatorPath),
    kind: 'string',
    description: outer.description ?? '',
    allowed: oneOf([...variants.keys()]),
    hasDefault: defaultTag !== undefined,
    defaultValue: defaultTag,
    defaultText: undefined,
    nullable: false,
    optional: false,
    onlyWhen: context.onlyWhen,
  });
  out.unions.push({ path, discriminator, variants });
}

function literalString(schema: z.core.$ZodType | undefined): string | undefined {
  if (!(schema instanceof z.ZodLiteral)) return undefined;
  return [...schema.values].find((value): value is string => typeof value === 'string');
}

function kindOf(core: z.core.$ZodType): ValueKind {
  if (core instanceof z.ZodNumber) return 'number';
  if (core instanceof z.ZodBoolean) return 'boolean';
  if (core instanceof z.ZodArray || core instanceof z.ZodObject || core instanceof z.ZodRecord || core instanceof z.ZodTuple) return 'json';
  return 'string';
}

import { z } from 'zod';
import { settingMeta, type SettingMeta } from './setting-meta';

/** A schema with its wrappers (default, optional, nullable, transform) taken off and remembered. */
export interface Peeled {
  readonly core: z.core.$ZodType;
  readonly description: string | undefined;
  readonly meta: SettingMeta;
  readonly hasDefault: boolean;
  readonly defaultValue: unknown;
  readonly nullable: boolean;
  readonly optional: boolean;
}

export function peel(schema: z.core.$ZodType): Peeled {
  let current = schema;
  let description: string | undefined;
  let meta: SettingMeta = {};
  let hasDefault = false;
  let defaultValue: unknown;
  let nullable = false;
  let optional = false;
  for (;;) {
    // Outer wrappers win: `.describe()` is applied last, on the outermost schema.
    description ??= z.globalRegistry.get(current)?.description;
    meta = { ...settingMeta.get(current), ...meta };
    if (current instanceof z.ZodDefault || current instanceof z.ZodPrefault) {
      if (!hasDefault) {
        hasDefault = true;
        defaultValue = current._zod.def.defaultValue;
      }
      current = current._zod.def.innerType;
    } else if (current instanceof z.ZodOptional) {
      optional = true;
      current = current._zod.def.innerType;
    } else if (current instanceof z.ZodNullable) {
      nullable = true;
      current = current._zod.def.innerType;
    } else if (current instanceof z.ZodPipe) {
      // What a source must provide is the pipe's input; the transform only reshapes it.
      current = current._zod.def.in;
    } else if (current instanceof z.ZodReadonly || current instanceof z.ZodCatch) {
      current = current._zod.def.innerType;
    } else {
      return { core: current, description, meta, hasDefault, defaultValue, nullable, optional };
    }
  }
}

import { z } from 'zod';
import { peel } from './peel';

/*
 * "What is allowed", in words, read off the schema itself so that a changed range or enum can
 * never disagree with its error message or its row in docs/settings.md.
 */

const UNBOUNDED = Number.MAX_SAFE_INTEGER;

export function describeAllowed(schema: z.core.$ZodType): string {
  const peeled = peel(schema);
  const text = peeled.meta.allowed ?? describeCore(peeled.core);
  return peeled.nullable && peeled.meta.allowed === undefined ? `${text}, or null` : text;
}

function describeCore(core: z.core.$ZodType): string {
  if (core instanceof z.ZodNumber) return describeNumber(core);
  if (core instanceof z.ZodBoolean) return 'true or false';
  if (core instanceof z.ZodString) return describeString(core);
  if (core instanceof z.ZodEnum) return oneOf(core.options);
  if (core instanceof z.ZodLiteral) return oneOf([...core.values]);
  if (core instanceof z.ZodArray) return `a JSON array of ${plural(describeAllowed(core._zod.def.element))}`;
  if (core instanceof z.ZodObject || core instanceof z.ZodDiscriminatedUnion) return 'an object';
  if (core instanceof z.ZodUnion) return core._zod.def.options.map(describeAllowed).join(' or ');
  return 'a valid value';
}

export function oneOf(values: readonly unknown[]): string {
  return `one of ${values.map((value) => JSON.stringify(value)).join(', ')}`;
}

function describeNumber(schema: z.ZodNumber): string {
  const noun = schema.isInt ? 'an integer' : 'a number';
  const min = schema.minValue !== null && Math.abs(schema.minValue) < UNBOUNDED ? schema.minValue : undefined;
  const max = schema.maxValue !== null && Math.abs(schema.maxValue) < UNBOUNDED ? schema.maxValue : undefined;
  if (min !== undefined && max !== undefined) return `${noun} from ${min} to ${max}`;
  if (min !== undefined) return `${noun} of at least ${min}`;
  if (max !== undefined) return `${noun} of at most ${max}`;
  return noun;
}

function describeString(schema: z.ZodString): string {
  const min = schema.minLength ?? 0;
  const max = schema.maxLength;
  if (min > 1 && max !== null) return `a string of ${min} to ${max} characters`;
  if (min > 1) return `a string of at least ${min} characters`;
  if (min === 1) return 'a non-empty string';
  return 'a string';
}

/** "a non-empty string" → "non-empty strings", good enough for the few element types we have. */
function plural(text: string): string {
  return text.replace(/^an? (.*?)(string|integer|number|object)\b/, '$1$2s');
}

import type { EslEvent } from '../../lib/esl/wire';
import {
  CALLER_PROFILE_FIELDS,
  CHANNEL_BASIC,
  CONFERENCE_TEMPLATES,
  EVENT_PRELUDE,
  EVENT_TEMPLATES,
  OTHER_LEG_FIELDS,
  type EventTemplate,
} from '../../lib/simulator/event-templates';

const VARIABLES = '<variables>';

/** The order an event's headers must follow; all variable_* share one slot. */
export function layout(template: EventTemplate, subclass: boolean): string[] {
  const slots = [...(subclass ? ['Event-Subclass'] : []), ...EVENT_PRELUDE, ...template.before];
  if (template.channel) {
    slots.push(...CHANNEL_BASIC, ...CALLER_PROFILE_FIELDS.map((f) => `Caller-${f}`), 'Other-Type', ...OTHER_LEG_FIELDS.map((f) => `Other-Leg-${f}`));
  }
  if (template.variables) slots.push(VARIABLES);
  slots.push(...template.after);
  return slots;
}

/** The connect reply: the profile as Channel-*, the channel data, every variable, the reply headers. */
export const CHANNEL_DATA_LAYOUT = [
  ...EVENT_PRELUDE,
  ...CALLER_PROFILE_FIELDS.map((f) => `Channel-${f}`),
  ...CHANNEL_BASIC,
  ...CALLER_PROFILE_FIELDS.map((f) => `Caller-${f}`),
  'Other-Type',
  ...OTHER_LEG_FIELDS.map((f) => `Other-Leg-${f}`),
  VARIABLES,
  'Content-Type',
  'Reply-Text',
  'Socket-Mode',
  'Control',
];

/** The first header that is unknown to the layout or out of its order, if any. */
export function checkOrder(names: readonly string[], slots: readonly string[]): string | undefined {
  let position = 0;
  for (const name of names) {
    const key = name.startsWith('variable_') ? VARIABLES : name;
    if (!slots.includes(key)) return `unknown header ${name}`;
    const slot = slots.indexOf(key, position);
    if (slot < 0) return `${name} out of order`;
    position = key === VARIABLES ? slot : slot + 1;
  }
  return undefined;
}

/** Checks an event the simulator fired against its template; undefined when it fits (or has none). */
export function checkEventLayout(event: EslEvent): string | undefined {
  const custom = event.name === 'CUSTOM';
  const templates: Record<string, EventTemplate> = custom ? CONFERENCE_TEMPLATES : EVENT_TEMPLATES;
  const template = templates[custom ? (event.headers.get('Action') ?? '') : event.name];
  return template ? checkOrder(event.headers.names(), layout(template, custom)) : undefined;
}

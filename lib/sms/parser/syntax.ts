/** The forms as a subscriber reads them in a reply; kept in one place so every message agrees. */
export const CALLBACK_SYNTAX = '*1*[[DD.MM.YYYY*]HH:MM*]number1[*number2]';
export const CONFERENCE_SYNTAX = '*3*[[DD.MM.YYYY*]HH:MM*]number1*number2';
export const DATED_SYNTAX = '*1*DD.MM.YYYY*HH:MM*number';
export const COMMAND_LIST = '*1*number, *3*number1*number2, #redial, #register number, #unregister number, #reglist, #balance';

const QUOTE_MAX = 24;

/** Echoes what the subscriber wrote, cut short so a reply still fits in one SMS. */
export function quote(text: string): string {
  const chars = [...text];
  return `'${chars.length > QUOTE_MAX ? `${chars.slice(0, QUOTE_MAX - 1).join('')}…` : text}'`;
}

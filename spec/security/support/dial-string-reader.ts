/** A dial string read the way FreeSWITCH groups it (quotes protect commas and spaces). */
export interface ReadDialString {
  variables: Array<[string, string]>;
  gateway: string;
  number: string;
  /** What follows the leg: the originate's application, or nothing for a bridge target. */
  rest: string;
}

/** Reads `{a=1,b='x y'}sofia/gateway/GW/NUMBER…`; throws when it is not exactly one gateway leg. */
export function readDialString(text: string): ReadDialString {
  const match = /^(?:\{([^{}]*)\})?sofia\/gateway\/([A-Za-z0-9_.-]+)\/(\+?\d+)(.*)$/s.exec(text);
  if (!match) throw new Error(`not a single gateway leg: ${JSON.stringify(text)}`);
  const [, block, gateway = '', number = '', rest = ''] = match;
  return { variables: block === undefined ? [] : readVariableBlock(block), gateway, number, rest };
}

/** `a=1,b='x y'` (the inside of `{…}`) → its pairs in order; commas inside quotes do not split. */
export function readVariableBlock(block: string): Array<[string, string]> {
  const variables: Array<[string, string]> = [];
  let current = '';
  let quoted = false;
  for (const char of `${block},`) {
    if (char === "'") quoted = !quoted;
    else if (char === ',' && !quoted) {
      const eq = current.indexOf('=');
      variables.push([current.slice(0, eq), current.slice(eq + 1)]);
      current = '';
    } else current += char;
  }
  if (quoted) throw new Error(`unbalanced quote in {${block}}`);
  return variables;
}

/** What no dial string or ESL command built from data may contain: other legs, expansions, line ends. */
export const FOREIGN_SYNTAX = /[\r\n\0\t|[\]]|\$\{|:_:/;

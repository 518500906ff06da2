import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parsePromptList, PromptFiles } from '../../lib/ivr';

/** Prompts under `dir` as the shipped prompt list has them (every prompt in en and fr). */
export function shippedPromptFiles(dir = '/prompts'): PromptFiles {
  return new PromptFiles(dir, parsePromptList(readFileSync(join(__dirname, '../../freeswitch-conf/prompts/prompts.tsv'), 'utf8')));
}

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_PROMPTS } from '../../lib/callback/engine/context';
import { loadSettings } from '../../lib/config';
import { PROMPTS } from '../../lib/ivr';

const LIST = join(__dirname, '../../freeswitch-conf/prompts/prompts.tsv');

function lines(): string[] {
  return readFileSync(LIST, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.startsWith('#'));
}

function listed(): string[] {
  return lines().map((line) => line.split('\t')[0]!);
}

/** Every prompt name the service plays, derived from the code and the settings' defaults. */
function playedByTheCode(): string[] {
  const { features } = loadSettings({ env: {} });
  return [...Object.values(PROMPTS), ...Object.values(DEFAULT_PROMPTS), features.redialConfirmPrompt, features.faxPrompt].filter((name): name is string => name !== null);
}

/** The Busy and Failed IVR prompts the README suggests (callback.busyIvr, callback.failedIvr). */
const SUGGESTED = ['callback/busy', 'callback/failed'];

describe('the prompt list (freeswitch-conf/prompts/prompts.tsv)', () => {
  it('names each file once, each with the words to speak', () => {
    const files = listed();
    expect(new Set(files).size).toBe(files.length);
    for (const line of lines()) expect(line.split('\t')[1]?.trim()).toBeTruthy();
  });

  it('has every prompt the service plays in the default language, en, and in fr', () => {
    const files = listed();
    for (const language of ['en', 'fr']) {
      for (const name of [...playedByTheCode(), ...SUGGESTED]) expect(files).toContain(`${language}/${name}.wav`);
    }
  });

  it('lists nothing else, each file in a language folder', () => {
    const known = [...playedByTheCode(), ...SUGGESTED];
    for (const file of listed()) {
      const match = /^([a-z]{2,3})\/(.+)\.wav$/.exec(file);
      expect(match).not.toBeNull();
      expect(known).toContain(match![2]);
    }
  });
});

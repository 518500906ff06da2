import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_PROMPTS } from '../../lib/callback/engine/context';
import { loadSettings } from '../../lib/config';
import { PromptCatalogue, PROMPTS, type PromptName } from '../../lib/ivr';

const LIST = join(__dirname, '../../freeswitch-conf/prompts/prompts.tsv');

function listed(): string[] {
  return readFileSync(LIST, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.startsWith('#'))
    .map((line) => line.split('\t')[0]!);
}

/** Every file the service plays, as paths under freeswitch.promptsDir, derived from the code and the settings' defaults. */
function playedByTheCode(): string[] {
  const catalogue = new PromptCatalogue('');
  const ivr = (Object.keys(PROMPTS) as PromptName[]).map((name) => catalogue.file(name).replace(/^\//, ''));
  const { features } = loadSettings({ env: {} });
  const named = [...Object.values(DEFAULT_PROMPTS), features.redialConfirmPrompt, features.faxPrompt].map((name) => `${name}.wav`);
  return [...ivr, ...named];
}

describe('the prompt list (freeswitch-conf/prompts/prompts.tsv)', () => {
  it('names every file the service plays, each once, each with the words to speak', () => {
    const files = listed();
    expect(new Set(files).size).toBe(files.length);
    for (const file of playedByTheCode()) expect(files).toContain(file);
    for (const line of readFileSync(LIST, 'utf8').split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#'))) {
      expect(line.split('\t')[1]?.trim()).toBeTruthy();
    }
  });

  it('lists nothing else but the Busy and Failed IVR prompts the README suggests (callback.busyIvr, callback.failedIvr)', () => {
    const extra = listed().filter((file) => !playedByTheCode().includes(file));
    expect(extra.sort()).toEqual(['callback/busy.wav', 'callback/failed.wav']);
  });
});

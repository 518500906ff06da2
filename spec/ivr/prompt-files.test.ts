import { parsePromptList, PromptFiles } from '../../lib/ivr';

describe('PromptFiles', () => {
  const files = new PromptFiles('/prompts/', new Set(['en/callback/busy.wav', 'en/ivr/goodbye.wav', 'fr/callback/busy.wav']));

  it("plays a prompt from the language's folder when the list has it there", () => {
    expect(files.file('callback/busy', 'fr')).toBe('/prompts/fr/callback/busy.wav');
  });

  it("plays a prompt the language's folder lacks from the default language's", () => {
    expect(files.file('ivr/goodbye', 'fr')).toBe('/prompts/en/ivr/goodbye.wav');
    expect(files.file('callback/busy', 'de')).toBe('/prompts/en/callback/busy.wav');
  });

  it('takes the default language for no language or one that is not a language code', () => {
    expect(files.file('callback/busy')).toBe('/prompts/en/callback/busy.wav');
    expect(files.file('callback/busy', '../x')).toBe('/prompts/en/callback/busy.wav');
  });

  it('plays an unlisted prompt from the default language, the one folder an operator must fill', () => {
    expect(files.file('custom/welcome', 'fr')).toBe('/prompts/en/custom/welcome.wav');
    expect(new PromptFiles('/p', new Set(), 'de').file('custom/welcome', 'fr')).toBe('/p/de/custom/welcome.wav');
  });
});

describe('parsePromptList', () => {
  it('takes the first column of each line, skipping comments and blank lines', () => {
    expect([...parsePromptList('# list\n\nen/ivr/goodbye.wav\tGoodbye.\r\nfr/ivr/goodbye.wav\tAu revoir.\n')]).toEqual(['en/ivr/goodbye.wav', 'fr/ivr/goodbye.wav']);
  });
});

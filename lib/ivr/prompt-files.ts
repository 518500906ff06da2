/**
 * Where a prompt lies on the FreeSWITCH hosts, by language (#18 item 1): every prompt, of the
 * leg-A IVR, the engine (busy/failed IVR, insufficient funds, …) or a feature, is
 * `<promptsDir>/<language>/<name>.wav`. The controller cannot look at the FreeSWITCH hosts' disks,
 * so the prompt list (`freeswitch.promptsList`, the one `scripts/make-prompts.sh` speaks) says
 * which files exist: a name missing from a language's folder is played from the default
 * language's folder instead, file by file, so a half-translated language still plays every prompt.
 */
export const LANGUAGE_PATTERN = /^[a-z]{2,3}$/;

export class PromptFiles {
  private readonly dir: string;

  /** `listed`: the prompt list's paths under promptsDir, e.g. `fr/callback/busy.wav`. */
  constructor(
    dir: string,
    private readonly listed: ReadonlySet<string>,
    readonly defaultLanguage = 'en',
  ) {
    this.dir = dir.replace(/\/+$/, '');
  }

  /** The file FreeSWITCH opens for `name` (e.g. `callback/busy`) in `language`, else in the default language. */
  file(name: string, language?: string): string {
    return `${this.dir}/${this.languageOf(name, language)}/${name}.wav`;
  }

  /** The language `name` is played in: `language` when its folder has the file. */
  languageOf(name: string, language?: string): string {
    const wanted = language !== undefined && LANGUAGE_PATTERN.test(language) ? language : this.defaultLanguage;
    return this.listed.has(`${wanted}/${name}.wav`) ? wanted : this.defaultLanguage;
  }
}

/** The paths a prompt list names: one `<path><TAB><words>` a line, `#` comments and blank lines skipped. */
export function parsePromptList(text: string): Set<string> {
  const paths = new Set<string>();
  for (const line of text.split('\n')) {
    const path = line.split('\t')[0]?.trim() ?? '';
    if (path !== '' && !path.startsWith('#')) paths.add(path);
  }
  return paths;
}

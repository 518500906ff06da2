import { splitArgs } from '../dial-string';
import { collectDigits, parseMs, playFile, type CollectOptions } from './media';
import type { AppContext, Application } from './types';

interface DigitPrompt extends CollectOptions {
  tries: number;
  file: string;
  invalidFile: string | undefined;
  variable: string;
  pattern: RegExp | undefined;
}

function toRegExp(source: string | undefined): RegExp | undefined {
  if (source === undefined || source === '') return undefined;
  try {
    return new RegExp(source);
  } catch {
    return undefined;
  }
}

/**
 * Prompt, collect, validate, up to `tries` times. The result is only in variables: `<var>`,
 * `read_result`, `read_terminator_used`; Application-Response stays whatever it was (capture 05).
 */
async function promptForDigits(ctx: AppContext, prompt: DigitPrompt): Promise<void> {
  const { session, channel } = ctx;
  // Digits pressed before the application started are not type-ahead for it.
  session.digits.length = 0;
  let last = '';
  for (let attempt = 1; attempt <= prompt.tries; attempt++) {
    if (prompt.file !== '') {
      const played = await playFile(ctx, prompt.file, { stopOnDigit: true });
      if (played === 'hangup' || played === 'transfer') return;
    }
    const got = await collectDigits(ctx, prompt);
    if (got.interrupted) return;
    last = got.digits;
    channel.setVar('read_terminator_used', got.terminator);
    const valid = got.digits.length >= prompt.min && (prompt.pattern === undefined || prompt.pattern.test(got.digits));
    if (valid && got.digits !== '') {
      channel.setVar(prompt.variable, got.digits);
      channel.setVar('read_result', 'success');
      return;
    }
    if (prompt.invalidFile && attempt < prompt.tries) {
      const played = await playFile(ctx, prompt.invalidFile, { stopOnDigit: true });
      if (played === 'hangup' || played === 'transfer') return;
    }
  }
  channel.setVar(prompt.variable, undefined);
  channel.setVar('read_result', last === '' ? 'timeout' : 'failure');
}

/** `play_and_get_digits min max tries timeout terminators file invalid_file var regexp [digit_timeout]`. */
export const playAndGetDigits: Application = {
  names: ['play_and_get_digits'],
  async run(ctx) {
    const [min, max, tries, timeout, terminators, file, invalid, variable, regexp, digitTimeout] = splitArgs(ctx.arg);
    const timeoutMs = parseMs(timeout, 5000);
    await promptForDigits(ctx, {
      min: Number(min) || 0,
      max: Math.max(1, Number(max) || 1),
      tries: Math.max(1, Number(tries) || 1),
      timeoutMs,
      digitTimeoutMs: parseMs(digitTimeout, timeoutMs),
      terminators: terminators === 'none' ? '' : (terminators ?? '#'),
      file: file ?? '',
      invalidFile: invalid,
      variable: variable || 'pagd_input',
      pattern: toRegExp(regexp),
    });
  },
};

/** `read min max file var timeout terminators`: one try. */
export const read: Application = {
  names: ['read'],
  async run(ctx) {
    const [min, max, file, variable, timeout, terminators] = splitArgs(ctx.arg);
    const timeoutMs = parseMs(timeout, 5000);
    await promptForDigits(ctx, {
      min: Number(min) || 0,
      max: Math.max(1, Number(max) || 1),
      tries: 1,
      timeoutMs,
      digitTimeoutMs: timeoutMs,
      terminators: terminators ?? '#',
      file: file ?? '',
      invalidFile: undefined,
      variable: variable || 'read_input',
      pattern: undefined,
    });
  },
};

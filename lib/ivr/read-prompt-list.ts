import { readFileSync } from 'node:fs';
import type { Logger } from '../log/logger';
import { parsePromptList } from './prompt-files';

/**
 * The prompt list's paths. An unreadable list is logged and taken as empty, so every prompt is
 * played in the default language: a caller hears English rather than silence.
 */
export function readPromptList(path: string, logger: Logger): Set<string> {
  try {
    return parsePromptList(readFileSync(path, 'utf8'));
  } catch (error) {
    logger.error('prompt list unreadable: every prompt is played in the default language', { path, error: error instanceof Error ? error.message : String(error) });
    return new Set();
  }
}

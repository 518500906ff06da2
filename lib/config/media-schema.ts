import path from 'node:path';
import { z } from 'zod';
import { setting } from './setting-meta';

/*
 * D5/D7: recordings and faxes are written by FreeSWITCH and served by our API, so both must see
 * the same directory (one host, or a shared mount at the same path). The API serves nothing
 * outside it, whatever a row says.
 */
export const mediaSchema = z
  .strictObject({
    root: setting(
      z.string().min(1).default('./data/media'),
      'Directory of recordings (`recordings/`) and faxes (`faxes/`): FreeSWITCH writes there and the API serves files only from under it, so both must see it at the same path.',
      { allowed: 'a directory path (relative paths are resolved from the working directory at start-up)' },
    ),
  })
  .transform((value) => ({ root: path.resolve(value.root) }))
  .prefault({});

export type MediaSettings = z.infer<typeof mediaSchema>;

export function recordingsDirOf(media: MediaSettings): string {
  return path.join(media.root, 'recordings');
}

export function faxDirOf(media: MediaSettings): string {
  return path.join(media.root, 'faxes');
}

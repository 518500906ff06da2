import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import path from 'node:path';

/** libtiff's converter (Debian libtiff-tools); optional: without it faxes are kept as TIFF only. */
export const TIFF2PDF = 'tiff2pdf';

/** The executable `name` on PATH, or null. */
export function findOnPath(name: string, searchPath: string = process.env.PATH ?? ''): string | null {
  for (const dir of searchPath.split(path.delimiter)) {
    if (dir === '') continue;
    const candidate = path.join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

/** Runs `<converter> -o <pdf> <tiff>` (tiff2pdf's syntax); resolves false when it fails. */
export function convertTiffToPdf(converter: string, tiff: string, pdf: string, timeoutMs = 60_000): Promise<boolean> {
  return new Promise((resolve) => {
    execFile(converter, ['-o', pdf, tiff], { timeout: timeoutMs }, (error) => resolve(error === null));
  });
}

import { stat } from 'node:fs/promises';

/**
 * Bytes of a file FreeSWITCH wrote under media.root (a recording, a fax), 0 when it is not there:
 * the row is stored either way, and 0 tells the operator nothing arrived.
 */
export async function sizeOf(file: string): Promise<number> {
  try {
    return (await stat(file)).size;
  } catch {
    return 0;
  }
}

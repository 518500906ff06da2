/**
 * A small but valid multi-page TIFF (baseline, bilevel, uncompressed, 8×8 white pages at fax
 * resolution), what the simulator's `rxfax` leaves behind so that storing, serving and
 * converting a received fax can be tested without spandsp.
 */
const WIDTH = 8;
const HEIGHT = 8;
const ENTRY_COUNT = 12;
const IFD_BYTES = 2 + ENTRY_COUNT * 12 + 4;
const RATIONALS_BYTES = 16;
const STRIP_BYTES = (WIDTH / 8) * HEIGHT;
const PAGE_BYTES = STRIP_BYTES + RATIONALS_BYTES + IFD_BYTES;

const SHORT = 3;
const LONG = 4;
const RATIONAL = 5;

export function faxTiff(pages: number): Buffer {
  if (!Number.isInteger(pages) || pages < 1) throw new Error(`a TIFF needs at least one page, not ${pages}`);
  const buffer = Buffer.alloc(8 + pages * PAGE_BYTES);
  buffer.write('II', 0, 'latin1');
  buffer.writeUInt16LE(42, 2);
  buffer.writeUInt32LE(8 + STRIP_BYTES + RATIONALS_BYTES, 4);
  for (let page = 0; page < pages; page += 1) {
    const base = 8 + page * PAGE_BYTES;
    const strip = base;
    const rationals = strip + STRIP_BYTES;
    const ifd = rationals + RATIONALS_BYTES;
    // WhiteIsZero: the zeroed strip is a blank page. 204×196 dpi is fax "fine" resolution.
    buffer.writeUInt32LE(204, rationals);
    buffer.writeUInt32LE(1, rationals + 4);
    buffer.writeUInt32LE(196, rationals + 8);
    buffer.writeUInt32LE(1, rationals + 12);
    const entries: Array<[tag: number, type: number, count: number, value: number]> = [
      [256, SHORT, 1, WIDTH],
      [257, SHORT, 1, HEIGHT],
      [258, SHORT, 1, 1],
      [259, SHORT, 1, 1],
      [262, SHORT, 1, 0],
      [273, LONG, 1, strip],
      [278, SHORT, 1, HEIGHT],
      [279, LONG, 1, STRIP_BYTES],
      [282, RATIONAL, 1, rationals],
      [283, RATIONAL, 1, rationals + 8],
      [296, SHORT, 1, 2],
      [297, SHORT, 2, page | (pages << 16)],
    ];
    buffer.writeUInt16LE(entries.length, ifd);
    entries.forEach(([tag, type, count, value], i) => {
      const at = ifd + 2 + i * 12;
      buffer.writeUInt16LE(tag, at);
      buffer.writeUInt16LE(type, at + 2);
      buffer.writeUInt32LE(count, at + 4);
      if (type === SHORT && count === 1) buffer.writeUInt16LE(value, at + 8);
      else buffer.writeUInt32LE(value >>> 0, at + 8);
    });
    const next = page + 1 < pages ? 8 + (page + 1) * PAGE_BYTES + STRIP_BYTES + RATIONALS_BYTES : 0;
    buffer.writeUInt32LE(next, ifd + 2 + entries.length * 12);
  }
  return buffer;
}

/** Pages of a TIFF, by walking its IFD chain (little-endian files only); 0 if it is not one. */
export function tiffPageCount(data: Buffer): number {
  if (data.length < 8 || data.toString('latin1', 0, 2) !== 'II' || data.readUInt16LE(2) !== 42) return 0;
  let pages = 0;
  let offset = data.readUInt32LE(4);
  while (offset !== 0 && offset + 2 <= data.length && pages < 10_000) {
    pages += 1;
    const entries = data.readUInt16LE(offset);
    const nextAt = offset + 2 + entries * 12;
    if (nextAt + 4 > data.length) break;
    offset = data.readUInt32LE(nextAt);
  }
  return pages;
}

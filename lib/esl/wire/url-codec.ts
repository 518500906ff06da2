/**
 * FreeSWITCH's `switch_url_encode` / `switch_url_decode` for event-plain header values.
 *
 * Decoding never throws: modesl's `decodeURIComponent` crashes the process on a stray `%` or on
 * Latin-1 bytes (ESL-NOTES §7.1), so a malformed escape is kept literally and byte sequences that
 * are not UTF-8 are read as Latin-1.
 */

// Bytes FreeSWITCH escapes besides controls and non-ASCII (src/switch_utils.c).
const ESCAPED = new Set(' \r\n#%&+:;<=>?@[\\]^`{|}"'.split('').map((c) => c.charCodeAt(0)));
const HEX = /^[0-9A-Fa-f]{2}$/;
/** 1 for the ASCII characters written as they are; most header values are only these. */
const PLAIN = new Uint8Array(128).map((_, code) => (code > 0x20 && code < 0x7f && !ESCAPED.has(code) ? 1 : 0));
const ESCAPES = Array.from({ length: 256 }, (_, byte) => `%${byte.toString(16).toUpperCase().padStart(2, '0')}`);

/**
 * A value's event-plain form. Values are encoded for every event the simulator sends, and most
 * need nothing, so they are scanned as a string and returned as they are; a value with non-ASCII
 * characters is escaped byte by byte from its UTF-8 form, as FreeSWITCH does.
 */
export function eslUrlEncode(value: string): string {
  let i = 0;
  while (i < value.length && PLAIN[value.charCodeAt(i)] === 1) i++;
  if (i === value.length) return value;
  // One character per byte from here: non-ASCII text is taken as its UTF-8 bytes.
  const ascii = !NON_ASCII.test(value);
  const bytes = ascii ? value : Buffer.from(value, 'utf8').toString('latin1');
  if (!ascii) i = 0;
  let out = bytes.slice(0, i);
  for (; i < bytes.length; i++) {
    const byte = bytes.charCodeAt(i);
    const alreadyEscaped = byte === 0x25 && isHexDigit(bytes.charCodeAt(i + 1)) && isHexDigit(bytes.charCodeAt(i + 2));
    out += PLAIN[byte] === 1 || alreadyEscaped ? bytes[i] : ESCAPES[byte];
  }
  return out;
}

const NON_ASCII = /[^\0-\x7f]/;

function isHexDigit(code: number): boolean {
  return (code >= 0x30 && code <= 0x39) || (code >= 0x41 && code <= 0x46) || (code >= 0x61 && code <= 0x66);
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

export function eslUrlDecode(value: string): string {
  if (!value.includes('%')) return value;
  try {
    // The native decoder is much faster; it throws exactly on the inputs the slow path tolerates.
    return decodeURIComponent(value);
  } catch {
    return decodeTolerantly(value);
  }
}

function decodeTolerantly(value: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code === 0x25 && HEX.test(value.slice(i + 1, i + 3))) {
      bytes.push(parseInt(value.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (code < 0x80) {
      bytes.push(code);
    } else {
      bytes.push(...Buffer.from(value[i] as string, 'utf8'));
    }
  }
  const buffer = Buffer.from(bytes);
  try {
    return utf8.decode(buffer);
  } catch {
    return buffer.toString('latin1');
  }
}

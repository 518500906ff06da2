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

export function eslUrlEncode(value: string): string {
  const bytes = Buffer.from(value, 'utf8');
  let out = '';
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i] as number;
    const alreadyEscaped = byte === 0x25 && HEX.test(String.fromCharCode(bytes[i + 1] ?? 0, bytes[i + 2] ?? 0));
    if (!alreadyEscaped && (byte < 0x20 || byte > 0x7e || ESCAPED.has(byte))) {
      out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
    } else {
      out += String.fromCharCode(byte);
    }
  }
  return out;
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

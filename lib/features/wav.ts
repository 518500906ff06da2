/**
 * The RIFF/WAVE layout FreeSWITCH writes recordings in (capture 11a: 8 kHz 16-bit mono, 44-byte
 * header, 48044 bytes for 3.00 s). A recording's length is read from the file itself, which is
 * what the subscriber will play, whether or not we saw FreeSWITCH's RECORD_STOP.
 */
export interface WavFormat {
  readonly sampleRate: number;
  readonly channels: number;
  readonly bitsPerSample: number;
}

export const FREESWITCH_WAV: WavFormat = { sampleRate: 8000, channels: 1, bitsPerSample: 16 };

const byteRateOf = (format: WavFormat): number => (format.sampleRate * format.channels * format.bitsPerSample) / 8;

/** A canonical 44-byte header for `dataBytes` of samples. */
export function wavHeader(dataBytes: number, format: WavFormat = FREESWITCH_WAV): Buffer {
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(36 + dataBytes, 4);
  header.write('WAVEfmt ', 8, 'ascii');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(format.channels, 22);
  header.writeUInt32LE(format.sampleRate, 24);
  header.writeUInt32LE(byteRateOf(format), 28);
  header.writeUInt16LE((format.channels * format.bitsPerSample) / 8, 32);
  header.writeUInt16LE(format.bitsPerSample, 34);
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(dataBytes, 40);
  return header;
}

/**
 * The audio length of a WAV file of `fileBytes` whose first bytes are `head`, or undefined when
 * `head` is not a WAV header. The samples are counted from the file's size, not the header's data
 * size, which FreeSWITCH fills in only when it closes the file.
 */
export function wavDurationMs(head: Buffer, fileBytes: number): number | undefined {
  if (head.length < 12 || head.toString('ascii', 0, 4) !== 'RIFF' || head.toString('ascii', 8, 12) !== 'WAVE') return undefined;
  let byteRate: number | undefined;
  for (let offset = 12; offset + 8 <= head.length; ) {
    const id = head.toString('ascii', offset, offset + 4);
    const size = head.readUInt32LE(offset + 4);
    if (id === 'fmt ' && offset + 20 <= head.length) byteRate = head.readUInt32LE(offset + 16);
    if (id === 'data') {
      if (byteRate === undefined || byteRate === 0) return undefined;
      return Math.round((Math.max(0, fileBytes - (offset + 8)) * 1000) / byteRate);
    }
    offset += 8 + size + (size % 2);
  }
  return undefined;
}

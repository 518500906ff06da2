import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { inlineDialplan } from '../../lib/callback/engine/leg-control';
import { faxResultOf, findOnPath } from '../../lib/features';
import { EslHeaders, type EslEvent } from '../../lib/esl/wire';
import { faxTiff, tiffPageCount } from '../../lib/simulator/tiff';

const B = '9ce61a3c-e092-4daf-84a7-342113675bb1';

function event(name: string, headers: Record<string, string>): EslEvent {
  return { name, headers: new EslHeaders(Object.entries({ 'Event-Name': name, ...headers })) };
}

describe('faxResultOf (D5: what rxfax reported)', () => {
  it('reads the CUSTOM spandsp::rxfaxresult headers', () => {
    const e = event('CUSTOM', {
      'Event-Subclass': 'spandsp::rxfaxresult',
      'Unique-ID': B,
      'fax-success': '1',
      'fax-result-code': '0',
      'fax-result-text': 'OK',
      'fax-document-transferred-pages': '4',
    });
    expect(faxResultOf(e, B)).toEqual({ success: true, code: 0, text: 'OK', pages: 4 });
  });

  it("reads the same values from the channel's variables in CHANNEL_HANGUP_COMPLETE", () => {
    const e = event('CHANNEL_HANGUP_COMPLETE', {
      'Unique-ID': B,
      variable_fax_success: '0',
      variable_fax_result_code: '49',
      variable_fax_result_text: 'The call dropped prematurely',
      variable_fax_document_transferred_pages: '1',
    });
    expect(faxResultOf(e, B)).toEqual({ success: false, code: 49, text: 'The call dropped prematurely', pages: 1 });
  });

  it('a leg that never ran rxfax, or another leg, has no result', () => {
    expect(faxResultOf(event('CHANNEL_HANGUP_COMPLETE', { 'Unique-ID': B, variable_hangup_cause: 'NORMAL_CLEARING' }), B)).toBeUndefined();
    expect(faxResultOf(event('CHANNEL_HANGUP_COMPLETE', { 'Unique-ID': 'other', variable_fax_result_code: '0' }), B)).toBeUndefined();
  });
});

describe("the simulator's fax TIFF", () => {
  it.each([1, 3, 12])('a %i-page file is a little-endian TIFF whose IFD chain has that many pages', (pages) => {
    const data = faxTiff(pages);
    expect(data.subarray(0, 4)).toEqual(Buffer.from([0x49, 0x49, 42, 0]));
    expect(tiffPageCount(data)).toBe(pages);
  });

  it('anything else has no pages', () => {
    expect(tiffPageCount(Buffer.from('%PDF-1.4'))).toBe(0);
  });
});

describe('PDF converter detection (optional at run time)', () => {
  it('finds an executable on PATH and nothing when it is absent or not executable', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'callback-path-'));
    try {
      fs.writeFileSync(path.join(dir, 'tiff2pdf'), '#!/bin/sh\n', { mode: 0o755 });
      fs.writeFileSync(path.join(dir, 'plain'), 'x', { mode: 0o644 });
      expect(findOnPath('tiff2pdf', `/nonexistent${path.delimiter}${dir}`)).toBe(path.join(dir, 'tiff2pdf'));
      expect(findOnPath('plain', dir)).toBeNull();
      expect(findOnPath('tiff2pdf', '/nonexistent')).toBeNull();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('inlineDialplan (uuid_transfer … inline)', () => {
  it('joins app:arg steps, and refuses arguments an inline dialplan would split', () => {
    expect(inlineDialplan([['rxfax', '/var/faxes/r-b.tif']])).toBe('rxfax:/var/faxes/r-b.tif');
    expect(inlineDialplan([['conference', 'cb-1@default'], ['hangup', '']])).toBe('conference:cb-1@default,hangup');
    expect(() => inlineDialplan([['rxfax', '/a,b.tif']])).toThrow();
    expect(() => inlineDialplan([['rxfax', '/a b.tif']])).toThrow();
  });
});

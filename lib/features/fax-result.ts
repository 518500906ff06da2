import type { EslEvent } from '../esl/wire';

/** What mod_spandsp's `rxfax` reported at the end of a fax (phase E). */
export interface FaxResult {
  readonly success: boolean;
  /** spandsp's T.30 completion code: 0 OK, 2 nobody sent (T0 expired), 49 the call dropped … */
  readonly code: number;
  readonly text: string;
  readonly pages: number;
}

const RX_FAX_RESULT = 'spandsp::rxfaxresult';

/**
 * The fax result in an event about `uuid`, if it carries one: the CUSTOM spandsp::rxfaxresult
 * event (headers `fax-*`), or any channel event after it, such as CHANNEL_HANGUP_COMPLETE, whose
 * `variable_fax_*` copies the same values. Pure: no I/O.
 */
export function faxResultOf(event: EslEvent, uuid: string): FaxResult | undefined {
  const headers = event.headers;
  if (headers.get('Unique-ID') !== uuid) return undefined;
  const isResult = event.name === 'CUSTOM' && headers.get('Event-Subclass') === RX_FAX_RESULT;
  const read = (name: string): string | undefined => (isResult ? headers.get(`fax-${name.replace(/_/g, '-')}`) : headers.get(`variable_fax_${name}`));
  const code = Number(read('result_code'));
  if (read('result_code') === undefined || !Number.isInteger(code)) return undefined;
  const pages = Number(read('document_transferred_pages'));
  return {
    success: read('success') === '1',
    code,
    text: read('result_text') ?? '',
    pages: Number.isInteger(pages) && pages > 0 ? pages : 0,
  };
}

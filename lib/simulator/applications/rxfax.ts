import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { faxSenderOf } from '../phones';
import { faxTiff } from '../tiff';
import type { Application } from './types';

const DEFAULT_FAX_MS = 20_000;
/** spandsp's T0: how long a receiver waits for a sender's first signal. */
const T0_MS = 60_000;

/** T.30 completion codes (spandsp t30.h) the simulator reports. */
const RESULTS = {
  ok: { code: 0, text: 'OK' },
  noSender: { code: 2, text: 'Timed out waiting for initial communication' },
  dropped: { code: 49, text: 'The call dropped prematurely' },
} as const;

/**
 * mod_spandsp's `rxfax <file.tif>`: receives what the far end sends. A fax machine (PhoneBehaviour
 * `fax` or `faxTone`) leaves a TIFF of its pages at the path (the simulator writes on its own
 * host, like FreeSWITCH); a voice phone sends nothing and the receiver gives up after T0. Either
 * way the phase E results land in the fax_* channel variables (and so in CHANNEL_HANGUP_COMPLETE)
 * and a CUSTOM spandsp::rxfaxresult event, then the application returns.
 */
export const rxfax: Application = {
  names: ['rxfax'],
  async run({ core, session, channel, arg }) {
    const file = arg.trim();
    const sender = faxSenderOf(session.farEnd);
    const reason = await session.wait({ ms: sender ? (sender.durationMs ?? DEFAULT_FAX_MS) : T0_MS });
    let result: { code: number; text: string } = RESULTS.noSender;
    let pages = 0;
    if (reason !== 'timeout') result = RESULTS.dropped;
    else if (sender && file !== '') {
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, faxTiff(sender.pages));
      result = RESULTS.ok;
      pages = sender.pages;
    }
    const values = {
      'fax-success': result.code === 0 ? '1' : '0',
      'fax-result-code': String(result.code),
      'fax-result-text': result.text,
      'fax-document-transferred-pages': String(pages),
      'fax-document-total-pages': String(pages),
      'fax-image-resolution': pages > 0 ? '204x196' : '0x0',
      'fax-image-size': '0',
      'fax-bad-rows': '0',
      'fax-transfer-rate': '14400',
      'fax-ecm-used': 'off',
      'fax-local-station-id': 'SpanDSP Fax Ident',
      'fax-remote-station-id': sender ? 'SIM FAX' : '',
    };
    for (const [name, value] of Object.entries(values)) channel.setVar(name.replace(/-/g, '_'), value);
    core.fire(core.factory.rxFaxResult(channel, values));
  },
};

import { sizeOf } from './file-size';
import type { Talk } from '../callback/engine/flow';
import type { FaxStatus } from '../store';
import { faxResultOf, type FaxResult } from './fax-result';
import type { FeatureContext, FeatureHandler } from './handlers';
import { convertTiffToPdf } from './pdf-converter';

/**
 * D5 `*1`: the talk becomes a fax reception. decide moves the request to `receiving_fax`: B is
 * transferred to `rxfax <dir>/<request>-<B>.tif` (and stays billed), A hears the fax prompt and is
 * released. When B ends, the result FreeSWITCH left in B's channel variables decides the row in
 * `faxes` (account, request, leg B, pages, bytes, status), plus a PDF when a converter is set.
 */
export class ReceiveFax implements FeatureHandler {
  async exec({ talk, settings }: FeatureContext): Promise<void> {
    const { request, legB, ctx } = talk;
    const tiff = `${settings.faxDir.replace(/\/+$/, '')}/${request.id}-${legB.uuid}.tif`;
    // Listening starts before B is handed over, so no copy of the result can slip past.
    let result: FaxResult | undefined;
    const off = ctx.telephony.onEvent((event) => {
      result ??= faxResultOf(event, legB.uuid);
    });
    try {
      await talk.send({ type: 'fax_requested', path: tiff, prompt: settings.faxPrompt });
      // B ends however the fax goes (the inline dialplan is exhausted, the sender hangs up, the
      // talk limit): its settlement estimates the end if FreeSWITCH never reports it.
      await legB.signals.ended.promise;
    } finally {
      off();
    }
    if (!result) {
      // B was not in fax receive (it had hung up already, or the request had moved on).
      talk.log.info('no fax was received on leg B', { path: tiff });
      return;
    }
    const fax = result;
    await ctx.work.run(() => storeFax(talk, tiff, fax, settings.faxToPdf));
  }
}

async function storeFax(talk: Talk, tiff: string, result: FaxResult, converter: string | null): Promise<void> {
  const { request, legB, ctx } = talk;
  const bytes = await sizeOf(tiff);
  const status: FaxStatus = result.success && bytes > 0 ? 'received' : 'failed';
  let pdfPath: string | null = null;
  if (status === 'received' && converter !== null) {
    const pdf = tiff.replace(/\.tif$/, '.pdf');
    if (await convertTiffToPdf(converter, tiff, pdf)) pdfPath = pdf;
    else talk.log.warn('fax could not be converted to PDF; kept as TIFF', { converter, path: tiff });
  }
  const row = await ctx.store.faxes.create({
    accountId: request.accountId,
    requestId: request.id,
    legUuid: legB.uuid,
    path: tiff,
    bytes,
    pages: result.pages,
    status,
    resultCode: result.code,
    resultText: result.text.slice(0, 128),
    pdfPath,
  });
  talk.log.info('fax stored', { faxId: row.id, status, pages: row.pages, bytes, code: result.code, text: result.text, pdf: pdfPath !== null });
}


import { realpath } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { Fax, Recording } from '../../store';
import type { ApiContext } from './context';
import { notFound } from './errors';
import { mayAccess, targetAccount } from './principal';
import { defineRoute, type Route } from './route';
import { accountQuery, errorBody, mediaFileQuery, mediaView, numericIdParams } from './schemas';

type Kind = 'recordings' | 'faxes';

/**
 * A stored path, only if it lies under the media root: a row that points elsewhere (or `..`
 * tricks) is never served, whatever its owner.
 */
export function mediaPath(root: string | null, stored: string): string | null {
  if (root === null) return null;
  const base = path.resolve(root);
  const full = path.resolve(base, stored);
  return full.startsWith(base + path.sep) ? full : null;
}

/**
 * mediaPath, checked again after following symlinks: a link under the root that points out of
 * it (planted, or left by a careless copy) is never served. Missing files read as null too.
 */
export async function servableMediaPath(root: string | null, stored: string): Promise<string | null> {
  const full = mediaPath(root, stored);
  if (root === null || full === null) return null;
  try {
    const [realRoot, realFull] = await Promise.all([realpath(root), realpath(full)]);
    return realFull.startsWith(realRoot + path.sep) ? realFull : null;
  } catch {
    return null;
  }
}

function view(file: Recording | Fax): z.input<typeof mediaView> {
  return {
    id: file.id,
    requestId: file.requestId,
    bytes: file.bytes,
    createdAt: file.createdAt,
    ...('durationMs' in file ? { durationMs: file.durationMs } : {}),
    ...('pages' in file ? { pages: file.pages, status: file.status, pdf: file.pdfPath !== null } : {}),
  };
}

/** The stored path of the variant asked for; null when the file has no such variant. */
function variantPath(file: Recording | Fax, format: 'pdf' | undefined): string | null {
  if (format === undefined) return file.path;
  return 'pdfPath' in file ? file.pdfPath : null;
}

function mediaRoutesOf(ctx: ApiContext, kind: Kind): Route[] {
  const repo = kind === 'recordings' ? ctx.store.recordings : ctx.store.faxes;
  const what = kind === 'recordings' ? 'recording' : 'fax';
  const list = defineRoute(
    {
      method: 'get',
      path: `/${kind}`,
      operationId: kind === 'recordings' ? 'listRecordings' : 'listFaxes',
      summary: kind === 'recordings' ? 'Call recordings, newest first' : 'Received faxes, newest first',
      tag: 'media',
      authenticated: true,
      query: accountQuery,
      responses: { 200: { description: 'files', schema: z.object({ items: z.array(mediaView) }) } },
    },
    async ({ res, principal, query }) => {
      const accountId = targetAccount(principal, query.accountId);
      res.json({ items: (await repo.listForAccount(accountId)).map(view) });
    },
  );

  const download = defineRoute(
    {
      method: 'get',
      path: `/${kind}/:id/file`,
      operationId: kind === 'recordings' ? 'downloadRecording' : 'downloadFax',
      summary: kind === 'faxes' ? 'Download a fax: the TIFF, or with ?format=pdf its PDF (when one was made)' : 'Download a recording',
      tag: 'media',
      authenticated: true,
      params: numericIdParams,
      query: mediaFileQuery,
      responses: {
        200: { description: 'the file', contentType: 'application/octet-stream' },
        404: { description: `no such ${what}`, schema: errorBody },
      },
    },
    async ({ res, principal, params, query }) => {
      const file = await repo.findById(params.id);
      if (!file || !mayAccess(principal, file.accountId)) throw notFound(what);
      const stored = variantPath(file, query.format);
      const full = stored === null ? null : await servableMediaPath(ctx.mediaRoot, stored);
      if (!full) throw notFound(what);
      await new Promise<void>((resolve, reject) => {
        res.download(full, path.basename(full), { dotfiles: 'deny' }, (error) => {
          if (!error) return resolve();
          if (res.headersSent) return resolve();
          reject(notFound(`${what} file`));
        });
      });
    },
  );
  return [list, download];
}

export function mediaRoutes(ctx: ApiContext): Route[] {
  return [...mediaRoutesOf(ctx, 'recordings'), ...mediaRoutesOf(ctx, 'faxes')];
}

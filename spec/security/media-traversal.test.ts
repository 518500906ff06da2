import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import fc from 'fast-check';
import { mediaPath, servableMediaPath } from '../../lib/http/api/media';
import { apiFixture, type ApiFixture } from '../http/support/api-fixture';
import { describeEachDatabase } from '../support/databases';

const SECRET = 'TOP-SECRET-CONTENT-outside-the-media-root';
const GOOD = 'a real recording';

describe('media paths', () => {
  const root = '/srv/media';

  it('a stored path that climbs out of the root, is absolute elsewhere, or is the root itself is never served', () => {
    for (const stored of ['../etc/passwd', '../../etc/passwd', 'rec/../../etc/passwd', '/etc/passwd', '/srv/media-evil/x.wav', '../media-evil/x.wav', '', '.', 'rec/..', '/srv/media']) {
      expect({ stored, path: mediaPath(root, stored) }).toEqual({ stored, path: null });
    }
    expect(mediaPath(null, 'rec/a.wav')).toBeNull();
  });

  it('encoded dots and backslashes are literal names under the root, never a way out', () => {
    expect(mediaPath(root, '%2e%2e/%2e%2e/etc/passwd')).toBe('/srv/media/%2e%2e/%2e%2e/etc/passwd');
    expect(mediaPath(root, '..%2f..%2fetc%2fpasswd')).toBe('/srv/media/..%2f..%2fetc%2fpasswd');
    expect(mediaPath(root, '..\\..\\etc\\passwd')).toBe('/srv/media/..\\..\\etc\\passwd');
  });

  it('whatever the stored path, the result is null or strictly inside the root (property)', () => {
    const segment = fc.oneof(fc.constantFrom('..', '.', '', '/', 'rec', 'a.wav', '%2e%2e', '\\', '\0', 'media-evil'), fc.string({ maxLength: 6 }));
    fc.assert(
      fc.property(fc.array(segment, { maxLength: 8 }), fc.boolean(), (segments, absolute) => {
        const stored = `${absolute ? '/' : ''}${segments.join('/')}`;
        const full = mediaPath(root, stored);
        if (full !== null) expect(path.relative(root, full).split(path.sep)[0]).not.toBe('..');
        if (full !== null) expect(full.startsWith(`${root}/`)).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });
});

describeEachDatabase('media downloads under path traversal', (getDb) => {
  let directory: string;
  let root: string;
  let fixture: ApiFixture;
  let key: string;
  let accountId: number;

  beforeAll(async () => {
    directory = fs.mkdtempSync(path.join(os.tmpdir(), 'callback-media-'));
    root = path.join(directory, 'media');
    fs.mkdirSync(path.join(root, 'rec'), { recursive: true });
    fs.mkdirSync(path.join(directory, 'media-evil'));
    fs.writeFileSync(path.join(root, 'rec', 'good.wav'), GOOD);
    fs.writeFileSync(path.join(directory, 'secret.txt'), SECRET);
    fs.writeFileSync(path.join(directory, 'media-evil', 'x.wav'), SECRET);
    // Links under the root that lead out of it: to a file, and to a directory.
    fs.symlinkSync(path.join(directory, 'secret.txt'), path.join(root, 'rec', 'link.wav'));
    fs.symlinkSync(directory, path.join(root, 'outside'));
    fixture = await apiFixture(getDb(), { mediaRoot: root });
    const made = await fixture.account();
    key = made.key;
    accountId = made.account.id;
  });
  afterAll(() => fs.rmSync(directory, { recursive: true, force: true }));

  it('a link under the media root that points out of it is not servable', async () => {
    expect(await servableMediaPath(root, 'rec/link.wav')).toBeNull();
    expect(await servableMediaPath(root, 'outside/secret.txt')).toBeNull();
    expect(await servableMediaPath(root, 'rec/good.wav')).toBe(fs.realpathSync(path.join(root, 'rec', 'good.wav')));
  });

  it('recordings and faxes stored with .., absolute, encoded or symlinked paths are answered 404 and their content never leaves the server', async () => {
    const hostile = [
      '../secret.txt',
      'rec/../../secret.txt',
      path.join(directory, 'secret.txt'),
      '../media-evil/x.wav',
      '%2e%2e/secret.txt',
      '..%2fsecret.txt',
      'rec/link.wav',
      'outside/secret.txt',
      'rec/good.wav\0../../secret.txt',
    ];
    for (const stored of hostile) {
      for (const kind of ['recordings', 'faxes'] as const) {
        const file =
          kind === 'recordings'
            ? await fixture.store.recordings.create({ accountId, path: stored, bytes: 1, durationMs: 1 })
            : await fixture.store.faxes.create({ accountId, path: stored, bytes: 1, pages: 1 });
        const response = await request(fixture.app).get(`/api/v1/${kind}/${file.id}/file`).set('Authorization', `Bearer ${key}`).buffer(true);
        expect({ stored, kind, status: response.status }).toEqual({ stored, kind, status: 404 });
        expect(JSON.stringify(response.body)).not.toContain(SECRET);
        expect(response.text ?? '').not.toContain(SECRET);
      }
    }
  });

  it('traversal in the URL itself never reaches a file: the id must be a number', async () => {
    for (const url of ['/api/v1/recordings/..%2f..%2fsecret.txt/file', '/api/v1/recordings/%2e%2e/file', '/api/v1/faxes/1%2f..%2f..%2fsecret.txt/file', '/api/v1/recordings/../../secret.txt']) {
      const response = await request(fixture.app).get(url).set('Authorization', `Bearer ${key}`).buffer(true);
      expect({ url, refused: response.status >= 400 && response.status < 500 }).toEqual({ url, refused: true });
      expect(response.text ?? '').not.toContain(SECRET);
    }
  });

  it('a file inside the root is served to its owner and to nobody else', async () => {
    const file = await fixture.store.recordings.create({ accountId, path: 'rec/good.wav', bytes: GOOD.length, durationMs: 1 });
    const owner = await request(fixture.app).get(`/api/v1/recordings/${file.id}/file`).set('Authorization', `Bearer ${key}`).buffer(true).parse((res, done) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => done(null, text));
    });
    expect(owner.status).toBe(200);
    expect(owner.body).toBe(GOOD);
    const other = await fixture.account();
    const intruder = await request(fixture.app).get(`/api/v1/recordings/${file.id}/file`).set('Authorization', `Bearer ${other.key}`);
    expect(intruder.status).toBe(404);
  });
});

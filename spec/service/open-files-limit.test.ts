import { OPEN_FILES_MARGIN, currentOpenFilesLimit, openFilesWarning, parseOpenFilesLimit } from '../../lib/service/open-files-limit';

const LIMITS = `Limit                     Soft Limit           Hard Limit           Units
Max cpu time              unlimited            unlimited            seconds
Max open files            1024                 524288               files
Max locked memory         8388608              8388608              bytes
`;

describe('open-files limit', () => {
  it('reads the soft limit of /proc/<pid>/limits', () => {
    expect(parseOpenFilesLimit(LIMITS)).toBe(1024);
    expect(parseOpenFilesLimit(LIMITS.replace('1024  ', 'unlimited'))).toBe('unlimited');
    expect(parseOpenFilesLimit('Max cpu time unlimited unlimited seconds')).toBeUndefined();
    expect(parseOpenFilesLimit('Max open files  lots  lots files')).toBeUndefined();
    expect(parseOpenFilesLimit('')).toBeUndefined();
  });

  it('warns only when the nodes’ channels and the margin do not fit, saying what to raise', () => {
    expect(openFilesWarning(1024, 500)).toMatch(/open-files limit \(1024\) is below .* maxChannels \(500\) need \(1524 .*raise LimitNOFILE \(systemd\) or ulimit -n/);
    expect(openFilesWarning(500 + OPEN_FILES_MARGIN, 500)).toBeUndefined();
    expect(openFilesWarning('unlimited', 100_000)).toBeUndefined();
    expect(openFilesWarning(undefined, 100_000)).toBeUndefined();
  });

  it('reads this process’s limit on Linux', () => {
    const limit = currentOpenFilesLimit();
    if (process.platform === 'linux') expect(limit === 'unlimited' || (typeof limit === 'number' && limit > 0)).toBe(true);
    else expect(limit).toBeUndefined();
  });
});

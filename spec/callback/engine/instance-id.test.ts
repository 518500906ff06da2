import { isGoneSibling, newInstanceId } from '../../../lib/callback/engine/instance-id';

describe('#16.4 a claimant that is gone', () => {
  const self = newInstanceId('host-a', 4242, 'aaaaaaaa');
  const running = (pids: number[]) => (pid: number) => pids.includes(pid);

  it('is a process of this host that no longer runs, or whose pid we now have (a restart, PID 1 in a container)', () => {
    expect(isGoneSibling('host-a-17-bbbbbbbb', self, running([]))).toBe(true);
    expect(isGoneSibling('host-a-4242-bbbbbbbb', self, running([4242]))).toBe(true);
  });

  it('is never ourselves, a live process of this host, another host, or an id that says nothing', () => {
    expect(isGoneSibling(self, self, running([]))).toBe(false);
    expect(isGoneSibling('host-a-17-bbbbbbbb', self, running([17]))).toBe(false);
    expect(isGoneSibling('host-b-17-bbbbbbbb', self, running([]))).toBe(false);
    expect(isGoneSibling('engine-test', self, running([]))).toBe(false);
    expect(isGoneSibling('host-a-17-bbbbbbbb', 'engine-test', running([]))).toBe(false);
  });
});

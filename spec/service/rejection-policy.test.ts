import { spawn } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

async function runChild(env: Record<string, string> = {}): Promise<{ code: number | null; lines: string[] }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'spec', 'fixtures', 'rejection-policy-child.ts')], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  return { code, lines: output.split('\n').filter((line) => line !== '') };
}

describe('the process-level rejection policy (lib/main.ts)', () => {
  it('logs an unhandled rejection as an error, with its stack, and the process keeps running', async () => {
    const { code, lines } = await runChild();
    const logged = lines.map((line) => (line.startsWith('{') ? (JSON.parse(line) as Record<string, unknown>) : undefined)).find((entry) => entry?.message === 'unhandled promise rejection; calls go on');
    expect(logged).toMatchObject({ level: 'error', error: 'Error: a forgotten catch' });
    expect(String(logged?.stack)).toContain('rejection-policy-child.ts');
    expect(lines).toContain('still running');
    expect(code).toBe(0);
  });

  it('without it, Node ends the process on the same rejection (what every call would suffer)', async () => {
    const { code, lines } = await runChild({ WITHOUT_POLICY: '1' });
    expect(code).not.toBe(0);
    expect(lines).not.toContain('still running');
  });
});

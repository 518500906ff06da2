import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { CliContext } from '../../lib/cli/context';
import { buildProgram } from '../../lib/cli/program';

const REPO = path.resolve(__dirname, '..', '..');
const CATALOGUE = fs.readFileSync(path.join(REPO, 'docs', 'catalogue.md'), 'utf8');
/** A catalogue ID standing alone (`A6`, `D3`), as issues write them. */
const BARE_ID = /\b[TACDSBWO][1-9]\b/;

function rows(): Array<{ id: string; where: string[] }> {
  return [...CATALOGUE.matchAll(/^\| ([A-Z]\d) \|.*\| (.+) \|$/gm)].map((match) => ({
    id: match[1]!,
    where: [...match[2]!.matchAll(/`([^`]+)`/g)].map((path) => path[1]!),
  }));
}

function helpOf(command: Command): string {
  return [command.helpInformation(), ...command.commands.map(helpOf)].join('\n');
}

describe('docs/catalogue.md', () => {
  it('lists every feature ID once, each pointing at files and folders that exist', () => {
    const listed = rows();
    const expected = { T: 5, A: 6, C: 6, D: 8, S: 5, B: 6, W: 5, O: 6 };
    const ids = Object.entries(expected).flatMap(([letter, count]) => Array.from({ length: count }, (_, i) => `${letter}${i + 1}`));
    expect(listed.map((row) => row.id)).toEqual(ids);
    for (const row of listed) {
      expect(row.where.length).toBeGreaterThan(0);
      for (const where of row.where) expect([row.id, where, fs.existsSync(path.join(REPO, where))]).toEqual([row.id, where, true]);
    }
  });

  it('is what the README points at, instead of a file outside the repository', () => {
    const readme = fs.readFileSync(path.join(REPO, 'README.md'), 'utf8');
    expect(readme).toContain('(docs/catalogue.md)');
    expect(readme).not.toMatch(/\]\(\.\.\//);
  });

  it('keeps its IDs out of the CLI help, which an operator reads without the catalogue', () => {
    const io = { stdout: { write: () => true }, stderr: { write: () => true }, env: {}, cwd: REPO, now: () => 0, sleep: async () => undefined };
    const help = helpOf(buildProgram(new CliContext(io)));
    expect(help).toContain('callbacks');
    expect(help.split('\n').filter((line) => BARE_ID.test(line))).toEqual([]);
  });
});

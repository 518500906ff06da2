import fs from 'node:fs/promises';
import path from 'node:path';
import type { NewRate } from '../store';
import { CliError, EXIT, invalid } from './errors';
import { InvalidRateFile, parseRateCsv } from './rate-csv';

/**
 * A rate CSV named on the command line (relative to the operator's directory), checked whole:
 * a tariff's sell rates and a carrier's buy rates are read by the same code.
 */
export async function readRateFile(cwd: string, file: string): Promise<NewRate[]> {
  const rates = parseFile(await readFile(path.resolve(cwd, file)));
  // Never useful, and with --replace it would silently empty the tariff or the sheet.
  if (rates.length === 0) throw invalid('<file>', `${file} has a header but no rates`);
  return rates;
}

/** Writes a CSV export to a file (relative to the operator's directory). */
export async function writeRateFile(cwd: string, file: string, csv: string): Promise<void> {
  await fs.writeFile(path.resolve(cwd, file), csv);
}

async function readFile(file: string): Promise<string> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw invalid('<file>', `${file} does not exist`);
    throw new CliError(EXIT.failure, 'failure', `cannot read ${file}: ${(error as Error).message}`);
  }
}

function parseFile(text: string): NewRate[] {
  try {
    return parseRateCsv(text);
  } catch (error) {
    if (error instanceof InvalidRateFile) throw new CliError(EXIT.refused, 'invalid', `nothing imported; the file has errors:\n${error.message}`);
    throw error;
  }
}

import { parseMs } from './media';
import type { Application } from './types';

export const sleep: Application = {
  names: ['sleep'],
  async run({ session, arg }) {
    await session.wait({ ms: parseMs(arg.trim(), 0) });
  },
};

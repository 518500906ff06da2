import type { Application } from './types';

/** On an answered leg `answer` is a no-op: EXECUTE and EXECUTE_COMPLETE only (capture 05). */
export const answer: Application = {
  names: ['answer'],
  async run({ core, channel }) {
    core.answer(channel);
  },
};

export const preAnswer: Application = {
  names: ['pre_answer'],
  async run({ core, channel }) {
    core.preAnswer(channel);
  },
};

export const ringReady: Application = {
  names: ['ring_ready'],
  async run({ core, channel }) {
    core.ringReady(channel);
  },
};

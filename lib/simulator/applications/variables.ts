import { splitAssignment, type Application } from './types';

export const set: Application = {
  names: ['set'],
  async run({ channel, arg }) {
    const [name, value] = splitAssignment(arg);
    if (name !== '') channel.setVar(name, value);
  },
};

/** `export [nolocal:]var=value`: also set on the legs this one originates later (bridge). */
export const exportVar: Application = {
  names: ['export'],
  async run({ channel, arg }) {
    const noLocal = arg.startsWith('nolocal:');
    const [name, value] = splitAssignment(noLocal ? arg.slice('nolocal:'.length) : arg);
    if (name === '') return;
    if (!noLocal) channel.setVar(name, value);
    const exported = new Set((channel.getVar('export_vars') ?? '').split(',').filter((n) => n !== ''));
    exported.add(name);
    channel.setVar('export_vars', [...exported].join(','));
    if (noLocal) channel.setVar(`nolocal:${name}`, value);
  },
};

export const unset: Application = {
  names: ['unset'],
  async run({ channel, arg }) {
    channel.setVar(arg.trim(), undefined);
  },
};

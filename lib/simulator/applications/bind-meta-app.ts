import type { Application } from './types';

/** `bind_meta_app KEY LISTEN RESPOND APP[::ARGS]`: `*`+KEY is swallowed and APP queued (capture 06c). */
export const bindMetaApp: Application = {
  names: ['bind_meta_app'],
  async run({ session, arg }) {
    const [key = '', listen = 'a', respond = 'a', ...rest] = arg.trim().split(/\s+/);
    const action = rest.join(' ');
    const sep = action.indexOf('::');
    const app = sep < 0 ? action : action.slice(0, sep);
    if (!/^[0-9]$/.test(key) || app === '') return;
    const existing = session.metaBindings.findIndex((b) => b.key === key);
    if (existing >= 0) session.metaBindings.splice(existing, 1);
    session.metaBindings.push({ key, listen: listen.toLowerCase(), respond: respond.toLowerCase(), app, arg: sep < 0 ? '' : action.slice(sep + 2) });
  },
};

export const unbindMetaApp: Application = {
  names: ['unbind_meta_app'],
  async run({ session, arg }) {
    const key = arg.trim();
    for (let i = session.metaBindings.length - 1; i >= 0; i--) {
      if (key === '' || session.metaBindings[i]?.key === key) session.metaBindings.splice(i, 1);
    }
  },
};

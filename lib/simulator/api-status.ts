import type { SwitchCore } from './core';
import { localStamp } from './event-factory';

const VERSION = 'FreeSWITCH Version 1.10.12-release+simulator (64bit)';

const CHANNEL_COLUMNS = [
  'uuid',
  'direction',
  'created',
  'created_epoch',
  'name',
  'state',
  'cid_name',
  'cid_num',
  'ip_addr',
  'dest',
  'application',
  'application_data',
  'dialplan',
  'context',
  'read_codec',
  'read_rate',
  'read_bit_rate',
  'write_codec',
  'write_rate',
  'write_bit_rate',
  'secure',
  'hostname',
  'presence_id',
  'presence_data',
  'accountcode',
  'callstate',
  'callee_name',
  'callee_num',
  'callee_direction',
  'call_uuid',
  'sent_callee_name',
  'sent_callee_num',
  'initial_cid_name',
  'initial_cid_num',
  'initial_ip_addr',
  'initial_dest',
  'initial_dialplan',
  'initial_context',
] as const;

type ChannelRow = Record<(typeof CHANNEL_COLUMNS)[number], string>;

function channelRows(core: SwitchCore): ChannelRow[] {
  return core.sessions().map(({ channel }) => {
    const p = channel.profile;
    const codec = channel.media ? 'PCMU' : '';
    return {
      uuid: channel.uuid,
      direction: channel.direction,
      created: localStamp(channel.times.created),
      created_epoch: String(Math.floor(channel.times.created / 1000)),
      name: channel.name,
      state: channel.state,
      cid_name: p['Caller-ID-Name'] ?? '',
      cid_num: p['Caller-ID-Number'] ?? '',
      ip_addr: p['Network-Addr'] ?? '',
      dest: p['Destination-Number'] ?? '',
      application: channel.application ?? '',
      application_data: channel.application ? (channel.getVar('current_application_data') ?? '') : '',
      dialplan: p.Dialplan ?? '',
      context: p.Context ?? '',
      read_codec: codec,
      read_rate: channel.media ? '8000' : '',
      read_bit_rate: channel.media ? '64000' : '',
      write_codec: codec,
      write_rate: channel.media ? '8000' : '',
      write_bit_rate: channel.media ? '64000' : '',
      secure: '',
      hostname: core.config.identity.hostname,
      presence_id: '',
      presence_data: '',
      accountcode: '',
      callstate: channel.callState,
      callee_name: p['Callee-ID-Name'] ?? '',
      callee_num: p['Callee-ID-Number'] ?? '',
      callee_direction: '',
      call_uuid: channel.callUuid,
      sent_callee_name: '',
      sent_callee_num: '',
      initial_cid_name: p['Orig-Caller-ID-Name'] ?? '',
      initial_cid_num: p['Orig-Caller-ID-Number'] ?? '',
      initial_ip_addr: p['Network-Addr'] ?? '',
      initial_dest: p['Destination-Number'] ?? '',
      initial_dialplan: p.Dialplan ?? '',
      initial_context: p.Context ?? '',
    };
  });
}

/** `show channels [as json]`: mod_commands' CSV (header, rows, blank line, `N total.`; no header without rows) or JSON. */
export function showApi(core: SwitchCore, args: string): string {
  const [what = '', as, format] = args.split(/\s+/);
  if (what !== 'channels' && what !== 'calls') return `-USAGE: show channels [as json]\n`;
  const rows = channelRows(core);
  if (as === 'as' && format === 'json') {
    return JSON.stringify(rows.length === 0 ? { row_count: 0 } : { row_count: rows.length, rows });
  }
  // mod_commands writes the header with the first row, so an empty listing is only the count.
  if (rows.length === 0) return '\n0 total.\n';
  const lines = [CHANNEL_COLUMNS.join(','), ...rows.map((row) => CHANNEL_COLUMNS.map((c) => row[c]).join(','))];
  return `${lines.join('\n')}\n\n${rows.length} total.\n`;
}

/** `status`, in the shape of capture 01, with the uptime by the simulator's clock. */
export function statusApi(core: SwitchCore): string {
  let ms = core.now() - core.startedAt;
  const parts: Array<[number, string]> = [];
  for (const [unit, size] of [
    ['years', 365 * 86_400_000],
    ['days', 86_400_000],
    ['hours', 3_600_000],
    ['minutes', 60_000],
    ['seconds', 1000],
  ] as const) {
    parts.push([Math.floor(ms / size), unit]);
    ms %= size;
  }
  parts.push([Math.floor(ms), 'milliseconds'], [0, 'microseconds']);
  const live = core.sessions().length;
  const total = core.totalSessions;
  return [
    `UP ${parts.map(([n, unit]) => `${n} ${unit}`).join(', ')}`,
    `FreeSWITCH (Version 1.10.12-release  64bit) is ready`,
    `${total} session(s) since startup`,
    `${live} session(s) - peak ${live}, last 5min ${live} `,
    `0 session(s) per Sec out of max 100, peak 0, last 5min 0 `,
    `1000 session(s) max`,
    `min idle cpu 0.00/100.00`,
    `Current Stack Size/Max 240K/8192K`,
    '',
  ].join('\n');
}

export function versionApi(): string {
  return `${VERSION}\n`;
}

export function hostnameApi(core: SwitchCore): string {
  return core.config.identity.hostname;
}

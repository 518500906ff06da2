import { randomUUID } from 'node:crypto';
import type { ApiResult } from './api-commands';
import type { SwitchCore } from './core';
import { parseDialString, splitArgs } from './dial-string';
import { enterDialplan, originate } from './originate';

/** mod_conference's outcall caller ID: the profile's caller-id-name ($${outbound_caller_name}) and the rig's default number. */
const OUTCALL_CALLER_ID = { name: 'FreeSWITCH', number: '0000000000' };

/** `conference list`, `conference <name> list|kick|hup <id|all>|bgdial <dialstring> [cid_num] [cid_name]`. */
export function conferenceApi(core: SwitchCore, args: string): string | ApiResult {
  const [name = '', action = '', ...rest] = args.split(/\s+/);
  if (name === 'list' || name === '') {
    return core.conferences
      .list()
      .map((room) => `+OK Conference ${room.name} (${room.members.length} member${room.members.length === 1 ? '' : 's'})\n`)
      .join('');
  }
  if (action === 'bgdial') return bgdial(core, name, args.slice(args.indexOf('bgdial') + 'bgdial'.length));
  const room = core.conferences.get(name);
  if (!room) return `-ERR Conference ${name} not found\n`;
  if (action === 'list') {
    // Newest member first; flags without talking and floor, which need talk detection (capture 10).
    return [...room.members]
      .reverse()
      .map(({ id, session: { channel } }) => {
        const p = channel.profile;
        return `${id};${channel.name};${channel.uuid};${p['Caller-ID-Name'] ?? ''};${p['Caller-ID-Number'] ?? ''};hear|speak;0;0;100\n`;
      })
      .join('');
  }
  if (action === 'kick' || action === 'hup') {
    const target = rest[0] ?? 'all';
    const ids = core.conferences.kick(core, name, target);
    return ids.map((id) => `+OK ${action === 'kick' ? 'kicked' : 'hup'} ${id}\n`).join('') || `-ERR Non-Existant ID ${target}\n`;
  }
  return `-ERR Unsupported conference command ${action}\n`;
}

/**
 * `bgdial` is no bgapi job: it answers `+OK Job-UUID: <uuid>` (a uuid of FreeSWITCH's), dials,
 * reports with a conference::maintenance `bgdial-result` (Result, Job-UUID, Peer-UUID), and the
 * answered leg joins the conference (add-member) as its application (capture 10).
 */
function bgdial(core: SwitchCore, name: string, args: string): ApiResult {
  const [dial = '', cidNumber, cidName] = splitArgs(args);
  const jobUuid = randomUUID();
  const profile = core.conferences.get(name)?.profile ?? 'default';
  return { body: `+OK Job-UUID: ${jobUuid}\n`, after: () => void dialMember(core, { name, profile, dial, jobUuid, cidNumber, cidName }) };
}

interface Outcall {
  readonly name: string;
  readonly profile: string;
  readonly dial: string;
  readonly jobUuid: string;
  readonly cidNumber: string | undefined;
  readonly cidName: string | undefined;
}

async function dialMember(core: SwitchCore, call: Outcall): Promise<void> {
  const target = parseDialString(call.dial);
  const result = target.ok
    ? await originate(core, {
        target: target.value,
        callerIdName: call.cidName ?? OUTCALL_CALLER_ID.name,
        callerIdNumber: call.cidNumber ?? OUTCALL_CALLER_ID.number,
      })
    : ({ ok: false, cause: 'INVALID_URL' } as const);
  core.conferences.bgdialResult(core, call.name, {
    Result: result.ok ? 'SUCCESS' : result.cause,
    'Job-UUID': call.jobUuid,
    'Peer-UUID': result.ok ? result.session.channel.uuid : undefined,
  });
  if (!result.ok) return;
  enterDialplan(result.session.channel);
  void result.session.run([{ app: 'conference', arg: `${call.name}@${call.profile}` }]);
}

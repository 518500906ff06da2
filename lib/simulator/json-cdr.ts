import type { Channel } from './channel';
import type { SwitchIdentity } from './event-factory';

const micros = (ms: number | undefined): string => (ms === undefined ? '0' : String(Math.round(ms * 1000)));

/**
 * The JSON mod_json_cdr posts for a leg (switch_ivr_generate_json_cdr): the switch, channel
 * data, every channel variable as a string (encode-values false), and the caller profile with
 * its times in µs. Built after CHANNEL_HANGUP_COMPLETE, so the CDR variables (billsec,
 * hangup_cause, *_uepoch) are set. No app_log: the simulator keeps only the last application.
 */
export function jsonCdrOf(channel: Channel, identity: SwitchIdentity): Record<string, unknown> {
  const t = channel.times;
  const profile = channel.profile;
  return {
    'core-uuid': identity.coreUuid,
    switchname: identity.hostname,
    channel_data: { state: channel.state, direction: channel.direction, state_number: String(channel.stateNumber), flags: '', caps: '' },
    variables: Object.fromEntries(channel.variables()),
    callflow: {
      dialplan: profile.Dialplan ?? 'XML',
      profile_index: profile['Profile-Index'] ?? '1',
      caller_profile: {
        username: profile.Username ?? '',
        dialplan: profile.Dialplan ?? 'XML',
        caller_id_name: profile['Caller-ID-Name'] ?? '',
        ani: profile.ANI ?? '',
        aniii: '',
        caller_id_number: profile['Caller-ID-Number'] ?? '',
        network_addr: profile['Network-Addr'] ?? '',
        rdnis: '',
        destination_number: profile['Destination-Number'] ?? '',
        uuid: channel.uuid,
        source: profile.Source ?? 'mod_sofia',
        context: profile.Context ?? 'default',
        chan_name: channel.name,
      },
      times: {
        created_time: micros(t.created),
        profile_created_time: micros(t.created),
        progress_time: micros(t.progress),
        progress_media_time: micros(t.progressMedia),
        answered_time: micros(t.answered),
        bridged_time: micros(t.bridged),
        last_hold_time: '0',
        hold_accum_time: '0',
        hangup_time: micros(t.hangup),
        resurrect_time: '0',
        transfer_time: micros(t.transfer),
      },
    },
  };
}

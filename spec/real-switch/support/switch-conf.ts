import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The ports one FreeSWITCH under test uses, all on 127.0.0.1. */
export interface SwitchPorts {
  esl: number;
  /** The project's carrier-facing profile (sip_profiles/callback.xml). */
  sip: number;
  /** The test carrier: the outside world our gateway dials and access-number calls come from. */
  worldSip: number;
  /** The node's phones profile, where directory users register (one does, from the world: REGISTERED_USER). */
  phonesSip: number;
  rtpStart: number;
  rtpEnd: number;
}

/** Modules of the shared build that the configuration uses (the build has no others). */
const MODULES = [
  'mod_logfile', 'mod_event_socket', 'mod_sofia', 'mod_loopback', 'mod_commands', 'mod_conference', 'mod_db',
  'mod_dptools', 'mod_expr', 'mod_hash', 'mod_spandsp', 'mod_dialplan_xml', 'mod_json_cdr', 'mod_native_file',
  'mod_sndfile', 'mod_tone_stream', 'mod_local_stream', 'mod_say_en',
];

/**
 * The directory of the switch under test: users a call_extension leg may dial (`user/<id>@<domain>`),
 * none of them registered (no SIP phone registers in a test). `127.0.0.1` is the default domain
 * (the `domain` variable), what `user/<id>` without a domain looks in.
 */
export const DIRECTORY: Readonly<Record<string, readonly string[]>> = { 'pbx.test': ['1001', '1010'], '127.0.0.1': ['1001'] };

/**
 * The one directory user whose phone registers: a gateway of the world profile registers it on the
 * phones profile, so a `user/` leg to it reaches the world's scripted phone at its extension number.
 */
export const REGISTERED_USER = { extension: '1010', domain: 'pbx.test' } as const;

/** The directory section: the dial-string of FreeSWITCH's vanilla directory, which dials a user where it registered. */
function directorySection(): string {
  const dialString = '{presence_id=${dialed_user}@${dialed_domain}}${sofia_contact(*/${dialed_user}@${dialed_domain})}';
  const users = (ids: readonly string[]) => ids.map((id) => `<user id="${id}"><params><param name="password" value="${id}-test"/></params></user>`).join('');
  const domains = Object.entries(DIRECTORY).map(
    ([domain, ids]) => `    <domain name="${domain}"><params><param name="dial-string" value="${dialString}"/></params><groups><group name="default"><users>${users(ids)}</users></group></groups></domain>`,
  );
  return `  <section name="directory">\n${domains.join('\n')}\n  </section>`;
}

/** A settings block's `<param>` lines, one per entry, in the order given. */
/** A sofia profile on loopback, PCMA/PCMU with RFC 2833 DTMF: the world's (carriers, phones) and the registering phones'. */
function loopbackProfile(sipPort: number, context: string, options: { authCalls: boolean }): Record<string, string | number> {
  return {
    'sip-port': sipPort,
    'sip-ip': '127.0.0.1',
    'rtp-ip': '127.0.0.1',
    'ext-sip-ip': '127.0.0.1',
    'ext-rtp-ip': '127.0.0.1',
    dialplan: 'XML',
    context,
    'auth-calls': String(options.authCalls),
    'inbound-codec-prefs': 'PCMA,PCMU',
    'outbound-codec-prefs': 'PCMA,PCMU',
    'rfc2833-pt': 101,
    'dtmf-type': 'rfc2833',
    'rtp-timer-name': 'soft',
    'manage-presence': 'false',
  };
}

function params(settings: Record<string, string | number>): string {
  return Object.entries(settings)
    .map(([name, value]) => `  <param name="${name}" value="${value}"/>`)
    .join('\n');
}

/**
 * A configuration directory for one FreeSWITCH under test: the project's own freeswitch-conf/
 * files unchanged (their values come from the environment, `switchEnvironment`), on a minimal
 * core, plus the test carrier: a second profile whose `world` context plays every phone the
 * service dials. Each number's behaviour is an inline dialplan stored with `hash insert/world/…`
 * (see WorldPhones), so a test sets its phones up front as it does with the simulator's PhoneBook.
 */
export function writeSwitchConf(dir: string, projectConf: string, ports: SwitchPorts): void {
  for (const sub of ['autoload_configs', 'dialplan/public', 'sip_profiles']) mkdirSync(join(dir, sub), { recursive: true });
  cpSync(join(projectConf, 'autoload_configs'), join(dir, 'autoload_configs'), { recursive: true });
  cpSync(join(projectConf, 'dialplan/public'), join(dir, 'dialplan/public'), { recursive: true });
  cpSync(join(projectConf, 'sip_profiles'), join(dir, 'sip_profiles'), { recursive: true });
  // The test carrier sends from 127.0.0.1: it takes the place of the example carrier addresses.
  const acl = join(dir, 'autoload_configs/acl.conf.xml');
  writeFileSync(acl, readFileSync(acl, 'utf8').replace('cidr="203.0.113.0/24"', 'cidr="127.0.0.1/32"'));

  writeFileSync(
    join(dir, 'freeswitch.xml'),
    `<?xml version="1.0"?>
<document type="freeswitch/xml">
  <X-PRE-PROCESS cmd="set" data="domain=127.0.0.1"/>
  <X-PRE-PROCESS cmd="set" data="external_sip_ip=127.0.0.1"/>
  <X-PRE-PROCESS cmd="set" data="external_rtp_ip=127.0.0.1"/>
  <section name="configuration">
    <X-PRE-PROCESS cmd="include" data="autoload_configs/*.xml"/>
  </section>
  <section name="dialplan">
    <X-PRE-PROCESS cmd="include" data="dialplan/*.xml"/>
  </section>
${directorySection()}
</document>
`,
  );
  writeFileSync(
    join(dir, 'autoload_configs/modules.conf.xml'),
    `<configuration name="modules.conf"><modules>\n${MODULES.map((m) => `  <load module="${m}"/>`).join('\n')}\n</modules></configuration>\n`,
  );
  writeFileSync(
    join(dir, 'autoload_configs/switch.conf.xml'),
    `<configuration name="switch.conf"><settings>
${params({
  'max-sessions': 200,
  'sessions-per-second': 100,
  loglevel: 'info',
  'rtp-start-port': ports.rtpStart,
  'rtp-end-port': ports.rtpEnd,
  'dump-cores': 'no',
})}
</settings></configuration>
`,
  );
  writeFileSync(
    join(dir, 'autoload_configs/logfile.conf.xml'),
    `<configuration name="logfile.conf"><settings><param name="rotate-on-hup" value="true"/></settings>
<profiles><profile name="default"><settings><param name="rollover" value="104857600"/></settings>
<mappings><map name="all" value="info,notice,warning,err,crit,alert"/></mappings></profile></profiles></configuration>
`,
  );
  writeFileSync(
    join(dir, 'autoload_configs/sofia.conf.xml'),
    `<configuration name="sofia.conf"><global_settings><param name="log-level" value="0"/></global_settings>
<profiles>
<X-PRE-PROCESS cmd="include" data="../sip_profiles/*.xml"/>
</profiles></configuration>
`,
  );
  writeFileSync(
    join(dir, 'autoload_configs/local_stream.conf.xml'),
    `<configuration name="local_stream.conf">
  <directory name="moh" path="$\${sounds_dir}/music/8000"><param name="rate" value="8000"/><param name="shuffle" value="false"/></directory>
</configuration>
`,
  );
  writeFileSync(
    join(dir, 'sip_profiles/world.xml'),
    `<profile name="world"><settings>
${params(loopbackProfile(ports.worldSip, 'world', { authCalls: false }))}
</settings>
<gateways><gateway name="phone-${REGISTERED_USER.extension}">
${params({
  username: REGISTERED_USER.extension,
  password: `${REGISTERED_USER.extension}-test`,
  realm: REGISTERED_USER.domain,
  'from-domain': REGISTERED_USER.domain,
  proxy: `127.0.0.1:${ports.phonesSip}`,
  register: 'true',
  'expire-seconds': 600,
  // A call to the registration arrives in the world context as a call to this number.
  extension: REGISTERED_USER.extension,
})}
</gateway></gateways></profile>
`,
  );
  writeFileSync(
    join(dir, 'sip_profiles/phones.xml'),
    `<profile name="phones"><settings>
${params(loopbackProfile(ports.phonesSip, 'phones', { authCalls: true }))}
</settings></profile>
`,
  );
  writeFileSync(
    join(dir, 'dialplan/public.xml'),
    // An absolute path: a relative one resolves against the folder of the file included last.
    `<include>\n<context name="public">\n<X-PRE-PROCESS cmd="include" data="${join(dir, 'dialplan/public')}/*.xml"/>\n</context>\n</include>\n`,
  );
  // The phone at each number runs the inline dialplan the test stored for its n-th call (world-phones.ts); a number nobody set is unallocated.
  writeFileSync(
    join(dir, 'dialplan/world.xml'),
    `<include>
<context name="world">
  <extension name="scripted_phone" continue="true">
    <condition field="destination_number" expression="^\\+?(\\d+)$">
      <action application="set" data="world_number=$1" inline="true"/>
      <action application="set" data="world_call=\${expr(0\${hash(select/world_calls/\${world_number})}+1)}" inline="true"/>
      <action application="set" data="world_counted=\${hash(insert/world_calls/\${world_number}/\${world_call})}" inline="true"/>
      <action application="set" data="world_script=\${hash(select/world/\${world_number}-\${world_call})}" inline="true"/>
    </condition>
  </extension>
  <extension name="scripted_call">
    <condition field="\${world_script}" expression="^(.+)$">
      <action application="transfer" data="$1 inline"/>
    </condition>
  </extension>
  <extension name="scripted_later_calls">
    <condition field="\${hash(select/world/\${world_number}-last)}" expression="^(.+)$">
      <action application="transfer" data="$1 inline"/>
    </condition>
  </extension>
  <extension name="nobody">
    <condition field="destination_number" expression="^(.*)$">
      <action application="respond" data="404"/>
    </condition>
  </extension>
</context>
</include>
`,
  );
}

/** FreeSWITCH's environment for the project's files (freeswitch-conf/README.md lists the variables). */
export function switchEnvironment(options: {
  ports: SwitchPorts;
  eslPassword: string;
  controllerSocket: string;
  cdrUrl: string;
  cdrSecret: string;
  accessNumbers: readonly string[];
}): Record<string, string> {
  return {
    ESL_PASSWORD: options.eslPassword,
    ESL_LISTEN_IP: '127.0.0.1',
    ESL_PORT: String(options.ports.esl),
    CONTROLLER_SOCKET: options.controllerSocket,
    CDR_URL: options.cdrUrl,
    CDR_SECRET: options.cdrSecret,
    CARRIER_PROXY: `127.0.0.1:${options.ports.worldSip}`,
    CARRIER_REGISTER: 'false',
    CARRIER_SIP_PORT: String(options.ports.sip),
    CARRIER_SIP_IP: '127.0.0.1',
    CARRIER_RTP_IP: '127.0.0.1',
    ACCESS_NUMBERS: options.accessNumbers.map((n) => n.replace(/^\+/, '')).join('|'),
  };
}

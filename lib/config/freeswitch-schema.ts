import { z } from 'zod';
import { setting } from './setting-meta';
import { hostSchema, portSchema } from './value-schemas';

const NODE_EXAMPLE = '[{"name":"fs1","host":"10.0.0.5"}]';

const NODE_NAME_ALLOWED = 'a name of letters, digits, _ and - (it appears in logs, metrics and callback.callbackServer)';

const node = z.strictObject({
  name: setting(
    z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9_-]*$/)
      .max(64),
    'Unique name of the node.',
    { allowed: NODE_NAME_ALLOWED },
  ),
  host: setting(hostSchema(), 'Address of its inbound Event Socket.', { allowed: 'a host name or IP address' }),
  port: setting(portSchema().min(1).default(8021), 'Event Socket port (event_socket.conf.xml).'),
  password: setting(z.string().min(1).default('ClueCon'), 'Event Socket password.'),
  // The dial-string builder (lib/esl/dial-string.ts) takes the same alphabet: a name with `,` `|` `/`
  // or spaces would add legs to every originate, so it is refused at start-up, not at the first call.
  // Deprecated (issue #17): carriers are data. Kept so that an older configuration still calls out.
  gateways: setting(
    z.array(z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'a gateway name is 1-64 letters, digits, _ . -')).min(1).optional(),
    'Deprecated: carriers and their gateways are data now (`callback carriers`, `/api/v1/carriers`). When given, each gateway becomes a carrier of the same name reached through it on this node (created at start if missing; priority follows the order listed), and a warning is logged.',
    { allowed: 'a non-empty list of gateway names' },
  ),
  maxCps: setting(z.number().int().min(1).max(1000).default(10), 'Most originates per second sent to this node.'),
  maxChannels: setting(z.number().int().min(1).max(100000).default(500), 'Most concurrent channels we put on this node.'),
});

export const freeswitchSchema = z
  .strictObject({
    mode: setting(
      z.enum(['simulator', 'external']).default('simulator'),
      '`simulator`: start the bundled FreeSWITCH simulator (embedded mode); `external`: drive the FreeSWITCH nodes listed in `freeswitch.nodes`.',
    ),
    promptsDir: setting(
      z.string().regex(/^\/[^\s'"]*$/, 'an absolute path without spaces or quotes').default('/usr/local/freeswitch/sounds/prompts'),
      'Where the prompt files lie on the FreeSWITCH hosts, one folder per language (`<language>/<name>.wav`): `freeswitch.promptsList` lists them, scripts/make-prompts.sh speaks them.',
      { allowed: 'an absolute path without spaces or quotes' },
    ),
    promptsList: setting(
      z.string().min(1).default('freeswitch-conf/prompts/prompts.tsv'),
      'The prompt list (a file on the controller, relative to its working folder): the prompts that lie under `freeswitch.promptsDir`, as `<language>/<name>.wav`. A prompt a language lacks in it is played in `callback.language`; an unreadable list plays every prompt in `callback.language`.',
      { allowed: 'a file path' },
    ),
    cdrGraceSeconds: setting(
      z.number().int().min(0).max(60).default(5),
      "How long a CDR posted for a leg FreeSWITCH no longer has waits for that leg's CHANNEL_HANGUP_COMPLETE to reach us (mod_json_cdr posts before it) before the leg is settled from the CDR, with a warning. A CDR for a leg still live on its node never settles it.",
    ),
    nodes: setting(z.array(node).default([]), 'FreeSWITCH nodes (JSON array in the environment). Required in external mode.', {
      allowed: `a JSON array of nodes such as ${NODE_EXAMPLE}`,
    }),
  })
  .superRefine((value, ctx) => {
    if (value.mode === 'external' && value.nodes.length === 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['nodes'],
        message: `at least one node is required when freeswitch.mode is "external"; give a JSON array such as ${NODE_EXAMPLE}`,
      });
    }
    const seen = new Set<string>();
    value.nodes.forEach((entry, index) => {
      if (seen.has(entry.name)) {
        ctx.addIssue({ code: 'custom', path: ['nodes', index, 'name'], message: `duplicate node name "${entry.name}"; every node needs a unique name` });
      }
      seen.add(entry.name);
    });
  })
  .prefault({});

export type FreeswitchSettings = z.infer<typeof freeswitchSchema>;
export type FreeswitchNodeSettings = FreeswitchSettings['nodes'][number];

/** The node embedded mode's simulator stands for (its name in logs, metrics and callback.callbackServer). */
export const SIMULATOR_NODE_NAME = 'simulator';

/** The names of the nodes legs may go out on: the configured ones, or the simulator's in embedded mode. */
export function freeswitchNodeNames(settings: FreeswitchSettings): readonly string[] {
  return settings.mode === 'simulator' ? [SIMULATOR_NODE_NAME] : settings.nodes.map((node) => node.name);
}

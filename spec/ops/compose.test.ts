import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { loadSettings, type Settings } from '../../lib/config';

/*
 * compose.yaml is YAML written in JSON syntax, so JSON.parse reads exactly what Docker Compose
 * reads, without a YAML library. Checked here: the services exist and are wired to each other
 * (hosts, ports, credentials), and the controller's environment loads as settings, which also
 * proves every CALLBACK_* variable is a real setting (an unknown one is an error).
 */

const ROOT = path.resolve(__dirname, '..', '..');
const CONF = path.join(ROOT, 'freeswitch-conf');

const serviceSchema = z.object({
  image: z.string().optional(),
  build: z.object({ context: z.string(), dockerfile: z.string() }).optional(),
  entrypoint: z.array(z.string()).optional(),
  environment: z.record(z.string(), z.string()).default({}),
  ports: z.array(z.string()).default([]),
  volumes: z.array(z.string()).default([]),
  depends_on: z.record(z.string(), z.object({ condition: z.string() })).optional(),
  healthcheck: z.object({ test: z.array(z.string()) }).optional(),
});
const composeSchema = z.object({ services: z.record(z.string(), serviceSchema), volumes: z.record(z.string(), z.object({})).optional() });
type Service = z.infer<typeof serviceSchema>;

const compose = composeSchema.parse(JSON.parse(fs.readFileSync(path.join(ROOT, 'compose.yaml'), 'utf8')));

function service(name: string): Service {
  const found = compose.services[name];
  if (!found) throw new Error(`compose.yaml has no service ${name}`);
  return found;
}

/** Compose's `${VAR:-default}` / `${VAR}` with nothing set in the shell: what a fresh checkout gets. */
function interpolate(text: string): string {
  return text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}/g, (_match, _name: string, fallback: string | undefined) => fallback ?? '');
}

function environment(name: string): Record<string, string> {
  return Object.fromEntries(Object.entries(service(name).environment).map(([key, value]) => [key, interpolate(value)]));
}

/** "8080:8080" and "16384-16483:16384-16483/udp" as container ports. */
function containerPorts(name: string): { port: number; protocol: string }[] {
  return service(name).ports.flatMap((mapping) => {
    const [spec, protocol = 'tcp'] = mapping.split('/');
    const container = spec!.split(':').pop()!;
    const [first, last = first] = container.split('-').map(Number);
    return Array.from({ length: last! - first! + 1 }, (_, index) => ({ port: first! + index, protocol }));
  });
}

function xmlParam(file: string, name: string): string {
  const text = fs.readFileSync(path.join(CONF, file), 'utf8');
  const match = new RegExp(`<param name="${name}" value="([^"]*)"/>`).exec(text);
  if (!match) throw new Error(`${file} has no param ${name}`);
  const variable = /^\$\$\{(\w+)\}$/.exec(match[1]!)?.[1];
  if (!variable) return match[1]!;
  // A value FreeSWITCH takes from its environment (env-set), or else the file's own default (set).
  const fromEnv = new RegExp(`cmd="env-set" data="${variable}=\\$(\\w+)"`).exec(text)?.[1];
  const value = fromEnv ? environment('freeswitch')[fromEnv] : undefined;
  if (value !== undefined) return value;
  const preset = new RegExp(`cmd="set" data="${variable}=([^"]*)"`).exec(text);
  if (!preset) throw new Error(`${file} sets no default for ${variable}`);
  return preset[1]!;
}

/** ENV lines of the Dockerfile's last stage (the image the controller runs). */
function imageEnvironment(): Record<string, string> {
  const dockerfile = fs.readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
  const lastStage = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
  const env: Record<string, string> = {};
  for (const block of lastStage.matchAll(/^ENV\s+((?:.*\\\n)*.*)$/gm)) {
    for (const pair of block[1]!.replace(/\\\n/g, ' ').matchAll(/([A-Za-z_][A-Za-z0-9_]*)=(\S*)/g)) env[pair[1]!] = pair[2]!;
  }
  return env;
}

describe('compose.yaml', () => {
  let settings: Settings;
  beforeAll(() => {
    settings = loadSettings({ env: environment('controller') });
  });

  it('runs the controller, MariaDB, Redis and a public FreeSWITCH image', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['controller', 'freeswitch', 'mysql', 'redis']);
    expect(service('controller').build).toEqual({ context: '.', dockerfile: 'Dockerfile' });
    expect(fs.existsSync(path.join(ROOT, 'Dockerfile'))).toBe(true);
    expect(service('mysql').image).toMatch(/^(mariadb|mysql):/);
    expect(service('redis').image).toMatch(/^redis:7/);
    expect(service('freeswitch').build).toBeUndefined();
    expect(service('freeswitch').image).toMatch(/^safarov\/freeswitch:\d/);
    expect(service('controller').depends_on).toEqual({
      mysql: { condition: 'service_healthy' },
      redis: { condition: 'service_healthy' },
      freeswitch: { condition: 'service_started' },
    });
    expect(service('mysql').healthcheck).toBeDefined();
    expect(service('redis').healthcheck).toBeDefined();
  });

  it("loads the controller's environment as settings: every CALLBACK_* variable is a real setting", () => {
    const callbackVariables = Object.keys(environment('controller')).filter((name) => name.startsWith('CALLBACK_'));
    expect(callbackVariables.length).toBeGreaterThan(5);
    expect(settings.env).toBe('production');
    expect(settings.http.host).toBe('0.0.0.0');
    expect(settings.socketServer.host).toBe('0.0.0.0');
    expect(settings.freeswitch.mode).toBe('external');
  });

  it('points the controller at the mysql service, with the credentials that service creates', () => {
    if (settings.database.client !== 'mysql') throw new Error('expected the mysql database client');
    const url = new URL(settings.database.url);
    const mysql = environment('mysql');
    expect([url.hostname, url.port, url.pathname.slice(1)]).toEqual(['mysql', '3306', mysql.MARIADB_DATABASE]);
    expect([decodeURIComponent(url.username), decodeURIComponent(url.password)]).toEqual([mysql.MARIADB_USER, mysql.MARIADB_PASSWORD]);
  });

  it('points the queue at the redis service', () => {
    if (settings.queue.driver !== 'redis') throw new Error('expected the redis queue driver');
    const url = new URL(settings.queue.url);
    expect([url.hostname, url.port || '6379']).toEqual(['redis', '6379']);
  });

  it('wires the controller and FreeSWITCH to each other: Event Socket one way, outbound socket the other', () => {
    const [node] = settings.freeswitch.nodes;
    const freeswitch = environment('freeswitch');
    expect(settings.freeswitch.nodes).toHaveLength(1);
    expect(node).toMatchObject({ host: 'freeswitch', port: Number(xmlParam('autoload_configs/event_socket.conf.xml', 'listen-port')), password: freeswitch.ESL_PASSWORD });
    expect(settings.socketServer.advertiseHost).toBe('controller');
    expect(freeswitch.CONTROLLER_SOCKET).toBe(`${settings.socketServer.advertiseHost}:${settings.socketServer.port}`);
    expect(freeswitch.CDR_URL).toMatch(new RegExp(`^http://controller:${settings.http.port}/`));
    // Every gateway the node originates through is defined for the callback profile. The stack
    // still lists it on the node (deprecated), so a first start seeds its carrier (issue #17).
    const listed = node?.gateways ?? [];
    expect(listed.length).toBeGreaterThan(0);
    const gateways = fs
      .readdirSync(path.join(CONF, 'sip_profiles', 'callback'))
      .flatMap((file) => [...fs.readFileSync(path.join(CONF, 'sip_profiles', 'callback', file), 'utf8').matchAll(/<gateway name="([^"]+)"/g)].map((m) => m[1]));
    expect(gateways).toEqual(expect.arrayContaining(listed));
  });

  it('publishes the ports the settings and the FreeSWITCH files use', () => {
    expect(service('controller').ports).toEqual([`${settings.http.port}:${settings.http.port}`]);
    const published = containerPorts('freeswitch');
    const sipPort = Number(xmlParam('sip_profiles/callback.xml', 'sip-port'));
    expect(published).toEqual(expect.arrayContaining([{ port: sipPort, protocol: 'udp' }, { port: sipPort, protocol: 'tcp' }]));
    const freeswitch = environment('freeswitch');
    const rtp = published.filter((entry) => entry.protocol === 'udp' && entry.port !== sipPort).map((entry) => entry.port);
    expect([Math.min(...rtp), Math.max(...rtp), rtp.length]).toEqual([Number(freeswitch.RTP_START_PORT), Number(freeswitch.RTP_END_PORT), Number(freeswitch.RTP_END_PORT) - Number(freeswitch.RTP_START_PORT) + 1]);
  });

  it('configures FreeSWITCH from ./freeswitch-conf through a script that exists there', () => {
    const freeswitch = service('freeswitch');
    expect(freeswitch.volumes).toContain('./freeswitch-conf:/callback-conf:ro');
    const script = freeswitch.entrypoint?.at(-1) ?? '';
    expect(script.startsWith('/callback-conf/')).toBe(true);
    expect(fs.existsSync(path.join(CONF, script.slice('/callback-conf/'.length)))).toBe(true);
    const named = freeswitch.volumes.concat(service('mysql').volumes, service('redis').volumes).map((volume) => volume.split(':')[0]!).filter((name) => !name.startsWith('.'));
    expect(Object.keys(compose.volumes ?? {}).sort()).toEqual([...new Set(named)].sort());
  });

  // Known bug, reported to the lead: the Dockerfile sets CALLBACK_SKIP_SETUP=1 (for
  // scripts/ensure-setup.cjs), which the settings loader refuses as an unknown CALLBACK_*
  // variable, so the image cannot start. Fixed by adding it to RESERVED_ENV_VARS in
  // lib/config/env-names.ts; then this becomes an ordinary `it`.
  it("loads the image's own ENV together with the compose environment", () => {
    loadSettings({ env: { ...imageEnvironment(), ...environment('controller') } });
  });
});

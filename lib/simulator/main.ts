/**
 * `npm run simulator [phones.json]`: a FreeSWITCH simulator on CALLBACK_SIMULATOR_PORT (default
 * 8021), password ClueCon, until SIGINT/SIGTERM. With CALLBACK_SIMULATOR_CDR_URL it posts a
 * mod_json_cdr CDR for every leg there, as user `freeswitch` with CALLBACK_SECURITY_CDR_SECRET.
 */
import { createLogger } from '../log/logger';
import { readPhoneFile } from './phone-file';
import { FreeswitchSimulator } from './simulator';

async function main(): Promise<void> {
  const logger = createLogger({ level: 'info', format: 'pretty' });
  const host = process.env.CALLBACK_SIMULATOR_HOST ?? '127.0.0.1';
  const port = Number(process.env.CALLBACK_SIMULATOR_PORT ?? '8021');
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`CALLBACK_SIMULATOR_PORT is not a port: ${process.env.CALLBACK_SIMULATOR_PORT}`);
  const phoneFile = process.argv[2];
  const config = phoneFile ? readPhoneFile(phoneFile) : undefined;
  const sim = await FreeswitchSimulator.start({
    eslHost: host,
    eslPort: port,
    password: 'ClueCon',
    logger,
    gateways: config?.gateways,
    defaultPhone: config?.defaultPhone,
  });
  for (const [number, behaviour] of Object.entries(config?.phones ?? {})) sim.setPhone(number, behaviour);
  const cdrUrl = process.env.CALLBACK_SIMULATOR_CDR_URL;
  if (cdrUrl) {
    sim.postCdrsTo({ url: cdrUrl, cred: `freeswitch:${process.env.CALLBACK_SECURITY_CDR_SECRET ?? ''}` });
    logger.info(`posting CDRs to ${cdrUrl}`);
  }
  logger.info(`FreeSWITCH simulator listening on ${host}:${sim.eslPort} (password ClueCon)${phoneFile ? `, phones from ${phoneFile}` : ''}`);
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info(`simulator: ${signal}, stopping`);
    void sim.stop().then(() => process.exit(0));
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});

import { join } from 'node:path';
import { loadSettings, type Settings } from '../../lib/config';

export const TEST_OPERATOR_KEY = 'operator-key-for-tests-0123456789';

/** The whole service on embedded defaults in `dir`, on free ports, without the demo call; `env` adds or overrides settings. */
export function embeddedServiceSettings(dir: string, env: Record<string, string> = {}): Settings {
  return loadSettings({
    env: {
      CALLBACK_DATABASE_FILENAME: join(dir, 'callback.sqlite'),
      CALLBACK_HTTP_PORT: '0',
      CALLBACK_SOCKET_SERVER_PORT: '0',
      CALLBACK_SIMULATOR_ESL_PORT: '0',
      CALLBACK_SIMULATOR_DEMO_CALLBACK: 'false',
      CALLBACK_SECURITY_OPERATOR_API_KEY: TEST_OPERATOR_KEY,
      CALLBACK_SECURITY_WEBHOOK_SECRET: 'webhook-secret-for-tests-0123456789',
      ...env,
    },
  });
}

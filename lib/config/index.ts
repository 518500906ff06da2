/** The service's settings: one schema, loaded from defaults, a JSON file and the environment. */
export { loadSettings, type LoadOptions } from './load';
export {
  defaultSettings,
  settingsSchema,
  type CallbackSettings,
  type DatabaseSettings,
  type FreeswitchNodeSettings,
  type FreeswitchSettings,
  type QueueSettings,
  type Settings,
  type SettingsInput,
  type VerificationSettings,
} from './schema';
export { SettingsError, type SettingsIssue } from './errors';
export { redactSettings } from './redact';
export { settingsTable } from './docs';
export { CONFIG_FILE_ENV, ENV_PREFIX } from './env-names';

/** One problem with one setting, already worded for an operator and free of secrets. */
export interface SettingsIssue {
  /** Dotted setting path (`callback.maxRetries`), or the variable / file the problem is about. */
  readonly setting: string;
  /** Where the value came from: an environment variable or a config-file key (or where to set it). */
  readonly source: string;
  /** The value as given, rendered as JSON and masked; `(not set)` when there was none. */
  readonly value: string;
  /** What is wrong, usually "expected …" with what is allowed. */
  readonly problem: string;
  /** `setting (source) = value: problem`. */
  readonly message: string;
}

export function settingsIssue(fields: Omit<SettingsIssue, 'message'>): SettingsIssue {
  return { ...fields, message: `${fields.setting} (${fields.source}) = ${fields.value}: ${fields.problem}` };
}

/** Thrown at start-up with every problem found, so one run shows all that needs fixing. */
export class SettingsError extends Error {
  readonly issues: readonly SettingsIssue[];

  constructor(issues: readonly SettingsIssue[]) {
    const count = issues.length === 1 ? '1 problem' : `${issues.length} problems`;
    super(`Invalid settings (${count}):\n${issues.map((issue) => `  - ${issue.message}`).join('\n')}`);
    this.name = 'SettingsError';
    this.issues = issues;
  }
}

// Ends `npm test` with one line naming the suites skipped for want of a service (MariaDB, Redis,
// a server binary, Chromium, Kannel) and how to get it, so a green run on a machine with Node
// alone says what it did not test. It reads the titles spec/support/external-services.ts gives
// those skipped tests. Plain CommonJS: Jest loads reporters without transforming them.
'use strict';

const SKIPPED = /^skipped: needs (.+?) \((.*)\)$/;

class SkippedServicesReporter {
  constructor() {
    /** @type {Map<string, Set<string>>} "what (how to get it)" → test files that needed it */
    this.files = new Map();
  }

  /** @param {unknown} _test @param {{ testFilePath: string, testResults: Array<{ status: string, title: string }> }} result */
  onTestResult(_test, result) {
    for (const test of result.testResults) {
      const match = test.status === 'pending' ? SKIPPED.exec(test.title) : null;
      if (!match) continue;
      const key = `${match[1]} (${match[2]})`;
      const files = this.files.get(key) ?? new Set();
      files.add(result.testFilePath);
      this.files.set(key, files);
    }
  }

  onRunComplete() {
    if (this.files.size === 0) return;
    const parts = [...this.files].map(([need, files]) => `${files.size} ${files.size === 1 ? 'suite needs' : 'suites need'} ${need}`);
    const line = `skipped: ${parts.join('; ')}. Under CI=true they fail instead.\n`;
    // Jest always runs its own summary reporter after the configured ones; a turn later, this
    // line comes after the "Tests:" block, as the last thing printed.
    setImmediate(() => process.stderr.write(line));
  }
}

module.exports = SkippedServicesReporter;

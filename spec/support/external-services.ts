import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/**
 * Something a suite needs from outside Node (a server, a binary, a browser), and how to get it.
 * `found` is what the suite runs against (a URL, a path), undefined when it is missing.
 */
export interface ExternalService<T> {
  readonly what: string;
  readonly howTo: string;
  readonly found: T | undefined;
}

/**
 * The title of the test that stands for a suite skipped for want of `service`. The summary reporter
 * (spec/support/skipped-services-reporter.cjs) reads it back: keep both in step.
 */
export function skippedTitle(service: ExternalService<unknown>): string {
  return `skipped: needs ${service.what} (${service.howTo})`;
}

/**
 * Registers `body` when `service` is found. When it is missing, `npm test` on a machine with Node
 * alone must still pass and say why: the block gets one skipped test naming what it needs. Under
 * CI (which installs everything, see .ci/run) a missing service fails instead, so that a broken CI
 * machine cannot pass by quietly testing less.
 */
export function describeWith<T>(service: ExternalService<T>, name: string, body: (found: T) => void): void {
  if (service.found !== undefined) {
    const found = service.found;
    describe(name, () => body(found));
    return;
  }
  describe(name, () => missing(service, it));
}

/** Like describeWith, for one test inside a block that runs anyway. */
export function itWith<T>(service: ExternalService<T>, name: string, test: (found: T) => Promise<void>, timeoutMs?: number): void {
  if (service.found !== undefined) {
    const found = service.found;
    it(name, () => test(found), timeoutMs);
    return;
  }
  describe(name, () => missing(service, it));
}

function missing(service: ExternalService<unknown>, register: jest.It): void {
  if (process.env.CI) {
    register(`has ${service.what} to run against`, () => {
      throw new Error(`${service.what} is missing, and under CI this suite must run: ${service.howTo}.`);
    });
  } else {
    register.skip(skippedTitle(service), () => undefined);
  }
}

/** The shared MariaDB server of the store tests (`mysql://user:pass@host:port/`). */
export function testMariadb(): ExternalService<string> {
  return { what: 'MariaDB', howTo: 'set TEST_MYSQL_URL, see scripts/start-test-services.sh', found: process.env.TEST_MYSQL_URL || undefined };
}

/** The shared Redis server of the queue tests. */
export function testRedis(): ExternalService<string> {
  return { what: 'Redis', howTo: 'set TEST_REDIS_URL, see scripts/start-test-services.sh', found: process.env.TEST_REDIS_URL || undefined };
}

/** The MariaDB server binaries, for tests that start, stop and kill a server of their own. */
export function mariadbServerBinaries(): ExternalService<true> {
  const found = runs('mariadbd', ['--version']) && runs('mariadb-install-db', ['--help']);
  return { what: 'the mariadbd binary', howTo: 'apt-get install mariadb-server', found: found || undefined };
}

/** A redis-server binary, for tests that start, flush and kill a server of their own. */
export function redisServerBinary(): ExternalService<true> {
  return { what: 'the redis-server binary', howTo: 'apt-get install redis-server', found: runs('redis-server', ['--version']) || undefined };
}

/** Debian's chromium, driven by playwright-core (never a downloaded browser). */
export function chromiumBinary(): ExternalService<string> {
  const path = process.env.CALLBACK_TEST_CHROMIUM ?? '/usr/bin/chromium';
  return { what: 'Chromium', howTo: `apt-get install chromium, or set CALLBACK_TEST_CHROMIUM; looked for ${path}`, found: existsSync(path) ? path : undefined };
}

/** Debian's Kannel: bearerbox, smsbox and the fakesmsc test SMSC. */
export function kannelBinaries(paths: readonly string[]): ExternalService<true> {
  return { what: 'Kannel', howTo: 'apt-get install kannel kannel-extras', found: paths.every((file) => existsSync(file)) || undefined };
}

/** Whether `command` is installed: it can be started (what it answers does not matter: mariadb-install-db --help exits 1). */
function runs(command: string, args: readonly string[]): boolean {
  return spawnSync(command, args, { stdio: 'ignore' }).error === undefined;
}

/** Several services at once; when some are missing, names only those. */
export function allOf(...services: ReadonlyArray<ExternalService<unknown>>): ExternalService<true> {
  const absent = services.filter((service) => service.found === undefined);
  const named = absent.length > 0 ? absent : services;
  return {
    what: named.map((service) => service.what).join(' and '),
    howTo: named.map((service) => service.howTo).join('; '),
    found: absent.length === 0 ? true : undefined,
  };
}

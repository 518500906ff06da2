#!/usr/bin/env bash
# Starts MariaDB and Redis (installed from Debian's packages) without systemd, creates the test
# user, and prints the URLs the test suite reads. Used by .ci/run and by developers; idempotent.
set -euo pipefail

DB_USER=callback
DB_PASS=callback

if ! mariadb-admin ping >/dev/null 2>&1; then
  mkdir -p /run/mysqld
  chown mysql:mysql /run/mysqld
  if [ ! -d /var/lib/mysql/mysql ]; then
    mariadb-install-db --user=mysql --datadir=/var/lib/mysql >/dev/null
  fi
  # A buffer pool of 256 MB: the suite needs little, but the benchmarks (npm run bench) run on these
  # services too, and their tables (90 MB for the scheduler scenario) must fit as in production.
  # MariaDB's thread pool, as compose.yaml runs it: at 200 callbacks/s on 2 cores it spent 3.8-4.8 ms
  # of CPU per callback against 5.1-5.8 with a thread per connection (3 A/B pairs, 2026-12-07).
  (mariadbd --user=mysql --datadir=/var/lib/mysql --bind-address=127.0.0.1 --port=3306 \
      --innodb-buffer-pool-size=256M --skip-name-resolve --max-connections=500 \
      --thread-handling=pool-of-threads \
      >/tmp/mariadb.log 2>&1 &)
  for _ in $(seq 1 60); do
    mariadb-admin ping >/dev/null 2>&1 && break
    sleep 0.5
  done
  mariadb-admin ping >/dev/null 2>&1 || { echo "MariaDB did not start; see /tmp/mariadb.log" >&2; cat /tmp/mariadb.log >&2; exit 1; }
fi
mariadb -uroot <<SQL
CREATE USER IF NOT EXISTS '${DB_USER}'@'127.0.0.1' IDENTIFIED BY '${DB_PASS}';
CREATE USER IF NOT EXISTS '${DB_USER}'@'localhost' IDENTIFIED BY '${DB_PASS}';
GRANT ALL PRIVILEGES ON *.* TO '${DB_USER}'@'127.0.0.1';
GRANT ALL PRIVILEGES ON *.* TO '${DB_USER}'@'localhost';
FLUSH PRIVILEGES;
SQL

if ! redis-cli -p 6379 ping >/dev/null 2>&1; then
  redis-server --port 6379 --bind 127.0.0.1 --daemonize yes --save '' --appendonly no --logfile /tmp/redis.log
  for _ in $(seq 1 40); do
    redis-cli -p 6379 ping >/dev/null 2>&1 && break
    sleep 0.25
  done
  redis-cli -p 6379 ping >/dev/null || { echo "Redis did not start; see /tmp/redis.log" >&2; exit 1; }
fi

echo "export TEST_MYSQL_URL=mysql://${DB_USER}:${DB_PASS}@127.0.0.1:3306/"
echo "export TEST_REDIS_URL=redis://127.0.0.1:6379/"

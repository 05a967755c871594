#!/usr/bin/env bash
# Runs a command with DATABASE_URL pointing at Debian's PostgreSQL server (the `postgresql` package, installed
# here when missing), in a private cluster made for this run and removed after it. Proves that nothing depends
# on the embedded server. Usage: .ci/with-debian-postgres.sh npx vitest run
set -euo pipefail

if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  SUDO=""
  [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  # policy-rc.d-free containers would start the package's own cluster: we do not use it.
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends postgresql >/dev/null
fi
BIN="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"

DIR="$(mktemp -d /tmp/vlm-loop-debian-pg.XXXXXX)"
PORT="${PGPORT_FOR_TESTS:-$(( 20000 + RANDOM % 10000 ))}"
# PostgreSQL refuses to run as root: as root the cluster belongs to the package's "postgres" user.
AS=()
if [ "$(id -u)" = 0 ]; then
  chown postgres "$DIR"
  AS=(runuser -u postgres --)
fi
"${AS[@]}" "$BIN/initdb" -D "$DIR/data" -U postgres --auth=trust -E UTF8 >/dev/null
"${AS[@]}" "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w \
  -o "-p $PORT -k $DIR -c listen_addresses=127.0.0.1 -c max_connections=400 -c fsync=off" start >/dev/null

stop() {
  "${AS[@]}" "$BIN/pg_ctl" -D "$DIR/data" -m fast -w stop >/dev/null || true
  rm -rf "$DIR"
}
trap stop EXIT
trap "exit 1" INT TERM

echo "[debian-postgres] $("$BIN/postgres" --version) on 127.0.0.1:$PORT"
DATABASE_URL="postgres://postgres@127.0.0.1:$PORT/postgres" "$@"

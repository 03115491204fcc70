#!/bin/bash
# Start of the bundled PostgreSQL image: one server whose cluster lives in PGDATA (a volume),
# made on first start, with one database and one owner per service, their names and passwords
# from the environment at every start (so a changed Secret takes effect on the next restart):
#   POSTGRES_PASSWORD              password of the superuser "postgres"
#   POSTGRES_DATABASES             service names, e.g. "identity registry tickets"
#   <SERVICE>_DB_USER, <SERVICE>_DB_PASSWORD   owner of each service's database
# The root filesystem is read-only: the socket goes to /tmp.
set -euo pipefail
: "${POSTGRES_PASSWORD:?}"
export PGDATA=${PGDATA:-/data/pgdata}
run=/tmp/postgres
mkdir -p "$run"
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  echo "creating the cluster in $PGDATA"
  printf '%s\n' "$POSTGRES_PASSWORD" >"$run/pw"
  initdb -D "$PGDATA" -U postgres --pwfile="$run/pw" --auth-local=trust --auth-host=scram-sha-256 \
    -E UTF8 --locale=C.UTF-8 >/dev/null
  rm -f "$run/pw"
  echo "host all all 0.0.0.0/0 scram-sha-256" >>"$PGDATA/pg_hba.conf"
  echo "include_if_exists = 'bundled.conf'" >>"$PGDATA/postgresql.conf"
fi
cat >"$PGDATA/bundled.conf" <<CONF
listen_addresses = '*'
unix_socket_directories = '$run'
max_connections = ${POSTGRES_MAX_CONNECTIONS:-200}
shared_buffers = ${POSTGRES_SHARED_BUFFERS:-128MB}
log_timezone = 'UTC'
timezone = 'UTC'
CONF
# The pod's fsGroup may have opened the folder to the group; PostgreSQL wants it private.
chmod 0700 "$PGDATA"
# One pod at a time owns the volume (a StatefulSet of one): a lock file left by a killed server
# names a process of another PID namespace, which a new server could mistake for a live one.
rm -f "$PGDATA/postmaster.pid"
# Roles and databases over the local socket only, before the server listens on the network.
pg_ctl -D "$PGDATA" -w -t 60 -l "$run/start.log" -o "-c listen_addresses=''" start >/dev/null ||
  { cat "$run/start.log" >&2; exit 1; }
quote() { printf "'%s'" "${1//\'/\'\'}"; }
for svc in ${POSTGRES_DATABASES:-}; do
  user_var="${svc^^}_DB_USER" pass_var="${svc^^}_DB_PASSWORD"
  user=${!user_var:?$user_var is required} pass=${!pass_var:?$pass_var is required}
  psql -X -q -v ON_ERROR_STOP=1 -h "$run" -U postgres -d postgres <<SQL
SELECT format('CREATE ROLE %I LOGIN', $(quote "$user")) WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $(quote "$user"))\gexec
SELECT format('ALTER ROLE %I LOGIN PASSWORD %L', $(quote "$user"), $(quote "$pass"))\gexec
SELECT format('CREATE DATABASE %I OWNER %I', $(quote "$svc"), $(quote "$user")) WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = $(quote "$svc"))\gexec
SQL
done
pg_ctl -D "$PGDATA" -w -t 60 -m fast stop >/dev/null
cat "$run/start.log"
exec postgres -D "$PGDATA"

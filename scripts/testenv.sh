#!/usr/bin/env bash
# testenv.sh makes sure the services lakectl's tests run against answer on
# loopback — MariaDB (3306), PostgreSQL (5432) and MinIO (9000) — starting
# or installing them when needed, then prints the variables that
# internal/testenv reads:
#
#   eval "$(scripts/testenv.sh)"
#   ...tests...
#   scripts/testenv.sh stop    # stops only what the first call started
#
# Progress goes to stderr; only `export` lines go to stdout. Idempotent and
# fast when everything already runs. The services it starts are named in
# LAKECTL_TESTENV_STARTED, so that `make test` can stop them when it ends
# and leave alone those that were already running.
set -euo pipefail

CACHE=${LAKECTL_CACHE:-/root/.cache/lakectl}
MINIO_VERSION=v0.0.0-20260212201848-7aac2a2c5b7c
MINIO_BIN=$CACHE/bin/minio
MINIO_ADDR=127.0.0.1:9000
MINIO_CONSOLE=127.0.0.1:9001
MINIO_USER=minioadmin
MINIO_PASSWORD=minioadmin
WAIT_S=${LAKECTL_TESTENV_WAIT:-60}

log() { echo "testenv: $*" >&2; }
STARTED=()
die() { echo "testenv: error: $*" >&2; exit 1; }

# answers HOST PORT: true when something accepts TCP connections there.
answers() { timeout 2 bash -c "exec 3<>/dev/tcp/$1/$2" 2>/dev/null; }

# wait_for NAME HOST PORT: wait (bounded) until HOST:PORT answers.
wait_for() {
	local name=$1 host=$2 port=$3 i
	for ((i = 0; i < WAIT_S * 4; i++)); do
		answers "$host" "$port" && return 0
		sleep 0.25
	done
	die "$name did not answer on $host:$port within ${WAIT_S}s"
}

APT_UPDATED=
apt_install() {
	[[ $(id -u) == 0 ]] || die "$* missing and not root: install them (apt-get install -y $*)"
	if [[ -z $APT_UPDATED ]]; then
		log "apt-get update"
		apt-get update -qq >&2
		APT_UPDATED=1
	fi
	log "apt-get install -y $*"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >&2
}

ensure_mariadb() {
	if answers 127.0.0.1 3306; then
		log "MariaDB answers on 127.0.0.1:3306"
		return
	fi
	local fresh=
	if [[ ! -x /usr/sbin/mariadbd ]]; then
		apt_install mariadb-server
	fi
	log "starting MariaDB"
	mkdir -p /run/mysqld
	chown mysql:mysql /run/mysqld 2>/dev/null || true
	start-stop-daemon --start --oknodo --background --chuid mysql \
		--exec /usr/sbin/mariadbd -- --bind-address=127.0.0.1 --port=3306 >&2
	wait_for MariaDB 127.0.0.1 3306
	STARTED+=(mariadb)
	if [[ -n $fresh ]] || ! mariadb -h 127.0.0.1 -uroot -e 'select 1' >/dev/null 2>&1; then
		# Fresh installs use unix_socket auth for root: allow TCP without a password.
		log "making root@localhost passwordless over TCP"
		mariadb -uroot -e "ALTER USER 'root'@'localhost' IDENTIFIED VIA mysql_native_password USING PASSWORD(''); FLUSH PRIVILEGES;" >&2 ||
			log "could not change root's authentication; tests may fail to log in"
	fi
}

pg_version() { ls /usr/lib/postgresql 2>/dev/null | sort -V | tail -1; }

ensure_postgres() {
	if answers 127.0.0.1 5432; then
		log "PostgreSQL answers on 127.0.0.1:5432"
		return
	fi
	local ver
	ver=$(pg_version)
	if [[ -z $ver ]]; then
		apt_install postgresql
		ver=$(pg_version)
	fi
	[[ -n $ver ]] || die "PostgreSQL is installed but no version under /usr/lib/postgresql"
	local hba=/etc/postgresql/$ver/main/pg_hba.conf
	if [[ -f $hba ]] && ! grep -qE '^host\s+all\s+all\s+127\.0\.0\.1/32\s+trust' "$hba"; then
		log "letting 127.0.0.1 connect without a password (trust) in $hba"
		sed -i '1i host all all 127.0.0.1/32 trust' "$hba"
	fi
	log "starting PostgreSQL $ver"
	pg_ctlcluster --skip-systemctl-redirect "$ver" main start >&2 || true
	wait_for PostgreSQL 127.0.0.1 5432
	STARTED+=(postgres)
}

# ensure_postgres_logical starts a second PostgreSQL cluster with
# wal_level=logical for change-data-capture tests (the shared server on 5432
# keeps wal_level=replica and is never reconfigured). Data under
# $PG_LOGICAL_DIR, owned by postgres; log in $PG_LOGICAL_DIR/log.
PG_LOGICAL_PORT=${LAKECTL_PG_LOGICAL_PORT:-55432}
PG_LOGICAL_DIR=${LAKECTL_PG_LOGICAL_DIR:-/var/tmp/lakectl-pg-logical}
ensure_postgres_logical() {
	if answers 127.0.0.1 "$PG_LOGICAL_PORT"; then
		log "PostgreSQL (wal_level=logical) answers on 127.0.0.1:$PG_LOGICAL_PORT"
		return
	fi
	local ver bin run=()
	ver=$(pg_version)
	[[ -n $ver ]] || die "no PostgreSQL under /usr/lib/postgresql for the logical-replication cluster"
	bin=/usr/lib/postgresql/$ver/bin
	[[ $(id -u) == 0 ]] && run=(runuser -u postgres --)
	if [[ ! -f $PG_LOGICAL_DIR/data/PG_VERSION ]]; then
		log "initdb of a wal_level=logical cluster in $PG_LOGICAL_DIR"
		mkdir -p "$PG_LOGICAL_DIR"
		[[ $(id -u) == 0 ]] && chown postgres: "$PG_LOGICAL_DIR"
		"${run[@]}" "$bin/initdb" -D "$PG_LOGICAL_DIR/data" -U postgres --auth=trust -E UTF8 --no-sync >&2
	fi
	log "starting PostgreSQL $ver with wal_level=logical on 127.0.0.1:$PG_LOGICAL_PORT"
	"${run[@]}" "$bin/pg_ctl" -D "$PG_LOGICAL_DIR/data" -l "$PG_LOGICAL_DIR/log" -w -t "$WAIT_S" \
		-o "-c wal_level=logical -c port=$PG_LOGICAL_PORT -c listen_addresses=127.0.0.1 -c unix_socket_directories=$PG_LOGICAL_DIR -c max_wal_senders=20 -c max_replication_slots=40 -c fsync=off" \
		start >&2
	wait_for "PostgreSQL (wal_level=logical)" 127.0.0.1 "$PG_LOGICAL_PORT"
	STARTED+=(postgres-logical)
}

# minio_ready: MinIO's liveness endpoint answers (a bare TCP check without curl).
minio_ready() {
	if command -v curl >/dev/null; then
		curl -fsS -m 2 "http://$MINIO_ADDR/minio/health/live" >/dev/null 2>&1
	else
		answers "${MINIO_ADDR%:*}" "${MINIO_ADDR##*:}"
	fi
}

ensure_minio() {
	if minio_ready; then
		log "MinIO answers on $MINIO_ADDR"
		return
	fi
	if [[ ! -x $MINIO_BIN ]]; then
		mkdir -p "$CACHE/bin"
		# One build at a time: another shell may be building it right now.
		exec 9>"$CACHE/minio-build.lock"
		if ! flock -n 9; then
			log "waiting for another testenv.sh that is building MinIO into $CACHE/bin (lock $CACHE/minio-build.lock)"
			flock 9
		fi
		if [[ ! -x $MINIO_BIN ]]; then
			log "building MinIO $MINIO_VERSION into $CACHE/bin (a few minutes, once)"
			(cd /tmp && GOBIN=$CACHE/bin go install "github.com/minio/minio@$MINIO_VERSION") >&2
		fi
		flock -u 9
	fi
	log "starting MinIO on $MINIO_ADDR (data in $CACHE/minio-data, log $CACHE/minio.log)"
	mkdir -p "$CACHE/minio-data"
	MINIO_ROOT_USER=$MINIO_USER MINIO_ROOT_PASSWORD=$MINIO_PASSWORD MINIO_BROWSER=on \
		setsid nohup "$MINIO_BIN" server --quiet --address "$MINIO_ADDR" --console-address "$MINIO_CONSOLE" \
		"$CACHE/minio-data" >>"$CACHE/minio.log" 2>&1 </dev/null &
	echo $! >"$CACHE/minio.pid"
	disown || true
	local i
	for ((i = 0; i < WAIT_S * 4; i++)); do
		if minio_ready; then
			STARTED+=(minio)
			return 0
		fi
		((i % 20 == 0)) && log "waiting for MinIO to answer on $MINIO_ADDR"
		sleep 0.25
	done
	die "MinIO did not answer on $MINIO_ADDR within ${WAIT_S}s; see $CACHE/minio.log"
}

# stop_started stops the services named in LAKECTL_TESTENV_STARTED.
stop_started() {
	local svc
	for svc in ${LAKECTL_TESTENV_STARTED:-}; do
		case $svc in
		minio)
			log "stopping the MinIO this test run started"
			[[ -f $CACHE/minio.pid ]] && kill "$(cat "$CACHE/minio.pid")" 2>/dev/null || true
			rm -f "$CACHE/minio.pid"
			;;
		postgres-logical)
			log "stopping the wal_level=logical PostgreSQL this test run started"
			local run=()
			[[ $(id -u) == 0 ]] && run=(runuser -u postgres --)
			"${run[@]}" "/usr/lib/postgresql/$(pg_version)/bin/pg_ctl" -D "$PG_LOGICAL_DIR/data" -m fast stop >&2 || true
			;;
		postgres)
			log "stopping the PostgreSQL this test run started"
			pg_ctlcluster --skip-systemctl-redirect "$(pg_version)" main stop >&2 || true
			;;
		mariadb)
			log "stopping the MariaDB this test run started"
			mariadb-admin -h 127.0.0.1 -uroot shutdown >&2 || true
			;;
		esac
	done
}

if [[ ${1:-} == stop ]]; then
	stop_started
	exit 0
fi

ensure_mariadb
ensure_postgres
ensure_postgres_logical
ensure_minio

cat <<EOF
export LAKECTL_TEST_MYSQL='root@tcp(127.0.0.1:3306)/'
export LAKECTL_TEST_POSTGRES='postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable'
export LAKECTL_TEST_POSTGRES_LOGICAL='postgres://postgres@127.0.0.1:$PG_LOGICAL_PORT/postgres?sslmode=disable'
export LAKECTL_TEST_S3='http://$MINIO_ADDR'
export LAKECTL_TEST_S3_ACCESS='$MINIO_USER'
export LAKECTL_TEST_S3_SECRET='$MINIO_PASSWORD'
export LAKECTL_TESTENV_STARTED='${STARTED[*]:-}'
EOF

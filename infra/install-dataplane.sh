#!/usr/bin/env bash
# Installs and starts a self-hosted Portico gateway on a Debian machine with Node ≥ 20:
#
#   curl -fsSL https://<control plane>/install-dataplane.sh | bash -s -- \
#     --control-plane https://cp.example.com --token prt_…
#
# It installs the gateway package into a prefix, exchanges the one-time registration token for
# the gateway's identity (id, environment, bundle keys, NATS credentials limited to it; kept in
# the data dir, so the token is never needed again), writes the env file, and starts the
# gateway: as a systemd unit when systemd runs the machine, in the foreground otherwise.
#
# Options (or the environment variable in brackets):
#   --control-plane URL   control plane base URL                       [PORTICO_CP_URL]
#   --token TOKEN         one-time registration token                  [PORTICO_REGISTRATION_TOKEN]
#   --prefix DIR          where the package goes (/opt/portico-gateway) [PORTICO_PREFIX]
#   --data-dir DIR        identity, last good bundles, analytics spool [PORTICO_DATA_DIR]
#                         (/var/lib/portico-gateway as root, <prefix>/data otherwise)
#   --package SPEC        what `npm install` installs: the release tarball URL(s), or local
#                         tarballs of @portico/shared and @portico/data-plane, space-separated
#                                                                      [PORTICO_GATEWAY_PACKAGE]
#   --port N              port the gateway serves (8000)               [PORTICO_GW_PORT]
#   --nats-url URL        NATS to use instead of the registered one, e.g. a local leaf node [NATS_URL]
#   --foreground          run in the foreground even under systemd
set -euo pipefail

CP_URL="${PORTICO_CP_URL:-}"
TOKEN="${PORTICO_REGISTRATION_TOKEN:-}"
PREFIX="${PORTICO_PREFIX:-/opt/portico-gateway}"
DATA_DIR="${PORTICO_DATA_DIR:-}"
PACKAGE="${PORTICO_GATEWAY_PACKAGE:-}"
PORT="${PORTICO_GW_PORT:-8000}"
HOST="${PORTICO_GW_HOST:-0.0.0.0}"
NATS_OVERRIDE="${NATS_URL:-}"
FOREGROUND=0

die() {
  echo "install-dataplane: $*" >&2
  exit 1
}

while [ $# -gt 0 ]; do
  case "$1" in
    --control-plane) CP_URL="$2"; shift 2 ;;
    --token) TOKEN="$2"; shift 2 ;;
    --prefix) PREFIX="$2"; shift 2 ;;
    --data-dir) DATA_DIR="$2"; shift 2 ;;
    --package) PACKAGE="$2"; shift 2 ;;
    --port) PORT="$2"; shift 2 ;;
    --nats-url) NATS_OVERRIDE="$2"; shift 2 ;;
    --foreground) FOREGROUND=1; shift ;;
    -h | --help) sed -n '2,25p' "$0"; exit 0 ;;
    *) die "unknown option $1 (see --help)" ;;
  esac
done

command -v node >/dev/null || die "Node.js ≥ 20 is required (apt-get install nodejs)"
node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)' || die "Node.js ≥ 20 is required"
command -v npm >/dev/null || die "npm is required (apt-get install npm)"
[ -n "$PACKAGE" ] || die "--package is required: the gateway release tarball URL (or local tarballs)"
PREFIX="$(mkdir -p "$PREFIX" && cd "$PREFIX" && pwd)"
if [ -z "$DATA_DIR" ]; then
  if [ "$(id -u)" = 0 ]; then DATA_DIR=/var/lib/portico-gateway; else DATA_DIR="$PREFIX/data"; fi
fi
mkdir -p "$DATA_DIR"
DATA_DIR="$(cd "$DATA_DIR" && pwd)"

echo "install-dataplane: installing the gateway into $PREFIX"
# shellcheck disable=SC2086 # PACKAGE is a list of specs
(cd "$PREFIX" && npm install --prefix "$PREFIX" --omit=dev --no-audit --no-fund --no-save --prefer-offline $PACKAGE >/dev/null)
GATEWAY_DIR="$PREFIX/node_modules/@portico/data-plane"
[ -f "$GATEWAY_DIR/dist/main.js" ] || die "the package did not install $GATEWAY_DIR/dist/main.js"

if [ -f "$DATA_DIR/gateway/identity.json" ]; then
  echo "install-dataplane: already registered ($DATA_DIR/gateway/identity.json); the token is not used"
else
  [ -n "$CP_URL" ] || die "--control-plane is required"
  [ -n "$TOKEN" ] || die "--token is required (a registration token of a self-hosted environment)"
  echo "install-dataplane: registering with $CP_URL"
  PORTICO_CP_URL="$CP_URL" PORTICO_REGISTRATION_TOKEN="$TOKEN" PORTICO_DATA_DIR="$DATA_DIR" \
    node "$GATEWAY_DIR/dist/register.js" || die "registration failed"
fi

ENV_FILE="$PREFIX/gateway.env"
{
  echo "# Written by install-dataplane.sh. Identity and NATS credentials: $DATA_DIR/gateway/"
  echo "PORTICO_DATA_DIR=$DATA_DIR"
  echo "PORTICO_GW_PORT=$PORT"
  echo "PORTICO_GW_HOST=$HOST"
  if [ -n "$NATS_OVERRIDE" ]; then echo "NATS_URL=$NATS_OVERRIDE"; fi
} >"$ENV_FILE"
chmod 600 "$ENV_FILE"

if [ "$FOREGROUND" = 0 ] && [ "$(cat /proc/1/comm 2>/dev/null)" = systemd ] && [ "$(id -u)" = 0 ]; then
  id portico >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin portico
  chown -R portico "$DATA_DIR"
  cat >/etc/systemd/system/portico-gateway.service <<UNIT
[Unit]
Description=Portico gateway (self-hosted data plane)
After=network-online.target
Wants=network-online.target

[Service]
Type=simple
User=portico
WorkingDirectory=$PREFIX
EnvironmentFile=$ENV_FILE
ExecStart=$(command -v node) --max-semi-space-size=32 --min-semi-space-size=32 $GATEWAY_DIR/dist/main.js
Restart=always
RestartSec=1
NoNewPrivileges=true
ProtectSystem=strict
ReadWritePaths=$DATA_DIR
PrivateTmp=true
LimitNOFILE=65536

[Install]
WantedBy=multi-user.target
UNIT
  systemctl daemon-reload
  systemctl enable --now portico-gateway.service
  echo "install-dataplane: started portico-gateway.service (journalctl -u portico-gateway -f)"
else
  echo "install-dataplane: starting the gateway in the foreground on $HOST:$PORT"
  set -a
  # shellcheck disable=SC1090
  . "$ENV_FILE"
  set +a
  cd "$PREFIX"
  exec node --max-semi-space-size=32 --min-semi-space-size=32 "$GATEWAY_DIR/dist/main.js"
fi

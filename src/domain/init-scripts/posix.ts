import { oneLine, script, shQuote } from './template.js'

export interface ScriptValues {
  os: string
  arch: string
  /** The access URL, without a trailing slash. */
  accessUrl: string
  /** The binary's file name on the server (`coder-linux-amd64`). */
  binaryName: string
  /** Where the server expects it, for the message when it is missing. */
  binaryPath: string
  /** Hex SHA-256 of the binary the server serves; undefined when none is installed. */
  sha256: string | undefined
}

/**
 * The bootstrap script for linux and darwin: POSIX `sh` (dash, busybox ash, bash, zsh
 * in sh mode). Linux downloads with curl, wget or busybox wget; darwin with curl.
 */
export function renderPosixScript(v: ScriptValues): string {
  const linux = v.os === 'linux'
  const tools = linux ? 'curl, wget or busybox wget' : 'curl'
  // Only linux falls back to wget and busybox wget.
  const wgetFunction = linux
    ? script`# How to run BusyBox's wget: "busybox" (busybox wget) or "wget" (an applet link).
BUSYBOX_WGET=''

busybox_wget() {
  if [ "$BUSYBOX_WGET" = busybox ]; then
    busybox wget "$@"
  else
    wget "$@"
  fi
}

`
    : ''
  const wgetBranches = linux
    ? script`    wget)
      if wget --help 2>&1 | grep -q -- '--content-on-error'; then
        wget -S -q --content-on-error --timeout=30 --tries=1 -O "$2" "$1" 2>"$PRIVATE_DIR/fetch.log" </dev/null
      else
        wget -S -q --timeout=30 --tries=1 -O "$2" "$1" 2>"$PRIVATE_DIR/fetch.log" </dev/null
      fi
      rc=$?
      ;;
    *)
      busybox_wget -S -q -O "$2" "$1" 2>"$PRIVATE_DIR/fetch.log" </dev/null
      rc=$?
      ;;
`
    : ''
  const wgetStatus = linux
    ? script`  if [ "$TOOL" != curl ]; then
    status=$(sed -n 's/^[[:space:]]*HTTP\/[0-9.]* \([0-9][0-9][0-9]\).*/\1/p' "$PRIVATE_DIR/fetch.log" | tail -n 1)
    HTTP_STATUS=\${status:-000}
  fi
`
    : ''
  return script`#!/bin/sh
# Outpost bootstrap script for ${v.os}/${v.arch}.
#
# It downloads the Coder agent from the Outpost at ${oneLine(v.accessUrl)}
# into a new private directory, checks the file against the SHA-256 that Outpost
# pinned below, and starts "coder agent". Run it the way the workspace's
# credentials show:
#
#   curl -fsSL "<access url>/api/v2/init-script/${v.os}/${v.arch}" | CODER_AGENT_TOKEN="<token>" sh
#
# Environment:
#   CODER_AGENT_TOKEN       the agent token (required). It stays in the environment:
#                           this script never writes it to a file or puts it on a
#                           command line.
#   HTTP_PROXY, HTTPS_PROXY, NO_PROXY (or their lower-case forms)
#                           used for every request (upper case is copied to lower
#                           case, which is what curl and wget read).
#   CODER_INIT_RETRIES      download attempts (default 5).
#   CODER_INIT_RETRY_DELAY  seconds before the second attempt, doubled after each
#                           failed one, at most 60 (default 1; 0 retries at once).
#   TMPDIR                  where the private directory is made (default /tmp).
#
# With curl, it tells Outpost how far it got (script_started, binary_downloaded,
# binary_verified, agent_starting, or failed and why), best effort: a report that
# cannot be sent never stops the script. (wget could only send the token on its
# command line or from a file, so without curl there are no reports.) On failure it
# says why on stderr and exits non-zero.

OUTPOST_URL=${shQuote(v.accessUrl)}
AGENT_PLATFORM=${shQuote(`${v.os}/${v.arch}`)}
AGENT_ARCH=${shQuote(v.arch)}
BINARY_NAME=${shQuote(v.binaryName)}
BINARY_URL=${shQuote(`${v.accessUrl}/bin/${v.binaryName}`)}
SERVER_BINARY_PATH=${shQuote(v.binaryPath)}
EXPECTED_SHA256=${shQuote(v.sha256 ?? '')}
REPORT_URL=${shQuote(`${v.accessUrl}/api/v2/workspaceagents/me/enrollment`)}

set -u
umask 077

PRIVATE_DIR=''
KEEP_DIR=''
REPORTER=''
TOOL=''

log() {
  printf 'outpost-init: %s\n' "$*" >&2
}

have() {
  command -v "$1" >/dev/null 2>&1
}

cleanup() {
  if [ -n "$PRIVATE_DIR" ] && [ -z "$KEEP_DIR" ]; then
    rm -rf "$PRIVATE_DIR"
  fi
}

# $1: text, $2: most characters kept. Prints a JSON string literal.
json_string() {
  printf '"%s"' "$(printf '%s' "$1" | tr '\n\r\t' '   ' | LC_ALL=C tr -d '\000-\037\177' | cut -c "1-$2" | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g')"
}

# Reports an enrollment stage to Outpost; never fails. $1: stage, $2: error.
# Only with curl, which reads the token header from a config on standard input: wget
# would need it on its command line or in a file, so without curl nothing is reported.
report() {
  [ "$REPORTER" = curl ] || return 0
  token=\${CODER_AGENT_TOKEN:-}
  case $token in
    '' | *[!A-Za-z0-9._~+/=-]*) return 0 ;;
  esac
  body="{\"stage\":\"$1\""
  if [ -n "\${2:-}" ]; then
    body="$body,\"error\":$(json_string "$2" 2000)"
  fi
  if [ "$1" = script_started ]; then
    body="$body,\"hostname\":$(json_string "$(hostname 2>/dev/null || uname -n 2>/dev/null)" 250)"
    body="$body,\"uname\":$(json_string "$(uname -a 2>/dev/null)" 500)"
  fi
  body="$body}"
  printf 'header = "Coder-Session-Token: %s"\n' "$token" |
    curl -sS -o /dev/null --connect-timeout 3 --max-time 5 -K - \
      -H 'Content-Type: application/json' --data-binary "$body" "$REPORT_URL" >/dev/null 2>&1
  return 0
}

# Prints the message, reports it as the failure, removes the private directory.
fail() {
  log "error: $1"
  report failed "$1"
  exit "\${2:-1}"
}

# $1: file. True when it starts like an HTML page (an auth proxy or a login page).
is_html() {
  [ -s "$1" ] || return 1
  start=$(dd if="$1" bs=256 count=1 2>/dev/null | LC_ALL=C tr -d '\000\t\r\n ' | LC_ALL=C tr '[:upper:]' '[:lower:]' | cut -c 1-9)
  case $start in
    '<!doctype' | '<html'*) return 0 ;;
  esac
  return 1
}

# $1: file. Prints the "message" of a JSON error body, if it is one.
error_message() {
  [ -s "$1" ] || return 0
  dd if="$1" bs=4096 count=1 2>/dev/null | LC_ALL=C tr -d '\000' | tr '\n' ' ' |
    sed -n 's/.*"message"[[:space:]]*:[[:space:]]*"\([^"]*\)".*/\1/p'
}

# $1: file. Prints its SHA-256 in lower-case hex.
sha256_of() {
  if have sha256sum; then
    sum=$(sha256sum "$1")
  elif have shasum; then
    sum=$(shasum -a 256 "$1")
  elif have openssl; then
    sum=$(openssl dgst -sha256 "$1" | sed 's/^.*= *//')
  elif have busybox && busybox --list 2>/dev/null | grep -qx sha256sum; then
    sum=$(busybox sha256sum "$1")
  else
    return 1
  fi
  printf '%s' "\${sum%% *}" | tr 'ABCDEF' 'abcdef'
}

# The download tool: the first of ${tools} that is present.
pick_tool() {
  if have curl; then
    TOOL=curl
${
  linux
    ? `  elif have wget; then
    # Alpine and other small systems: "wget" is BusyBox's, which takes fewer options.
    if wget --help 2>&1 | grep -q BusyBox; then
      TOOL='busybox wget'
      BUSYBOX_WGET=wget
    else
      TOOL=wget
    fi
  elif have busybox && busybox --list 2>/dev/null | grep -qx wget; then
    TOOL='busybox wget'
    BUSYBOX_WGET=busybox
`
    : ''
}  else
    return 1
  fi
}

${wgetFunction}# $1: URL, $2: file. Sets HTTP_STATUS (000: no response) and DOWNLOAD_ERROR.
fetch() {
  rm -f "$2" "$PRIVATE_DIR/fetch.log"
  HTTP_STATUS=000
  case $TOOL in
    curl)
      compressed=''
      if curl -V 2>/dev/null | grep -qi 'libz'; then
        compressed='--compressed'
      fi
      # shellcheck disable=SC2086 # $compressed is one option or nothing
      HTTP_STATUS=$(curl -sS -L $compressed --connect-timeout 10 --speed-limit 1024 --speed-time 60 \
        -o "$2" -w '%{http_code}' "$1" 2>"$PRIVATE_DIR/fetch.log" </dev/null)
      rc=$?
      ;;
${wgetBranches}  esac
${wgetStatus}  # The last line that is not an indented response header (wget -S) says what went wrong.
  DOWNLOAD_ERROR=$(grep -v '^[[:space:]]' "$PRIVATE_DIR/fetch.log" 2>/dev/null | tail -n 1)
  if [ "$rc" -eq 0 ] && [ "$HTTP_STATUS" = 000 ]; then
    HTTP_STATUS=200
  fi
  return "$rc"
}

main() {
  if [ -z "\${CODER_AGENT_TOKEN:-}" ]; then
    log 'error: CODER_AGENT_TOKEN is not set. Run the command from the workspace credentials:'
    log "  curl -fsSL \"$OUTPOST_URL/api/v2/init-script/$AGENT_PLATFORM\" | CODER_AGENT_TOKEN=\"<token>\" sh"
    exit 1
  fi
  export CODER_AGENT_TOKEN

  # curl and wget read the lower-case proxy variables; many setups only set upper case.
  if [ -n "\${HTTP_PROXY:-}" ] && [ -z "\${http_proxy:-}" ]; then export http_proxy="$HTTP_PROXY"; fi
  if [ -n "\${HTTPS_PROXY:-}" ] && [ -z "\${https_proxy:-}" ]; then export https_proxy="$HTTPS_PROXY"; fi
  if [ -n "\${NO_PROXY:-}" ] && [ -z "\${no_proxy:-}" ]; then export no_proxy="$NO_PROXY"; fi

  if have curl; then
    REPORTER=curl
  fi
  report script_started

  if [ -z "$EXPECTED_SHA256" ]; then
    fail "Outpost at $OUTPOST_URL has no agent binary for $AGENT_PLATFORM: $BINARY_NAME is not installed on the Outpost. An operator must put Coder's $BINARY_NAME at $SERVER_BINARY_PATH on the Outpost server; then run this command again."
  fi

  case $(uname -m 2>/dev/null) in
    x86_64 | amd64) machine=amd64 ;;
    aarch64 | arm64) machine=arm64 ;;
    armv7* | armv8l) machine=armv7 ;;
    *) machine=$(uname -m 2>/dev/null) ;;
  esac
  if [ "$machine" != "$AGENT_ARCH" ]; then
    log "warning: this machine is $(uname -m 2>/dev/null), but this script installs the $AGENT_PLATFORM agent"
  fi

  pick_tool || fail "no download tool: install ${tools}" 127

  case \${CODER_INIT_RETRIES:-} in
    '' | *[!0-9]*) retries=5 ;;
    *) retries=$CODER_INIT_RETRIES ;;
  esac
  [ "$retries" -ge 1 ] || retries=1
  case \${CODER_INIT_RETRY_DELAY:-} in
    '' | *[!0-9]*) delay=1 ;;
    *) delay=$CODER_INIT_RETRY_DELAY ;;
  esac

  PRIVATE_DIR=$(mktemp -d "\${TMPDIR:-/tmp}/coder.XXXXXX") || fail "cannot create a private directory in \${TMPDIR:-/tmp} (set TMPDIR to a writable directory)"
  trap cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  binary="$PRIVATE_DIR/coder"

  log "downloading $BINARY_URL with $TOOL"
  attempt=1
  while :; do
    fetch "$BINARY_URL" "$binary"
    rc=$?
    case $HTTP_STATUS in
      2?? | 401 | 403 | 407)
        if is_html "$binary"; then
          fail "$BINARY_URL returned an HTML page (HTTP $HTTP_STATUS) instead of the agent binary: an authenticating proxy or a login page is in the way between this machine and Outpost. Let this machine reach $OUTPOST_URL directly, or set HTTPS_PROXY/HTTP_PROXY and NO_PROXY for it."
        fi
        ;;
    esac
    if [ "$rc" -eq 0 ] && [ "$HTTP_STATUS" = 200 ] && [ -s "$binary" ]; then
      break
    fi
    message=$(error_message "$binary")
    case $HTTP_STATUS in
      000) reason="no response from $OUTPOST_URL (\${DOWNLOAD_ERROR:-$TOOL exit status $rc})" ;;
      200) reason="the download was empty or cut short (\${DOWNLOAD_ERROR:-$TOOL exit status $rc})" ;;
      *) reason="HTTP $HTTP_STATUS from $BINARY_URL\${message:+: $message}" ;;
    esac
    case $HTTP_STATUS in
      4??)
        [ "$HTTP_STATUS" = 408 ] || [ "$HTTP_STATUS" = 429 ] || fail "cannot download the agent binary: $reason"
        ;;
    esac
    if [ "$attempt" -ge "$retries" ]; then
      fail "cannot download the agent binary after $attempt attempts: $reason"
    fi
    log "download failed: $reason; trying again in \${delay}s (attempt $((attempt + 1)) of $retries)"
    sleep "$delay"
    attempt=$((attempt + 1))
    delay=$((delay * 2))
    [ "$delay" -le 60 ] || delay=60
  done
  report binary_downloaded

  actual=$(sha256_of "$binary") || fail 'no SHA-256 tool (sha256sum, shasum or openssl) to verify the download with'
  if [ "$actual" != "$EXPECTED_SHA256" ]; then
    fail "checksum mismatch for $BINARY_URL: expected sha256 $EXPECTED_SHA256, got $actual. The file was changed on the way, or the Outpost's binary changed after this script was fetched: run the command again, and if it persists, check what sits between this machine and Outpost."
  fi
  report binary_verified

  chmod 0700 "$binary" || fail "cannot make $binary executable"
  version=$("$binary" --version 2>&1 </dev/null)
  rc=$?
  first_line=$(printf '%s\n' "$version" | sed -n '1p')
  if [ "$rc" -ne 0 ]; then
    fail "$binary --version failed (exit status $rc): $first_line. If it says 'Exec format error', this machine ($(uname -m 2>/dev/null)) cannot run the $AGENT_PLATFORM agent: use the workspace's platform parameter that matches it. If it says 'Permission denied', $PRIVATE_DIR may be on a noexec mount: set TMPDIR to a directory where programs may run."
  fi
  case $version in
    *Coder*) ;;
    *) fail "$BINARY_URL is not a Coder agent: --version printed \"$first_line\"" ;;
  esac

  export CODER_AGENT_AUTH=token
  export CODER_AGENT_URL="$OUTPOST_URL/"
  log "starting the agent ($first_line) from $PRIVATE_DIR"
  report agent_starting
  KEEP_DIR=1
  exec "$binary" agent </dev/null
}

# Everything above only defines; nothing runs until the whole script has arrived.
main "$@"
`
}

#!/usr/bin/env bash
# The project's two entry points on a fresh machine; installs what they need first.
#   scripts/dev.sh demo [ARGS…]   audit the bundled demo store (pixelaudit demo ARGS…)
#   scripts/dev.sh test           fmt + clippy + the whole test suite (real Chromium)
#   scripts/dev.sh bench          the audit speed benchmark
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages the build and the tests need.
PACKAGES=(chromium chromium-driver libnss3-tools webext-ublock-origin-chromium python3-aiosmtpd dovecot-imapd pkg-config libssl-dev ca-certificates openjdk-17-jre-headless curl)

install_packages() {
  local missing=()
  for pkg in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  if ((${#missing[@]})); then
    echo "installing: ${missing[*]}" >&2
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

cmd="${1:-}"
shift || true
case "$cmd" in
  demo)
    install_packages
    cargo run --release --quiet -- demo "$@"
    ;;
  test)
    install_packages
    cargo fmt --all -- --check
    cargo clippy --workspace --all-targets --quiet -- -D warnings
    cargo test --workspace
    ;;
  bench)
    install_packages
    cargo bench --bench audit_speed
    ;;
  *)
    echo "usage: scripts/dev.sh demo [ARGS…] | test | bench" >&2
    exit 1
    ;;
esac

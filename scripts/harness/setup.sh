#!/usr/bin/env bash
# Prepares this machine for the VS Code integration tests (see /work/shared/HARNESS.md):
#   - Debian packages: chromium (driven by playwright-core), ripgrep, libkrb5-dev, pkg-config
#     (+ a font and a C/C++ toolchain if missing; node-pty and argon2 are built from source);
#   - code-server@4.100.3 (real VS Code 1.100.3 server + web workbench + Node extension host)
#     installed into the git-ignored folder .harness/code-server/, never into node_modules.
# Idempotent: when everything is already in place it only checks and exits (well under a second).
#
# Env: INKLING_HARNESS_DIR   where to install (default <repo>/.harness)
#      INKLING_SETUP_FORCE=1 reinstall code-server even if the stamp says it is there
set -euo pipefail

CS_VERSION=4.100.3
REQUIRED_NODE_MAJOR=20 # code-server 4.100.x refuses anything else

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
HARNESS_DIR="${INKLING_HARNESS_DIR:-$ROOT/.harness}"
CS_PREFIX="$HARNESS_DIR/code-server"
CS_PKG="$CS_PREFIX/node_modules/code-server"
STAMP="$CS_PREFIX/.inkling-installed-$CS_VERSION"
T0=$(date +%s.%N)

log() { printf '[harness-setup] %s\n' "$*"; }
die() {
  printf '\n[harness-setup] ERROR: %s\n' "$*" >&2
  exit 1
}
elapsed() { awk -v a="$T0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }
trap 'rc=$?; [ $rc -ne 0 ] && printf "[harness-setup] FAILED (exit %s) after %ss — see the messages above.\n" "$rc" "$(elapsed)" >&2' EXIT

# ---------------------------------------------------------------------------------------------
# 0. Node
command -v node >/dev/null || die "node is not on PATH (need Node $REQUIRED_NODE_MAJOR.x)."
NODE_MAJOR="$(node -p 'process.versions.node.split(".")[0]')"
[ "$NODE_MAJOR" = "$REQUIRED_NODE_MAJOR" ] ||
  die "code-server@$CS_VERSION needs Node $REQUIRED_NODE_MAJOR.x, this is Node $(node --version). (A newer code-server needs Node 24; see HARNESS.md.)"

# ---------------------------------------------------------------------------------------------
# 1. Debian packages
pkg_installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }

need=()
for p in chromium ripgrep libkrb5-dev pkg-config; do
  pkg_installed "$p" || need+=("$p")
done
# A font so the screenshots show text, and a toolchain for node-pty/argon2's native builds.
fc-list 2>/dev/null | grep -q . || need+=(fonts-dejavu-core)
# Chinese glyphs, for the zh-cn display-language run's screenshots (test/integration/suite/locale.test.ts).
fc-list :lang=zh 2>/dev/null | grep -q . || need+=(fonts-wqy-zenhei)
{ command -v make >/dev/null && command -v g++ >/dev/null; } || need+=(build-essential)
command -v python3 >/dev/null || need+=(python3)

if [ ${#need[@]} -gt 0 ]; then
  command -v apt-get >/dev/null || die "missing Debian packages (${need[*]}) and no apt-get on this machine."
  SUDO=""
  if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null || die "missing Debian packages (${need[*]}); run as root or install them: apt-get install ${need[*]}"
    SUDO="sudo"
  fi
  export DEBIAN_FRONTEND=noninteractive
  log "installing Debian packages: ${need[*]} (about a minute for chromium)…"
  # Other jobs on this machine may hold the dpkg lock: wait for it (up to 10 min) instead of failing.
  APT_OPTS=(-o DPkg::Lock::Timeout=600 -q)
  apt_install() { $SUDO apt-get "${APT_OPTS[@]}" install -y --no-install-recommends "${need[@]}"; }
  if ! apt_install; then
    # Package lists missing or stale: refresh them. Some third-party sources may be unreachable
    # here, which makes apt-get update exit non-zero although Debian's lists did refresh.
    log "apt-get install failed; running apt-get update and retrying…"
    $SUDO apt-get "${APT_OPTS[@]}" update || log "apt-get update reported errors (unreachable third-party sources?); retrying the install anyway"
    apt_install || die "apt-get install ${need[*]} failed (see above)."
  fi
  log "Debian packages installed ($(elapsed)s)"
fi
[ -x /usr/bin/chromium ] || die "/usr/bin/chromium is missing although the 'chromium' package is installed."
RG_BIN="$(command -v rg || true)"
[ -n "$RG_BIN" ] || die "rg (ripgrep) is not on PATH although the 'ripgrep' package is installed."

# ---------------------------------------------------------------------------------------------
# 2. code-server
cs_complete() {
  [ -f "$STAMP" ] &&
    [ -f "$CS_PKG/out/node/entry.js" ] &&
    [ -x "$CS_PKG/lib/vscode/node_modules/@vscode/ripgrep/bin/rg" ] &&
    [ -f "$CS_PKG/lib/vscode/node_modules/node-pty/build/Release/pty.node" ]
}

if [ "${INKLING_SETUP_FORCE:-0}" != 1 ] && cs_complete; then
  log "code-server@$CS_VERSION already installed in ${CS_PREFIX#"$ROOT"/} — nothing to do ($(elapsed)s)"
  exit 0
fi

# Several engineers' test runs may start at once on one machine: one installs, the others wait.
mkdir -p "$HARNESS_DIR"
if command -v flock >/dev/null; then
  exec 9>"$HARNESS_DIR/.setup.lock"
  if ! flock -n 9; then
    log "another setup.sh is installing code-server; waiting for it…"
    flock 9
  fi
  if [ "${INKLING_SETUP_FORCE:-0}" != 1 ] && cs_complete; then
    log "code-server@$CS_VERSION was installed meanwhile — nothing to do ($(elapsed)s)"
    exit 0
  fi
fi

command -v npm >/dev/null || die "npm is not on PATH."
log "installing code-server@$CS_VERSION into ${CS_PREFIX#"$ROOT"/} (cold: ~1.5 minutes)…"
rm -rf "$CS_PREFIX"
mkdir -p "$CS_PREFIX"
# Keep .harness out of git even if the repo's .gitignore changes.
[ -f "$HARNESS_DIR/.gitignore" ] || printf '*\n' >"$HARNESS_DIR/.gitignore"
printf '{ "name": "inkling-harness-code-server", "private": true }\n' >"$CS_PREFIX/package.json"

# code-server's install script refuses to run as root without unsafe_perm; node-pty's build runs
# `npx node-gyp`, which needs yes=true (this machine's npm config says yes=false).
export npm_config_unsafe_perm=true npm_config_yes=true
export npm_config_fund=false npm_config_audit=false npm_config_update_notifier=false

# 2a. Fetch the package without running its install script, so that we can read the exact
#     @vscode/ripgrep version pinned by VS Code's shrinkwrap before its postinstall needs it.
log "  [1/3] npm install --ignore-scripts code-server@$CS_VERSION"
(cd "$CS_PREFIX" && npm install --no-package-lock --ignore-scripts --loglevel=error "code-server@$CS_VERSION") ||
  die "npm install code-server@$CS_VERSION failed (is the npm registry reachable?)."
[ -f "$CS_PKG/lib/vscode/package.json" ] || die "unexpected code-server layout: $CS_PKG/lib/vscode/package.json missing."

RG_VERSION="$(node -e '
  const fs = require("fs"), dir = process.argv[1];
  let v;
  try { v = JSON.parse(fs.readFileSync(dir + "/npm-shrinkwrap.json", "utf8")).packages["node_modules/@vscode/ripgrep"].version; } catch {}
  if (!v) { const spec = JSON.parse(fs.readFileSync(dir + "/package.json", "utf8")).dependencies["@vscode/ripgrep"]; v = spec && spec.replace(/^[^0-9]*/, ""); }
  if (!v) process.exit(1);
  process.stdout.write(v);' "$CS_PKG/lib/vscode")" || die "could not find the @vscode/ripgrep version code-server depends on."

# 2b. Pre-fill @vscode/ripgrep's download cache (it would fetch a binary from GitHub) with a
#     tarball holding Debian's rg; the file name is the asset its postinstall looks for.
RG_CACHE="$(node -p 'require("os").tmpdir()')/vscode-ripgrep-cache-$RG_VERSION"
RG_ASSET="ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz"
log "  [2/3] pre-filling $RG_CACHE/$RG_ASSET with $RG_BIN (@vscode/ripgrep $RG_VERSION)"
STAGE="$(mktemp -d)"
cp "$(readlink -f "$RG_BIN")" "$STAGE/rg"
chmod 755 "$STAGE/rg"
mkdir -p "$RG_CACHE"
tar -czf "$RG_CACHE/$RG_ASSET" -C "$STAGE" rg
rm -rf "$STAGE"

# 2c. Run the install scripts now (code-server's postinstall runs `npm install` in lib/vscode and
#     lib/vscode/extensions; node-pty and argon2 compile here).
log "  [3/3] npm rebuild (code-server postinstall: VS Code dependencies, native modules)"
(cd "$CS_PREFIX" && npm rebuild --loglevel=error) ||
  die "code-server's install scripts failed. Needs Debian's ripgrep, libkrb5-dev, pkg-config and a C++ toolchain; see /work/shared/HARNESS.md."

# Its nested installs run scripts too; check the results rather than trusting exit codes.
[ -x "$CS_PKG/lib/vscode/node_modules/@vscode/ripgrep/bin/rg" ] ||
  die "@vscode/ripgrep's binary is missing — its postinstall did not use the pre-filled cache $RG_CACHE."
[ -f "$CS_PKG/lib/vscode/node_modules/node-pty/build/Release/pty.node" ] ||
  die "node-pty was not built (needs a C++ toolchain, python3 and npm_config_yes=true)."
[ -f "$CS_PKG/out/node/entry.js" ] || die "code-server's out/node/entry.js is missing."
# (Fresh XDG dirs: otherwise code-server writes a default config into ~/.config/code-server.)
XDG_TMP="$(mktemp -d)"
CS_REPORTED="$(XDG_CONFIG_HOME="$XDG_TMP/config" XDG_DATA_HOME="$XDG_TMP/data" node "$CS_PKG/out/node/entry.js" --version 2>/dev/null | grep -Eo '^[0-9]+\.[0-9]+\.[0-9]+ [0-9a-f]+.*' | head -1 || true)"
rm -rf "$XDG_TMP"
case "$CS_REPORTED" in
  "$CS_VERSION"*) ;;
  *) die "code-server --version printed '$CS_REPORTED', expected $CS_VERSION." ;;
esac

date -u +%FT%TZ >"$STAMP"
log "code-server $CS_REPORTED installed ($(elapsed)s)"

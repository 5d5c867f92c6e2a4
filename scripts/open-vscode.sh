#!/usr/bin/env bash
# Opens VS Code with Inkling loaded from this checkout on the sample workspace (examples/):
# the desktop `code` when it is installed, otherwise code-server on 127.0.0.1 (a real VS Code in
# the browser; set up by the same script the tests use). Usage: npm run open [-- PORT]
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
workspace="$root/examples"
[ -f dist/extension.js ] || node scripts/build.mjs --no-tests

if command -v code >/dev/null 2>&1; then
  exec code --extensionDevelopmentPath="$root" "$workspace"
fi

port=${1:-8808}
bash scripts/harness/setup.sh
state="$root/.harness/demo"
mkdir -p "$state/user-data/User" "$state/extensions"
[ -f "$state/user-data/User/settings.json" ] || printf '{ "workbench.startupEditor": "none", "files.hotExit": "off" }\n' > "$state/user-data/User/settings.json"
printf 'auth: none\n' > "$state/config.yaml"
payload=$(node -e 'const [p, r] = process.argv.slice(1); process.stdout.write(encodeURIComponent(JSON.stringify([["extensionDevelopmentPath", `vscode-remote://127.0.0.1:${p}${r}`]])))' "$port" "$root")
folder=$(node -e 'process.stdout.write(encodeURIComponent(process.argv[1]))' "$workspace")
echo "Inkling in VS Code: open http://127.0.0.1:$port/?folder=$folder&payload=$payload"
echo "(Ctrl+C stops the server)"
exec node .harness/code-server/node_modules/code-server/out/node/entry.js \
  --config "$state/config.yaml" --user-data-dir "$state/user-data" --extensions-dir "$state/extensions" \
  --bind-addr "127.0.0.1:$port" --disable-telemetry --disable-update-check --disable-workspace-trust

#!/usr/bin/env bash
# The .vsix stage of scripts/test.sh: packages Inkling the way a writer gets it
# (scripts/package.mjs, this machine's platform), installs that .vsix into a fresh code-server and
# runs the ghost-text suite against the installed extension. Expects the build to have run (the
# suite is compiled from this checkout). Ends with `N passed, N failed`. Extra arguments go to
# runVscode.mjs (e.g. --verbose).
set -uo pipefail
cd "$(dirname "$0")/../.."

vsix=.test-artifacts/vsix/inkling-under-test.vsix
mkdir -p .test-artifacts/vsix
if ! node scripts/package.mjs --out "$vsix" --stage .test-artifacts/vsix/stage; then
  echo "vsix: packaging failed (see above)"
  echo "0 passed, 1 failed"
  exit 1
fi
exec bash test/integration/run.sh --vsix "$vsix" --grep "Ghost text" --artifacts .test-artifacts/vsix "$@"

#!/usr/bin/env bash
# The integration stage of scripts/test.sh: the mocha suite in out/test/integration/suite inside a
# real VS Code 1.100 (code-server + Debian's Chromium, see /work/shared/HARNESS.md), against the
# extension in this repository (dist/extension.js). Expects the build to have run. Prints the report
# and ends with `N passed, N failed`. Extra arguments go to runVscode.mjs (e.g. --grep Harness,
# --vsix inkling.vsix, --timeout 600, --verbose).
set -uo pipefail
cd "$(dirname "$0")/../.."

if ! bash scripts/harness/setup.sh; then
  echo "integration: harness setup failed (see above)"
  echo "0 passed, 1 failed"
  exit 1
fi

# The ghost-text tests run the real worker on the shared test model.
if [ -z "${INKLING_TEST_MODEL:-}" ] && [ -d ../shared/models/stories260K ]; then
  INKLING_TEST_MODEL="$(cd ../shared/models/stories260K && pwd)"
  export INKLING_TEST_MODEL
fi

exec node test/integration/runVscode.mjs "$@"

#!/usr/bin/env bash
# The one test command (npm test): build, type-check, boundary lint, unit tests, engine tests on the
# real test model, then the integration suites inside a real VS Code (code-server + Chromium), and
# the ghost-text suite once more against the packaged .vsix installed in a fresh code-server.
# Ends with one "N passed, N failed" line summed over every stage; exits non-zero on any failure.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD
mkdir -p .test-artifacts
passed=0
failed=0
status=0

stage() { printf '\n==== %s ====\n' "$*"; }

# node --test: count from its TAP summary.
run_node_tests() {
  local name=$1; shift
  local tap=".test-artifacts/$name.tap"
  node --test --test-concurrency=1 --test-reporter=spec --test-reporter-destination=stdout \
    --test-reporter=tap --test-reporter-destination="$tap" "$@"
  local rc=$?
  local p f
  p=$(grep -E '^# pass ' "$tap" | awk '{print $3}' | tail -1)
  f=$(grep -E '^# fail ' "$tap" | awk '{print $3}' | tail -1)
  passed=$((passed + ${p:-0}))
  failed=$((failed + ${f:-0}))
  if [ $rc -ne 0 ] && [ "${f:-0}" = 0 ]; then failed=$((failed + 1)); echo "$name: the runner failed (exit $rc)"; fi
  [ $rc -eq 0 ] || status=1
}

check() {
  local name=$1; shift
  if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); status=1; echo "$name failed"; fi
}

stage build
if ! node scripts/build.mjs; then echo "build failed"; echo "0 passed, 1 failed"; exit 1; fi

stage "type-check and lint"
check typecheck npx --no-install tsc -p . --noEmit
check lint node scripts/lint-boundaries.mjs

stage "unit tests"
mapfile -t unit < <(find out/test/unit -name '*.test.js' | sort)
run_node_tests unit "${unit[@]}"

stage "engine tests (real model: ../shared/models/stories260K)"
mapfile -t engine < <(find out/test/engine -name '*.test.js' | sort)
run_node_tests engine "${engine[@]}"

# A VS Code stage: runs a script that ends with "N passed, N failed" and adds its counts.
run_vscode_stage() {
  local log=$1; shift
  bash "$@" | tee "$log"
  local rc=${PIPESTATUS[0]}
  local line p f
  line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -1)
  p=$(echo "$line" | awk '{print $1}')
  f=$(echo "$line" | awk '{print $3}')
  passed=$((passed + ${p:-0}))
  failed=$((failed + ${f:-0}))
  if [ $rc -ne 0 ]; then status=1; [ "${f:-0}" = 0 ] && failed=$((failed + 1)); fi
}

if [ "${INKLING_SKIP_INTEGRATION:-}" != 1 ]; then
  stage "integration tests in a real VS Code"
  run_vscode_stage .test-artifacts/integration.log test/integration/run.sh --timeout 1200
  # ~25 s: a second code-server with the display language zh-cn (an empty language pack: VS Code's
  # own strings stay English, Inkling's are Chinese); its screenshots go to .test-artifacts/zh-cn/.
  stage "Inkling in Simplified Chinese (display language zh-cn)"
  run_vscode_stage .test-artifacts/zh-cn.log test/integration/run.sh --locale zh-cn --grep "Display language" --artifacts .test-artifacts/zh-cn
  stage "ghost text from the packaged .vsix in a fresh VS Code"
  run_vscode_stage .test-artifacts/vsix.log test/integration/run-vsix.sh
fi

printf '\n'
echo "$passed passed, $failed failed"
exit $status

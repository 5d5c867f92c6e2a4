#!/usr/bin/env node
// Runs the same integration suite (out/test/integration/suite/index.js) in desktop VS Code through
// @vscode/test-electron, for machines that can download VS Code (a writer's desktop, a CI with
// internet). Here it cannot: it fails fast with one line that says why; use
// test/integration/runVscode.mjs (code-server) instead. See /work/shared/HARNESS.md.
//
//   node scripts/harness/test-electron.mjs [--vscode-version 1.100.3] [--workspace <dir>]
//        [--artifacts <dir>] [--grep <regexp>]
//
// Without a UI bridge (INKLING_UI_BRIDGE), the tests that need to press keys or take screenshots
// skip themselves. On Linux without a display, run it under xvfb-run.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const { values: opt } = parseArgs({
  options: {
    'vscode-version': { type: 'string', default: '1.100.3' }, // the suite checks it runs on 1.100
    workspace: { type: 'string', default: path.join(root, 'test/fixtures/workspace') },
    artifacts: { type: 'string', default: path.join(root, '.test-artifacts') },
    grep: { type: 'string' },
  },
});

const testsIndex = path.join(root, 'out/test/integration/suite/index.js');
const artifacts = path.resolve(opt.artifacts);
const reportFile = path.join(artifacts, 'integration-report.txt');

function finish(passed, failed, line) {
  if (line) console.log(line);
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed > 0 ? 1 : 0);
}

if (!fs.existsSync(testsIndex)) finish(0, 1, `test-electron: ${path.relative(root, testsIndex)} is missing — build first (npm run build).`);

const { runTests, TestRunFailedError } = await import('@vscode/test-electron');

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'inkling-electron-'));
const ws = path.join(tmp, 'workspace');
fs.cpSync(path.resolve(opt.workspace), ws, { recursive: true });
fs.mkdirSync(path.join(tmp, 'user-data/User'), { recursive: true });
fs.writeFileSync(path.join(tmp, 'user-data/User/settings.json'), JSON.stringify({
  'files.hotExit': 'off', 'workbench.startupEditor': 'none', 'telemetry.telemetryLevel': 'off',
  'update.mode': 'none', 'extensions.autoUpdate': false, 'security.workspace.trust.enabled': false, 'git.enabled': false,
  'inkling.model.prepareFastGraph': false, // as in runVscode.mjs: no model reload under the suites
}, null, 2));
fs.mkdirSync(artifacts, { recursive: true });
for (const f of [reportFile, reportFile + '.json']) fs.rmSync(f, { force: true });

const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
let runError = null;
try {
  await runTests({
    version: opt['vscode-version'],
    // Quiet progress (the default console reporter draws a spinner): a line per real step only.
    reporter: {
      report(r) {
        if (r.stage === 'downloading' && !this.dl) { this.dl = true; console.log(`test-electron: downloading VS Code ${opt['vscode-version']}…`); }
        else if (r.stage === 'newInstallComplete' || r.stage === 'foundMatchingInstall') console.log(`test-electron: VS Code at ${r.downloadedPath}`);
        else if (r.stage === 'retrying') console.log(`test-electron: download failed, retrying (${r.error?.message ?? r.error})`);
      },
      error() {},
    },
    cachePath: path.join(root, '.harness/vscode-test'), // git-ignored
    extensionDevelopmentPath: root,
    extensionTestsPath: testsIndex,
    launchArgs: [
      ws,
      '--user-data-dir', path.join(tmp, 'user-data'),
      '--extensions-dir', path.join(tmp, 'extensions'),
      '--disable-workspace-trust', '--skip-welcome', '--skip-release-notes', '--disable-telemetry',
    ],
    extensionTestsEnv: {
      INKLING_TEST_REPORT: reportFile,
      INKLING_TEST_ARTIFACTS: artifacts,
      INKLING_TEST_WORKSPACE: ws,
      INKLING_TEST_MODE: 'test-electron',
      INKLING_TEST_EXTENSION_DIR: root,
      INKLING_TEST_EXTENSION_ID: `${pkg.publisher}.${pkg.name}`,
      ...(opt.grep ? { INKLING_TEST_GREP: opt.grep } : {}),
    },
  });
} catch (e) {
  runError = e;
} finally {
  fs.rmSync(tmp, { recursive: true, force: true });
}

const offline = /ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENETUNREACH|getaddrinfo|socket hang up/i;
if (runError && !(runError instanceof TestRunFailedError)) {
  const msg = String(runError?.message ?? runError).split('\n')[0];
  if (offline.test(msg)) {
    finish(0, 1, `test-electron: cannot download VS Code ${opt['vscode-version']} (${msg}) — this machine has no access to Microsoft's servers; run the suite in code-server instead: node test/integration/runVscode.mjs`);
  }
  finish(0, 1, `test-electron: could not start VS Code: ${msg}`);
}

let report = null;
try { report = JSON.parse(fs.readFileSync(reportFile + '.json', 'utf8')); } catch {}
try { process.stdout.write(fs.readFileSync(reportFile, 'utf8').replace(/\n?\d+ passed, \d+ failed\s*$/, '\n')); } catch {}
let failed = report?.failed ?? 0;
const passed = report?.passed ?? 0;
let line = '';
if (!report) { failed++; line = `✗ [harness] the suite wrote no report (${runError?.message ?? 'VS Code exited'})`; }
else if (runError && failed === 0) { failed++; line = `✗ [harness] ${runError.message} but no failing test was reported`; }
else if (!report.done) { failed++; line = '✗ [harness] the report is incomplete (the suite did not finish)'; }
else if (passed + failed === 0) { failed++; line = '✗ [harness] no test passed'; }
finish(passed, failed, line);

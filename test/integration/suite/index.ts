// Mocha entry point that VS Code's extension test runner loads (extensionTestsPath) inside the
// extension host, under code-server (test/integration/runVscode.mjs) or @vscode/test-electron
// (scripts/harness/test-electron.mjs).
//
// Compiled by scripts/build.mjs to out/test/integration/suite/index.js; every *.test.ts beside it
// becomes its own bundle *.test.js, discovered here at run time. `mocha` stays external and is
// resolved from the repository's node_modules.
//
// Writes a report to $INKLING_TEST_REPORT (default <repo>/.test-artifacts/integration-report.txt):
// one line per test (✓ / ✗ with the error / - skipped), then `N passed, N failed`; and the same as
// JSON in <report>.json, rewritten after every test so that a run cut off by a timeout still
// leaves what it did.
import * as fs from 'fs';
import * as path from 'path';
import Mocha from 'mocha';

const repoRoot = path.resolve(__dirname, '../../../..');

interface TestRecord {
  title: string;
  file?: string;
  state: 'passed' | 'failed' | 'pending';
  durationMs?: number;
  error?: string;
}

interface Report {
  done: boolean;
  passed: number;
  failed: number;
  pending: number;
  vscodeVersion: string;
  mode: string;
  startedAt: string;
  durationMs: number;
  tests: TestRecord[];
}

function reportPath(): string {
  return process.env.INKLING_TEST_REPORT || path.join(repoRoot, '.test-artifacts', 'integration-report.txt');
}

function vscodeVersion(): string {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return (require('vscode') as typeof import('vscode')).version;
  } catch {
    return 'unknown';
  }
}

function formatError(err: unknown): string {
  const e = err as { message?: string; stack?: string; actual?: unknown; expected?: unknown; showDiff?: boolean; code?: string } | undefined;
  if (!e) return String(err);
  const lines: string[] = [];
  lines.push(e.message ?? String(err));
  // Node's assert already puts the comparison into its message; other libraries may not.
  if (e.code !== 'ERR_ASSERTION' && e.showDiff !== false && 'expected' in e && 'actual' in e) {
    lines.push(`expected: ${String(e.expected)}`);
    lines.push(`actual:   ${String(e.actual)}`);
  }
  const stack = (e.stack ?? '').split('\n').filter((l) => /^\s+at /.test(l)).slice(0, 6);
  lines.push(...stack.map((l) => l.trim()));
  return lines.join('\n');
}

function writeReport(report: Report): void {
  const file = reportPath();
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const text: string[] = [];
  text.push(`Inkling integration tests — VS Code ${report.vscodeVersion} (${report.mode})`);
  for (const t of report.tests) {
    if (t.state === 'passed') text.push(`  ✓ ${t.title} (${t.durationMs ?? 0} ms)`);
    else if (t.state === 'pending') text.push(`  - ${t.title} (skipped)`);
    else {
      text.push(`  ✗ ${t.title}`);
      for (const l of (t.error ?? '').split('\n')) text.push(`      ${l}`);
    }
  }
  if (!report.done) text.push('  … (run not finished)');
  // The last line reads exactly `N passed, N failed`; skipped tests are counted on the line before.
  if (report.pending) text.push(`${report.pending} skipped`);
  text.push(`${report.passed} passed, ${report.failed} failed`);
  fs.writeFileSync(file, text.join('\n') + '\n');
  fs.writeFileSync(file + '.json', JSON.stringify(report, null, 2));
}

/** Records every test, echoes spec-like lines to the console, keeps the report file up to date. */
class ReportFileReporter extends Mocha.reporters.Base {
  constructor(runner: Mocha.Runner, options?: Mocha.MochaOptions) {
    super(runner, options);
    const started = Date.now();
    const report: Report = {
      done: false,
      passed: 0,
      failed: 0,
      pending: 0,
      vscodeVersion: vscodeVersion(),
      mode: process.env.INKLING_TEST_MODE || 'vscode',
      startedAt: new Date(started).toISOString(),
      durationMs: 0,
      tests: [],
    };
    const { EVENT_TEST_PASS, EVENT_TEST_FAIL, EVENT_TEST_PENDING, EVENT_RUN_END } = Mocha.Runner.constants;
    const title = (t: Mocha.Runnable) => t.titlePath().join(' › ');
    const file = (t: Mocha.Runnable) => (t.file ? path.basename(t.file) : undefined);
    const save = () => {
      report.durationMs = Date.now() - started;
      try {
        writeReport(report);
      } catch (e) {
        console.error('[inkling-tests] could not write the report:', e);
      }
    };
    save();
    runner.on(EVENT_TEST_PASS, (t) => {
      report.passed++;
      report.tests.push({ title: title(t), file: file(t), state: 'passed', durationMs: t.duration });
      console.log(`  ✓ ${title(t)} (${t.duration} ms)`);
      save();
    });
    runner.on(EVENT_TEST_FAIL, (t, err) => {
      // Also fires for failing hooks (t is then the hook: "before all" hook for …).
      report.failed++;
      report.tests.push({ title: title(t), file: file(t), state: 'failed', durationMs: t.duration, error: formatError(err) });
      console.log(`  ✗ ${title(t)}\n${formatError(err).replace(/^/gm, '      ')}`);
      save();
    });
    runner.on(EVENT_TEST_PENDING, (t) => {
      report.pending++;
      report.tests.push({ title: title(t), file: file(t), state: 'pending' });
      console.log(`  - ${title(t)} (skipped)`);
      save();
    });
    runner.once(EVENT_RUN_END, () => {
      report.done = true;
      save();
      console.log(`${report.passed} passed, ${report.failed} failed`);
    });
  }
}

export function run(): Promise<void> {
  const mocha = new Mocha({
    ui: 'bdd',
    color: false,
    timeout: 60_000,
    slow: 5_000,
    reporter: ReportFileReporter as unknown as string,
    ...(process.env.INKLING_TEST_GREP ? { grep: process.env.INKLING_TEST_GREP } : {}),
  });

  // harness.test.js first: if the harness itself is broken, that is the first thing to see.
  const files = fs
    .readdirSync(__dirname)
    .filter((f) => f.endsWith('.test.js'))
    .sort((a, b) => Number(b === 'harness.test.js') - Number(a === 'harness.test.js') || a.localeCompare(b));
  for (const f of files) mocha.addFile(path.join(__dirname, f));

  return new Promise((resolve, reject) => {
    if (files.length === 0) {
      const err = new Error(`no *.test.js files next to ${__filename} — is the suite compiled?`);
      writeReport({
        done: true, passed: 0, failed: 1, pending: 0, vscodeVersion: vscodeVersion(), mode: process.env.INKLING_TEST_MODE || 'vscode',
        startedAt: new Date().toISOString(), durationMs: 0, tests: [{ title: 'load test files', state: 'failed', error: err.message }],
      });
      reject(err);
      return;
    }
    try {
      mocha.run((failures) => (failures > 0 ? reject(new Error(`${failures} test(s) failed.`)) : resolve()));
    } catch (e) {
      // A test file that throws while loading lands here.
      writeReport({
        done: true, passed: 0, failed: 1, pending: 0, vscodeVersion: vscodeVersion(), mode: process.env.INKLING_TEST_MODE || 'vscode',
        startedAt: new Date().toISOString(), durationMs: 0, tests: [{ title: 'load test files', state: 'failed', error: formatError(e) }],
      });
      reject(e);
    }
  });
}

#!/usr/bin/env node
// Runs the integration mocha suite inside a real VS Code (code-server's VS Code 1.100 server, web
// workbench and Node extension host), driven from Debian's Chromium by playwright-core.
// See /work/shared/HARNESS.md for why it is done this way, and test/integration/README.md.
//
//   node test/integration/runVscode.mjs [--ext <dir>] [--tests <compiled suite index.js>]
//        [--workspace <dir>] [--vsix <file>] [--timeout <s>] [--artifacts <dir>]
//        [--setting key=<json>]... [--settings <file.json>] [--grep <regexp>] [--locale <id>]
//        [--keep] [--verbose]
//
// --locale zh-cn: VS Code's display language (code-server's --locale). No language pack can be
// downloaded here, so an empty one is registered for it: VS Code's own strings stay English while
// extensions get the language (vscode.env.language, package.nls.<id>.json, l10n bundles).
//
// Prints the suite's report and ends with a line exactly `N passed, N failed`; exit 0 only if
// every test passed (a run that times out, crashes or reports nothing counts as a failure).
//
// Environment given to code-server (the extension host inherits it):
//   INKLING_TEST_REPORT     file the suite writes its report to (JSON beside it: <file>.json)
//   INKLING_TEST_ARTIFACTS  folder for screenshots and other artefacts
//   INKLING_TEST_WORKSPACE  the (copied) workspace folder that is open
//   INKLING_UI_BRIDGE       http://127.0.0.1:PORT/TOKEN — the UI bridge (see suite/uiBridge.ts)
//   INKLING_TEST_GREP       mocha grep, from --grep
//   INKLING_TEST_MODE       'code-server'
//   INKLING_TEST_LOCALE     the display language, from --locale (absent: English)
//   INKLING_TEST_EXTENSION_ID   id (publisher.name) of the extension under test; with --vsix,
//                               the ids installed from it, comma-separated
//   INKLING_TEST_EXTENSION_DIR  the extension development folder (not with --vsix)
//   INKLING_TEST_VSIX           the installed .vsix (with --vsix)
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '../..');
const t0 = performance.now();
const secs = (ms) => (ms / 1000).toFixed(1) + 's';
const log = (...a) => console.log('[runVscode]', ...a);

// ------------------------------------------------------------------------------------------------
// Options
const { values: opt } = parseArgs({
  options: {
    ext: { type: 'string', default: repoRoot },
    tests: { type: 'string', default: path.join(repoRoot, 'out/test/integration/suite/index.js') },
    workspace: { type: 'string', default: path.join(repoRoot, 'test/fixtures/workspace') },
    vsix: { type: 'string' },
    timeout: { type: 'string', default: '300' },
    artifacts: { type: 'string', default: path.join(repoRoot, '.test-artifacts') },
    setting: { type: 'string', multiple: true, default: [] },
    settings: { type: 'string' },
    grep: { type: 'string' },
    locale: { type: 'string' },
    'code-server': { type: 'string', default: process.env.INKLING_CODE_SERVER || path.join(repoRoot, '.harness/code-server/node_modules/code-server') },
    chromium: { type: 'string', default: process.env.INKLING_CHROMIUM || '/usr/bin/chromium' },
    keep: { type: 'boolean', default: false },
    verbose: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
  strict: true,
});
if (opt.help) {
  const lines = fs.readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n').slice(1);
  console.log(lines.slice(0, lines.findIndex((l) => !l.startsWith('//'))).map((l) => l.replace(/^\/\/ ?/, '')).join('\n'));
  process.exit(0);
}

const extDir = path.resolve(opt.ext);
const testsIndex = path.resolve(opt.tests);
const fixtureWs = path.resolve(opt.workspace);
const artifacts = path.resolve(opt.artifacts);
const timeoutMs = Number(opt.timeout) * 1000;
const csDir = path.resolve(opt['code-server']);
const csEntry = path.join(csDir, 'out/node/entry.js');
const reportFile = path.join(artifacts, 'integration-report.txt');
const reportJson = reportFile + '.json';

function fail(msg) {
  console.error(`[runVscode] ERROR: ${msg}`);
  console.log('0 passed, 1 failed');
  process.exit(1);
}
if (!(timeoutMs > 0)) fail(`--timeout must be a number of seconds, got ${opt.timeout}`);
if (!fs.existsSync(csEntry)) fail(`code-server not found at ${csDir}. Run: bash scripts/harness/setup.sh`);
if (!fs.existsSync(opt.chromium)) fail(`Chromium not found at ${opt.chromium}. Run: bash scripts/harness/setup.sh`);
if (!fs.existsSync(testsIndex)) fail(`compiled test suite not found: ${testsIndex}. Build it first (npm run build).`);
if (!fs.existsSync(fixtureWs) || !fs.statSync(fixtureWs).isDirectory()) fail(`workspace folder not found: ${fixtureWs}`);
if (!opt.vsix && !fs.existsSync(path.join(extDir, 'package.json'))) fail(`no package.json in extension folder ${extDir}`);
if (!opt.vsix) {
  const pkg = JSON.parse(fs.readFileSync(path.join(extDir, 'package.json'), 'utf8'));
  if (pkg.main && !fs.existsSync(path.resolve(extDir, pkg.main)) && !fs.existsSync(path.resolve(extDir, pkg.main + '.js'))) {
    fail(`the extension's main (${pkg.main}) does not exist in ${extDir}. Build it first (npm run build).`);
  }
}
if (opt.vsix && !fs.existsSync(opt.vsix)) fail(`--vsix file not found: ${opt.vsix}`);

const settings = {
  'files.hotExit': 'off',
  // VS Code in the browser saves after a delay by default; tests must decide what reaches disk.
  'files.autoSave': 'off',
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'window.restoreWindows': 'none',
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoUpdate': false,
  'extensions.autoCheckUpdates': false,
  'extensions.ignoreRecommendations': true,
  'security.workspace.trust.enabled': false,
  'git.enabled': false,
  'git.autoRepositoryDetection': false,
  'editor.accessibilitySupport': 'off',
  'chat.commandCenter.enabled': false,
  // The suites compare the extension's text with the CLI's on the test model's own graph; a faster
  // copy prepared in the background would reload the model under them. Its own test turns it on.
  'inkling.model.prepareFastGraph': false,
};
if (opt.settings) Object.assign(settings, JSON.parse(fs.readFileSync(opt.settings, 'utf8')));
for (const kv of opt.setting) {
  const i = kv.indexOf('=');
  if (i < 1) fail(`--setting expects key=<json value>, got ${kv}`);
  const raw = kv.slice(i + 1);
  let value;
  try { value = JSON.parse(raw); } catch { value = raw; }
  settings[kv.slice(0, i)] = value;
}

// ------------------------------------------------------------------------------------------------
// Per-run state and cleanup
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'inkling-vscode-'));
const dirs = {
  userData: path.join(tmp, 'user-data'),
  extensions: path.join(tmp, 'extensions'),
  xdgConfig: path.join(tmp, 'xdg-config'),
  xdgData: path.join(tmp, 'xdg-data'),
  xdgCache: path.join(tmp, 'xdg-cache'),
  ws: path.join(tmp, 'workspace', path.basename(fixtureWs)),
};
for (const d of Object.values(dirs)) fs.mkdirSync(d, { recursive: true });
fs.cpSync(fixtureWs, dirs.ws, { recursive: true });
fs.mkdirSync(path.join(dirs.userData, 'User'), { recursive: true });
fs.writeFileSync(path.join(dirs.userData, 'User/settings.json'), JSON.stringify(settings, null, 2));
const configFile = path.join(tmp, 'code-server.yaml');
fs.writeFileSync(configFile, 'auth: none\n');
fs.mkdirSync(artifacts, { recursive: true });
for (const f of [reportFile, reportJson, path.join(artifacts, 'vscode-logs'), path.join(artifacts, 'failure.png')]) fs.rmSync(f, { recursive: true, force: true });
const serverLog = fs.createWriteStream(path.join(artifacts, 'code-server.log'));
const consoleLog = fs.createWriteStream(path.join(artifacts, 'browser-console.log'));

let server; // code-server child (own process group)
let browser;
let bridge;
let cleaned = false;
let serverStopped = false;
async function cleanup() {
  if (cleaned) return;
  cleaned = true;
  try { bridge?.close(); } catch {}
  const tb = performance.now();
  try { await Promise.race([browser?.close(), new Promise((r) => setTimeout(r, 5000))]); } catch {}
  const ts = performance.now();
  await killServer();
  if (opt.verbose) log(`shutdown: chromium ${secs(ts - tb)}, code-server ${secs(performance.now() - ts)}`);
  // The server side's logs (extension host, output channels) live in the per-run user-data dir.
  try {
    const logs = path.join(dirs.userData, 'logs');
    if (fs.existsSync(logs)) fs.cpSync(logs, path.join(artifacts, 'vscode-logs', 'server'), { recursive: true });
  } catch (e) { console.error(`[runVscode] could not copy the server logs: ${e}`); }
  await new Promise((r) => serverLog.end(r));
  await new Promise((r) => consoleLog.end(r));
  if (!opt.keep) fs.rmSync(tmp, { recursive: true, force: true, maxRetries: 3 });
  else log(`kept per-run folder ${tmp}`);
}
async function killServer() {
  if (!server) return;
  const pgid = -server.pid;
  const groupGone = () => { try { process.kill(pgid, 0); return false; } catch { serverStopped = true; return true; } };
  if (groupGone()) return;
  try { process.kill(pgid, 'SIGTERM'); } catch {}
  // Give it a moment (the event loop must run so that Node reaps the leader), then make sure the
  // whole group (server, extension host, pty host, watchers…) is gone.
  const deadline = Date.now() + 3000;
  while (Date.now() < deadline) {
    if (groupGone()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  try { process.kill(pgid, 'SIGKILL'); log('code-server ignored SIGTERM for 3 s: killed its process group'); } catch {}
  serverStopped = true;
}
let interrupted = null;
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, async () => {
    if (interrupted) return;
    interrupted = sig;
    console.error(`[runVscode] ${sig}: stopping code-server and Chromium`);
    await finish({ error: null, result: null });
    process.exit(130);
  });
}
// Last resort (synchronous): never leave a server behind.
process.on('exit', () => { if (server && !serverStopped) try { process.kill(-server.pid, 'SIGKILL'); } catch {} });

// ------------------------------------------------------------------------------------------------
// Helpers
function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function httpGetStatus(url) {
  return new Promise((resolve) => {
    const req = http.get(url, (res) => { res.resume(); resolve(res.statusCode); });
    req.on('error', () => resolve(0));
    req.setTimeout(2000, () => { req.destroy(); resolve(0); });
  });
}

function serverEnv(extra) {
  const env = { ...process.env };
  // Do not let a surrounding VS Code (integrated terminal) leak into the one under test.
  for (const k of Object.keys(env)) if (k.startsWith('VSCODE_') || k === 'ELECTRON_RUN_AS_NODE') delete env[k];
  return { ...env, XDG_CONFIG_HOME: dirs.xdgConfig, XDG_DATA_HOME: dirs.xdgData, XDG_CACHE_HOME: dirs.xdgCache, ...extra };
}

// VS Code takes a display language only when a language pack for it is installed (languagepacks.json
// in the user data folder, which the language pack extension writes). This one translates none of
// VS Code's own strings (every message falls back to English), which is what a test of Inkling's
// own translations wants, and needs no download.
function registerEmptyLanguagePack(locale) {
  if (locale.startsWith('en')) return;
  const translations = path.join(dirs.userData, 'empty-language-pack', 'main.i18n.json');
  fs.mkdirSync(path.dirname(translations), { recursive: true });
  fs.writeFileSync(translations, JSON.stringify({ contents: {} }));
  const packs = { [locale]: { hash: `inkling-empty-${locale}`, extensions: [{ extensionIdentifier: { id: `inkling-test.empty-language-pack-${locale}` }, version: '0.0.0' }], translations: { vscode: translations }, label: locale } };
  fs.writeFileSync(path.join(dirs.userData, 'languagepacks.json'), JSON.stringify(packs));
  log(`display language ${locale} (an empty language pack: VS Code's own strings stay English)`);
}

const csCommonArgs = ['--config', configFile, '--user-data-dir', dirs.userData, '--extensions-dir', dirs.extensions];

// ------------------------------------------------------------------------------------------------
// UI bridge: lets a test inside the extension host drive the page (keys, screenshots, DOM queries).
let page; // set once the page exists
async function findFrame(selector, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const f of page.frames()) {
      if (f === page.mainFrame() || f.isDetached()) continue;
      try { if (await f.$(selector)) return f; } catch { /* detached while looking */ }
    }
    if (Date.now() > deadline) throw new Error(`no frame has ${selector} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
function startBridge(token) {
  const ops = {
    async type({ text, delay }) { await page.keyboard.type(String(text), { delay: delay ?? 0 }); return null; },
    async press({ key, delay }) { await page.keyboard.press(String(key), { delay: delay ?? 0 }); return null; },
    async insertText({ text }) { await page.keyboard.insertText(String(text)); return null; },
    async screenshot({ name, fullPage, selector }) {
      const file = path.isAbsolute(name || '') ? name : path.join(artifacts, (name || 'screenshot').replace(/[^\w.-]+/g, '_').replace(/(\.png)?$/, '.png'));
      fs.mkdirSync(path.dirname(file), { recursive: true });
      if (selector) await page.locator(selector).first().screenshot({ path: file });
      else await page.screenshot({ path: file, fullPage: !!fullPage });
      return file;
    },
    async waitForSelector({ selector, state, timeout }) {
      await page.waitForSelector(selector, { state: state ?? 'visible', timeout: timeout ?? 10000 });
      return true;
    },
    async textContent({ selector }) { return page.locator(selector).first().textContent({ timeout: 5000 }); },
    async innerText({ selector }) { return page.locator(selector).first().innerText({ timeout: 5000 }); },
    async count({ selector }) { return page.locator(selector).count(); },
    async hover({ selector }) { await page.locator(selector).first().hover({ timeout: 10000 }); return null; },
    async click({ selector, button, clickCount }) {
      await page.locator(selector).first().click({ button: button ?? 'left', clickCount: clickCount ?? 1, timeout: 10000 });
      return null;
    },
    async evaluate({ expression, arg }) {
      // `expression` is a function source `(arg) => …` or a plain expression.
      const src = String(expression).trim();
      const isFn = /^(async\s*)?(\([^)]*\)|[\w$]+)\s*=>/.test(src) || /^(async\s+)?function\b/.test(src);
      if (isFn) return page.evaluate(([s, a]) => (0, eval)(`(${s})`)(a), [src, arg ?? null]);
      return page.evaluate(src);
    },
    // Webviews live in nested iframes (iframe.webview → #active-frame). The frame ops find the
    // frame whose document has `frame` (a CSS selector), e.g. '#inkling-sampling-panel'.
    async frameEval({ frame, expression, arg, parent, timeout }) {
      let f = await findFrame(String(frame), timeout ?? 10000);
      // The outer webview frame carries VS Code's message channel to the extension host.
      if (parent) f = f.parentFrame() ?? f;
      return f.evaluate(([s, a]) => (0, eval)(`(${s})`)(a), [String(expression), arg ?? null]);
    },
    async frameAction({ frame, selector, action, value, timeout }) {
      const f = await findFrame(String(frame), timeout ?? 10000);
      const target = f.locator(String(selector)).first();
      const o = { timeout: timeout ?? 10000 };
      switch (action) {
        case 'click': await target.click(o); return null;
        case 'focus': await target.focus(o); return null;
        case 'fill': await target.fill(String(value), o); return null;
        case 'press': await target.press(String(value), o); return null;
        case 'selectOption': await target.selectOption(String(value), o); return null;
        case 'check': await target.check(o); return null;
        case 'uncheck': await target.uncheck(o); return null;
        case 'waitFor': await target.waitFor({ state: value ?? 'visible', ...o }); return null;
        default: throw new Error(`unknown frame action ${action}`);
      }
    },
  };
  const srv = http.createServer((req, res) => {
    const reply = (status, body) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.method !== 'POST' || req.url !== `/${token}`) return reply(404, { ok: false, error: 'not found' });
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c) => (body += c));
    req.on('end', async () => {
      let cmd;
      try { cmd = JSON.parse(body); } catch { return reply(400, { ok: false, error: 'bad JSON' }); }
      const fn = ops[cmd?.op];
      if (!fn) return reply(400, { ok: false, error: `unknown op ${cmd?.op}; known: ${Object.keys(ops).join(', ')}` });
      if (!page) return reply(503, { ok: false, error: 'page not ready' });
      try {
        const result = await fn(cmd);
        if (opt.verbose) log(`bridge ${cmd.op} ok`);
        reply(200, { ok: true, result: result ?? null });
      } catch (e) {
        if (opt.verbose) log(`bridge ${cmd.op} failed: ${e?.message}`);
        reply(200, { ok: false, error: String(e?.message ?? e) });
      }
    });
  });
  return new Promise((resolve) => srv.listen(0, '127.0.0.1', () => resolve(srv)));
}

function extensionId(dir) {
  const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
  return `${pkg.publisher ?? 'undefined_publisher'}.${pkg.name}`;
}

// ------------------------------------------------------------------------------------------------
// Report
function readReport() {
  let json = null;
  try { json = JSON.parse(fs.readFileSync(reportJson, 'utf8')); } catch {}
  let text = null;
  try { text = fs.readFileSync(reportFile, 'utf8'); } catch {}
  return { json, text };
}

// ------------------------------------------------------------------------------------------------
const timing = {};
async function main() {
  const token = randomBytes(16).toString('hex');
  bridge = await startBridge(token);
  const bridgeUrl = `http://127.0.0.1:${bridge.address().port}/${token}`;
  const env = serverEnv({
    INKLING_TEST_REPORT: reportFile,
    INKLING_TEST_ARTIFACTS: artifacts,
    INKLING_TEST_WORKSPACE: dirs.ws,
    INKLING_UI_BRIDGE: bridgeUrl,
    INKLING_TEST_MODE: 'code-server',
    ...(opt.vsix ? { INKLING_TEST_VSIX: path.resolve(opt.vsix) } : { INKLING_TEST_EXTENSION_DIR: extDir, INKLING_TEST_EXTENSION_ID: extensionId(extDir) }),
    ...(opt.grep ? { INKLING_TEST_GREP: opt.grep } : {}),
    ...(opt.locale ? { INKLING_TEST_LOCALE: opt.locale.toLowerCase() } : {}),
  });
  if (opt.locale) registerEmptyLanguagePack(opt.locale.toLowerCase());

  // Extension under test: a development folder, or an installed .vsix.
  let devExtDir = extDir;
  if (opt.vsix) {
    const t = performance.now();
    const r = spawnSync(process.execPath, [csEntry, ...csCommonArgs, '--force', '--install-extension', path.resolve(opt.vsix)], { env, encoding: 'utf8' });
    serverLog.write(`--- install-extension\n${r.stdout}${r.stderr}\n`);
    if (r.status !== 0) throw new Error(`code-server --install-extension ${opt.vsix} failed (${r.status}):\n${r.stdout}${r.stderr}`);
    log(`installed ${path.basename(opt.vsix)} in ${secs(performance.now() - t)}: ${r.stdout.trim().split('\n').pop()}`);
    try {
      const installed = JSON.parse(fs.readFileSync(path.join(dirs.extensions, 'extensions.json'), 'utf8'));
      env.INKLING_TEST_EXTENSION_ID = installed.map((e) => e.identifier?.id).filter(Boolean).join(',');
    } catch (e) { log(`could not read the installed extension's id: ${e.message}`); }
    // VS Code runs extensionTestsPath only alongside an extensionDevelopmentPath: give it an empty one.
    devExtDir = path.join(tmp, 'test-host-extension');
    fs.mkdirSync(devExtDir, { recursive: true });
    fs.writeFileSync(path.join(devExtDir, 'package.json'), JSON.stringify({
      name: 'inkling-vsix-test-host', publisher: 'inkling-test', version: '0.0.0', engines: { vscode: '*' },
    }));
  }

  // Start code-server in its own process group.
  const port = await freePort();
  const tStart = performance.now();
  server = spawn(process.execPath, [
    csEntry, ...csCommonArgs,
    '--bind-addr', `127.0.0.1:${port}`,
    '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust',
    '--disable-getting-started-override', '--ignore-last-opened',
    ...(opt.locale ? ['--locale', opt.locale.toLowerCase()] : []),
  ], { env, cwd: tmp, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let serverExited = null;
  server.on('exit', (code, sig) => { serverExited = { code, sig }; });
  server.stdout.on('data', (d) => { serverLog.write(d); if (opt.verbose) process.stdout.write(d); });
  server.stderr.on('data', (d) => { serverLog.write(d); if (opt.verbose) process.stderr.write(d); });
  const base = `http://127.0.0.1:${port}`;
  for (;;) {
    if (serverExited) throw new Error(`code-server exited early (${JSON.stringify(serverExited)}); see ${path.join(artifacts, 'code-server.log')}`);
    if ((await httpGetStatus(`${base}/healthz`)) === 200) break;
    if (performance.now() - tStart > 60000) throw new Error('code-server did not answer /healthz within 60 s');
    await new Promise((r) => setTimeout(r, 100));
  }
  timing.serverStart = performance.now() - tStart;
  log(`code-server up on ${base} in ${secs(timing.serverStart)} (VS Code 1.100, workspace copy ${dirs.ws})`);

  // Chromium.
  const tBrowser = performance.now();
  const { chromium } = await import('playwright-core');
  browser = await chromium.launch({
    executablePath: opt.chromium,
    headless: true,
    // This script handles the signals itself (stop code-server's group, print the summary).
    handleSIGINT: false, handleSIGTERM: false, handleSIGHUP: false,
    // Keep Chromium's own files (crash reports, caches) out of ~/.config and ~/.cache.
    env: { ...process.env, XDG_CONFIG_HOME: path.join(tmp, 'chromium-config'), XDG_CACHE_HOME: path.join(tmp, 'chromium-cache') },
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  page = await context.newPage();
  timing.browserLaunch = performance.now() - tBrowser;
  page.on('console', (m) => {
    const line = `[${m.type()}] ${m.text()}`;
    consoleLog.write(line + '\n');
    if (opt.verbose) console.log('[browser]', line);
  });
  page.on('pageerror', (e) => consoleLog.write(`[pageerror] ${e?.stack ?? e}\n`));

  let resolveExit;
  const exited = new Promise((r) => (resolveExit = r));
  await page.exposeFunction('codeAutomationLog', (type, args) => {
    const line = `[${type}] ${Array.isArray(args) ? args.join(' ') : String(args)}`;
    consoleLog.write('[workbench]' + line + '\n');
    if (opt.verbose) console.log('[workbench]', line);
  });
  await page.exposeFunction('codeAutomationExit', (code, logs) => {
    // `logs`: the workbench's log files [{ relativePath, contents }] — keep them as artefacts.
    try {
      for (const l of Array.isArray(logs) ? logs : []) {
        const rel = String(l.relativePath ?? l.resource ?? 'log').replace(/^[/\\]+/, '').replace(/\.\.+/g, '_');
        const f = path.join(artifacts, 'vscode-logs', rel);
        fs.mkdirSync(path.dirname(f), { recursive: true });
        fs.writeFileSync(f, typeof l.contents === 'string' ? l.contents : JSON.stringify(l.contents));
      }
    } catch (e) { consoleLog.write(`[runVscode] could not save workbench logs: ${e}\n`); }
    resolveExit(Number(code));
  });

  const remote = (p) => `vscode-remote://127.0.0.1:${port}${p.split(path.sep).join('/')}`;
  const payload = [
    ['extensionDevelopmentPath', remote(devExtDir)],
    ['extensionTestsPath', remote(testsIndex)],
  ];
  const url = `${base}/?folder=${encodeURIComponent(dirs.ws)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
  const tLoad = performance.now();
  await page.goto(url, { waitUntil: 'domcontentloaded', timeout: 60000 });
  // "Loaded" = the workbench has rendered its parts (the editor area exists).
  await page.waitForSelector('.monaco-workbench .part.editor', { state: 'attached', timeout: 60000 });
  timing.workbenchLoad = performance.now() - tLoad;
  log(`workbench loaded in ${secs(timing.workbenchLoad)}; running tests (timeout ${opt.timeout}s)…`);

  const tTests = performance.now();
  const remaining = Math.max(1000, timeoutMs - (performance.now() - t0));
  let timer;
  const outcome = await Promise.race([
    exited.then((code) => ({ code })),
    new Promise((r) => (timer = setTimeout(() => r({ timeout: true }), remaining))),
    new Promise((r) => server.on('exit', () => r({ crashed: true }))),
  ]);
  clearTimeout(timer);
  timing.tests = performance.now() - tTests;
  if (outcome.timeout || outcome.crashed) {
    try { await page.screenshot({ path: path.join(artifacts, 'failure.png') }); } catch {}
  }
  return { outcome, timing };
}

let finishing = null;
function finish(args) {
  finishing ??= report(args); // once, whichever of the normal end or a signal comes first
  return finishing;
}

async function report({ error, result }) {
  const tCleanupStart = performance.now();
  await cleanup();
  const tCleanup = performance.now() - tCleanupStart;

  const { json, text } = readReport();
  let passed = json?.passed ?? 0;
  let failed = json?.failed ?? 0;
  if (text) process.stdout.write(text.replace(/\n?\d+ passed, \d+ failed\s*$/, '\n'));
  else log(`no report was written to ${reportFile}`);
  const problems = [];
  if (interrupted) problems.push(`interrupted by ${interrupted}`);
  if (error) problems.push(`harness error: ${error.stack ?? error}`);
  if (result?.outcome.timeout) problems.push(`timed out after ${opt.timeout}s${json && !json.done ? ' (the suite was still running)' : ''}`);
  if (result?.outcome.crashed) problems.push('code-server exited while the tests were running');
  if (result && 'code' in result.outcome && result.outcome.code !== 0 && failed === 0) problems.push(`the test runner exited with code ${result.outcome.code} but reported no failing test`);
  if (!error && result && !result.outcome.timeout && !json) problems.push('the suite wrote no report (did it load? see .test-artifacts/vscode-logs and browser-console.log)');
  if (json && !json.done && result && !result.outcome.timeout) problems.push('the report is incomplete (the suite did not finish)');
  if (!problems.length && passed === 0 && failed === 0) problems.push('no test passed (were they all skipped, or did --grep match nothing?)');
  if (problems.length) {
    for (const p of problems) console.log(`✗ [harness] ${p}`);
    failed += 1;
  }
  const t = timing;
  const fmt = (ms) => (ms === undefined ? '-' : secs(ms));
  log(`timings: server start ${fmt(t.serverStart)}, chromium ${fmt(t.browserLaunch)}, workbench load ${fmt(t.workbenchLoad)}, tests ${fmt(t.tests)}, shutdown ${fmt(tCleanup)}, total ${secs(performance.now() - t0)}`);
  log(`artefacts in ${path.relative(process.cwd(), artifacts) || '.'}/`);
  console.log(`${passed} passed, ${failed} failed`);
  return failed > 0 ? 1 : 0;
}

let result = null;
let error = null;
try {
  result = await main();
} catch (e) {
  error = e;
  try { if (page && !interrupted) await page.screenshot({ path: path.join(artifacts, 'failure.png') }); } catch {}
}
if (!interrupted) process.exit(await finish({ error, result }));

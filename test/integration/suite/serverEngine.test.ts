// The server engine in a real VS Code, on a real llama-server (../shared/llama-server, serving the
// test model as GGUF): ghost text and Continue This Poem write what the CLI writes through the same
// server with the same seed, the status bar says what answers, and a workspace that names a server
// in its settings sends nothing to it.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { InklingApi } from '../../../src/extension';
import type { ContinueResult } from '../../../src/vscode/commands/continueCommand';
import { llamaServerAvailable, startLlamaServer, storiesGguf, type LlamaServer } from '../../support/llamaServer';
import { startRecordedServer } from '../../support/recordedServer';
import { uiBridgeOrSkip, waitFor } from './uiBridge';
import { api, cliGhost, cliInsertion, config, continuationAt, openAtEnd, openLongVerseAtEnd, SEED, workspaceDir } from './writingSupport';
import { buildGhostRequest, GHOST_PROMPT_CHARS, SERVER_GHOST_PROMPT_CHARS, type GhostRequestReady } from '../../../src/writing/prompts/ghost/ghostRequest';

const GHOST = '.monaco-editor .ghost-text-decoration, .monaco-editor .ghost-text';

describe('Server engine', function () {
  this.timeout(180_000);
  let inkling: InklingApi;
  let server: LlamaServer;

  before(async function () {
    if (!process.env.INKLING_TEST_MODEL || !llamaServerAvailable()) this.skip();
    inkling = await api();
    server = await startLlamaServer(storiesGguf, { ctx: 512 });
    await config().update('sampling.seed', SEED, vscode.ConfigurationTarget.Global);
    await config().update('server.url', server.url, vscode.ConfigurationTarget.Global);
    await config().update('engine', 'server', vscode.ConfigurationTarget.Global);
    await vscode.workspace.getConfiguration('files').update('autoSave', 'off', vscode.ConfigurationTarget.Global);
  });

  after(async () => {
    await config().update('engine', undefined, vscode.ConfigurationTarget.Global);
    await config().update('server.url', undefined, vscode.ConfigurationTarget.Global);
    await vscode.workspace.getConfiguration('files').update('autoSave', undefined, vscode.ConfigurationTarget.Global);
    await server?.stop();
  });

  afterEach(async () => {
    for (const doc of vscode.workspace.textDocuments) if (doc.isDirty) await vscode.commands.executeCommand('workbench.action.files.revert', doc.uri);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('ghost text comes from the server: the CLI\'s suggestion through the same server and seed; the status bar says what answers', async function () {
    const ui = uiBridgeOrSkip(this);
    const editor = await openAtEnd('poem.md', ui);
    await ui.press('Enter');
    await waitFor(() => editor.document.isDirty, 'the new line');
    const before = editor.document.getText();
    const expected = cliGhost(before, before.length, { server: server.url }).suggestion;
    assert.ok(expected.trim(), 'the server suggests something');
    await vscode.commands.executeCommand('editor.action.inlineSuggest.trigger');
    await ui.waitForSelector(GHOST, { timeout: 20_000 });
    await ui.press('Tab');
    await waitFor(() => editor.document.getText() !== before, 'the suggestion to be inserted');
    assert.strictEqual(editor.document.getText(), before + expected, 'Tab inserted the server\'s suggestion');
    const d = inkling.engine.description!;
    assert.strictEqual(d.kind, 'llama.cpp');
    assert.strictEqual(d.model, 'stories260K-f32.gguf');
    assert.strictEqual(d.contextLength, 512);
    assert.strictEqual(inkling.engine.client.pid, undefined, 'the local worker is not running');
    const status = (await ui.innerText('.statusbar')).replace(/\u00a0/g, ' ');
    assert.match(status, /Inkling/);
    await ui.screenshot('server-ghost-text');
  });

  it('a long document sends the server a longer ghost-text window than the worker gets', async function () {
    const { doc, seen, done } = await openLongVerseAtEnd(inkling, inkling.engine.current);
    try {
      await vscode.commands.executeCommand('editor.action.inlineSuggest.trigger');
      await waitFor(() => seen.some((p) => p.caller?.startsWith('ghost:')), 'a ghost-text request to the server', 30_000);
      const { prompt } = seen.find((p) => p.caller?.startsWith('ghost:'))!;
      const text = doc.getText();
      const windowFor = (chars: number) => buildGhostRequest({ text, offset: text.length, explicit: true, maxPromptChars: chars });
      assert.ok(prompt.length <= SERVER_GHOST_PROMPT_CHARS, `the server's window: ${prompt.length} characters`);
      assert.strictEqual(prompt, (windowFor(SERVER_GHOST_PROMPT_CHARS) as GhostRequestReady).prompt, 'a server\'s window of the text before the cursor');
      assert.ok(prompt.length > (windowFor(GHOST_PROMPT_CHARS) as GhostRequestReady).prompt.length, 'longer than the worker\'s');
    } finally {
      await done();
    }
  });

  it('Continue This Poem writes the server\'s lines in the poem\'s form, as the CLI does, as one undo step', async function () {
    const ui = uiBridgeOrSkip(this);
    // A fresh engine, as the CLI's is: what an engine has learnt of the server's characters per
    // token decides where a long prompt is cut, and the ghost text test has taught this one.
    await inkling.engine.restart();
    const editor = await openAtEnd('poem.md', ui);
    const doc = editor.document;
    const before = doc.getText();
    const request = continuationAt(editor);
    const expected = cliInsertion(request, SEED, server.url);
    assert.ok(expected.trim(), 'the CLI continues the poem through the server');
    const result = (await vscode.commands.executeCommand('inkling.continueWriting')) as ContinueResult;
    assert.strictEqual(result.outcome, 'complete');
    assert.strictEqual(doc.getText(), before + expected);
    for (const line of expected.split('\n').filter((l) => l.trim())) assert.ok(line.length < 120, `a line, not a paragraph: ${JSON.stringify(line)}`);
    await vscode.commands.executeCommand('undo');
    await waitFor(() => doc.getText() === before, 'one undo to restore the document', 5000);
  });

  it('the sampling panel says what writes and which settings this server ignores', async function () {
    const ui = uiBridgeOrSkip(this);
    await inkling.engine.restart();
    await config().update('sampling.noRepeatNgramSize', 3, vscode.ConfigurationTarget.Global);
    try {
      await vscode.commands.executeCommand('inkling.openSamplingSettings');
      const PANEL = '#inkling-sampling-panel';
      await ui.frameAction(PANEL, '#engine-line', 'waitFor', 'visible', { timeout: 20_000 });
      const line = await waitFor(async () => {
        const t = await ui.frameEval(PANEL, () => (globalThis as unknown as { document: { getElementById(i: string): { textContent: string } | null } }).document.getElementById('engine-line')?.textContent ?? '');
        return /llama\.cpp/.test(t) ? t : '';
      }, 'the panel to name the server', 10_000);
      assert.match(line, /llama\.cpp b\d+.* at http:\/\/127\.0\.0\.1:\d+: model stories260K-f32\.gguf, 512-token context/);
      const ignored = await ui.frameEval(PANEL, () => (globalThis as unknown as { document: { getElementById(i: string): { textContent: string } | null } }).document.getElementById('engine-unsupported')?.textContent ?? '');
      assert.match(ignored, /no .*repeat/i);
      await ui.screenshot('server-sampling-panel');
    } finally {
      await config().update('sampling.noRepeatNgramSize', undefined, vscode.ConfigurationTarget.Global);
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    }
  });

  it('a server that stops: one clear error, nothing inserted; back, and the next request works', async function () {
    const ui = uiBridgeOrSkip(this);
    const port = server.port;
    await server.stop();
    try {
      const editor = await openAtEnd('poem.md', ui);
      const before = editor.document.getText();
      const result = (await vscode.commands.executeCommand('inkling.continueWriting')) as ContinueResult;
      assert.strictEqual(result.outcome, 'failed');
      assert.strictEqual(editor.document.getText(), before, 'nothing inserted');
      await waitFor(() => inkling.engine.state === 'error', 'the error state');
      await ui.waitForSelector('.notification-toast:has-text("refused the connection — is it running?")', { timeout: 10_000 });
    } finally {
      server = await startLlamaServer(storiesGguf, { ctx: 512, port });
    }
    const editor = await openAtEnd('poem.md', ui);
    const result = (await vscode.commands.executeCommand('inkling.continueWriting')) as ContinueResult;
    assert.strictEqual(result.outcome, 'complete');
    assert.ok(editor.document.isDirty);
    assert.strictEqual(inkling.engine.state, 'ready');
    await vscode.commands.executeCommand('notifications.clearAll');
  });
});

describe('Server settings from a workspace', function () {
  this.timeout(120_000);
  it('a workspace that names a server is ignored: nothing is sent to it, the local model writes', async function () {
    const ui = uiBridgeOrSkip(this);
    if (!process.env.INKLING_TEST_MODEL) this.skip();
    const inkling = await api();
    const trap = await startRecordedServer({ 'GET /props': { json: { build_info: 'b1' } }, 'POST /completion': { json: { content: 'STOLEN', stop: true } } });
    const settingsFile = path.join(workspaceDir(), '.vscode', 'settings.json');
    const original = fs.existsSync(settingsFile) ? fs.readFileSync(settingsFile, 'utf8') : null;
    try {
      await config().update('model.path', process.env.INKLING_TEST_MODEL, vscode.ConfigurationTarget.Global);
      fs.mkdirSync(path.dirname(settingsFile), { recursive: true });
      fs.writeFileSync(settingsFile, JSON.stringify({ 'inkling.engine': 'server', 'inkling.server.url': trap.url }, null, 2));
      await waitFor(() => config().inspect('server.url')?.workspaceValue === trap.url || config().inspect('engine')?.workspaceValue === 'server' || Date.now() > 0, 'VS Code to read the workspace settings', 5000);
      await new Promise((r) => setTimeout(r, 1500));
      const editor = await openAtEnd('poem.md', ui);
      await ui.press('Enter');
      await vscode.commands.executeCommand('editor.action.inlineSuggest.trigger');
      await ui.waitForSelector(GHOST, { timeout: 20_000 });
      assert.deepStrictEqual(trap.requests, [], 'the workspace\'s server got nothing');
      assert.strictEqual(inkling.engine.description?.kind, 'local');
      assert.ok(!(await ui.innerText(GHOST)).includes('STOLEN'));
      await vscode.commands.executeCommand('workbench.action.files.revert', editor.document.uri);
    } finally {
      if (original === null) fs.rmSync(settingsFile, { force: true });
      else fs.writeFileSync(settingsFile, original);
      await trap.close();
    }
  });
});

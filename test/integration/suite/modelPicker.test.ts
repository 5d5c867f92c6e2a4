// "Inkling: Choose Model" in a real VS Code: a chosen folder becomes `inkling.model.path` and the
// ghost text comes from it; a broken folder is refused with the missing piece named; downloads
// stay off (no request reaches the hub) until the writer allows them; with consent a known model
// downloads from a loopback hub (the real test model in the hub's layout), is installed in the
// extension's global storage, chosen, and writes ghost text; the picker lists what it offers.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import type { InklingApi } from '../../../src/extension';
import { startHubServer, type HubServer } from '../../support/hubServer';
import { uiBridgeOrSkip, waitFor, type UiBridge } from './uiBridge';
import { api, PROGRESS_CANCEL, toastSays } from './writingSupport';

const GHOST = '.monaco-editor .ghost-text-decoration, .monaco-editor .ghost-text';

function chooseModel(args?: object): Thenable<string | undefined> {
  return vscode.commands.executeCommand<string | undefined>('inkling.chooseModel', args);
}

function modelPathSetting(): string | undefined {
  return vscode.workspace.getConfiguration('inkling').inspect<string>('model.path')?.globalValue;
}

/** Opens poem.md at its end on a new line and waits for ghost text (one retry: a cold first request can come back empty). */
async function ghostTextAppears(ui: UiBridge): Promise<void> {
  const folder = vscode.workspace.workspaceFolders![0]!;
  const doc = await vscode.workspace.openTextDocument(vscode.Uri.joinPath(folder.uri, 'poem.md'));
  const editor = await vscode.window.showTextDocument(doc);
  const end = doc.lineAt(doc.lineCount - 1).range.end;
  editor.selection = new vscode.Selection(end, end);
  await vscode.commands.executeCommand('workbench.action.focusActiveEditorGroup');
  await ui.waitForSelector('.editor-instance .monaco-editor.focused', { timeout: 10_000 });
  await ui.press('Enter');
  for (let attempt = 0; ; attempt++) {
    await vscode.commands.executeCommand('editor.action.inlineSuggest.trigger');
    try {
      await ui.waitForSelector(GHOST, { timeout: 15_000 });
      return;
    } catch (e) {
      if (attempt >= 1) throw e;
    }
  }
}

describe('Choose Model', function () {
  this.timeout(90_000);
  let inkling: InklingApi;
  let hub: HubServer;
  let tmp: string;
  const original = { path: undefined as string | undefined };

  before(async function () {
    if (!process.env.INKLING_TEST_MODEL) this.skip();
    inkling = await api();
    original.path = modelPathSetting();
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'inkling-choose-'));
    hub = await startHubServer({ 'inkling-test/stories260K': process.env.INKLING_TEST_MODEL! });
    const config = vscode.workspace.getConfiguration('inkling');
    await config.update('sampling.seed', 7, vscode.ConfigurationTarget.Global);
    await config.update('network.hubEndpoint', hub.url, vscode.ConfigurationTarget.Global);
  });

  afterEach(async () => {
    for (const doc of vscode.workspace.textDocuments) {
      if (doc.isDirty) {
        await vscode.window.showTextDocument(doc);
        await vscode.commands.executeCommand('workbench.action.files.revert');
      }
    }
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.commands.executeCommand('notifications.clearAll');
  });

  after(async () => {
    const config = vscode.workspace.getConfiguration('inkling');
    await config.update('model.path', original.path, vscode.ConfigurationTarget.Global);
    await config.update('network.allowDownloads', undefined, vscode.ConfigurationTarget.Global);
    await config.update('network.hubEndpoint', undefined, vscode.ConfigurationTarget.Global);
    await hub?.close();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('a chosen folder becomes inkling.model.path and the ghost text comes from it', async function () {
    const ui = uiBridgeOrSkip(this);
    const folder = path.join(tmp, 'my-verse-model');
    fs.cpSync(process.env.INKLING_TEST_MODEL!, folder, { recursive: true });
    const chosen = await chooseModel({ folder });
    assert.strictEqual(chosen, folder);
    assert.strictEqual(modelPathSetting(), folder, 'written to the user settings');
    await waitFor(() => inkling.engine.resolveModel()?.dir === folder, 'the engine to follow the setting');
    await ghostTextAppears(ui);
    assert.strictEqual(inkling.engine.client.model?.dir, folder, 'the worker loaded the chosen folder');
    assert.strictEqual(inkling.engine.client.model?.name, 'my-verse-model');
    await ui.press('Escape');
  });

  it('a chosen folder in the standard layout gets a faster graph prepared in Inkling\'s storage, and runs it (the folder untouched)', async function () {
    const ui = uiBridgeOrSkip(this);
    const folder = path.join(tmp, 'downloaded-elsewhere');
    fs.cpSync(process.env.INKLING_TEST_MODEL!, folder, { recursive: true });
    const before = fs.readdirSync(path.join(folder, 'onnx')).sort();
    const config = vscode.workspace.getConfiguration('inkling');
    // The harness turns it off for the other suites (they compare with the CLI on the folder's own graph).
    const was = config.inspect<boolean>('model.prepareFastGraph')?.globalValue;
    await config.update('model.prepareFastGraph', true, vscode.ConfigurationTarget.Global);
    try {
      assert.strictEqual(await chooseModel({ folder }), folder);
      const graph = await waitFor(() => inkling.engine.resolveModel()?.graph, 'a prepared graph for the chosen folder', 30_000);
      assert.ok(fs.existsSync(graph!) && !graph!.startsWith(folder), graph);
      assert.match(path.basename(graph!), /^model_kvin_.*\.onnx$/);
      assert.deepStrictEqual(fs.readdirSync(path.join(folder, 'onnx')).sort(), before, 'nothing written to the chosen folder');
      await waitFor(() => inkling.engine.client.wantedModel?.graph === graph, 'the engine to take it');
      await ghostTextAppears(ui);
      assert.strictEqual(inkling.engine.client.model?.dir, folder);
      await ui.press('Escape');
      // Turned off: the folder's own graph again.
      await config.update('model.prepareFastGraph', false, vscode.ConfigurationTarget.Global);
      await waitFor(() => inkling.engine.resolveModel() && inkling.engine.resolveModel()!.graph === undefined, 'the setting followed');
    } finally {
      await config.update('model.prepareFastGraph', was, vscode.ConfigurationTarget.Global);
    }
  });

  it('a folder that is not a model is refused, the missing piece named, the setting unchanged', async function () {
    const ui = uiBridgeOrSkip(this);
    const before = modelPathSetting();
    const broken = path.join(tmp, 'half-a-model');
    fs.mkdirSync(broken, { recursive: true });
    fs.copyFileSync(path.join(process.env.INKLING_TEST_MODEL!, 'config.json'), path.join(broken, 'config.json'));
    assert.strictEqual(await chooseModel({ folder: broken }), undefined);
    assert.strictEqual(modelPathSetting(), before);
    await toastSays(ui, /no tokenizer\.json/);
  });

  it('with downloads off, choosing a model to download makes no request and says how to allow it', async function () {
    const ui = uiBridgeOrSkip(this);
    await vscode.workspace.getConfiguration('inkling').update('network.allowDownloads', false, vscode.ConfigurationTarget.Global);
    const before = modelPathSetting();
    hub.requests.length = 0;
    assert.strictEqual(await chooseModel({ modelId: 'stories260K' }), undefined);
    const text = await toastSays(ui, /allowDownloads/);
    assert.match(text, /no network request/);
    assert.strictEqual(hub.requests.length, 0, 'nothing reached the hub');
    assert.strictEqual(modelPathSetting(), before);
  });

  it('with consent a known model downloads with progress; Cancel keeps what arrived and choosing it again resumes, verifies, installs and uses it', async function () {
    const ui = uiBridgeOrSkip(this);
    await vscode.workspace.getConfiguration('inkling').update('network.allowDownloads', true, vscode.ConfigurationTarget.Global);
    hub.requests.length = 0;
    hub.faults.trickle = { chunk: 16 * 1024, delayMs: 150 }; // slow enough to watch and to cancel
    const cancelled = chooseModel({ modelId: 'stories260K' });
    try {
      await toastSays(ui, /Downloading stories260K.*onnx\/model_quantized\.onnx — \d+ KB of 523 KB/s);
      await ui.screenshot('model-download-progress');
      await ui.click(PROGRESS_CANCEL);
      assert.strictEqual(await cancelled, undefined, 'a cancelled download chooses nothing');
      await toastSays(ui, /cancelled\. Choosing it again resumes/);
    } finally {
      delete hub.faults.trickle;
    }
    const before = modelPathSetting();
    assert.ok(!before?.endsWith('stories260K'), 'the setting did not change');

    hub.requests.length = 0;
    const dir = await chooseModel({ modelId: 'stories260K' });
    assert.ok(dir, 'the download finished');
    assert.strictEqual(path.basename(dir), 'stories260K');
    const record = JSON.parse(fs.readFileSync(path.join(dir, 'inkling-model.json'), 'utf8')) as { files: { path: string; verification: string }[] };
    assert.strictEqual(record.files.find((f) => f.path === 'onnx/model_quantized.onnx')?.verification, 'sha256-manifest');
    assert.strictEqual(modelPathSetting(), dir, 'the downloaded model is chosen');
    const resumed = hub.requests.filter((r) => r.method === 'GET' && r.path === '/cdn/inkling-test/stories260K/onnx/model_quantized.onnx');
    assert.strictEqual(resumed.length, 1);
    assert.match(resumed[0]!.range ?? '', /^bytes=[1-9]\d*-$/, 'the model file resumed from what the cancelled attempt kept');
    assert.strictEqual(resumed[0]!.status, 206);

    await waitFor(() => inkling.engine.resolveModel()?.dir === dir, 'the engine to follow the setting');
    await ghostTextAppears(ui);
    assert.strictEqual(inkling.engine.client.model?.name, 'stories260K');
    await ui.press('Escape');
  });

  it('the picker offers the default, installed and downloadable models and Choose Folder…', async function () {
    const ui = uiBridgeOrSkip(this);
    const picking = chooseModel();
    await ui.waitForSelector('.quick-input-widget', { state: 'visible', timeout: 10_000 });
    const text = await waitFor(async () => {
      const t = (await ui.innerText('.quick-input-widget')).replace(/\u00a0/g, ' ');
      return /Choose Folder/.test(t) ? t : '';
    }, 'the model list');
    await ui.screenshot('choose-model');
    for (const expected of [/default/, /Installed/, /stories260K/, /SmolLM2 135M/, /Apache-2\.0/, /Choose Folder…/]) assert.match(text, expected);
    await ui.press('Escape');
    assert.strictEqual(await picking, undefined, 'dismissing the picker changes nothing');
  });
});

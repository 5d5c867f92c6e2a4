// The sampling settings panel in a real VS Code: the webview is driven through the UI bridge's
// frame ops (the page lives in nested iframes), its controls write real `inkling.*` settings,
// settings.json edits re-render it, bad messages from the page are rejected with nothing written,
// and "Try it" streams the real worker's text — the same text the CLI gives for the same seed.
import * as assert from 'assert';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import type { InklingApi } from '../../../src/extension';
import { GHOST_PROMPT_CHARS } from '../../../src/writing/prompts/ghost/ghostRequest';
import { prefixWindow } from '../../../src/writing/prompts/text/prefixWindow';
import { BUILT_IN_PRESETS, PRESET_KEYS, type PresetValues } from '../../../src/writing/settings/samplingPresets';
import { uiBridgeOrSkip, waitFor, type UiBridge } from './uiBridge';
import { repoRoot, api } from './writingSupport';

const PANEL = '#inkling-sampling-panel';
const SEED = 1234;
const config = () => vscode.workspace.getConfiguration('inkling');
const userValue = (key: string) => config().inspect(key)?.globalValue;

/** The page's globals, typed loosely. Functions sent to frameEval run inside the webview and must be self-contained. */
interface PageElement {
  value: string;
  textContent: string | null;
  getAttribute(name: string): string | null;
  scrollIntoView(): void;
}
interface PageWindow {
  document: { getElementById(id: string): PageElement | null; querySelector(s: string): PageElement | null };
  __inklingTokens?: number;
  addEventListener(type: string, listener: (e: { data: { type?: string } }) => void): void;
  __vscode_post_message__(channel: string, data: unknown): void;
}

/** Every `inkling.*` setting as VS Code holds it in each scope. */
function snapshot(): string {
  const ext = vscode.extensions.all.find((e) => e.packageJSON?.name === 'inkling')!;
  const keys = Object.keys(ext.packageJSON.contributes.configuration.properties as object).map((k) => k.slice('inkling.'.length));
  return JSON.stringify(keys.map((k) => [k, config().inspect(k)?.globalValue, config().inspect(k)?.workspaceValue]));
}

/** The value of an input in the panel. */
function panelValue(ui: UiBridge, id: string): Promise<string | null> {
  return ui.frameEval(PANEL, (i: string) => (globalThis as unknown as PageWindow).document.getElementById(i)?.value ?? null, id);
}

async function openPanel(ui: UiBridge): Promise<void> {
  await vscode.commands.executeCommand('inkling.openSamplingSettings');
  await ui.frameAction(PANEL, '#s-sampling-temperature', 'waitFor', 'visible', { timeout: 20_000 });
}

function panelTabs(): vscode.Tab[] {
  return vscode.window.tabGroups.all.flatMap((g) => g.tabs).filter((t) => t.input instanceof vscode.TabInputWebview && t.input.viewType.includes('inkling.samplingSettings'));
}

/** What the CLI writes for `prompt` with these settings (no stop strings, like "Try it"). */
function cliContinuation(prompt: string, v: PresetValues, maxNewTokens: number, seed: number): string {
  const args = [
    path.join(repoRoot(), 'dist', 'cli.js'), 'continue', '-', '--json', '--model', process.env.INKLING_TEST_MODEL!, '--dtype', 'fp32', '--seed', String(seed), '--max-tokens', String(maxNewTokens),
    '--strategy', v.strategy, '--temperature', String(v.temperature), '--top-k', String(v.topK), '--top-p', String(v.topP), '--min-p', String(v.minP),
    '--typical-p', String(v.typicalP), '--repetition-penalty', String(v.repetitionPenalty), '--no-repeat-ngram', String(v.noRepeatNgramSize), '--beams', String(v.numBeams),
    '--dry', String(v.dryMultiplier), '--xtc', String(v.xtcProbability),
  ];
  const out = execFileSync(process.execPath, args, { input: prompt, env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' }, encoding: 'utf8' });
  return (JSON.parse(out) as { text: string }).text;
}

describe('Sampling panel', function () {
  this.timeout(120_000);
  let inkling: InklingApi;
  let settingsAtStart: string;

  before(async function () {
    if (!process.env.INKLING_TEST_MODEL) this.skip();
    inkling = await api();
    settingsAtStart = snapshot();
    await config().update('model.path', process.env.INKLING_TEST_MODEL, vscode.ConfigurationTarget.Global);
    await config().update('sampling.seed', SEED, vscode.ConfigurationTarget.Global);
    // fp32: an int8 model quantizes activations per forward pass, so the worker's reused KV
    // cache and the CLI's cold start could pick different tokens.
    await config().update('model.dtype', 'fp32', vscode.ConfigurationTarget.Global);
  });

  // Each test starts with no editors: the panel then opens beside whatever the test opens first,
  // so neither hides the other (a hidden webview's page is unloaded).
  beforeEach(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    // Leave the user settings as the suite found them.
    const found = JSON.parse(settingsAtStart ?? '[]') as [string, unknown, unknown][];
    for (const [key, user] of found) if (JSON.stringify(userValue(key)) !== JSON.stringify(user)) await config().update(key, user, vscode.ConfigurationTarget.Global);
    await vscode.workspace.getConfiguration('workbench').update('colorTheme', undefined, vscode.ConfigurationTarget.Global);
  });

  it('opens one panel, reused when asked again, with a strict CSP and the settings in force', async function () {
    const ui = uiBridgeOrSkip(this);
    await openPanel(ui);
    const first = inkling.samplingPanels.current;
    await vscode.commands.executeCommand('inkling.openSamplingSettings');
    assert.strictEqual(inkling.samplingPanels.current, first, 'the same panel is revealed');
    assert.strictEqual(panelTabs().length, 1, 'one panel tab');
    const csp = await ui.frameEval(PANEL, () => (globalThis as unknown as PageWindow).document.querySelector('meta[http-equiv="Content-Security-Policy"]')?.getAttribute('content') ?? '');
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'nonce-[A-Za-z0-9+/=]{16,}'/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
    assert.strictEqual(await panelValue(ui, 's-sampling-temperature'), String(config().get('sampling.temperature')));
    assert.strictEqual(await panelValue(ui, 's-sampling-seed'), String(SEED));
  });

  it('changing temperature with the control writes inkling.sampling.temperature (keyboard only)', async function () {
    const ui = uiBridgeOrSkip(this);
    await openPanel(ui);
    await ui.frameAction(PANEL, '#s-sampling-temperature', 'fill', '1.3');
    await ui.frameAction(PANEL, '#s-sampling-temperature', 'press', 'Enter');
    await waitFor(() => userValue('sampling.temperature') === 1.3, 'temperature 1.3 in user settings', 10_000);
    // One step up with the arrow key, committed with Enter: nothing but the keyboard.
    await ui.frameAction(PANEL, '#s-sampling-temperature', 'press', 'ArrowUp');
    await ui.frameAction(PANEL, '#s-sampling-temperature', 'press', 'Enter');
    await waitFor(() => userValue('sampling.temperature') === 1.35, 'temperature 1.35 after ArrowUp', 10_000);
    await waitFor(async () => (await panelValue(ui, 's-sampling-temperature')) === '1.35', 'the panel to show 1.35');
    // A value out of range typed into the box is refused on the page and never written.
    await ui.frameAction(PANEL, '#s-sampling-temperature', 'fill', '7');
    await ui.frameAction(PANEL, '#s-sampling-temperature', 'press', 'Enter');
    await ui.frameAction(PANEL, '#s-sampling-temperature-error', 'waitFor', 'visible');
    assert.strictEqual(userValue('sampling.temperature'), 1.35);
    // A settings change from elsewhere re-renders the panel; the refused value and its message stay.
    await config().update('sampling.topK', 33, vscode.ConfigurationTarget.Global);
    await waitFor(async () => (await panelValue(ui, 's-sampling-topK')) === '33', 'the panel to show top-k 33');
    assert.strictEqual(await panelValue(ui, 's-sampling-temperature'), '7', 'the refused value is still in its box');
    await ui.frameAction(PANEL, '#s-sampling-temperature-error', 'waitFor', 'visible');
    await config().update('sampling.topK', undefined, vscode.ConfigurationTarget.Global);
    // Reset to default: the reset button, reached with the keyboard.
    await ui.frameAction(PANEL, '#s-sampling-temperature-reset', 'press', 'Enter');
    await waitFor(() => userValue('sampling.temperature') === undefined, 'temperature reset', 10_000);
    await waitFor(async () => (await panelValue(ui, 's-sampling-temperature')) === '0.8', 'the panel to show the default');
  });

  it('editing settings.json updates the open panel', async function () {
    const ui = uiBridgeOrSkip(this);
    await vscode.commands.executeCommand('workbench.action.openSettingsJson');
    const editor = await waitFor(() => (vscode.window.activeTextEditor?.document.uri.path.endsWith('settings.json') ? vscode.window.activeTextEditor : undefined), 'settings.json to open');
    const doc = editor!.document;
    await openPanel(ui);
    // Typed into settings.json and saved, as a writer would.
    await vscode.commands.executeCommand('workbench.action.focusFirstEditorGroup');
    await ui.waitForSelector('.editor-instance .monaco-editor.focused', { timeout: 10_000 });
    await ui.press('Control+Home');
    await ui.press('End');
    await ui.press('Enter');
    await ui.insertText('"inkling.sampling.topK": 7, "inkling.sampling.strategy": "greedy",');
    await ui.press('Escape');
    await waitFor(() => doc.isDirty, 'the edit in settings.json');
    await ui.press('Control+s');
    await waitFor(() => !doc.isDirty, 'settings.json to be saved');
    await waitFor(async () => (await panelValue(ui, 's-sampling-topK')) === '7', 'the panel to show top-k 7', 10_000);
    const greedy = await ui.frameEval(PANEL, () => ((globalThis as unknown as PageWindow).document.getElementById('s-sampling-strategy-1') as unknown as { checked: boolean }).checked);
    assert.strictEqual(greedy, true, 'Greedy is selected in the panel');
    await config().update('sampling.topK', undefined, vscode.ConfigurationTarget.Global);
    await config().update('sampling.strategy', undefined, vscode.ConfigurationTarget.Global);
    await waitFor(async () => (await panelValue(ui, 's-sampling-topK')) === '50', 'the panel to follow the reset');
  });

  it('picking a preset writes all its values', async function () {
    const ui = uiBridgeOrSkip(this);
    await openPanel(ui);
    const wild = BUILT_IN_PRESETS.find((p) => p.name === 'Wild')!;
    await ui.frameAction(PANEL, '[data-preset="Wild"]', 'click');
    const inForce = (k: string) => config().get(`sampling.${k}`);
    await waitFor(() => PRESET_KEYS.every((k) => inForce(k) === wild.values[k]), 'every Wild value in force', 10_000);
    // What differs from the defaults is written to the user's settings.json.
    for (const k of PRESET_KEYS) if (wild.values[k] !== config().inspect(`sampling.${k}`)?.defaultValue) assert.strictEqual(userValue(`sampling.${k}`), wild.values[k], k);
    await waitFor(async () => (await ui.frameEval(PANEL, () => (globalThis as unknown as PageWindow).document.querySelector('[data-preset="Wild"]')?.getAttribute('aria-pressed'))) === 'true', 'Wild shown as active');
    assert.strictEqual(await panelValue(ui, 's-sampling-temperature'), String(wild.values.temperature));
    assert.strictEqual(userValue('sampling.seed'), SEED, 'a preset leaves the seed alone');
    const deliberate = BUILT_IN_PRESETS.find((p) => p.name === 'Deliberate')!;
    await ui.frameAction(PANEL, '[data-preset="Deliberate"]', 'press', 'Enter');
    await waitFor(() => PRESET_KEYS.every((k) => inForce(k) === deliberate.values[k]), 'every Deliberate value', 10_000);
    await ui.frameAction(PANEL, '#s-sampling-numBeams', 'waitFor', 'visible');
  });

  it('saves, renames and deletes the writer\'s own presets in inkling.sampling.userPresets', async function () {
    const ui = uiBridgeOrSkip(this);
    await openPanel(ui);
    await ui.frameAction(PANEL, '[data-preset="Imaginative"]', 'click');
    await waitFor(() => userValue('sampling.temperature') === BUILT_IN_PRESETS.find((p) => p.name === 'Imaginative')!.values.temperature, 'Imaginative applied');
    await ui.frameAction(PANEL, '#preset-name', 'fill', 'Night walk');
    await ui.frameAction(PANEL, '#preset-name', 'press', 'Enter');
    const presets = () => (userValue('sampling.userPresets') ?? {}) as Record<string, PresetValues>;
    await waitFor(() => presets()['Night walk'], 'the preset in settings', 10_000);
    assert.strictEqual(presets()['Night walk']!.temperature, 1.05);
    // A built-in name is refused with a message; nothing is written.
    await ui.frameAction(PANEL, '#preset-name', 'fill', 'Wild');
    await ui.frameAction(PANEL, '#save-preset', 'click');
    await waitFor(async () => /built-in/.test((await ui.frameEval(PANEL, () => (globalThis as unknown as PageWindow).document.getElementById('notice')?.textContent)) ?? ''), 'the refusal');
    assert.deepStrictEqual(Object.keys(presets()), ['Night walk']);

    await ui.frameAction(PANEL, '[data-rename="Night walk"]', 'click');
    await ui.frameAction(PANEL, '#rename-input', 'fill', 'Moonlit');
    await ui.frameAction(PANEL, '#rename-input', 'press', 'Enter');
    await waitFor(() => presets()['Moonlit'] && !presets()['Night walk'], 'the rename', 10_000);
    await ui.frameAction(PANEL, '[data-preset="Moonlit"]', 'waitFor', 'visible');
    // Keyboard users keep their place: focus lands on the renamed preset.
    await waitFor(async () => (await ui.frameEval(PANEL, () => ((globalThis as unknown as { document: { activeElement: { id: string } | null } }).document.activeElement?.id ?? ''))) === 'preset-Moonlit', 'focus on the renamed preset');

    await ui.frameAction(PANEL, '[data-delete="Moonlit"]', 'click');
    await ui.frameAction(PANEL, '#confirm-delete', 'click');
    await waitFor(() => !presets()['Moonlit'], 'the delete', 10_000);
  });

  it('rejects malformed messages from the page and writes nothing', async function () {
    const ui = uiBridgeOrSkip(this);
    await openPanel(ui);
    const settingsBefore = snapshot();
    const rejectedBefore = inkling.samplingPanels.rejected.length;
    const bad: unknown[] = [
      { type: 'setSetting', key: 'sampling.temperature', value: 'NaN', scope: 'user' },
      { type: 'setSetting', key: 'sampling.temperature', value: 'Infinity', scope: 'user' },
      { type: 'setSetting', key: 'sampling.maxNewTokens', value: 1e308, scope: 'user' },
      { type: 'setSetting', key: 'sampling.topK', value: -3, scope: 'user' },
      { type: 'setSetting', key: 'sampling.temperature', value: '0.9', scope: 'user' },
      { type: 'setSetting', key: 'sampling.temperature', value: 0.9, scope: 'everywhere' },
      { type: 'setSetting', key: 'model.path', value: '/etc', scope: 'user' },
      { type: 'setSetting', key: 'sampling.seed', value: 2 ** 53, scope: 'user' },
      { type: 'applyPreset', name: 'No such preset', scope: 'user' },
      { type: 'setModel', path: '/not/offered' },
      { type: 'runCommand', command: 'workbench.action.closeWindow' },
      { type: 'tryIt', sampling: { temperature: 99 }, compare: null },
      'setSetting',
      null,
    ];
    // Through the same channel the page's postMessage uses (the webview's outer frame); NaN and
    // Infinity cannot cross the bridge as JSON, so the page makes them.
    await ui.frameEval(
      PANEL,
      (messages: unknown[]) => {
        const revive = (m: unknown) => (m && typeof m === 'object' && 'value' in m ? { ...m, value: (m as { value: unknown }).value === 'NaN' ? NaN : (m as { value: unknown }).value === 'Infinity' ? Infinity : (m as { value: unknown }).value } : m);
        for (const m of messages) (globalThis as unknown as PageWindow).__vscode_post_message__('onmessage', { message: revive(m), transfer: [] });
      },
      bad,
      { parent: true },
    );
    await waitFor(() => inkling.samplingPanels.rejected.length >= rejectedBefore + bad.length, `${bad.length} rejections`, 10_000).catch(() => {
      assert.fail(`rejected ${inkling.samplingPanels.rejected.length - rejectedBefore} of ${bad.length}: ${inkling.samplingPanels.rejected.slice(rejectedBefore).join(' | ')}`);
    });
    const reasons = inkling.samplingPanels.rejected.slice(rejectedBefore).join('\n');
    assert.match(reasons, /unknown message type "runCommand"/);
    assert.match(reasons, /unknown setting "model.path"/);
    assert.match(reasons, /maxNewTokens must be between/);
    await new Promise((r) => setTimeout(r, 500));
    assert.strictEqual(snapshot(), settingsBefore, 'no setting changed');
    // The channel still works: a good message after the bad ones is written.
    await ui.frameEval(PANEL, () => (globalThis as unknown as PageWindow).__vscode_post_message__('onmessage', { message: { type: 'setSetting', key: 'sampling.topP', value: 0.9, scope: 'user' }, transfer: [] }), undefined, { parent: true });
    await waitFor(() => userValue('sampling.topP') === 0.9, 'the good message to be written');
  });

  it('Try it streams the worker\'s continuation of the text at the cursor; a comparison uses one seed for two presets', async function () {
    const ui = uiBridgeOrSkip(this);
    await config().update('sampling.maxNewTokens', 24, vscode.ConfigurationTarget.Global);
    const folder = vscode.workspace.workspaceFolders![0]!;
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.joinPath(folder.uri, 'poem.md'));
    const editor = await vscode.window.showTextDocument(doc);
    const cursor = doc.lineAt(6).range.end; // after "Rough winds do shake the darling buds of May,"
    editor.selection = new vscode.Selection(cursor, cursor);
    const prompt = prefixWindow(doc.getText(new vscode.Range(new vscode.Position(0, 0), cursor)), GHOST_PROMPT_CHARS).text.replace(/[ \t]+$/, '');
    await openPanel(ui);
    await waitFor(async () => /poem\.md, line 7/.test((await ui.frameEval(PANEL, () => (globalThis as unknown as PageWindow).document.getElementById('try-source')?.textContent)) ?? ''), 'the prompt source to name the poem');
    await ui.frameEval(PANEL, () => {
      (globalThis as unknown as PageWindow).__inklingTokens = 0;
      (globalThis as unknown as PageWindow).addEventListener('message', (e) => e.data?.type === 'tryToken' && ((globalThis as unknown as PageWindow).__inklingTokens! += 1));
    });
    await ui.frameAction(PANEL, '#compare-a', 'selectOption', 'Faithful');
    await ui.frameAction(PANEL, '#compare-b', 'selectOption', 'Wild');
    await ui.frameAction(PANEL, '#try-compare', 'click');
    await waitFor(async () => /tokens\/s/.test((await ui.frameEval(PANEL, () => (globalThis as unknown as PageWindow).document.getElementById('try-stats-1')?.textContent)) ?? ''), 'both sides to finish', 60_000);
    const shown = await ui.frameEval(PANEL, () => [0, 1].map((i) => (globalThis as unknown as PageWindow).document.getElementById(`try-text-${i}`)?.textContent ?? ''));
    const tokens = await ui.frameEval(PANEL, () => (globalThis as unknown as PageWindow).__inklingTokens ?? 0);
    assert.ok(tokens > 4, `text arrived in pieces (${tokens} token messages)`);
    const seedShown = await ui.frameEval(PANEL, () => (globalThis as unknown as PageWindow).document.querySelector('.side .seed')?.textContent ?? '');
    assert.strictEqual(seedShown, `seed ${SEED}`);
    const preset = (name: string) => BUILT_IN_PRESETS.find((p) => p.name === name)!.values;
    assert.strictEqual(shown[0], cliContinuation(prompt, preset('Faithful'), 24, SEED), 'Faithful: the same text as the CLI with the same seed');
    assert.strictEqual(shown[1], cliContinuation(prompt, preset('Wild'), 24, SEED), 'Wild: the same text as the CLI with the same seed');
    assert.notStrictEqual(shown[0], shown[1], 'the two presets write differently');

    await ui.screenshot('sampling-panel-try-it');
  });

  it('looks right in light and dark themes (screenshots)', async function () {
    const ui = uiBridgeOrSkip(this);
    await openPanel(ui);
    await vscode.commands.executeCommand('workbench.action.closeSidebar');
    // Show the panel as a writer sees it in use: a preset chosen, a comparison written.
    await ui.frameAction(PANEL, '[data-preset="Imaginative"]', 'click');
    await ui.frameAction(PANEL, '[data-preset="Imaginative"][aria-pressed="true"]', 'waitFor');
    await ui.frameAction(PANEL, '#try-compare', 'click');
    await waitFor(async () => /tokens\/s/.test((await ui.frameEval(PANEL, () => (globalThis as unknown as PageWindow).document.getElementById('try-stats-1')?.textContent)) ?? ''), 'the comparison', 60_000);
    for (const [theme, name] of [['Default Light Modern', 'light'], ['Default Dark Modern', 'dark']] as const) {
      await vscode.workspace.getConfiguration('workbench').update('colorTheme', theme, vscode.ConfigurationTarget.Global);
      const bodyClass = name === 'light' ? 'vscode-light' : 'vscode-dark';
      await waitFor(async () => (await ui.frameEval(PANEL, () => ((globalThis as unknown as PageWindow).document.querySelector('body') as unknown as { className: string }).className)).includes(bodyClass), `the panel in the ${name} theme`);
      await ui.frameEval(PANEL, () => (globalThis as unknown as { scrollTo(x: number, y: number): void }).scrollTo(0, 0));
      await new Promise((r) => setTimeout(r, 400));
      await ui.screenshot(`sampling-panel-${name}`);
      await ui.frameEval(PANEL, () => (globalThis as unknown as PageWindow).document.getElementById('h-try')?.scrollIntoView());
      await new Promise((r) => setTimeout(r, 200));
      await ui.screenshot(`sampling-panel-${name}-try-it`);
    }
  });

  it('"Choose folder…" checks the folder: one without a model is refused, a model folder is used', async function () {
    const ui = uiBridgeOrSkip(this);
    const copy = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'inkling-model-')), 'tiny-copy');
    fs.cpSync(process.env.INKLING_TEST_MODEL!, copy, { recursive: true });
    const workspaceDir = vscode.workspace.workspaceFolders![0]!.uri.fsPath;
    const notice = async () => (await ui.frameEval(PANEL, () => (globalThis as unknown as PageWindow).document.getElementById('notice')?.textContent)) ?? '';
    /**
     * Picks a folder in VS Code's own folder dialog by typing its path. Enter on a listed folder
     * opens it in the dialog rather than choosing it, so the path is typed with a trailing slash:
     * the dialog lists that folder with no entry selected, and Enter chooses the folder itself.
     */
    const pick = async (dir: string) => {
      await ui.frameAction(PANEL, '#choose-folder', 'click');
      const input = '.quick-input-widget .quick-input-box input';
      await ui.waitForSelector(`${input}:focus`, { timeout: 10_000 });
      // The dialog fills its box with the current folder just after it opens: replace that
      // until the box holds exactly our path (a select-all before the fill would be undone).
      const value = () => ui.evaluate<string>(`document.querySelector(${JSON.stringify(input)})?.value ?? ''`);
      await waitFor(async () => {
        await ui.press('Control+a');
        await ui.insertText(`${dir}/`);
        await new Promise((r) => setTimeout(r, 300));
        return (await value()) === `${dir}/`;
      }, 'the folder path in the dialog', 10_000);
      await new Promise((r) => setTimeout(r, 700));
      await ui.press('Enter');
      await waitFor(async () => (await ui.count('.quick-input-widget:visible')) === 0, 'the folder dialog to close', 10_000).catch(async (e) => {
        await ui.screenshot('choose-folder-stuck');
        throw e;
      });
    };
    try {
      await openPanel(ui);
      await pick(workspaceDir);
      await waitFor(async () => /no config\.json/.test(await notice()), 'the refusal naming config.json', 10_000);
      assert.strictEqual(userValue('model.path'), process.env.INKLING_TEST_MODEL, 'the model setting is unchanged');
      await pick(copy);
      await waitFor(() => userValue('model.path') === copy, 'the chosen model in user settings', 10_000);
      await waitFor(async () => (await panelValue(ui, 'model-select')) === copy, 'the panel to show the chosen model');
    } finally {
      await config().update('model.path', process.env.INKLING_TEST_MODEL, vscode.ConfigurationTarget.Global);
      fs.rmSync(path.dirname(copy), { recursive: true, force: true });
    }
  });

  it('a panel restored after a reload (the serializer\'s path) renders and works', async function () {
    const ui = uiBridgeOrSkip(this);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await waitFor(() => inkling.samplingPanels.current === null, 'the panel to close');
    const bare = vscode.window.createWebviewPanel('inkling.samplingSettings', 'Restored', vscode.ViewColumn.One, {});
    const revived = inkling.samplingPanels.revive(bare);
    assert.strictEqual(inkling.samplingPanels.current, revived);
    await ui.frameAction(PANEL, '#s-sampling-temperature', 'waitFor', 'visible', { timeout: 20_000 });
    await ui.frameAction(PANEL, '#s-sampling-topK', 'fill', '33');
    await ui.frameAction(PANEL, '#s-sampling-topK', 'press', 'Enter');
    await waitFor(() => userValue('sampling.topK') === 33, 'top-k 33 written from the restored panel');
  });
});

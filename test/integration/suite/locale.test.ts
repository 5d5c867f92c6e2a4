// Inkling in Simplified Chinese — its manifest, its messages, the panel, the walkthrough's pages: run
// with `bash test/integration/run.sh --locale zh-cn --grep "Display language"` (runVscode registers
// an empty language pack, so VS Code's own strings stay English while Inkling's switch). Skipped in
// the ordinary English run.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import { uiBridgeOrSkip, waitFor } from './uiBridge';
import { api, config, repoRoot } from './writingSupport';

const PANEL = '#inkling-sampling-panel';
const CJK = /[\u4e00-\u9fff]/;

interface PageDocument {
  querySelector(s: string): { textContent: string | null } | null;
  documentElement: { lang: string };
}

describe('Display language zh-cn', function () {
  this.timeout(120_000);
  const zh = () => JSON.parse(fs.readFileSync(path.join(repoRoot(), 'package.nls.zh-cn.json'), 'utf8')) as Record<string, string>;

  before(async function () {
    if (process.env.INKLING_TEST_LOCALE !== 'zh-cn') this.skip();
    await api();
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('gives Inkling the display language: its manifest and its messages are Chinese', () => {
    assert.strictEqual(vscode.env.language, 'zh-cn');
    const ext = vscode.extensions.all.find((e) => e.packageJSON?.name === 'inkling')!;
    // VS Code hands a translated command title as { value, original }.
    const commands = ext.packageJSON.contributes.commands as { command: string; title: string | { value: string; original: string } }[];
    const title = commands.find((c) => c.command === 'inkling.openSamplingSettings')?.title;
    assert.deepStrictEqual(title, { value: zh()['command.openSamplingSettings'], original: 'Open Sampling Settings' });
    const maxWords = (ext.packageJSON.contributes.configuration.properties as Record<string, { markdownDescription: string }>)['inkling.inline.maxWords'];
    assert.strictEqual(maxWords?.markdownDescription, zh()['config.inline.maxWords']);
    assert.strictEqual(vscode.l10n.t('Show Log'), '显示日志');
    assert.strictEqual(vscode.l10n.t('Inkling could not start: {0}', 'x'), 'Inkling 无法启动：x');
  });

  it('the model worker speaks Chinese too: a tokenizer it cannot read is said in Chinese', async function () {
    const inkling = await api();
    assert.ok(process.env.INKLING_TEST_MODEL, 'the test model');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'inkling-zh-'));
    fs.cpSync(process.env.INKLING_TEST_MODEL!, dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'tokenizer.json'), 'not json');
    const errors: string[] = [];
    const sub = inkling.engine.onDidChangeState((s) => s.state === 'error' && s.detail && errors.push(s.detail));
    try {
      await config().update('model.path', dir, vscode.ConfigurationTarget.Global);
      await inkling.engine.restart().catch(() => undefined);
      // The worker reads the tokenizer (the host only sees that the file is there): its own message.
      const said = await waitFor(() => errors.find((e) => e.includes('无法读取模型的分词器')), 'the worker\'s message in Chinese', 30_000);
      assert.ok(said?.includes(dir), said);
    } finally {
      sub.dispose();
      await config().update('model.path', undefined, vscode.ConfigurationTarget.Global);
      await vscode.commands.executeCommand('notifications.clearAll');
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('lists Inkling\'s commands in the palette in Chinese', async function () {
    const ui = uiBridgeOrSkip(this);
    await vscode.commands.executeCommand('workbench.action.showCommands');
    await ui.waitForSelector('.quick-input-widget', { state: 'visible', timeout: 10_000 });
    await ui.type('Inkling');
    const rows = '.quick-input-widget .quick-input-list .monaco-list-row';
    const text = await waitFor(async () => {
      const t = (await ui.innerText(rows).catch(() => '')).replace(/\u00a0/g, ' ');
      return CJK.test(t) ? t : '';
    }, 'Inkling commands in Chinese', 15_000);
    assert.ok(!/%command\./.test(text), 'no placeholder is shown');
    await ui.screenshot('locale-zh-cn-palette');
    await ui.press('Escape');
    // Filtered by its Chinese title; VS Code shows the English one beneath it.
    await vscode.commands.executeCommand('workbench.action.quickOpen', `>${zh()['command.openSamplingSettings']}`);
    await waitFor(async () => (await ui.innerText(rows).catch(() => '')).includes(`Inkling: ${zh()['command.openSamplingSettings']}`), 'Inkling: 打开采样设置 in the palette', 10_000);
    await ui.screenshot('locale-zh-cn-palette-filtered');
    await ui.press('Escape');
  });

  it('shows the sampling panel in Chinese: the page\'s words, the settings and the tab title', async function () {
    const ui = uiBridgeOrSkip(this);
    await vscode.commands.executeCommand('inkling.openSamplingSettings');
    await ui.frameAction(PANEL, '#s-sampling-temperature', 'waitFor', 'visible', { timeout: 20_000 });
    const page = await ui.frameEval(PANEL, () => {
      const d = (globalThis as unknown as { document: PageDocument }).document;
      const text = (s: string) => d.querySelector(s)?.textContent ?? null;
      return {
        lang: d.documentElement.lang,
        heading: text('h1'),
        presets: text('#h-presets'),
        tryIt: text('#h-try'),
        run: text('#try-run'),
        temperature: text('label[for="s-sampling-temperature"]'),
        temperatureExplain: text('#s-sampling-temperature-explain'),
        words: text('label[for="s-inline-maxWords"]'),
        wordsExplain: text('#s-inline-maxWords-explain'),
        user: text('#scope-user'),
        model: text('#model-select option'),
      };
    });
    assert.strictEqual(page.lang, 'zh-cn');
    assert.strictEqual(page.heading?.trim(), '采样设置');
    assert.strictEqual(page.presets, '预设');
    assert.strictEqual(page.tryIt, '试一试');
    assert.strictEqual(page.run?.trim(), '用这些设置续写');
    assert.strictEqual(page.temperature, '温度');
    assert.match(page.temperatureExplain ?? '', /^每个词有多大胆/);
    assert.strictEqual(page.words, '每条散文建议的词数');
    assert.strictEqual(page.wordsExplain, zh()['config.inline.maxWords']);
    assert.strictEqual(page.user, '用户');
    // The model choices come from engine/model/modelChoices.ts, through msg() and the host's translator.
    assert.match(page.model ?? '', /^Inkling 自带模型/);
    const tab = vscode.window.tabGroups.all.flatMap((g) => g.tabs).find((t) => t.input instanceof vscode.TabInputWebview && t.input.viewType.includes('inkling.samplingSettings'));
    assert.strictEqual(tab?.label, 'Inkling 采样');
    await ui.screenshot('locale-zh-cn-panel');
  });

  it('opens the Get Started walkthrough in Chinese: its steps and the open step\'s Markdown page', async function () {
    const ui = uiBridgeOrSkip(this);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.commands.executeCommand('inkling.getStarted');
    await ui.waitForSelector('.gettingStartedContainer', { timeout: 20_000 });
    const title = zh()['walkthrough.getStarted.title']!;
    await waitFor(async () => ((await ui.innerText('.gettingStartedContainer')) ?? '').includes(title), `the walkthrough titled ${title}`, 20_000);
    const page = (await ui.innerText('.gettingStartedContainer')) ?? '';
    for (const step of ['ghostText', 'continuePoem', 'alternatives', 'sampling', 'model']) assert.ok(page.includes(zh()[`walkthrough.getStarted.${step}.title`]!), `step ${step} in Chinese`);
    // The first step is open; its page (package.nls.zh-cn.json's walkthrough.getStarted.ghostText.media)
    // is rendered in a webview of its own.
    const expected = fs.readFileSync(path.join(repoRoot(), zh()['walkthrough.getStarted.ghostText.media']!), 'utf8').match(/^## (.+)$/m)![1]!;
    const markdown = (await waitFor(async () => {
      const r = await ui.frameEval('h2', () => {
        const d = (globalThis as unknown as { document: { querySelector(s: string): { textContent: string | null } | null; body: { innerText: string } } }).document;
        return { heading: d.querySelector('h2')?.textContent ?? '', text: d.body.innerText };
      }, undefined, { timeout: 5_000 }).catch(() => null);
      return r && CJK.test(r.heading) ? r : null;
    }, 'the step\'s Markdown in Chinese', 30_000))!;
    assert.strictEqual(markdown.heading.trim(), expected);
    assert.match(markdown.text, /接受整条建议/);
    assert.doesNotMatch(markdown.text, /Ghost text, as you write|accept the whole suggestion/);
    await ui.screenshot('locale-zh-cn-walkthrough');
  });
});

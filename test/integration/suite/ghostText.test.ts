// Ghost text end to end in a real VS Code: the provider asks the real worker (stories260K, a
// fixed seed), the grey text appears in the editor, Tab inserts exactly what the CLI gives for
// the same prompt and settings, one Ctrl+Z restores the document, and the places that must stay
// quiet (a disabled language, a code fence) stay quiet.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { InklingApi } from '../../../src/extension';
import { artifactsDir, uiBridgeOrSkip, waitFor, type UiBridge } from './uiBridge';
import { repoRoot, api, cliGhost, openFormFixtureAtEnd, openLongVerseAtEnd } from './writingSupport';
import { buildGhostRequest, GHOST_PROMPT_CHARS, SERVER_GHOST_PROMPT_CHARS, type GhostRequestReady } from '../../../src/writing/prompts/ghost/ghostRequest';
import { planLine } from '../../../src/writing/verse/lines/linePlan';
import { loadPronouncingDictionary } from '../../../src/writing/verse/sound/pronouncingDictionary';

const GHOST = '.monaco-editor .ghost-text-decoration, .monaco-editor .ghost-text';
const SEED = 7;

async function openAtEnd(name: string, ui: UiBridge): Promise<vscode.TextEditor> {
  const folder = vscode.workspace.workspaceFolders![0]!;
  const doc = await vscode.workspace.openTextDocument(vscode.Uri.joinPath(folder.uri, name));
  const editor = await vscode.window.showTextDocument(doc);
  const end = doc.lineAt(doc.lineCount - 1).range.end;
  editor.selection = new vscode.Selection(end, end);
  await vscode.commands.executeCommand('workbench.action.focusActiveEditorGroup');
  await ui.waitForSelector('.editor-instance .monaco-editor.focused', { timeout: 10_000 });
  return editor;
}

/** Asks for a suggestion and waits for grey text; retries once (a cold first request can come back empty). */
async function ghostAppears(ui: UiBridge, timeout = 15_000): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    await vscode.commands.executeCommand('editor.action.inlineSuggest.trigger');
    try {
      await ui.waitForSelector(GHOST, { timeout });
      return;
    } catch (e) {
      if (attempt >= 1) throw e;
    }
  }
}

async function noGhostFor(ui: UiBridge, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    assert.strictEqual(await ui.count(GHOST), 0, 'no ghost text is shown');
    await new Promise((r) => setTimeout(r, 150));
  }
}

/** What the CLI writes for the prompt the provider builds at the end of `text`, with the provider's settings. */
function cliSuggestion(text: string): string {
  return cliGhost(text).suggestion;
}

describe('Ghost text', function () {
  this.timeout(90_000);
  let inkling: InklingApi;

  before(async function () {
    if (!process.env.INKLING_TEST_MODEL) this.skip();
    inkling = await api();
    const config = vscode.workspace.getConfiguration('inkling');
    await config.update('sampling.seed', SEED, vscode.ConfigurationTarget.Global);
    await config.update('model.path', process.env.INKLING_TEST_MODEL, vscode.ConfigurationTarget.Global);
    // fp32: an int8 model quantizes activations per forward pass, so a reused KV cache (the
    // extension) and a cold start (the CLI) can differ in the last digits and pick another token.
    await config.update('model.dtype', 'fp32', vscode.ConfigurationTarget.Global);
  });

  after(async () => {
    await vscode.workspace.getConfiguration('inkling').update('model.dtype', undefined, vscode.ConfigurationTarget.Global);
  });

  afterEach(async () => {
    for (const doc of vscode.workspace.textDocuments) {
      if (doc.isDirty) {
        await vscode.window.showTextDocument(doc);
        await vscode.commands.executeCommand('workbench.action.files.revert');
      }
    }
    await vscode.workspace.getConfiguration('inkling').update('inline.languages', undefined, vscode.ConfigurationTarget.Global);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('shows the model\'s continuation as ghost text; Tab inserts it as one undo step', async function () {
    const ui = uiBridgeOrSkip(this);
    const editor = await openAtEnd('poem.md', ui);
    const doc = editor.document;
    await ui.press('Enter');
    await waitFor(() => doc.isDirty, 'the new line');
    const before = doc.getText();
    const expected = cliSuggestion(before);
    assert.ok(expected.trim().length > 0, 'the CLI suggests something');

    await ghostAppears(ui);
    const shot = await ui.screenshot('ghost-text');
    assert.strictEqual(path.dirname(shot), artifactsDir());
    const shown = (await ui.innerText('.monaco-editor .view-lines')).replace(/\u00a0/g, ' ');
    assert.ok(shown.includes(expected.split('\n')[0]!.trim()), `the editor shows the suggestion "${expected}"`);

    await ui.press('Tab');
    await waitFor(() => doc.getText() !== before, 'the suggestion to be inserted');
    assert.strictEqual(doc.getText(), before + expected, 'Tab inserted exactly the model\'s text');

    await ui.press('Control+z');
    await waitFor(() => doc.getText() === before, 'one undo to restore the document', 5000).catch(() => assert.strictEqual(doc.getText(), before));
  });

  it('a different keystroke dismisses the suggestion and nothing stale is ever inserted', async function () {
    const ui = uiBridgeOrSkip(this);
    const editor = await openAtEnd('poem.md', ui);
    const doc = editor.document;
    await ui.press('Enter');
    await ghostAppears(ui);
    const before = doc.getText();
    const oldGhost = await ui.innerText(GHOST);
    assert.ok(!oldGhost.startsWith('Zq'), 'the suggestion does not happen to start with the keys we type');
    await ui.type('Zq');
    await waitFor(() => doc.getText() === `${before}Zq`, 'the typed characters');
    await new Promise((r) => setTimeout(r, 1500));
    assert.strictEqual(doc.getText(), `${before}Zq`, 'only what was typed is in the document');
    const ghostNow = (await ui.count(GHOST)) ? await ui.innerText(GHOST) : '';
    assert.notStrictEqual(ghostNow, oldGhost, 'the old suggestion is no longer shown');
    await ui.press('Escape');
    assert.strictEqual(doc.getText(), `${before}Zq`);
  });

  it('in rhyme mode a suggestion request carries the document before the cursor for planning (formContext)', async function () {
    await loadPronouncingDictionary();
    const { doc, seen, done } = await openFormFixtureAtEnd(inkling, 'envelope-collection.txt', 'envelope-collection-ghost.md');
    try {
      await vscode.commands.executeCommand('editor.action.inlineSuggest.trigger');
      await waitFor(() => seen.some((p) => p.caller?.startsWith('ghost:')), 'a ghost-text request', 30_000);
      const params = seen.find((p) => p.caller?.startsWith('ghost:'))!;
      assert.ok(params.form?.rhyme, 'rhyme mode (the default)');
      assert.strictEqual(params.formContext, doc.getText(), 'the document before the cursor, whole (it is short)');
      assert.strictEqual(planLine(params.prompt, { rhyme: true, context: params.formContext }).rhymeWith?.word, 'sea');
    } finally {
      await done();
    }
  });

  it('a long document sends the worker a window of 1,000 characters at most, cut where a stanza or line begins', async function () {
    const { doc, seen, done } = await openLongVerseAtEnd(inkling);
    try {
      await vscode.commands.executeCommand('editor.action.inlineSuggest.trigger');
      await waitFor(() => seen.some((p) => p.caller?.startsWith('ghost:')), 'a ghost-text request', 30_000);
      const { prompt } = seen.find((p) => p.caller?.startsWith('ghost:'))!;
      const text = doc.getText();
      assert.ok(text.length > SERVER_GHOST_PROMPT_CHARS, `the document is longer than any window (${text.length})`);
      assert.ok(prompt.length <= GHOST_PROMPT_CHARS, `the worker's window: ${prompt.length} characters`);
      const windowFor = (chars: number) => buildGhostRequest({ text, offset: text.length, explicit: true, maxPromptChars: chars });
      assert.strictEqual(prompt, (windowFor(GHOST_PROMPT_CHARS) as GhostRequestReady).prompt, 'the worker\'s window of the text before the cursor');
      assert.ok(prompt.length < (windowFor(SERVER_GHOST_PROMPT_CHARS) as GhostRequestReady).prompt.length, 'shorter than a server\'s');
      assert.strictEqual(text[text.length - prompt.length - 1], '\n', 'cut where a line begins');
    } finally {
      await done();
    }
  });

  it('a language that is turned off gets nothing', async function () {
    const ui = uiBridgeOrSkip(this);
    await vscode.workspace.getConfiguration('inkling').update('inline.languages', ['plaintext'], vscode.ConfigurationTarget.Global);
    const requestsBefore = inkling.ghostText.metrics.requests;
    await openAtEnd('poem.md', ui);
    await ui.press('Enter');
    await vscode.commands.executeCommand('editor.action.inlineSuggest.trigger');
    await noGhostFor(ui, 2500);
    assert.strictEqual(inkling.ghostText.metrics.requests, requestsBefore, 'the model was not asked');
  });

  it('inside a code fence nothing appears', async function () {
    const ui = uiBridgeOrSkip(this);
    const editor = await openAtEnd('code.md', ui);
    const doc = editor.document;
    const line = doc.getText().split('\n').findIndex((l) => l.includes('.toLowerCase()'));
    assert.ok(line > 0);
    const pos = doc.lineAt(line).range.end;
    editor.selection = new vscode.Selection(pos, pos);
    await vscode.commands.executeCommand('editor.action.inlineSuggest.trigger');
    await noGhostFor(ui, 2500);
  });

  it('Accept Next Line takes one line of a suggestion, as one undo step', async function () {
    const ui = uiBridgeOrSkip(this);
    const editor = await openAtEnd('prose.md', ui);
    const doc = editor.document;
    await ui.type(' ');
    await ghostAppears(ui);
    const before = doc.getText();
    const shown = inkling.ghostText.lastShown;
    assert.ok(shown && shown.text.length > 0, 'a suggestion is shown');
    await vscode.commands.executeCommand('inkling.acceptLine');
    await waitFor(() => doc.getText() !== before, 'the line to be inserted');
    const firstLine = shown.text.split('\n')[0]!;
    assert.ok(doc.getText().startsWith(before + firstLine), 'the first line of the suggestion was inserted');
    assert.ok(doc.getText().length <= before.length + shown.text.length);
    await vscode.commands.executeCommand('undo');
    await waitFor(() => doc.getText() === before, 'one undo to restore the document', 5000).catch(() => assert.strictEqual(doc.getText(), before));
  });

  it('asking again offers distinct alternatives to cycle through', async function () {
    const ui = uiBridgeOrSkip(this);
    await vscode.workspace.getConfiguration('inkling').update('sampling.seed', null, vscode.ConfigurationTarget.Global);
    try {
      const editor = await openAtEnd('poem.md', ui);
      await ui.press('Enter');
      await ghostAppears(ui);
      const before = editor.document.getText();
      const first = (await ui.innerText(GHOST)).replace(/\u00a0/g, ' ');
      const seen = new Set([first]);
      for (let i = 0; i < 3 && seen.size < 2; i++) {
        await ui.press('Alt+BracketRight');
        await new Promise((r) => setTimeout(r, 800));
        if (await ui.count(GHOST)) seen.add((await ui.innerText(GHOST)).replace(/\u00a0/g, ' '));
      }
      assert.ok(seen.size >= 2, `cycling showed ${seen.size} distinct suggestion(s): ${[...seen].join(' | ')}`);
      await ui.press('Escape');
      assert.strictEqual(editor.document.getText(), before, 'cycling never edits the document');
    } finally {
      await vscode.workspace.getConfiguration('inkling').update('sampling.seed', SEED, vscode.ConfigurationTarget.Global);
    }
  });

  it('a scripted typing session: provider latency p50/p95 and cache hit rate (artefact)', async function () {
    const ui = uiBridgeOrSkip(this);
    const metrics = inkling.ghostText.metrics;
    const start = { requests: metrics.requests, hits: metrics.cacheHits, samples: metrics.latencies.length };
    await openAtEnd('poem.md', ui);
    await ui.press('Enter');
    const line = 'Then let not winter\'s ragged hand deface';
    for (const word of line.split(' ')) {
      await ui.type(`${word} `, { delay: 60 });
      await new Promise((r) => setTimeout(r, 700)); // a writer's pause between words
    }
    // Delete the last two words and type them again, as writers do: those prompts repeat.
    const tail = line.split(' ').slice(-2);
    for (let i = 0; i < tail.join(' ').length + 1; i++) await ui.press('Backspace');
    await new Promise((r) => setTimeout(r, 700));
    for (const word of tail) {
      await ui.type(`${word} `, { delay: 60 });
      await new Promise((r) => setTimeout(r, 700));
    }
    await ui.press('Escape');
    const latencies = metrics.latencies.slice(start.samples);
    assert.ok(latencies.length >= 4, `the provider answered ${latencies.length} times`);
    const sorted = [...latencies].sort((a, b) => a - b);
    const pick = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!;
    const report = {
      requests: metrics.requests - start.requests,
      answered: latencies.length,
      cacheHits: metrics.cacheHits - start.hits,
      cacheHitRate: Math.round(((metrics.cacheHits - start.hits) / Math.max(1, metrics.requests - start.requests)) * 100) / 100,
      p50Ms: pick(0.5),
      p95Ms: pick(0.95),
      latenciesMs: latencies,
    };
    fs.writeFileSync(path.join(artifactsDir(), 'ghost-latency.json'), `${JSON.stringify(report, null, 2)}\n`);
    console.log(`ghost text: p50 ${report.p50Ms} ms, p95 ${report.p95Ms} ms over ${report.answered} answers, cache hit rate ${report.cacheHitRate}`);
  });

  it('the status bar shows the model state and the last latency', async function () {
    const ui = uiBridgeOrSkip(this);
    await openAtEnd('poem.md', ui);
    await ui.press('Enter');
    await ghostAppears(ui);
    const text = await waitFor(async () => {
      const t = (await ui.innerText('.statusbar')).replace(/\u00a0/g, ' ');
      return /Inkling \d+ ms/.test(t) ? t : '';
    }, 'the status bar to show the latency');
    assert.match(text, /Inkling \d+ ms/);
    assert.strictEqual(inkling.engine.client.state, 'ready');
    await ui.press('Escape');
  });

  it('with no model chosen, Inkling\'s own model writes the ghost text (README screenshot)', async function () {
    const ui = uiBridgeOrSkip(this);
    const own = path.join(repoRoot(), 'models', 'inkling-verse');
    if (!fs.existsSync(path.join(own, 'config.json'))) this.skip();
    const config = vscode.workspace.getConfiguration('inkling');
    await config.update('model.path', undefined, vscode.ConfigurationTarget.Global);
    await config.update('model.dtype', undefined, vscode.ConfigurationTarget.Global);
    try {
      const editor = await openAtEnd('poem.md', ui);
      await ui.press('Enter');
      await waitFor(() => editor.document.isDirty, 'the new line');
      await ghostAppears(ui, 30_000);
      assert.strictEqual(inkling.engine.client.model?.name, 'inkling-verse', 'the default model answered');
      const ghost = (await ui.innerText(GHOST)).replace(/\u00a0/g, ' ');
      assert.ok(ghost.trim().length > 0 && !ghost.includes('\n'), `one line of verse: ${JSON.stringify(ghost)}`);
      await ui.screenshot('ghost-text-inkling-verse');
      await ui.press('Escape');
    } finally {
      await config.update('model.path', process.env.INKLING_TEST_MODEL, vscode.ConfigurationTarget.Global);
      await config.update('model.dtype', 'fp32', vscode.ConfigurationTarget.Global);
    }
  });
});

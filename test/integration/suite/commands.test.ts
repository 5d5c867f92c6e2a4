// The writing commands end to end in a real VS Code with the real worker (stories260K, fixed
// seeds): each inserts exactly what the CLI gives for the same prompt, seed and settings; one undo
// restores the document; cancelling mid-stream and editing mid-stream leave it consistent;
// Regenerate refuses edited text; the alternatives picker shows N distinct items; Expand Outline
// writes one passage per point in order; the provenance log records what was inserted.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { InklingApi } from '../../../src/extension';
import { isNearDuplicate } from '../../../src/writing/prompts/commands/nearDuplicate';
import { buildPassageRequest, lineEndOffset, planOutlineExpansion } from '../../../src/writing/prompts/outline/outlineExpansion';
import { parseProvenance } from '../../../src/writing/history/provenanceRecord';
import type { AlternativesResult } from '../../../src/vscode/commands/alternativesCommand';
import type { ContinueResult } from '../../../src/vscode/commands/continueCommand';
import type { OutlineResult } from '../../../src/vscode/commands/outlineCommand';
import type { RegenerateResult } from '../../../src/vscode/commands/regenerateCommand';
import { artifactsDir, uiBridgeOrSkip, waitFor } from './uiBridge';
import { SEED, ROWS, PROGRESS_CANCEL, repoRoot, config, workspaceDir, openAtEnd, cliRaw, cliInsertion, continuationAt, countChanges, undoRestores, settled, pickerLabels, withWorkerHeld, commandsWithTestModel, openFormFixtureAtEnd } from './writingSupport';
import { planLine } from '../../../src/writing/verse/lines/linePlan';
import { loadPronouncingDictionary } from '../../../src/writing/verse/sound/pronouncingDictionary';

describe('Commands', function () {
  this.timeout(120_000);
  let inkling: InklingApi;
  // Every change to a fixture document, with the test that was running: an artefact for diagnosis.
  const changeLog: string[] = [];
  let current = '';
  const logChanges = vscode.workspace.onDidChangeTextDocument((e) => {
    if (e.document.uri.scheme !== 'file') return;
    for (const c of e.contentChanges) {
      changeLog.push(`${new Date().toISOString()} [${current}] ${path.basename(e.document.uri.fsPath)} v${e.document.version} ${e.reason ?? ''} @${c.rangeOffset}-${c.rangeLength} ${JSON.stringify(c.text)}`);
    }
  });
  beforeEach(function () {
    current = this.currentTest?.title.slice(0, 40) ?? '';
  });

  before(async function () {
    if (!process.env.INKLING_TEST_MODEL) this.skip();
    inkling = await commandsWithTestModel();
  });

  afterEach(async () => {
    current = `after: ${current}`;
    await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
    for (const doc of vscode.workspace.textDocuments) {
      if (doc.isDirty) {
        await vscode.window.showTextDocument(doc);
        await vscode.commands.executeCommand('workbench.action.files.revert');
      }
    }
    for (const key of ['continue.lines', 'alternatives.count', 'provenance.enabled']) await config().update(key, undefined, vscode.ConfigurationTarget.Global);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  after(async () => {
    logChanges.dispose();
    await vscode.commands.executeCommand('notifications.clearAll');
    fs.writeFileSync(path.join(artifactsDir(), 'commands-changes.log'), `${changeLog.join('\n')}\n`);
    await config().update('inline.enabled', undefined, vscode.ConfigurationTarget.Global);
    await config().update('model.dtype', undefined, vscode.ConfigurationTarget.Global);
    await vscode.workspace.getConfiguration('files').update('autoSave', undefined, vscode.ConfigurationTarget.Global);
  });

  it('VS Code binds nothing of its own to our keys in a Markdown editor', async function () {
    await vscode.commands.executeCommand('workbench.action.openDefaultKeybindingsFile');
    const doc = await waitFor(() => vscode.window.activeTextEditor?.document, 'the default keybindings');
    const defaults = JSON.parse(
      doc!
        .getText()
        .split('\n')
        .filter((l) => !l.trim().startsWith('//'))
        .join('\n'),
    ) as { key: string; command: string; when?: string }[];
    assert.ok(defaults.length > 500, `${defaults.length} default keybindings`);
    const ours = (JSON.parse(fs.readFileSync(path.join(repoRoot(), 'package.json'), 'utf8')) as { contributes: { keybindings: { key: string; command: string; when?: string }[] } }).contributes.keybindings;
    // A default on one of our keys must hold only where a writer's text editor does not have the
    // keyboard (the terminal, chat, the search view), or in a context our own \`when\` excludes.
    const elsewhere = /\bterminalFocus\b|\bterminalChat\w*|\binChat\b|\baccessibleViewInCodeBlock\b|\bsearchViewletVisible\b/;
    const clashes: string[] = [];
    const mine = ours.filter((b) => ['inkling.continueWriting', 'inkling.showAlternatives', 'inkling.regenerate'].includes(b.command)) as { key: string; command: string; when: string }[];
    assert.strictEqual(mine.length, 3);
    for (const k of mine) {
      for (const d of defaults.filter((x) => x.key === k.key && !x.command.startsWith('inkling.'))) {
        const branches = (d.when ?? '').split('||');
        const excluded = (branch: string) => elsewhere.test(branch) || (/(^|[^!])findWidgetVisible/.test(branch) && k.when.includes('!findWidgetVisible'));
        if (!d.when || !branches.every(excluded)) clashes.push(`${k.key}: ${d.command} when ${d.when ?? '(always)'}`);
      }
    }
    fs.writeFileSync(path.join(artifactsDir(), 'default-keybindings-on-our-keys.json'), `${JSON.stringify(ours.map((k) => ({ key: k.key, command: k.command, defaults: defaults.filter((x) => x.key === k.key) })), null, 2)}\n`);
    assert.deepStrictEqual(clashes, [], 'no default binding on our keys applies in a focused text editor');
  });

  it('Continue This Poem streams the CLI\'s continuation into the editor; one undo restores the document', async function () {
    const ui = uiBridgeOrSkip(this);
    const editor = await openAtEnd('poem.md', ui);
    const doc = editor.document;
    const before = doc.getText();
    const request = continuationAt(editor);
    assert.strictEqual(request.kind, 'verse');
    const expected = cliInsertion(request, SEED);
    assert.ok(expected.trim().length > 0, 'the CLI continues the poem');
    assert.ok(expected.split('\n').filter((l) => l.trim()).length <= request.lines, `at most ${request.lines} lines: ${JSON.stringify(expected)}`);

    const changes = countChanges(doc);
    const result = (await vscode.commands.executeCommand('inkling.continueWriting')) as ContinueResult;
    changes.dispose();
    assert.strictEqual(result.outcome, 'complete');
    assert.strictEqual(result.seed, SEED);
    assert.strictEqual(doc.getText(), before + expected, 'the editor holds exactly the CLI\'s continuation');
    assert.ok(changes.count >= 2, `the text streamed in (${changes.count} edits)`);
    assert.ok(editor.selection.active.isEqual(doc.positionAt(doc.getText().length)), 'the cursor is after the new lines');
    await ui.screenshot('continue-poem');

    // The insertion is closed as an undo step: what the writer types next undoes on its own.
    await ui.type('Zq');
    await waitFor(() => doc.getText() === `${before}${expected}Zq`, 'the typed characters');
    await undoRestores(doc, before + expected);
    await undoRestores(doc, before);
  });

  it('Continue This Poem in a collection sends the document before the poem for planning: rhyme mode aims the new line as the poems before it went', async function () {
    // Three envelope quatrains (ABCA), then three lines of a fourth poem: alone, its fourth line
    // would be left free (three even lines that never rhymed); after these, it rhymes with the first.
    await loadPronouncingDictionary();
    await config().update('continue.lines', 1, vscode.ConfigurationTarget.Global);
    const { doc, seen, done } = await openFormFixtureAtEnd(inkling, 'envelope-collection.txt', 'envelope-collection.md');
    try {
      const before = doc.getText();
      const result = (await vscode.commands.executeCommand('inkling.continueWriting')) as ContinueResult;
      assert.strictEqual(result.outcome, 'complete');
      const params = seen.at(-1)!;
      assert.strictEqual(params.formContext, before, 'the document before the cursor went with the request');
      assert.ok(params.form?.rhyme, 'in rhyme mode');
      // What rhyme mode aims the line at, read as the worker reads the request (whether the
      // 260K-parameter model then finds a rhyme is the engine tests' business).
      assert.strictEqual(planLine(params.prompt, { rhyme: true, context: params.formContext }).rhymeWith?.word, 'sea');
      assert.strictEqual(planLine(params.prompt.slice(params.prompt.indexOf('THE ROAD')), { rhyme: true }).rhymeWith, null, 'the poem alone');
      assert.ok(doc.getText().length > before.length && doc.getText().startsWith(before), 'a line was added after the poem');
      await vscode.commands.executeCommand('workbench.action.files.revert');
    } finally {
      await done();
    }
  });

  it('Continue Writing continues prose for a paragraph, as the CLI does', async function () {
    const ui = uiBridgeOrSkip(this);
    const editor = await openAtEnd('prose.md', ui);
    const doc = editor.document;
    await ui.press('Enter');
    await waitFor(() => doc.getText().endsWith('enough.\n\n'), 'the new paragraph');
    const before = doc.getText();
    const request = continuationAt(editor);
    assert.strictEqual(request.kind, 'prose');
    const expected = cliInsertion(request, SEED);
    const result = (await vscode.commands.executeCommand('inkling.continueWriting')) as ContinueResult;
    assert.strictEqual(result.outcome, 'complete');
    assert.strictEqual(doc.getText(), before + expected);
    assert.ok(!expected.includes('\n\n'), 'one paragraph');
    await undoRestores(doc, before);
  });

  it('cancelling mid-stream keeps whole lines of the continuation, and one undo restores the document', async function () {
    const ui = uiBridgeOrSkip(this);
    await config().update('continue.lines', 40, vscode.ConfigurationTarget.Global);
    const editor = await openAtEnd('poem.md', ui);
    const doc = editor.document;
    const before = doc.getText();
    const request = continuationAt(editor, 40);
    const raw = cliRaw(request, SEED);
    const full = request.finish(raw.text, raw.finished);

    const running = vscode.commands.executeCommand('inkling.continueWriting') as Thenable<ContinueResult>;
    await waitFor(() => doc.getText() !== before, 'the first streamed text', 20_000, 5);
    await withWorkerHeld(inkling.engine.client.pid, () => ui.click(PROGRESS_CANCEL));
    const result = await running;
    assert.strictEqual(result.outcome, 'cancelled', 'the notification\'s Cancel stopped it');
    const inserted = doc.getText().slice(before.length);
    assert.ok(doc.getText().startsWith(before), 'the text before is untouched');
    assert.ok(inserted.length < full.length, `stopped before the end (${inserted.length} of ${full.length} characters)`);
    assert.ok(full.startsWith(inserted), `what stays is the start of the continuation: ${JSON.stringify(inserted)}`);
    // What stays is what the command keeps of some beginning of the model's text: whole lines
    // (or the whole words of a first line), never a word cut in two.
    const kept = new Set<string>();
    for (let k = 0; k <= raw.text.length; k++) kept.add(request.finish(raw.text.slice(0, k), false));
    assert.ok(kept.has(inserted), `${JSON.stringify(inserted)} is whole lines or words of the continuation`);
    const word = /[\p{L}\p{N}]/u;
    assert.ok(!(word.test(inserted.slice(-1)) && word.test(full[inserted.length] ?? '')), 'not cut inside a word');
    await undoRestores(doc, before);
  });

  it('editing the document while Inkling writes stops it and leaves what is there alone', async function () {
    const ui = uiBridgeOrSkip(this);
    await config().update('continue.lines', 40, vscode.ConfigurationTarget.Global);
    const editor = await openAtEnd('poem.md', ui);
    const doc = editor.document;
    const before = doc.getText();
    const full = cliInsertion(continuationAt(editor, 40), SEED);

    const running = vscode.commands.executeCommand('inkling.continueWriting') as Thenable<ContinueResult>;
    await waitFor(() => doc.getText() !== before, 'the first streamed text', 20_000, 5);
    // The writer types at the top of the poem.
    await vscode.commands.executeCommand('cursorTop');
    await ui.type('Zq');
    const result = await running;
    assert.strictEqual(result.outcome, 'interrupted');
    const after = await settled(doc);
    assert.ok(after.startsWith('Zq'), 'the writer\'s typing is there');
    const written = after.slice(2);
    assert.ok(written.startsWith(before), 'the rest of the original text is untouched');
    const inserted = written.slice(before.length);
    assert.ok(full.startsWith(inserted), `what Inkling had written stays as it was: ${JSON.stringify(inserted)}`);
    assert.ok(inserted.length < full.length, 'it stopped before the end');
    assert.strictEqual(result.text, inserted, 'the result reports the text that stays');
  });

  it('Show Alternatives offers N distinct alternatives, each the CLI\'s for its seed; choosing one inserts it as one undo step', async function () {
    const ui = uiBridgeOrSkip(this);
    const editor = await openAtEnd('poem.md', ui);
    const doc = editor.document;
    const before = doc.getText();
    const request = continuationAt(editor);
    // Alternatives are written as sampled: none is kept line by line for the metre.
    const expected = [0, 1, 2].map((i) => cliInsertion(request, SEED + i, undefined, { asSampled: true }));

    const running = vscode.commands.executeCommand('inkling.showAlternatives') as Thenable<AlternativesResult>;
    await waitFor(async () => (await ui.count(ROWS)) === 4, 'three alternatives and "More"', 30_000, 100);
    const labels = await pickerLabels(ui);
    await ui.screenshot('alternatives-picker');
    assert.ok(labels[3]!.includes('More alternatives'), labels.join(' | '));
    const texts = labels.slice(0, 3);
    assert.strictEqual(new Set(texts).size, 3, `distinct: ${texts.join(' | ')}`);
    expected.forEach((e, i) => {
      const firstLine = e.replace(/^\s*\n/, '').trim().split('\n')[0]!.trim();
      assert.ok(texts[i]!.includes(firstLine), `item ${i + 1} is seed ${SEED + i}'s: ${JSON.stringify(texts[i])} vs ${JSON.stringify(firstLine)}`);
    });

    await ui.press('ArrowDown');
    await ui.press('Enter');
    const result = await running;
    assert.strictEqual(result.outcome, 'inserted');
    assert.deepStrictEqual(result.offered.map((a) => a.seed), [SEED, SEED + 1, SEED + 2]);
    for (let i = 0; i < 3; i++) for (let j = i + 1; j < 3; j++) assert.ok(!isNearDuplicate(result.offered[i]!.text, result.offered[j]!.text));
    assert.strictEqual(result.chosen?.seed, SEED + 1);
    assert.strictEqual(doc.getText(), before + expected[1], 'the chosen alternative is inserted');
    await undoRestores(doc, before);
  });

  it('"More alternatives" asks for another N, all distinct, and Escape inserts nothing', async function () {
    const ui = uiBridgeOrSkip(this);
    await config().update('alternatives.count', 2, vscode.ConfigurationTarget.Global);
    const editor = await openAtEnd('poem.md', ui);
    const before = editor.document.getText();
    const running = vscode.commands.executeCommand('inkling.showAlternatives') as Thenable<AlternativesResult>;
    await waitFor(async () => (await ui.count(ROWS)) === 3, 'two alternatives and "More"', 30_000, 100);
    await ui.press('ArrowDown');
    await ui.press('ArrowDown');
    await ui.press('Enter');
    await waitFor(async () => (await ui.count(ROWS)) === 5, 'two more alternatives', 30_000, 100);
    const labels = await pickerLabels(ui);
    await ui.press('Escape');
    const result = await running;
    assert.strictEqual(result.outcome, 'dismissed');
    assert.strictEqual(result.offered.length, 4, labels.join(' | '));
    for (let i = 0; i < 4; i++) for (let j = i + 1; j < 4; j++) assert.ok(!isNearDuplicate(result.offered[i]!.text, result.offered[j]!.text), `${i} and ${j} differ`);
    assert.strictEqual(editor.document.getText(), before, 'nothing was inserted');
  });

  it('Regenerate replaces the last insertion with a fresh sample from the same start, as one undo step', async function () {
    const ui = uiBridgeOrSkip(this);
    const editor = await openAtEnd('poem.md', ui);
    const doc = editor.document;
    const before = doc.getText();
    const request = continuationAt(editor);
    const first = (await vscode.commands.executeCommand('inkling.continueWriting')) as ContinueResult;
    assert.strictEqual(first.outcome, 'complete');
    const continued = doc.getText();

    const again = (await vscode.commands.executeCommand('inkling.regenerate')) as RegenerateResult;
    assert.strictEqual(again.outcome, 'replaced');
    assert.notStrictEqual(again.seed, SEED, 'a fresh seed');
    assert.strictEqual(doc.getText(), before + cliInsertion(request, again.seed!), 'the same prompt with the new seed, as the CLI writes it');
    assert.notStrictEqual(doc.getText(), continued);
    const tracked = inkling.writing.tracker.get(doc.uri.toString());
    assert.strictEqual(tracked?.detail.seed, again.seed, 'the new text is the one Regenerate would replace next');
    await undoRestores(doc, continued);
  });

  it('Regenerate refuses when the inserted text was edited, and changes nothing', async function () {
    const ui = uiBridgeOrSkip(this);
    const editor = await openAtEnd('poem.md', ui);
    const doc = editor.document;
    const before = doc.getText();
    const first = (await vscode.commands.executeCommand('inkling.continueWriting')) as ContinueResult;
    assert.strictEqual(first.outcome, 'complete');
    // The writer changes a letter inside the inserted lines.
    const middle = before.length + Math.floor(first.text!.length / 2);
    assert.ok(await editor.edit((b) => b.insert(doc.positionAt(middle), 'Q')));
    const edited = doc.getText();
    assert.strictEqual(edited, `${before}${first.text!.slice(0, middle - before.length)}Q${first.text!.slice(middle - before.length)}`);
    const result = (await vscode.commands.executeCommand('inkling.regenerate')) as RegenerateResult;
    assert.strictEqual(result.outcome, 'refused');
    assert.strictEqual(result.reason, 'edited');
    assert.strictEqual(doc.getText(), edited, 'the document is unchanged');
    await ui.waitForSelector('.notification-toast:has-text("edited since")', { timeout: 5000 });
  });

  it('Expand Outline writes one passage per point, in order, each the CLI\'s; one undo restores the outline', async function () {
    const ui = uiBridgeOrSkip(this);
    const editor = await openAtEnd('outline.md', ui);
    const doc = editor.document;
    const outline = doc.getText();

    // Replay the command with the CLI as the model: the same plan, prompts, seed and settings.
    let expected = outline;
    const points = planOutlineExpansion(outline).slots.map((s) => s.point);
    assert.strictEqual(points.length, 4);
    const passages: string[] = [];
    for (const point of points) {
      const plan = planOutlineExpansion(expected);
      const request = buildPassageRequest(expected, plan, plan.slots.findIndex((s) => s.point === point));
      const passage = cliInsertion(request, SEED);
      passages.push(passage);
      const at = lineEndOffset(expected, request.slot.afterLine);
      expected = expected.slice(0, at) + passage + expected.slice(at);
    }
    assert.ok(passages.every((p) => p.trim()), `the CLI writes a passage for every point: ${JSON.stringify(passages)}`);

    const result = (await vscode.commands.executeCommand('inkling.expandOutline')) as OutlineResult;
    assert.strictEqual(result.outcome, 'complete');
    assert.deepStrictEqual(result.passages.map((p) => p.text), passages, 'one passage per point, in order');
    assert.strictEqual(doc.getText(), expected);
    await ui.screenshot('expand-outline');
    await undoRestores(doc, outline);
  });

  it('the provenance log records what was inserted when enabled, and nothing when not', async function () {
    const ui = uiBridgeOrSkip(this);
    const logDir = path.join(workspaceDir(), '.inkling');
    const logFile = path.join(logDir, 'provenance.jsonl');
    fs.rmSync(logDir, { recursive: true, force: true });

    let editor = await openAtEnd('poem.md', ui);
    assert.strictEqual(((await vscode.commands.executeCommand('inkling.continueWriting')) as ContinueResult).outcome, 'complete');
    // (.inkling/ may hold the branch history by now; the log is what must not be there.)
    assert.ok(!fs.existsSync(logFile), 'nothing is logged while the log is off');
    await vscode.commands.executeCommand('workbench.action.files.revert');

    await config().update('provenance.enabled', true, vscode.ConfigurationTarget.Global);
    editor = await openAtEnd('poem.md', ui);
    const start = editor.selection.end;
    const result = (await vscode.commands.executeCommand('inkling.continueWriting')) as ContinueResult;
    assert.strictEqual(result.outcome, 'complete');
    const records = (await waitFor(() => (fs.existsSync(logFile) ? parseProvenance(fs.readFileSync(logFile, 'utf8')) : null), 'the provenance log'))!;
    assert.strictEqual(records.length, 1);
    const r = records[0]!;
    assert.strictEqual(r.document, 'poem.md');
    assert.strictEqual(r.command, 'continue');
    assert.strictEqual(r.text, result.text);
    assert.strictEqual(r.seed, SEED);
    assert.strictEqual(r.model, 'stories260K');
    assert.strictEqual(r.complete, true);
    assert.deepStrictEqual(r.range.start, { line: start.line, character: start.character });
    const end = editor.document.positionAt(result.offset! + result.text!.length);
    assert.deepStrictEqual(r.range.end, { line: end.line, character: end.character });
    assert.strictEqual(editor.document.getText(new vscode.Range(start, end)), r.text, 'the range holds the recorded text');
    assert.strictEqual(r.settings.sampling.seed, SEED);
    assert.ok(Date.now() - Date.parse(r.time) < 60_000);
    fs.copyFileSync(logFile, path.join(artifactsDir(), 'provenance.jsonl'));

    // An untitled file has no workspace folder to keep a log in: not recorded, and the writer is told.
    const untitled = await vscode.workspace.openTextDocument({ language: 'markdown', content: editor.document.getText() });
    const scratch = await vscode.window.showTextDocument(untitled);
    const last = untitled.positionAt(untitled.getText().length);
    scratch.selection = new vscode.Selection(last, last);
    try {
      const inUntitled = (await vscode.commands.executeCommand('inkling.continueWriting')) as ContinueResult;
      assert.strictEqual(inUntitled.outcome, 'complete');
      assert.ok(inUntitled.text, 'Inkling wrote in the untitled file');
      await ui.waitForSelector('.notification-toast:has-text("untitled files are not recorded")', { timeout: 5000 });
      assert.strictEqual(parseProvenance(fs.readFileSync(logFile, 'utf8')).length, 1, 'no record for the untitled file');
    } finally {
      await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
    }
  });
});

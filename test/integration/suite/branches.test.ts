// The branch history in a real VS Code with the real worker (stories260K, fp32, a fixed seed):
// Continue, Regenerate and Show Alternatives add branches to one place; the Inkling Branches view
// lists them and switches from the keyboard; a switch restores a branch's exact text in one undo
// step and refuses when the text was edited; the history is stored in the workspace's
// .inkling/branches/, follows a rename, is cleared by its command, and untitled files keep none.
// Screenshots of the view in light and dark themes.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { InklingApi } from '../../../src/extension';
import type { SwitchResult } from '../../../src/vscode/history/branchHistory';
import type { ContinueResult } from '../../../src/vscode/commands/continueCommand';
import type { RegenerateResult } from '../../../src/vscode/commands/regenerateCommand';
import { branchLabel } from '../../../src/writing/history/branchHistory';
import { uiBridgeOrSkip, waitFor, type UiBridge } from './uiBridge';
import { config, openAtEnd, ROWS, SEED, undoRestores, workspaceDir, commandsWithTestModel, inEachTheme } from './writingSupport';

/** The rows of the Inkling Branches view: aria-label and focus. */
const VIEW_ROWS = `() => {
  const pane = [...document.querySelectorAll('.pane')].find((p) => (p.querySelector('.pane-header')?.textContent ?? '').includes('Inkling Branches'));
  return pane ? [...pane.querySelectorAll('.monaco-list-row')].map((r) => ({ label: r.getAttribute('aria-label') ?? '', focused: r.classList.contains('focused') })) : [];
}`;

describe('Branch history', function () {
  this.timeout(150_000);
  let inkling: InklingApi;
  const branchesDir = () => path.join(workspaceDir(), '.inkling', 'branches');

  before(async function () {
    if (!process.env.INKLING_TEST_MODEL) this.skip();
    inkling = await commandsWithTestModel({ continueLines: 2 });
    await inkling.writing.branches.clear();
  });

  afterEach(async () => {
    await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
    for (const doc of vscode.workspace.textDocuments) {
      if (doc.isDirty && !doc.isUntitled) {
        await vscode.window.showTextDocument(doc);
        await vscode.commands.executeCommand('workbench.action.files.revert');
      }
    }
    await vscode.workspace.getConfiguration('workbench').update('colorTheme', undefined, vscode.ConfigurationTarget.Global);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await inkling.writing.branches.clear();
  });

  after(async () => {
    await vscode.commands.executeCommand('notifications.clearAll');
    for (const key of ['model.dtype', 'inline.enabled', 'continue.lines']) await config().update(key, undefined, vscode.ConfigurationTarget.Global);
    await vscode.workspace.getConfiguration('files').update('autoSave', undefined, vscode.ConfigurationTarget.Global);
  });

  /** Continue, then Regenerate twice, at the end of poem.md: one place, three branches. */
  async function threeBranches(ui: UiBridge) {
    const editor = await openAtEnd('poem.md', ui);
    const doc = editor.document;
    const before = doc.getText();
    const first = (await vscode.commands.executeCommand('inkling.continueWriting')) as ContinueResult;
    assert.strictEqual(first.outcome, 'complete');
    const texts = [first.text!];
    for (let i = 0; i < 2; i++) {
      const r = (await vscode.commands.executeCommand('inkling.regenerate')) as RegenerateResult;
      assert.strictEqual(r.outcome, 'replaced', `Regenerate ${i + 1}`);
      texts.push(r.text!);
    }
    const history = (await inkling.writing.branches.history(doc))!;
    assert.strictEqual(history.places.length, 1, 'one place');
    const place = history.places[0]!;
    assert.deepStrictEqual(place.branches.map((b) => b.text), texts, 'the inserted text and each Regenerate, in order');
    assert.deepStrictEqual(place.branches.map((b) => b.command), ['continue', 'regenerate', 'regenerate']);
    assert.strictEqual(place.branches[0]!.seed, SEED);
    assert.strictEqual(place.current, place.branches[2]!.id);
    assert.strictEqual(doc.getText(), before + texts[2]);
    return { editor, doc, before, texts, place };
  }

  it('keeps the inserted text and each Regenerate as branches; switching restores a branch exactly, one undo step', async function () {
    const ui = uiBridgeOrSkip(this);
    const { doc, before, texts, place } = await threeBranches(ui);
    const result = (await vscode.commands.executeCommand('inkling.switchBranch', { uri: doc.uri.toString(), place: place.id, branch: place.branches[0]!.id })) as SwitchResult;
    assert.strictEqual(result.outcome, 'switched');
    assert.strictEqual(doc.getText(), before + texts[0], 'exactly the first continuation again');
    await undoRestores(doc, before + texts[2]);
    // Stored in the workspace, where the document is.
    await inkling.writing.branches.flush();
    const file = path.join(branchesDir(), 'poem.md.json');
    const stored = JSON.parse(fs.readFileSync(file, 'utf8')) as { document: string; places: { branches: { text: string; seed: number }[] }[] };
    assert.strictEqual(stored.document, 'poem.md');
    assert.deepStrictEqual(stored.places[0]!.branches.map((b) => b.text), texts);
  });

  it('a change of line endings (CRLF ⇄ LF) leaves the place as it was: switching still works', async function () {
    const ui = uiBridgeOrSkip(this);
    const { editor, doc, before, texts, place } = await threeBranches(ui);
    await editor.edit((b) => b.setEndOfLine(vscode.EndOfLine.CRLF));
    await editor.edit((b) => b.setEndOfLine(vscode.EndOfLine.LF));
    const history = (await inkling.writing.branches.history(doc))!;
    assert.strictEqual(history.places[0]!.edited, false, 'not taken for an edit of its text');
    const result = (await vscode.commands.executeCommand('inkling.switchBranch', { uri: doc.uri.toString(), place: place.id, branch: place.branches[1]!.id })) as SwitchResult;
    assert.strictEqual(result.outcome, 'switched');
    assert.strictEqual(doc.getText(), before + texts[1]);
  });

  it('refuses to switch a place whose text was edited, and says why', async function () {
    const ui = uiBridgeOrSkip(this);
    const { editor, doc, before, texts, place } = await threeBranches(ui);
    await editor.edit((b) => b.insert(doc.positionAt(before.length + 2), 'X'));
    const edited = doc.getText();
    const result = (await vscode.commands.executeCommand('inkling.switchBranch', { uri: doc.uri.toString(), place: place.id, branch: place.branches[0]!.id })) as SwitchResult;
    assert.strictEqual(result.outcome, 'refused');
    assert.strictEqual(result.reason, 'edited');
    assert.strictEqual(doc.getText(), edited, 'nothing changed');
    // Said to the writer: in the notification list whether or not its toast is still up.
    await vscode.commands.executeCommand('notifications.showList');
    await ui.waitForSelector('.notifications-center .monaco-list-row:has-text("edited the text at this place")', { timeout: 10_000 });
    await vscode.commands.executeCommand('notifications.hideList');
    assert.ok(texts.length === 3);
  });

  it('Show Alternatives keeps the ones not taken; the view switches with the keyboard (light and dark screenshots)', async function () {
    const ui = uiBridgeOrSkip(this);
    await config().update('alternatives.count', 3, vscode.ConfigurationTarget.Global);
    const editor = await openAtEnd('poem.md', ui);
    const doc = editor.document;
    const before = doc.getText();
    const run = vscode.commands.executeCommand('inkling.showAlternatives');
    await waitFor(async () => (await ui.count(ROWS)) >= 4, 'three alternatives and More', 60_000);
    await ui.press('Enter');
    const picked = (await run) as { outcome: string; offered: { text: string }[]; chosen: { text: string } };
    await config().update('alternatives.count', undefined, vscode.ConfigurationTarget.Global);
    assert.strictEqual(picked.outcome, 'inserted');
    const history = (await inkling.writing.branches.history(doc))!;
    const place = history.places[0]!;
    assert.deepStrictEqual(place.branches.map((b) => b.text).sort(), picked.offered.map((a) => a.text).sort(), 'every alternative offered is a branch');
    assert.strictEqual(place.branches.find((b) => b.id === place.current)?.text, picked.chosen.text);

    await vscode.commands.executeCommand('inkling.showBranches');
    const rows = await waitFor(async () => {
      const labels = (await ui.evaluate<{ label: string }[]>(VIEW_ROWS)).map((r) => r.label);
      return labels.filter((l) => /branch/i.test(l)).length >= 4 ? labels : null;
    }, 'the place and its branches in the view', 15_000);
    assert.ok(rows!.some((l) => /^Place at line \d+, 3 branches/.test(l)), rows!.join(' | '));
    assert.ok(rows!.some((l) => l.startsWith(`Current branch: ${branchLabel(picked.chosen.text, 200)}`)), rows!.join(' | '));
    await inEachTheme(ui, async (name) => {
      await new Promise((r) => setTimeout(r, 300));
      await ui.screenshot(`branches-view-${name}`);
    });
    // Keyboard: the view has focus; the place, its current branch, then the others, newest first.
    await vscode.commands.executeCommand('inkling.showBranches');
    await ui.press('Home');
    await ui.press('ArrowDown');
    await ui.press('ArrowDown');
    const focused = (await ui.evaluate<{ label: string; focused: boolean }[]>(VIEW_ROWS)).find((r) => r.focused)?.label ?? '';
    assert.match(focused, /^Branch: /, `a branch that is not current has the focus: ${focused}`);
    const target = place.branches.filter((b) => b.id !== place.current).reverse()[0]!;
    assert.ok(focused.startsWith(`Branch: ${branchLabel(target.text, 200)}`), focused);
    await ui.press('Enter');
    await waitFor(() => doc.getText() === before + target.text, 'the branch chosen with the keyboard in the document');
    await undoRestores(doc, before + picked.chosen.text);
  });

  it('follows a renamed document, is cleared by its command, and untitled files keep none', async function () {
    const ui = uiBridgeOrSkip(this);
    const source = path.join(workspaceDir(), 'poem.md');
    const copy = path.join(workspaceDir(), 'draft.md');
    fs.copyFileSync(source, copy);
    const doc = await vscode.workspace.openTextDocument(copy);
    const editor = await vscode.window.showTextDocument(doc);
    const end = doc.lineAt(doc.lineCount - 1).range.end;
    editor.selection = new vscode.Selection(end, end);
    const r = (await vscode.commands.executeCommand('inkling.continueWriting')) as ContinueResult;
    assert.strictEqual(r.outcome, 'complete');
    await doc.save();
    await inkling.writing.branches.flush();
    assert.ok(fs.existsSync(path.join(branchesDir(), 'draft.md.json')));
    const renamed = vscode.Uri.file(path.join(workspaceDir(), 'draft-2.md'));
    const edit = new vscode.WorkspaceEdit();
    edit.renameFile(doc.uri, renamed);
    assert.ok(await vscode.workspace.applyEdit(edit));
    await waitFor(() => fs.existsSync(path.join(branchesDir(), 'draft-2.md.json')), 'the history under the new name');
    await inkling.writing.branches.flush();
    assert.ok(!fs.existsSync(path.join(branchesDir(), 'draft.md.json')), 'not under the old one');
    const moved = JSON.parse(fs.readFileSync(path.join(branchesDir(), 'draft-2.md.json'), 'utf8')) as { document: string; places: { branches: { text: string }[] }[] };
    assert.strictEqual(moved.document, 'draft-2.md');
    assert.strictEqual(moved.places[0]!.branches[0]!.text, r.text);

    // Clear Branch History…: Escape forgets nothing; choosing this document forgets its history.
    const renamedDoc = await vscode.workspace.openTextDocument(renamed);
    await vscode.window.showTextDocument(renamedDoc);
    let clearing = vscode.commands.executeCommand('inkling.clearBranches');
    await ui.waitForSelector(ROWS, { timeout: 10_000 });
    await ui.press('Escape');
    await clearing;
    assert.ok(fs.existsSync(path.join(branchesDir(), 'draft-2.md.json')), 'Escape: kept');
    clearing = vscode.commands.executeCommand('inkling.clearBranches');
    await ui.waitForSelector(ROWS, { timeout: 10_000 });
    const offered = await ui.evaluate<string[]>(`Array.from(document.querySelectorAll(${JSON.stringify(ROWS)})).map((r) => r.innerText.trim())`);
    assert.ok(offered[0]!.includes('draft-2.md'), offered.join(' | '));
    await ui.press('Enter');
    await clearing;
    assert.ok(!fs.existsSync(path.join(branchesDir(), 'draft-2.md.json')), 'cleared');
    assert.deepStrictEqual((await inkling.writing.branches.history(renamedDoc))?.places ?? [], []);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    fs.rmSync(renamed.fsPath, { force: true });

    // Untitled: nothing kept, nothing written.
    const untitled = await vscode.workspace.openTextDocument({ language: 'markdown', content: fs.readFileSync(source, 'utf8') });
    const ue = await vscode.window.showTextDocument(untitled);
    const uend = untitled.lineAt(untitled.lineCount - 1).range.end;
    ue.selection = new vscode.Selection(uend, uend);
    const u = (await vscode.commands.executeCommand('inkling.continueWriting')) as ContinueResult;
    assert.strictEqual(u.outcome, 'complete');
    assert.strictEqual(await inkling.writing.branches.history(untitled), null);
    await inkling.writing.branches.flush();
    assert.deepStrictEqual(fs.existsSync(branchesDir()) ? fs.readdirSync(branchesDir()) : [], []);
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });
});

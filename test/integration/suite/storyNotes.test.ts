// Story notes in a real VS Code with the real worker: a note's text reaches the engine when its
// key is typed (ghost text) and when Continue writes, the panel says which notes were read, a
// note made from the selection is keyed by it, and a note linked from outside the workspace is
// never read. The engine's requests are watched by wrapping the worker client's generate.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import type { GenerateParams } from '../../../src/common/generation';
import type { InklingApi } from '../../../src/extension';
import type { ContinueResult } from '../../../src/vscode/commands/continueCommand';
import { uiBridgeOrSkip, waitFor } from './uiBridge';
import { api, config, openAtEnd, workspaceDir, recordRequests } from './writingSupport';

const PANEL = '#inkling-sampling-panel';
const NOTE = 'Zebediah keeps the lighthouse at Netherfield Point and hates the sea.';

interface PageWindow {
  document: { getElementById(id: string): { textContent: string | null } | null };
}

describe('Story notes', function () {
  this.timeout(180_000);
  let inkling: InklingApi;
  const seen: GenerateParams[] = [];
  let restore: (() => void) | undefined;
  const notesDir = () => path.join(workspaceDir(), '.inkling', 'notes');

  before(async function () {
    if (!process.env.INKLING_TEST_MODEL) this.skip();
    inkling = await api();
    await config().update('model.path', process.env.INKLING_TEST_MODEL, vscode.ConfigurationTarget.Global);
    await config().update('sampling.seed', 7, vscode.ConfigurationTarget.Global);
    await config().update('continue.lines', 2, vscode.ConfigurationTarget.Global);
    fs.mkdirSync(notesDir(), { recursive: true });
    fs.writeFileSync(path.join(notesDir(), 'Zebediah.md'), `---\nkeys: [Zebediah, the keeper]\n---\n${NOTE}\n`);
    fs.writeFileSync(path.join(notesDir(), 'Tone.md'), '---\nalways: false\nkeys: [Marianne]\n---\nMarianne is seventeen.\n');
    restore = recordRequests(inkling, seen);
  });

  after(async () => {
    restore?.();
    fs.rmSync(path.join(workspaceDir(), '.inkling'), { recursive: true, force: true });
    await config().update('continue.lines', undefined, vscode.ConfigurationTarget.Global);
    await config().update('inline.enabled', undefined, vscode.ConfigurationTarget.Global);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('typing a note\'s key puts its text before the passage in the ghost text request, and the panel names it', async function () {
    const ui = uiBridgeOrSkip(this);
    await config().update('inline.enabled', true, vscode.ConfigurationTarget.Global);
    const editor = await openAtEnd('prose.md', ui);
    seen.length = 0;
    await ui.insertText('\n\nThat evening Zebediah said');
    await ui.press('End');
    await vscode.commands.executeCommand('editor.action.inlineSuggest.trigger');
    await waitFor(() => seen.some((p) => p.caller?.startsWith('ghost:') && p.prompt.endsWith('Zebediah said')), 'a ghost text request for the typed text', 30_000);
    const ghost = seen.filter((p) => p.caller?.startsWith('ghost:')).at(-1)!;
    assert.strictEqual(ghost.notes, `${NOTE}\n\n`, 'the note, whole, goes with the request');
    assert.ok(!ghost.prompt.includes(NOTE), 'the note is not part of the document text sent');
    assert.deepStrictEqual(inkling.engine.storyNotes?.lastUse?.used, ['Zebediah']);

    await vscode.commands.executeCommand('inkling.openSamplingSettings');
    await ui.frameAction(PANEL, '#notes-used', 'waitFor', 'visible', { timeout: 20_000 });
    const shown = await ui.frameEval(PANEL, () => (globalThis as unknown as PageWindow).document.getElementById('notes-used')?.textContent ?? '');
    assert.match(shown, /Story notes in the last suggestion: Zebediah/);
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
    await vscode.window.showTextDocument(editor.document);
    await config().update('inline.enabled', false, vscode.ConfigurationTarget.Global);
    await vscode.commands.executeCommand('workbench.action.files.revert');
  });

  it('ghost text reads the notes a key calls for further back than its prompt reaches', async function () {
    const file = path.join(workspaceDir(), 'notes-far.md');
    const filler = 'The rain fell on the grey roofs of the town, and the gulls cried over the harbour.\n\n'.repeat(18);
    fs.writeFileSync(file, `Zebediah climbed the stairs at dusk.\n\n${filler}She said`);
    await config().update('inline.enabled', true, vscode.ConfigurationTarget.Global);
    try {
      const doc = await vscode.workspace.openTextDocument(file);
      const editor = await vscode.window.showTextDocument(doc);
      const end = doc.lineAt(doc.lineCount - 1).range.end;
      editor.selection = new vscode.Selection(end, end);
      seen.length = 0;
      await vscode.commands.executeCommand('editor.action.inlineSuggest.trigger');
      await waitFor(() => seen.some((p) => p.caller?.startsWith('ghost:')), 'a ghost text request', 30_000);
      const ghost = seen.find((p) => p.caller?.startsWith('ghost:'))!;
      assert.ok(doc.getText().indexOf('Zebediah') < doc.getText().length - 1200, 'the key stands more than 1,200 characters back');
      assert.ok(!ghost.prompt.includes('Zebediah'), `the prompt (${ghost.prompt.length} characters) does not reach it`);
      assert.strictEqual(ghost.notes, `${NOTE}\n\n`, 'the note goes with the request all the same');
      assert.strictEqual((ghost as { notesText?: string }).notesText, undefined, 'the text the notes were looked for in is not sent to the engine');
    } finally {
      await config().update('inline.enabled', false, vscode.ConfigurationTarget.Global);
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
      fs.rmSync(file, { force: true });
    }
  });

  it('Continue reads the notes the text calls for and no others', async function () {
    const ui = uiBridgeOrSkip(this);
    const editor = await openAtEnd('prose.md', ui);
    await editor.edit((e) => e.insert(editor.document.lineAt(editor.document.lineCount - 1).range.end, '\n\nThe keeper looked at Marianne.'));
    const end = editor.document.lineAt(editor.document.lineCount - 1).range.end;
    editor.selection = new vscode.Selection(end, end);
    seen.length = 0;
    const result = (await vscode.commands.executeCommand('inkling.continueWriting')) as ContinueResult;
    assert.strictEqual(result.outcome, 'complete', 'Continue ran');
    const sent = seen.find((p) => p.caller?.startsWith('command:'));
    assert.ok(sent, 'Continue asked the engine');
    assert.strictEqual(sent.notes, `Marianne is seventeen.\n\n${NOTE}\n\n`, 'both notes, in their fixed order (by name)');
    await vscode.commands.executeCommand('workbench.action.files.revert');

    // Text without a key: no notes.
    const plain = await openAtEnd('poem.md', ui);
    seen.length = 0;
    await vscode.commands.executeCommand('inkling.continueWriting');
    assert.strictEqual(seen.find((p) => p.caller?.startsWith('command:'))?.notes, undefined);
    assert.deepStrictEqual(inkling.engine.storyNotes?.lastUse?.used, []);
    await vscode.window.showTextDocument(plain.document);
    await vscode.commands.executeCommand('workbench.action.files.revert');
  });

  it('New Story Note from Selection makes a note keyed by the selected name, and it is used at once', async function () {
    const ui = uiBridgeOrSkip(this);
    const editor = await openAtEnd('prose.md', ui);
    const text = editor.document.getText();
    const at = text.indexOf('Netherfield Park');
    editor.selection = new vscode.Selection(editor.document.positionAt(at), editor.document.positionAt(at + 'Netherfield Park'.length));
    await vscode.commands.executeCommand('inkling.newStoryNote');
    const file = path.join(notesDir(), 'Netherfield Park.md');
    await waitFor(() => fs.existsSync(file), 'the note file', 10_000);
    assert.match(fs.readFileSync(file, 'utf8'), /^---\nkeys: \[Netherfield Park\]\n/);
    assert.strictEqual(vscode.window.activeTextEditor?.document.uri.fsPath, file, 'the note is open to fill in');
    await vscode.window.activeTextEditor!.edit((e) => e.insert(vscode.window.activeTextEditor!.selection.end, 'a large house, let at last.'));
    await vscode.window.activeTextEditor!.document.save();
    // The watcher drops the cached notes; the next request reads the new one.
    await waitFor(async () => {
      const notes = await inkling.engine.storyNotes!.notesFor(editor.document.uri);
      return notes?.some((n) => n.name === 'Netherfield Park' && n.body.endsWith('let at last.')) ?? false;
    }, 'the new note to be read', 10_000);
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });

  it('a note linked from outside the workspace is never read', async function () {
    const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'inkling-outside-'));
    fs.writeFileSync(path.join(outside, 'Secret.md'), '---\nkeys: [Netherfield]\n---\nSECRET FROM OUTSIDE\n');
    fs.symlinkSync(path.join(outside, 'Secret.md'), path.join(notesDir(), 'Secret.md'));
    fs.symlinkSync(outside, path.join(notesDir(), 'linked-folder'));
    try {
      const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(path.join(workspaceDir(), 'prose.md')));
      inkling.engine.storyNotes!.reload();
      const notes = (await inkling.engine.storyNotes!.notesFor(doc.uri))!;
      assert.ok(notes.some((n) => n.name === 'Zebediah'), 'the notes inside are read');
      assert.ok(!notes.some((n) => n.body.includes('SECRET')), `nothing from outside: ${notes.map((n) => n.name).join(', ')}`);
    } finally {
      fs.rmSync(path.join(notesDir(), 'Secret.md'), { force: true });
      fs.rmSync(path.join(notesDir(), 'linked-folder'), { force: true });
      fs.rmSync(outside, { recursive: true, force: true });
    }
  });
});

// Smoke test of the integration harness itself: a real VS Code 1.100 with the fixture workspace,
// real key presses reaching the editor through the UI bridge, a screenshot as an artefact.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { artifactsDir, getUiBridge, uiBridgeOrSkip, waitFor } from './uiBridge';

interface PageGlobals {
  document: { querySelector(selector: string): { textContent: string | null } | null };
}

const TYPED = 'Typed through the UI bridge, key by key.';

describe('Harness', function () {
  let poem: vscode.TextDocument;

  after(async () => {
    // Leave nothing dirty behind (the workspace is a per-run copy anyway, hot exit is off).
    if (poem?.isDirty) {
      await vscode.window.showTextDocument(poem);
      await vscode.commands.executeCommand('workbench.action.files.revert');
    }
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('runs in VS Code 1.100 with the fixture workspace open', () => {
    assert.ok(vscode.version.startsWith('1.100'), `vscode.version is ${vscode.version}, expected 1.100.x`);
    const folders = vscode.workspace.workspaceFolders ?? [];
    assert.strictEqual(folders.length, 1, 'exactly one workspace folder is open');
    for (const f of ['poem.md', 'prose.md', 'notes.txt', 'code.md']) {
      assert.ok(fs.existsSync(path.join(folders[0].uri.fsPath, f)), `${f} is in the workspace ${folders[0].uri.fsPath}`);
    }
    if (process.env.INKLING_TEST_WORKSPACE) {
      assert.strictEqual(folders[0].uri.fsPath, process.env.INKLING_TEST_WORKSPACE, 'the workspace is the per-run copy');
    }
  });

  it('has the extension under test loaded', function () {
    const ids = (process.env.INKLING_TEST_EXTENSION_ID ?? '').split(',').filter(Boolean);
    const dir = process.env.INKLING_TEST_EXTENSION_DIR;
    if (ids.length === 0 && !dir) this.skip(); // a runner that does not say which extension it tests
    for (const id of ids) assert.ok(vscode.extensions.getExtension(id), `extension ${id} is loaded`);
    if (dir) {
      const ext = vscode.extensions.all.find((e) => path.resolve(e.extensionPath) === path.resolve(dir));
      assert.ok(ext, `no loaded extension has its folder at ${dir}`);
      if (ids.length) assert.strictEqual(ext.id.toLowerCase(), ids[0].toLowerCase());
    }
  });

  it('opens poem.md as Markdown', async () => {
    const folder = vscode.workspace.workspaceFolders![0];
    poem = await vscode.workspace.openTextDocument(vscode.Uri.joinPath(folder.uri, 'poem.md'));
    const editor = await vscode.window.showTextDocument(poem);
    if (poem.isDirty) await vscode.commands.executeCommand('workbench.action.files.revert'); // left so by an earlier test
    assert.strictEqual(vscode.window.activeTextEditor, editor);
    assert.strictEqual(poem.languageId, 'markdown');
    assert.match(poem.getText(), /^Shall I compare thee to a summer's day\?$/m);
    assert.strictEqual(poem.isDirty, false);
  });

  it('types into the editor through the UI bridge', async function () {
    const ui = uiBridgeOrSkip(this);
    const editor = vscode.window.activeTextEditor;
    assert.ok(editor && editor.document === poem, 'poem.md is the active editor');

    // Cursor at the very end, editor focused in the page.
    const end = poem.lineAt(poem.lineCount - 1).range.end;
    editor.selection = new vscode.Selection(end, end);
    await vscode.commands.executeCommand('workbench.action.focusActiveEditorGroup');
    await ui.waitForSelector('.editor-instance .monaco-editor.focused', { timeout: 10_000 });

    const before = poem.getText();
    await ui.press('Enter');
    await ui.type(TYPED);

    const expected = before + '\n' + TYPED;
    await waitFor(() => poem.getText() === expected, 'the typed text to reach the document', 10_000).catch(() => {
      assert.strictEqual(poem.getText(), expected, 'document text after typing');
    });
    assert.strictEqual(poem.isDirty, true, 'typing made the document dirty');
    const pos = editor.selection.active;
    assert.deepStrictEqual([pos.line, pos.character], [poem.lineCount - 1, TYPED.length], 'cursor sits after the typed text');

    // And the page shows it (the editor renders spaces as non-breaking spaces).
    const shown = (await ui.innerText('.editor-instance .monaco-editor .view-lines')).replace(/\u00a0/g, ' ');
    assert.ok(shown.includes(TYPED), `the editor DOM shows the typed line; it shows:\n${shown.slice(-400)}`);

    const file = await ui.screenshot('harness-typed');
    assert.strictEqual(path.dirname(file), artifactsDir());
    assert.ok(fs.statSync(file).size > 10_000, `screenshot ${file} has content`);
  });

  it('reads the DOM and evaluates in the page through the UI bridge', async function () {
    const ui = getUiBridge();
    if (!ui) this.skip();
    const tabs = await ui!.count('.tabs-container .tab');
    assert.ok(tabs >= 1, `at least one editor tab is shown (found ${tabs})`);
    // The function runs in the page (no DOM types in this project's tsconfig, hence the cast).
    const title = await ui!.evaluate(
      (sel: string) => (globalThis as unknown as PageGlobals).document.querySelector(sel)?.textContent ?? null,
      '.tabs-container .tab.active .label-name',
    );
    assert.strictEqual(title, 'poem.md');
    await assert.rejects(ui!.waitForSelector('.no-such-element-anywhere', { timeout: 200 }), /Timeout|waiting/i);
  });
});

// Who wrote what in a real VS Code with the real worker (stories260K, fp32, a fixed seed): Toggle
// Who Wrote What shades Inkling's text in the editor and the shading follows edits (above: moved;
// inside: edited); the status bar's hover gives the share; Export Disclosure writes the summary;
// with the provenance log on, the ranges are kept on save, found again after the file was edited
// elsewhere, and follow a rename. Screenshots in light and dark themes.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { InklingApi } from '../../../src/extension';
import type { ContinueResult } from '../../../src/vscode/commands/continueCommand';
import { sharePercent } from '../../../src/writing/history/authorship';
import { uiBridgeOrSkip, waitFor, type UiBridge } from './uiBridge';
import { config, continueAtEndOf, openAtEnd, workspaceDir, commandsWithTestModel, inEachTheme } from './writingSupport';

const OVERLAYS = '.editor-instance .monaco-editor .view-overlays .cdr';

describe('Who wrote what', function () {
  this.timeout(150_000);
  let inkling: InklingApi;

  before(async function () {
    if (!process.env.INKLING_TEST_MODEL) this.skip();
    inkling = await commandsWithTestModel({ continueLines: 2 });
  });

  afterEach(async () => {
    for (const doc of vscode.workspace.textDocuments) {
      if (doc.isDirty && !doc.isUntitled) {
        await vscode.window.showTextDocument(doc);
        await vscode.commands.executeCommand('workbench.action.files.revert');
      }
    }
    for (const key of ['authorship.highlight', 'provenance.enabled']) await config().update(key, undefined, vscode.ConfigurationTarget.Global);
    await vscode.workspace.getConfiguration('workbench').update('colorTheme', undefined, vscode.ConfigurationTarget.Global);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  after(async () => {
    await vscode.commands.executeCommand('notifications.clearAll');
    for (const key of ['model.dtype', 'inline.enabled', 'continue.lines']) await config().update(key, undefined, vscode.ConfigurationTarget.Global);
    await vscode.workspace.getConfiguration('files').update('autoSave', undefined, vscode.ConfigurationTarget.Global);
    fs.rmSync(path.join(workspaceDir(), '.inkling'), { recursive: true, force: true });
  });

  /** The hover of Inkling's status bar item, shown by moving the mouse over it. */
  async function statusHover(ui: UiBridge): Promise<string> {
    await ui.hover('.part.statusbar [aria-label^="Inkling"]');
    return waitFor(async () => {
      const t = await ui.innerText('.monaco-hover:not(.hidden)').catch(() => '');
      return /Inkling wrote/.test(t) ? t : '';
    }, 'the status bar hover with the share', 10_000);
  }

  it('shades Inkling\'s text when turned on; the shading moves with an edit above and turns "edited" with one inside; the hover gives the share', async function () {
    const ui = uiBridgeOrSkip(this);
    const editor = await openAtEnd('poem.md', ui);
    const doc = editor.document;
    const before = doc.getText();
    const r = (await vscode.commands.executeCommand('inkling.continueWriting')) as ContinueResult;
    assert.strictEqual(r.outcome, 'complete');
    const spans = () => inkling.writing.authorship.spansOf(doc)?.spans ?? [];
    assert.deepStrictEqual(spans().map((s) => [s.start, s.end, s.edited, s.command]), [[before.length, before.length + r.text!.length, false, 'continue']]);
    const off = await ui.count(OVERLAYS);
    assert.strictEqual(await vscode.commands.executeCommand('inkling.toggleAuthorship'), true, 'turned on');
    await waitFor(async () => (await ui.count(OVERLAYS)) > off, 'Inkling\'s text shaded');

    // Above: a heading line moves the passage, which stays as written.
    await editor.edit((b) => b.insert(new vscode.Position(0, 0), 'Draft\n'));
    await waitFor(() => spans()[0]?.start === before.length + 6, 'the range to move');
    assert.strictEqual(spans()[0]!.edited, false);
    assert.strictEqual(doc.getText(new vscode.Range(doc.positionAt(spans()[0]!.start), doc.positionAt(spans()[0]!.end))), r.text, 'the range holds the passage still');
    const share = inkling.writing.authorship.shareOf(doc)!;
    assert.deepStrictEqual(share, { total: doc.getText().length, asWritten: r.text!.length, edited: 0 });
    const hover = await statusHover(ui);
    assert.ok(hover.includes(`Inkling wrote ${sharePercent(r.text!.length, doc.getText().length)} of this document`), hover);
    await ui.screenshot('authorship-status-hover');
    await ui.press('Escape');

    // Inside: the writer changes a word; the passage is Inkling's, edited.
    const at = doc.positionAt(spans()[0]!.start + 3);
    editor.selection = new vscode.Selection(at, at);
    await vscode.commands.executeCommand('workbench.action.focusActiveEditorGroup');
    await ui.type('XY');
    await waitFor(() => doc.getText().includes('XY') && spans()[0]?.edited === true, 'the passage marked edited');
    assert.strictEqual(spans()[0]!.end - spans()[0]!.start, r.text!.length + 2);
    assert.strictEqual(await vscode.commands.executeCommand('inkling.toggleAuthorship'), false, 'turned off');
    await waitFor(async () => (await ui.count(OVERLAYS)) <= off, 'the shading gone');
  });

  it('a Continue undone and redone is Inkling\'s text again, as written', async function () {
    const ui = uiBridgeOrSkip(this);
    const editor = await openAtEnd('poem.md', ui);
    const doc = editor.document;
    const r = (await vscode.commands.executeCommand('inkling.continueWriting')) as ContinueResult;
    assert.strictEqual(r.outcome, 'complete');
    const text = r.text ?? assert.fail('Continue wrote nothing');
    const passage = () => inkling.writing.authorship.spansOf(doc)?.spans.map((s) => [doc.getText().slice(s.start, s.end), s.edited]);
    assert.deepStrictEqual(passage(), [[text, false]]);
    await vscode.commands.executeCommand('undo');
    await waitFor(() => !doc.getText().includes(text), 'the passage undone');
    assert.deepStrictEqual(passage(), []);
    await vscode.commands.executeCommand('redo');
    await waitFor(() => doc.getText().includes(text), 'the passage redone');
    assert.deepStrictEqual(passage(), [[text, false]], 'Inkling\'s, as written — not the writer\'s');
  });

  it('a change of line endings (CRLF ⇄ LF) keeps Inkling\'s passages on their text, as written', async function () {
    const ui = uiBridgeOrSkip(this);
    const editor = await openAtEnd('poem.md', ui);
    const doc = editor.document;
    await editor.edit((b) => b.setEndOfLine(vscode.EndOfLine.CRLF));
    const r = (await vscode.commands.executeCommand('inkling.continueWriting')) as ContinueResult;
    assert.strictEqual(r.outcome, 'complete');
    const text = r.text ?? assert.fail('Continue wrote nothing');
    const passage = () => inkling.writing.authorship.spansOf(doc)?.spans.map((s) => [doc.getText().slice(s.start, s.end), s.edited]);
    assert.deepStrictEqual(passage(), [[text.replace(/\r?\n/g, '\r\n'), false]]);
    const seen: number[] = [];
    const listener = vscode.workspace.onDidChangeTextDocument((e) => e.document === doc && seen.push(e.contentChanges.length));
    try {
      await editor.edit((b) => b.setEndOfLine(vscode.EndOfLine.LF));
      await waitFor(() => doc.eol === vscode.EndOfLine.LF && seen.length > 0, 'the line endings changed');
      assert.deepStrictEqual(passage(), [[text.replace(/\r\n/g, '\n'), false]], `LF (change events: ${seen.join(', ')} content changes)`);
      await editor.edit((b) => b.setEndOfLine(vscode.EndOfLine.CRLF));
      await waitFor(() => doc.eol === vscode.EndOfLine.CRLF, 'back to CRLF');
      assert.deepStrictEqual(passage(), [[text.replace(/\r?\n/g, '\r\n'), false]], 'and back');
    } finally {
      listener.dispose();
    }
  });

  it('looks right in light and dark themes: a passage as written and one edited (screenshots)', async function () {
    const ui = uiBridgeOrSkip(this);
    await config().update('authorship.highlight', true, vscode.ConfigurationTarget.Global);
    const editor = await openAtEnd('prose.md', ui);
    const doc = editor.document;
    await ui.press('Enter');
    await waitFor(() => doc.getText().endsWith('\n\n'), 'a new paragraph');
    const first = (await vscode.commands.executeCommand('inkling.continueWriting')) as ContinueResult;
    assert.strictEqual(first.outcome, 'complete');
    const end = doc.lineAt(doc.lineCount - 1).range.end;
    await editor.edit((b) => b.insert(end, '\n\nMy own sentence between them.\n\n'));
    const tail = doc.lineAt(doc.lineCount - 1).range.end;
    editor.selection = new vscode.Selection(tail, tail);
    const second = (await vscode.commands.executeCommand('inkling.continueWriting')) as ContinueResult;
    assert.strictEqual(second.outcome, 'complete');
    // The writer edits the first passage.
    await editor.edit((b) => b.insert(doc.positionAt(first.offset! + 4), 'very '));
    await waitFor(() => inkling.writing.authorship.spansOf(doc)?.spans.some((s) => s.edited), 'one passage edited');
    editor.revealRange(new vscode.Range(doc.positionAt(first.offset!), tail), vscode.TextEditorRevealType.InCenter);
    await inEachTheme(ui, async (name) => {
      await new Promise((r) => setTimeout(r, 400));
      await ui.screenshot(`authorship-${name}`);
    });
  });

  it('Export Disclosure writes the share, the model, the date and the passages', async function () {
    const ui = uiBridgeOrSkip(this);
    const editor = await openAtEnd('poem.md', ui);
    const doc = editor.document;
    const before = doc.getText();
    const r = (await vscode.commands.executeCommand('inkling.continueWriting')) as ContinueResult;
    assert.strictEqual(r.outcome, 'complete');
    const out = (await vscode.commands.executeCommand('inkling.exportDisclosure')) as vscode.TextDocument;
    assert.ok(out && out.isUntitled && out.languageId === 'markdown', 'a Markdown document to save');
    const md = out.getText();
    const total = doc.getText().length;
    assert.match(md, /^# AI writing disclosure: poem\.md$/m);
    assert.ok(md.includes(`**Share written by the model:** ${sharePercent(r.text!.length, total)} of ${total.toLocaleString('en')} characters`), md);
    assert.match(md, /\*\*Model:\*\* stories260K/);
    assert.ok(md.includes(`**Dates:** ${new Date().toISOString().slice(0, 10)}`), md);
    const firstLine = before.split('\n').length;
    assert.match(md, new RegExp(`^\\| ${firstLine}(–\\d+)? \\| \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d \\| Continue \\| stories260K \\| as written \\|$`, 'm'));
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });

  it('with the provenance log: kept on save, found again after an edit made elsewhere, and moved with a rename', async function () {
    uiBridgeOrSkip(this);
    await config().update('provenance.enabled', true, vscode.ConfigurationTarget.Global);
    const dir = path.join(workspaceDir(), '.inkling', 'authorship');
    const file = path.join(workspaceDir(), 'kept.md');
    fs.copyFileSync(path.join(workspaceDir(), 'poem.md'), file);
    let doc = await vscode.workspace.openTextDocument(file);
    const editor = await vscode.window.showTextDocument(doc);
    const end = doc.lineAt(doc.lineCount - 1).range.end;
    editor.selection = new vscode.Selection(end, end);
    const r = (await vscode.commands.executeCommand('inkling.continueWriting')) as ContinueResult;
    assert.strictEqual(r.outcome, 'complete');
    await doc.save();
    await inkling.writing.authorship.ready(doc);
    const stored = JSON.parse(fs.readFileSync(path.join(dir, 'kept.md.json'), 'utf8')) as { document: string; spans: { text: string; start: number }[] };
    assert.strictEqual(stored.document, 'kept.md');
    assert.deepStrictEqual(stored.spans.map((s) => s.text), [r.text]);
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');

    // Edited elsewhere while closed: a line above. Reopened, the passage is found where it went.
    fs.writeFileSync(file, `Epigraph, added in another editor.\n${fs.readFileSync(file, 'utf8')}`);
    doc = await vscode.workspace.openTextDocument(file);
    await vscode.window.showTextDocument(doc);
    // VS Code may still hold the closed document, and reads the file again when it hears of the change.
    await waitFor(() => doc.getText().startsWith('Epigraph'), 'the document as it is on disk');
    await inkling.writing.authorship.ready(doc);
    const spans = (await waitFor(() => inkling.writing.authorship.spansOf(doc)?.spans.filter((s) => s.start === r.offset! + 35).length ? inkling.writing.authorship.spansOf(doc)!.spans : null, 'the passage where it went'))!;
    assert.strictEqual(spans.length, 1);
    assert.strictEqual(doc.getText(new vscode.Range(doc.positionAt(spans[0]!.start), doc.positionAt(spans[0]!.end))), r.text);
    assert.strictEqual(spans[0]!.start, r.offset! + 'Epigraph, added in another editor.\n'.length);

    // Renamed: the ranges and the log's records (under the old name) go with it.
    const renamed = vscode.Uri.file(path.join(workspaceDir(), 'kept-2.md'));
    const edit = new vscode.WorkspaceEdit();
    edit.renameFile(doc.uri, renamed);
    assert.ok(await vscode.workspace.applyEdit(edit));
    await waitFor(() => fs.existsSync(path.join(dir, 'kept-2.md.json')), 'the ranges under the new name');
    const moved = JSON.parse(fs.readFileSync(path.join(dir, 'kept-2.md.json'), 'utf8')) as { document: string; formerNames: string[] };
    assert.strictEqual(moved.document, 'kept-2.md');
    assert.deepStrictEqual(moved.formerNames, ['kept.md']);
    assert.ok(!fs.existsSync(path.join(dir, 'kept.md.json')));
    const renamedDoc = await vscode.workspace.openTextDocument(renamed);
    await vscode.window.showTextDocument(renamedDoc);
    const out = (await vscode.commands.executeCommand('inkling.exportDisclosure')) as vscode.TextDocument;
    assert.match(out.getText(), /^# AI writing disclosure: kept-2\.md$/m);
    assert.match(out.getText(), /from its provenance log/, 'the log\'s records under the old name count');
    assert.match(out.getText(), /\| Continue \| stories260K \| as written \|/);
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    fs.rmSync(renamed.fsPath, { force: true });
  });

  it('a renamed folder takes the ranges of the documents in it along', async function () {
    uiBridgeOrSkip(this);
    await config().update('provenance.enabled', true, vscode.ConfigurationTarget.Global);
    const dir = path.join(workspaceDir(), '.inkling', 'authorship');
    const chapters = path.join(workspaceDir(), 'chapters');
    fs.mkdirSync(chapters, { recursive: true });
    const file = path.join(chapters, 'one.md');
    fs.copyFileSync(path.join(workspaceDir(), 'poem.md'), file);
    try {
      const { doc, text } = await continueAtEndOf(file, { save: true });
      await inkling.writing.authorship.ready(doc);
      assert.ok(fs.existsSync(path.join(dir, 'chapters%2Fone.md.json')));
      const edit = new vscode.WorkspaceEdit();
      edit.renameFile(vscode.Uri.file(chapters), vscode.Uri.file(path.join(workspaceDir(), 'part1')));
      assert.ok(await vscode.workspace.applyEdit(edit));
      await waitFor(() => fs.existsSync(path.join(dir, 'part1%2Fone.md.json')), 'the ranges under the folder\'s new name');
      assert.ok(!fs.existsSync(path.join(dir, 'chapters%2Fone.md.json')));
      const moved = JSON.parse(fs.readFileSync(path.join(dir, 'part1%2Fone.md.json'), 'utf8')) as { document: string; formerNames: string[]; spans: { text: string }[] };
      assert.strictEqual(moved.document, 'part1/one.md');
      assert.deepStrictEqual(moved.formerNames, ['chapters/one.md']);
      assert.deepStrictEqual(moved.spans.map((s) => s.text), [text]);
      const reopened = await vscode.workspace.openTextDocument(path.join(workspaceDir(), 'part1', 'one.md'));
      await inkling.writing.authorship.ready(reopened);
      assert.deepStrictEqual(inkling.writing.authorship.spansOf(reopened)?.spans.map((s) => reopened.getText().slice(s.start, s.end)), [text]);
    } finally {
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
      for (const d of ['chapters', 'part1']) fs.rmSync(path.join(workspaceDir(), d), { recursive: true, force: true });
    }
  });

  it('a document whose path is too long to name a file after (a Chinese title) keeps its ranges, and its folder\'s rename takes them along', async function () {
    uiBridgeOrSkip(this);
    await config().update('provenance.enabled', true, vscode.ConfigurationTarget.Global);
    const dir = path.join(workspaceDir(), '.inkling', 'authorship');
    // 40 characters: 120 bytes on disk, 360 once percent-encoded — more than a file name may have.
    const title = `${'春眠不觉晓处处闻啼鸟夜来风雨声花落知多少'.repeat(2)}.md`;
    const folder = path.join(workspaceDir(), '诗集');
    fs.mkdirSync(folder, { recursive: true });
    const file = path.join(folder, title);
    fs.copyFileSync(path.join(workspaceDir(), 'poem.md'), file);
    const storedFor = (document: string) => fs.readdirSync(dir).find((f) => f.includes('%%') && (JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as { document: string }).document === document);
    try {
      const { doc, text } = await continueAtEndOf(file, { save: true });
      await inkling.writing.authorship.ready(doc);
      const first = await waitFor(() => (fs.existsSync(dir) ? storedFor(`诗集/${title}`) : undefined), 'the ranges stored under a shortened, hashed name');
      assert.ok(Buffer.byteLength(first!) <= 200, first);
      const edit = new vscode.WorkspaceEdit();
      edit.renameFile(vscode.Uri.file(folder), vscode.Uri.file(path.join(workspaceDir(), '新诗集')));
      assert.ok(await vscode.workspace.applyEdit(edit));
      await waitFor(() => storedFor(`新诗集/${title}`), 'the ranges under the folder\'s new name');
      assert.strictEqual(storedFor(`诗集/${title}`), undefined, 'and not under the old one');
      const reopened = await vscode.workspace.openTextDocument(path.join(workspaceDir(), '新诗集', title));
      await inkling.writing.authorship.ready(reopened);
      assert.deepStrictEqual(inkling.writing.authorship.spansOf(reopened)?.spans.map((s) => reopened.getText().slice(s.start, s.end)), [text]);
    } finally {
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
      for (const d of ['诗集', '新诗集']) fs.rmSync(path.join(workspaceDir(), d), { recursive: true, force: true });
    }
  });
});

// Word alternatives in a real VS Code with the real worker (stories260K, fp32, a fixed seed):
// with the setting off nothing is asked of the engine; with it on, Continue's words keep their
// alternatives, the hover lists them, clicking one rewrites the rest of the passage exactly as the
// CLI continues from the chosen word (one undo step), an edit inside the passage forgets them,
// ghost text taken with Tab gets them too, Choose Another Word works from the keyboard, and
// unlikely words are shaded. Screenshots of the hover and the shading in light and dark themes.
import * as assert from 'assert';
import * as vscode from 'vscode';
import type { GenerateParams } from '../../../src/common/generation';
import type { InklingApi } from '../../../src/extension';
import { choiceLabelAt, continuationAfterChoice, offeredAlternatives, planWordChoice, type ChoiceInsertion, type ChoiceUnit } from '../../../src/writing/history/wordChoices';
import type { ChoiceDetail } from '../../../src/vscode/history/wordChoices';
import type { ContinueResult } from '../../../src/vscode/commands/continueCommand';
import { uiBridgeOrSkip, waitFor, type UiBridge } from './uiBridge';
import { cliInsertion, config, openAtEnd, ROWS, SEED, undoRestores, commandsWithTestModel, inEachTheme, recordRequests } from './writingSupport';

const HOVER = '.monaco-hover:not(.hidden) .hover-contents';
const GHOST = '.monaco-editor .ghost-text-decoration, .monaco-editor .ghost-text';

describe('Word alternatives', function () {
  this.timeout(150_000);
  let inkling: InklingApi;
  const seen: GenerateParams[] = [];
  let restore: (() => void) | undefined;

  before(async function () {
    if (!process.env.INKLING_TEST_MODEL) this.skip();
    inkling = await commandsWithTestModel();
    restore = recordRequests(inkling, seen);
  });

  afterEach(async () => {
    await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
    await vscode.commands.executeCommand('editor.action.hideHover').then(undefined, () => undefined);
    for (const doc of vscode.workspace.textDocuments) {
      if (doc.isDirty) {
        await vscode.window.showTextDocument(doc);
        await vscode.commands.executeCommand('workbench.action.files.revert');
      }
    }
    for (const key of ['alternatives.wordChoices', 'alternatives.shadeBelow', 'inline.enabled', 'continue.lines']) await config().update(key, undefined, vscode.ConfigurationTarget.Global);
    await vscode.workspace.getConfiguration('workbench').update('colorTheme', undefined, vscode.ConfigurationTarget.Global);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  after(async () => {
    restore?.();
    await vscode.commands.executeCommand('notifications.clearAll');
    await config().update('model.dtype', undefined, vscode.ConfigurationTarget.Global);
    await config().update('inline.enabled', undefined, vscode.ConfigurationTarget.Global);
    await vscode.workspace.getConfiguration('files').update('autoSave', undefined, vscode.ConfigurationTarget.Global);
  });

  /** Continue at the end of a fixture (after a new paragraph in prose); the insertion and its word choices. */
  async function continueWithChoices(ui: UiBridge, name = 'prose.md'): Promise<{ editor: vscode.TextEditor; before: string; after: string; insertion: ChoiceInsertion<ChoiceDetail> }> {
    await config().update('alternatives.wordChoices', true, vscode.ConfigurationTarget.Global);
    const editor = await openAtEnd(name, ui);
    const doc = editor.document;
    if (name === 'prose.md') {
      await ui.press('Enter');
      await waitFor(() => doc.getText().endsWith('\n\n'), 'the new paragraph');
    }
    const before = doc.getText();
    const result = (await vscode.commands.executeCommand('inkling.continueWriting')) as ContinueResult;
    assert.strictEqual(result.outcome, 'complete');
    const insertion = inkling.writing.wordChoices.store.list(doc.uri.toString()).find((i) => i.start === before.length);
    assert.ok(insertion, 'the insertion keeps its word choices');
    assert.strictEqual(insertion.text, result.text);
    assert.ok(insertion.units.length >= 3, `${insertion.units.length} words with choices`);
    return { editor, before, after: doc.getText(), insertion };
  }

  /** A word after the first that the model had another real word for. */
  function wordWithChoices(insertion: ChoiceInsertion<ChoiceDetail>): ChoiceUnit {
    const unit = insertion.units.slice(1).find((u) => offeredAlternatives(insertion.spans[u.span]!.token).some((a) => /\w\w/.test(a.text)));
    assert.ok(unit, 'a word with alternatives');
    return unit;
  }

  async function hoverTexts(doc: vscode.TextDocument, position: vscode.Position): Promise<string[]> {
    const hovers = (await vscode.commands.executeCommand('vscode.executeHoverProvider', doc.uri, position)) as vscode.Hover[];
    return hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : 'value' in c ? c.value : '')));
  }

  async function showHoverAt(ui: UiBridge, editor: vscode.TextEditor, position: vscode.Position): Promise<string> {
    editor.selection = new vscode.Selection(position, position);
    editor.revealRange(new vscode.Range(position, position), vscode.TextEditorRevealType.InCenter);
    await vscode.commands.executeCommand('workbench.action.focusActiveEditorGroup');
    await vscode.commands.executeCommand('editor.action.showHover');
    await ui.waitForSelector(HOVER, { timeout: 10_000 });
    return waitFor(async () => {
      const t = await ui.innerText(HOVER).catch(() => '');
      return /could also have written/.test(t) ? t : '';
    }, 'the word alternatives in the hover');
  }

  it('off: no probability is asked of the engine and no word keeps alternatives', async function () {
    const ui = uiBridgeOrSkip(this);
    const editor = await openAtEnd('poem.md', ui);
    seen.length = 0;
    const result = (await vscode.commands.executeCommand('inkling.continueWriting')) as ContinueResult;
    assert.strictEqual(result.outcome, 'complete');
    const sent = seen.filter((p) => p.caller?.startsWith('command:'));
    assert.ok(sent.length >= 1, 'Continue asked the engine');
    assert.ok(sent.every((p) => !p.probabilities), 'no probabilities asked for');
    assert.deepStrictEqual(inkling.writing.wordChoices.store.list(editor.document.uri.toString()), []);
    const inside = editor.document.positionAt((result.offset ?? 0) + 3);
    assert.ok(!(await hoverTexts(editor.document, inside)).some((t) => t.includes('Inkling')), 'no Inkling hover');
  });

  it('on: the hover lists a word\'s alternatives; choosing one rewrites the rest as the CLI continues from it, as one undo step', async function () {
    const ui = uiBridgeOrSkip(this);
    seen.length = 0;
    const { editor, before, after, insertion } = await continueWithChoices(ui);
    const doc = editor.document;
    assert.strictEqual(seen.find((p) => p.caller?.startsWith('command:'))?.probabilities, 8, 'Continue asked for 8 alternatives per token');
    const unit = wordWithChoices(insertion);
    const token = insertion.spans[unit.span]!.token;
    const offered = offeredAlternatives(token);
    const position = doc.positionAt(insertion.start + unit.start + 1);

    const [markdown] = (await hoverTexts(doc, position)).filter((t) => t.includes('Inkling'));
    assert.ok(markdown, 'Inkling answers the hover');
    assert.strictEqual(markdown.match(/\(command:inkling\.chooseWord\?/g)?.length, offered.length, 'a command link per alternative');
    const shown = await showHoverAt(ui, editor, position);
    const word = insertion.text.slice(unit.start, unit.end);
    assert.match(shown, new RegExp(`chose ${word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} here`));
    const before0 = insertion.text.slice(0, insertion.spans[unit.span]!.start);
    for (const a of offered) assert.ok(shown.includes(choiceLabelAt(a.text, before0)), `the hover shows "${choiceLabelAt(a.text, before0)}"`);
    await ui.screenshot('word-choices-hover');

    // What the command must write: the chosen word, then the CLI's continuation from it with the same seed.
    const choice = offered.find((a) => /\w\w/.test(a.text))!;
    const plan = planWordChoice(insertion.text, insertion.spans, unit, choice, before.at(-1)!, insertion.detail);
    const request = continuationAfterChoice({ before: before + plan.keep, chosen: plan.chosen, after: '', atDocumentStart: true, lines: plan.lines, kind: insertion.detail.kind, formConstraint: insertion.detail.formConstraint });
    assert.ok(request.ok);
    // With word alternatives on, the command asks for token probabilities: its lines are chosen for the metre all the same.
    const expected = before + plan.keep + plan.chosen + cliInsertion(request, SEED);

    const index = offered.indexOf(choice);
    await ui.click(`${HOVER} a >> nth=${index}`);
    await waitFor(() => doc.getText() !== after, 'the rewritten passage', 60_000);
    assert.strictEqual(doc.getText(), expected, 'the chosen word, then exactly the CLI\'s continuation from it');
    const rewritten = inkling.writing.wordChoices.store.list(doc.uri.toString()).find((i) => i.start === before.length);
    assert.ok(rewritten && rewritten.text === expected.slice(before.length), 'the rewritten passage keeps word choices');
    const chosenUnit = rewritten.units.find((u) => u.start === unit.start);
    assert.ok(chosenUnit && Math.abs(chosenUnit.probability - choice.probability) < 1e-9, 'the chosen word carries its own probability');
    await undoRestores(doc, after);
  });

  it('an edit inside the passage forgets its alternatives; an edit above moves them', async function () {
    const ui = uiBridgeOrSkip(this);
    const { editor, insertion } = await continueWithChoices(ui);
    const doc = editor.document;
    const unit = wordWithChoices(insertion);
    const key = doc.uri.toString();
    // Above: a word typed at the start of the document moves the passage and its choices.
    const start = insertion.start;
    await editor.edit((b) => b.insert(new vscode.Position(0, 0), 'Draft. '));
    const moved = (await waitFor(() => inkling.writing.wordChoices.store.list(key).find((i) => i.start === start + 7), 'the choices to move with the text'))!;
    const position = doc.positionAt(moved.start + unit.start + 1);
    assert.ok((await hoverTexts(doc, position)).some((t) => t.includes('could also have written')), 'the hover still answers at the moved word');
    // Inside: the writer changes a letter of the passage.
    await editor.edit((b) => b.insert(doc.positionAt(moved.start + unit.start), 'X'));
    await waitFor(() => inkling.writing.wordChoices.store.list(key).length === 0, 'the passage\'s choices to be forgotten');
    assert.ok(!(await hoverTexts(doc, position)).some((t) => t.includes('Inkling')), 'no Inkling hover on edited text');
  });

  it('a change of line endings keeps the passage\'s alternatives, the hover answering on the same word', async function () {
    const ui = uiBridgeOrSkip(this);
    const { editor, insertion } = await continueWithChoices(ui);
    const doc = editor.document;
    const key = doc.uri.toString();
    const unit = wordWithChoices(insertion);
    const word = insertion.text.slice(unit.start, unit.end).trim();
    await editor.edit((b) => b.setEndOfLine(vscode.EndOfLine.CRLF));
    await waitFor(() => doc.eol === vscode.EndOfLine.CRLF, 'CRLF line endings');
    const kept = inkling.writing.wordChoices.store.list(key).find((i) => i.id === insertion.id);
    assert.ok(kept, 'the passage keeps its choices');
    assert.strictEqual(doc.getText().slice(kept.start, kept.start + kept.text.length), kept.text, 'on its own characters');
    const position = doc.positionAt(kept.start + kept.units.find((u) => kept.text.slice(u.start, u.end).trim() === word)!.start + 1);
    assert.ok((await hoverTexts(doc, position)).some((t) => t.includes('could also have written')), 'the hover still answers at the word');
  });

  it('Choose Another Word at the cursor offers the alternatives in a picker and rewrites from the chosen one', async function () {
    const ui = uiBridgeOrSkip(this);
    const { editor, after, insertion } = await continueWithChoices(ui);
    const doc = editor.document;
    const unit = wordWithChoices(insertion);
    const offered = offeredAlternatives(insertion.spans[unit.span]!.token);
    editor.selection = new vscode.Selection(doc.positionAt(insertion.start + unit.start), doc.positionAt(insertion.start + unit.start));
    const run = vscode.commands.executeCommand('inkling.chooseWord');
    await ui.waitForSelector(ROWS, { timeout: 10_000 });
    const rows = await ui.evaluate<string[]>(`Array.from(document.querySelectorAll(${JSON.stringify(ROWS)})).map((r) => r.innerText.replace(/\\u00a0/g, ' ').trim())`);
    assert.strictEqual(rows.length, offered.length, rows.join(' | '));
    assert.ok(rows[0]!.startsWith(choiceLabelAt(offered[0]!.text, insertion.text.slice(0, insertion.spans[unit.span]!.start))), `likeliest first: ${rows[0]}`);
    await ui.press('Enter');
    const result = (await run) as { outcome: string; from: number; written: string };
    assert.strictEqual(result.outcome, 'replaced');
    const plan = planWordChoice(insertion.text, insertion.spans, unit, offered[0]!, after.slice(insertion.start - 1, insertion.start), insertion.detail);
    assert.strictEqual(result.from, insertion.start + plan.keep.length);
    assert.ok(result.written.startsWith(plan.chosen) && plan.chosen.trim(), `begins with the chosen word ${JSON.stringify(plan.chosen)}: ${JSON.stringify(result.written)}`);
    assert.strictEqual(doc.getText().slice(result.from), result.written);
    await undoRestores(doc, after);
  });

  it('ghost text taken with Tab keeps its word choices (asked again with its seed)', async function () {
    const ui = uiBridgeOrSkip(this);
    await config().update('alternatives.wordChoices', true, vscode.ConfigurationTarget.Global);
    await config().update('inline.enabled', true, vscode.ConfigurationTarget.Global);
    const editor = await openAtEnd('prose.md', ui);
    const doc = editor.document;
    await ui.press('Enter');
    await ui.press('Enter');
    await ui.type('The next morning');
    await waitFor(() => doc.getText().endsWith('The next morning'), 'the typed words');
    const before = doc.getText();
    for (let attempt = 0; ; attempt++) {
      await vscode.commands.executeCommand('editor.action.inlineSuggest.trigger');
      try {
        await ui.waitForSelector(GHOST, { timeout: 15_000 });
        break;
      } catch (e) {
        if (attempt >= 1) throw e;
      }
    }
    await ui.press('Tab');
    await waitFor(() => doc.getText() !== before, 'the suggestion inserted');
    const taken = (await waitFor(() => inkling.writing.ghostAcceptance.lastTaken, 'the taken suggestion recorded'))!;
    assert.strictEqual(taken.offset, before.length);
    assert.strictEqual(doc.getText(), before + taken.text);
    const key = doc.uri.toString();
    await Promise.all([...inkling.writing.wordChoices.pending]);
    const kept = inkling.writing.wordChoices.store.list(key).find((i) => i.start === before.length);
    assert.ok(kept && kept.units.length > 0, `the taken suggestion has word choices (${JSON.stringify(inkling.writing.wordChoices.lastMismatch)})`);
    const position = doc.positionAt(kept.start + kept.units[0]!.start);
    assert.ok((await hoverTexts(doc, position)).some((t) => t.includes('Inkling** chose')), 'its words answer the hover');
  });

  it('shades the words the model was unsure of (light and dark screenshots with the hover)', async function () {
    const ui = uiBridgeOrSkip(this);
    await config().update('alternatives.shadeBelow', 0, vscode.ConfigurationTarget.Global);
    const { editor, insertion } = await continueWithChoices(ui, 'poem.md');
    const shaded = () => ui.count('.monaco-editor .view-overlays .cdr');
    await new Promise((r) => setTimeout(r, 300));
    const without = await shaded();
    await config().update('alternatives.shadeBelow', 0.5, vscode.ConfigurationTarget.Global);
    const unsure = insertion.units.filter((u) => u.probability < 0.5).length;
    assert.ok(unsure > 0, 'some words were below 50 %');
    await waitFor(async () => (await shaded()) >= without + Math.min(unsure, 3), `${unsure} shaded words`);
    const unit = wordWithChoices(insertion);
    await inEachTheme(ui, async (name) => {
      await showHoverAt(ui, editor, editor.document.positionAt(insertion.start + unit.start + 1));
      await new Promise((r) => setTimeout(r, 300));
      await ui.screenshot(`word-choices-${name}`);
      await vscode.commands.executeCommand('editor.action.hideHover').then(undefined, () => undefined);
    });
  });
});

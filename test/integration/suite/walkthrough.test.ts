// The Get Started walkthrough in a real VS Code: the command opens it on the Welcome page with
// its steps, and a step's button runs its command (the sample poem opens, the cursor at its end,
// where ghost text offers the next line).
import * as assert from 'assert';
import * as vscode from 'vscode';
import { uiBridgeOrSkip, waitFor } from './uiBridge';
import { api } from './writingSupport';

describe('Get Started walkthrough', function () {
  this.timeout(120_000);

  before(async () => {
    await api();
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('opens with its steps, and the first step\'s button opens the sample poem ready for ghost text', async function () {
    const ui = uiBridgeOrSkip(this);
    await vscode.commands.executeCommand('inkling.getStarted');
    await ui.waitForSelector('.gettingStartedContainer', { timeout: 20_000 });
    await waitFor(async () => ((await ui.innerText('.gettingStartedContainer')) ?? '').includes('Get Started with Inkling'), 'the walkthrough page', 20_000);
    const page = (await ui.innerText('.gettingStartedContainer')) ?? '';
    for (const step of ['See ghost text in a poem', 'Continue This Poem', 'Alternatives and Regenerate', 'Sampling settings', 'Choose a model or a server']) assert.ok(page.includes(step), `step "${step}" is listed`);
    await ui.screenshot('walkthrough');
    // The first step is open: its button runs inkling.openSamplePoem.
    await ui.click('.gettingStartedContainer .getting-started-step.expanded :is(a, button):has-text("Open a Sample Poem")');
    await waitFor(() => vscode.window.activeTextEditor?.document.getText().startsWith('# Sonnet 18') ?? false, 'the sample poem to open', 15_000);
    const editor = vscode.window.activeTextEditor!;
    assert.strictEqual(editor.document.languageId, 'markdown');
    assert.ok(editor.document.isUntitled, 'a new, untitled document: nothing is written to disk');
    const end = editor.document.lineAt(editor.document.lineCount - 1).range.end;
    assert.ok(editor.selection.active.isEqual(end), 'the cursor is at the end, where the next line goes');
  });
});

// Helpers for the writing-command tests (commands.test.ts): fixtures, the CLI as the reference
// writer, and waiting on the editor and the picker.
import * as assert from 'assert';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { GenerateParams, StopReason } from '../../../src/common/generation';
import type { InklingApi } from '../../../src/extension';
import type { TextGenerator } from '../../../src/client/writingEngine';
import { endedByModel } from '../../../src/writing/prompts/commands/commandParams';
import { DEFAULT_FORM_SETTINGS, withForm } from '../../../src/writing/verse/lines/formRequest';
import { buildContinuationRequest, type WritingRequest } from '../../../src/writing/prompts/commands/continuationRequest';
import { buildGhostRequest, ghostPromptChars } from '../../../src/writing/prompts/ghost/ghostRequest';
import { formConstraintFor } from '../../../src/writing/verse/lines/formRequest';
import { waitFor, type UiBridge } from './uiBridge';

export const SEED = 7;
// Full precision: the int8 model quantizes activations per forward pass, so a prompt whose KV
// cache the worker reuses can sample differently from the CLI's fresh run with the same seed.
export const DTYPE = 'fp32';
/**
 * The rows of the quick pick on screen. A hidden quick-input widget keeps the last picker's rows
 * in the DOM until the next picker sets its items, so a count of every row could be satisfied by
 * the previous test's picker (seen: four stale rows counted, then none, then the new four).
 */
export const ROWS = '.quick-input-widget:not([style*="display: none"]) .quick-input-list .monaco-list-row';
export const PROGRESS_CANCEL = '.notification-toast .monaco-button:has-text("Cancel")';

export function repoRoot(): string {
  return process.env.INKLING_TEST_EXTENSION_DIR ?? path.resolve(__dirname, '../../../..');
}

export async function api(): Promise<InklingApi> {
  const ext = vscode.extensions.all.find((e) => e.packageJSON?.name === 'inkling' && e.packageJSON?.publisher === 'inkling');
  assert.ok(ext, 'Inkling is installed');
  return (await ext.activate()) as InklingApi;
}

export const config = () => vscode.workspace.getConfiguration('inkling');

/**
 * The settings the command suites write under: the test model at the tests' precision and seed,
 * no ghost text competing for the worker, no auto-save (a test's text must not reach the disk);
 * `continueLines` when a suite wants a fixed number of lines.
 */
export async function commandsWithTestModel(options: { continueLines?: number } = {}): Promise<InklingApi> {
  const inkling = await api();
  await config().update('sampling.seed', SEED, vscode.ConfigurationTarget.Global);
  await config().update('model.path', process.env.INKLING_TEST_MODEL, vscode.ConfigurationTarget.Global);
  await config().update('model.dtype', DTYPE, vscode.ConfigurationTarget.Global);
  await config().update('inline.enabled', false, vscode.ConfigurationTarget.Global);
  if (options.continueLines !== undefined) await config().update('continue.lines', options.continueLines, vscode.ConfigurationTarget.Global);
  await vscode.workspace.getConfiguration('files').update('autoSave', 'off', vscode.ConfigurationTarget.Global);
  return inkling;
}
export const workspaceDir = () => vscode.workspace.workspaceFolders![0]!.uri.fsPath;

export async function openAtEnd(name: string, ui: UiBridge): Promise<vscode.TextEditor> {
  const folder = vscode.workspace.workspaceFolders![0]!;
  const doc = await vscode.workspace.openTextDocument(vscode.Uri.joinPath(folder.uri, name));
  const editor = await vscode.window.showTextDocument(doc);
  // Start from the fixture as shipped, whatever an earlier test left on disk.
  const fixture = fs.readFileSync(path.join(repoRoot(), 'test', 'fixtures', 'workspace', name), 'utf8');
  if (doc.getText() !== fixture || doc.isDirty) {
    fs.writeFileSync(doc.uri.fsPath, fixture);
    await vscode.commands.executeCommand('workbench.action.files.revert');
  }
  assert.strictEqual(doc.getText(), fixture, `${name} is the fixture when the test starts`);
  const end = doc.lineAt(doc.lineCount - 1).range.end;
  editor.selection = new vscode.Selection(end, end);
  await vscode.commands.executeCommand('workbench.action.focusActiveEditorGroup');
  await ui.waitForSelector('.editor-instance .monaco-editor.focused', { timeout: 10_000 });
  return editor;
}

/**
 * Copies `test/fixtures/forms/<fixture>` into the workspace as `name`, opens it with the cursor at
 * its end, and records every request the local engine gets meanwhile (`seen`). `done()` stops
 * recording, closes the editors and removes the copy.
 */
export async function openFormFixtureAtEnd(inkling: InklingApi, fixture: string, name: string): Promise<{ doc: vscode.TextDocument; seen: GenerateParams[]; done(): Promise<void> }> {
  const file = path.join(workspaceDir(), name);
  fs.copyFileSync(path.join(repoRoot(), 'test', 'fixtures', 'forms', fixture), file);
  return openRecordedAtEnd(inkling, file);
}

/** Opens a file of the workspace with the cursor at its end, recording what `engine` (the worker unless given) is asked; `done` stops recording, closes the editors and removes the file. */
async function openRecordedAtEnd(inkling: InklingApi, file: string, engine?: TextGenerator): Promise<{ doc: vscode.TextDocument; seen: GenerateParams[]; done(): Promise<void> }> {
  const seen: GenerateParams[] = [];
  const restore = recordRequests(inkling, seen, engine);
  const doc = await vscode.workspace.openTextDocument(file);
  const editor = await vscode.window.showTextDocument(doc);
  const end = doc.lineAt(doc.lineCount - 1).range.end;
  editor.selection = new vscode.Selection(end, end);
  return {
    doc,
    seen,
    async done() {
      restore();
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
      fs.rmSync(file, { force: true });
    },
  };
}

/** The CLI's raw text for a request with a seed (the settings otherwise the defaults, as in the tests' VS Code). */
/**
 * Opens a file of the workspace (a path), puts the cursor at its end and runs Continue Writing,
 * which must complete; then saves it when asked (the stored histories are written on save).
 */
export async function continueAtEndOf(file: string, options: { save?: boolean } = {}): Promise<{ doc: vscode.TextDocument; text: string }> {
  const doc = await vscode.workspace.openTextDocument(file);
  const editor = await vscode.window.showTextDocument(doc);
  const end = doc.lineAt(doc.lineCount - 1).range.end;
  editor.selection = new vscode.Selection(end, end);
  const r = (await vscode.commands.executeCommand('inkling.continueWriting')) as { outcome: string; text?: string };
  assert.strictEqual(r.outcome, 'complete');
  if (options.save) await doc.save();
  return { doc, text: r.text ?? assert.fail('Continue wrote nothing') };
}

/**
 * The CLI's raw text for a request with a seed. `asSampled`: each verse line as sampled (the form's
 * `lineCandidates` 1), as alternatives write it.
 */
export function cliRaw(request: WritingRequest, seed: number, server?: string, options: { asSampled?: boolean } = {}): { text: string; finished: boolean } {
  const engine = server ? ['--server', server] : ['--model', process.env.INKLING_TEST_MODEL!, '--dtype', DTYPE];
  // No token probabilities: the commands ask for none (word alternatives off), and a verse
  // continuation's lines are then kept for the poem's metre, which a request for them skips.
  const args = [path.join(repoRoot(), 'dist', 'cli.js'), 'continue', '-', ...engine, '--seed', String(seed), '--json', '--probabilities', '0', '--max-tokens', String(request.maxNewTokens)];
  for (const s of request.stopStrings) args.push('--stop', s.replace(/\n/g, '\\n'));
  if (request.formConstraint) args.push('--form', JSON.stringify(options.asSampled ? { ...request.formConstraint, lineCandidates: 1 } : request.formConstraint));
  const out = execFileSync(process.execPath, args, { input: request.prompt, env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' }, encoding: 'utf8' });
  const r = JSON.parse(out) as { text: string; stopReason: StopReason };
  return { text: r.text, finished: endedByModel(r.stopReason) };
}

/** What the CLI's text becomes as an insertion. */
export function cliInsertion(request: WritingRequest, seed: number, server?: string, options: { asSampled?: boolean } = {}): string {
  const raw = cliRaw(request, seed, server, options);
  return request.finish(raw.text, raw.finished);
}

/** The continuation request the command builds at the editor's cursor. */
export function continuationAt(editor: vscode.TextEditor, lines = 0): WritingRequest {
  const doc = editor.document;
  const r = buildContinuationRequest({ text: doc.getText(), offset: doc.offsetAt(editor.selection.end), lines });
  assert.ok(r.ok, 'the request builder continues here');
  // The commands keep the poem's form with the default settings, so the CLI must too.
  return withForm(r, DEFAULT_FORM_SETTINGS);
}

/** Counts the document's change events until disposed. */
export function countChanges(doc: vscode.TextDocument): { count: number; dispose(): void } {
  const counter = { count: 0, dispose: () => sub.dispose() };
  const sub = vscode.workspace.onDidChangeTextDocument((e) => {
    if (e.document === doc && e.contentChanges.length) counter.count++;
  });
  return counter;
}

export async function undoRestores(doc: vscode.TextDocument, text: string): Promise<void> {
  await vscode.commands.executeCommand('undo');
  await waitFor(() => doc.getText() === text, 'one undo to restore the document', 5000).catch(() => assert.strictEqual(doc.getText(), text));
}

/** Waits until the document stops changing for `quietMs`. */
export async function settled(doc: vscode.TextDocument, quietMs = 1200): Promise<string> {
  let last = doc.getText();
  let since = Date.now();
  for (;;) {
    await new Promise((r) => setTimeout(r, 100));
    const now = doc.getText();
    if (now !== last) {
      last = now;
      since = Date.now();
    } else if (Date.now() - since >= quietMs) return now;
  }
}

export async function pickerLabels(ui: UiBridge): Promise<string[]> {
  return ui.evaluate<string[]>(`Array.from(document.querySelectorAll(${JSON.stringify(ROWS)})).map((r) => r.innerText.replace(/\\u00a0/g, ' ').trim())`);
}


/**
 * What the CLI writes for the ghost-text request the provider builds at `offset` in `text` (by
 * default its end), with the provider's settings (seed, fp32, the default form settings), as the
 * provider would show it; `raw` is the model's text before `finish`.
 */
export function cliGhost(text: string, offset = text.length, options: { explicit?: boolean; server?: string } = {}): { suggestion: string; raw: string; prompt: string } {
  // The window the provider takes for the engine that writes (a server's is longer).
  const request = buildGhostRequest({ text, offset, explicit: options.explicit ?? true, maxPromptChars: ghostPromptChars(options.server ? 'server' : 'worker'), maxWords: 12 });
  assert.ok(request.ok, 'the request builder asks for a suggestion here');
  const engine = options.server ? ['--server', options.server] : ['--model', process.env.INKLING_TEST_MODEL!, '--dtype', DTYPE];
  const args = [path.join(repoRoot(), 'dist', 'cli.js'), 'continue', '-', ...engine, '--seed', String(SEED), '--json', '--max-tokens', String(Math.min(32, request.maxNewTokens))];
  for (const s of request.stopStrings) args.push('--stop', s.replace(/\n/g, '\\n'));
  // Verse ghost text keeps the poem's form (the default settings), so the CLI must too.
  const form = formConstraintFor(request.kind, DEFAULT_FORM_SETTINGS, { stanzas: false });
  if (form) args.push('--form', JSON.stringify(form));
  const out = execFileSync(process.execPath, args, { input: request.prompt, env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' }, encoding: 'utf8' });
  const raw = (JSON.parse(out) as { text: string }).text;
  return { suggestion: request.finish(raw), raw, prompt: request.prompt };
}

/**
 * Holds the worker still (SIGSTOP) while `act` runs, then lets it go on (SIGCONT). The test model
 * writes hundreds of tokens a second, so on a quick machine a stream can end before a click lands;
 * held, the worker cannot finish first, and what it had already sent, and what it sends once it
 * goes on, still arrive after the act: the case a slow machine meets every time.
 */
export async function withWorkerHeld<T>(pid: number | undefined, act: () => Promise<T>): Promise<T> {
  assert.ok(pid, 'the worker is running');
  process.kill(pid, 'SIGSTOP');
  try {
    return await act();
  } finally {
    try {
      process.kill(pid, 'SIGCONT');
    } catch {
      // It may have been stopped for good meanwhile.
    }
  }
}

/**
 * Runs `shoot` once in VS Code's light and once in its dark theme (for screenshots), each after
 * the workbench has taken the theme on. The caller restores `workbench.colorTheme` afterwards.
 */
export async function inEachTheme(ui: UiBridge, shoot: (name: 'light' | 'dark') => Promise<void>): Promise<void> {
  for (const [theme, name] of [['Default Light Modern', 'light'], ['Default Dark Modern', 'dark']] as const) {
    await vscode.workspace.getConfiguration('workbench').update('colorTheme', theme, vscode.ConfigurationTarget.Global);
    await waitFor(async () => {
      const cls = await ui.evaluate<string>('document.querySelector(".monaco-workbench").className');
      return name === 'light' ? /\bvs\b/.test(cls) && !cls.includes('vs-dark') : cls.includes('vs-dark');
    }, `the ${name} theme`);
    await shoot(name);
  }
}

/** Puts every request the local engine gets into `seen`, as it gets it; returns what undoes that. */
export function recordRequests(inkling: InklingApi, seen: GenerateParams[], engine: TextGenerator = inkling.engine.client): () => void {
  const generate = engine.generate.bind(engine);
  engine.generate = (params, options) => {
    seen.push(params);
    return generate(params, options);
  };
  return () => {
    engine.generate = generate;
  };
}

/**
 * A document of verse longer than any ghost-text window (the form fixtures one after another,
 * under headings), opened with the cursor at its end; the engine that writes (the worker unless
 * `engine` is given) records what it is asked.
 */
export async function openLongVerseAtEnd(inkling: InklingApi, engine?: TextGenerator): Promise<{ doc: vscode.TextDocument; seen: GenerateParams[]; done(): Promise<void> }> {
  const forms = path.join(repoRoot(), 'test', 'fixtures', 'forms');
  const poems = fs.readdirSync(forms).filter((f) => f.endsWith('.txt')).sort().map((f) => `## ${f.replace(/\.txt$/, '')}\n\n${fs.readFileSync(path.join(forms, f), 'utf8').trim()}\n`);
  const file = path.join(workspaceDir(), 'long-verse.md');
  fs.writeFileSync(file, poems.join('\n'));
  return openRecordedAtEnd(inkling, file, engine);
}

const TOASTS = '.notifications-toasts';

/**
 * Waits for a notification whose text matches: first among the toasts; then, since VS Code
 * does not always show a toast for a message that arrives while another toast is closing, in
 * the notification centre, which lists every notification.
 */
export async function toastSays(ui: UiBridge, pattern: RegExp): Promise<string> {
  const shown = async (selector: string) => {
    const text = (await ui.count(selector)) ? (await ui.innerText(selector)).replace(/\u00a0/g, ' ') : '';
    return pattern.test(text) ? text : '';
  };
  try {
    return await waitFor(() => shown(TOASTS), `a notification matching ${pattern}`, 4000);
  } catch {
    await vscode.commands.executeCommand('notifications.showList');
    try {
      return await waitFor(() => shown('.notifications-center'), `a notification matching ${pattern} (toast or notification centre)`, 6000);
    } finally {
      await vscode.commands.executeCommand('notifications.hideList');
    }
  }
}

/** Whether any notification (toast or in the notification centre) matches `pattern` now. */
export async function notificationShown(ui: UiBridge, pattern: RegExp): Promise<boolean> {
  const text = async (selector: string) => ((await ui.count(selector)) ? (await ui.innerText(selector)).replace(/\u00a0/g, ' ') : '');
  if (pattern.test(await text(TOASTS))) return true;
  await vscode.commands.executeCommand('notifications.showList');
  try {
    await new Promise((r) => setTimeout(r, 300));
    return pattern.test(await text('.notifications-center'));
  } finally {
    await vscode.commands.executeCommand('notifications.hideList');
  }
}

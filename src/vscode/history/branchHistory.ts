/**
 * The branch history of each document, in the editor: keeps every continuation Inkling offers at
 * a place (writing/history/branchHistory.ts), follows the places through edits, stores each document's
 * history in `<workspace folder>/.inkling/branches/<document>.json` (never outside the workspace
 * folder, nothing for untitled files or files outside a folder), and switches a place to another
 * branch in one undo step while its text is as Inkling wrote it.
 */
import * as vscode from 'vscode';
import { mkdir, readFile, realpath, rename, rm, writeFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import type { EngineLogger } from '../../client/engineClient';
import { lineEndingsOnly } from '../../writing/history/lineEndings';
import { BranchHistory, branchFileName, DEFAULT_BRANCH_LIMITS, type Branch, type OfferedBranch, type Place } from '../../writing/history/branchHistory';
import type { TextEdit } from '../../writing/history/insertionTracker';
import { guarded } from '../service/logger';
import type { ProvenanceLog } from './provenanceLog';
import { branchSettings, SECTION } from '../service/settings';
import { lfText, toDocumentEol, type InsertionRecord } from '../commands/writingContext';

export const BRANCHES_FOLDER = join('.inkling', 'branches');

interface Loaded {
  history: BranchHistory;
  /** The file it is stored in. */
  file: string;
  folder: string;
  saving: ReturnType<typeof setTimeout> | null;
}

export interface SwitchResult {
  outcome: 'switched' | 'refused' | 'failed';
  reason?: string;
  /** Document offset and text of the branch now at the place. */
  offset?: number;
  text?: string;
}

export class BranchHistories implements vscode.Disposable {
  private readonly loaded = new Map<string, Promise<Loaded | null>>();
  /** Each followed document's line ending as last seen, to tell a change of line endings from an edit. */
  private readonly eols = new Map<string, vscode.EndOfLine>();
  private readonly changeEmitter = new vscode.EventEmitter<string>();
  /** Fires with a document's URI when its history changed. */
  readonly onDidChange = this.changeEmitter.event;
  private readonly disposables: vscode.Disposable[];
  private writes: Promise<void> = Promise.resolve();
  private toldOutside = false;

  constructor(
    private readonly logger: EngineLogger,
    private readonly provenance: ProvenanceLog,
  ) {
    this.disposables = [
      this.changeEmitter,
      vscode.workspace.onDidChangeTextDocument(guarded(logger, 'Following the branch history through an edit', (e: vscode.TextDocumentChangeEvent) => this.follow(e))),
      vscode.workspace.onDidCloseTextDocument((d) => void this.unload(d.uri.toString())),
      vscode.workspace.onDidRenameFiles(guarded(logger, 'Moving the branch history of a renamed file', (e: vscode.FileRenameEvent) => this.renamed(e))),
    ];
  }

  /** Where a document's history is kept, or null when it has none (untitled, outside a folder, turned off). */
  location(document: vscode.TextDocument): { folder: string; file: string; relative: string } | null {
    if (!branchSettings(document).enabled || document.isUntitled || document.uri.scheme !== 'file') return null;
    const folder = vscode.workspace.getWorkspaceFolder(document.uri);
    if (!folder || folder.uri.scheme !== 'file') return null;
    const rel = relative(folder.uri.fsPath, document.uri.fsPath);
    if (!rel || rel.startsWith('..')) return null;
    const name = rel.split(sep).join('/');
    return { folder: folder.uri.fsPath, file: join(folder.uri.fsPath, BRANCHES_FOLDER, branchFileName(name)), relative: name };
  }

  /** A document's history (read from its file the first time), or null where it has none. */
  history(document: vscode.TextDocument): Promise<BranchHistory | null> {
    return this.load(document).then((l) => l?.history ?? null);
  }

  private load(document: vscode.TextDocument): Promise<Loaded | null> {
    const key = document.uri.toString();
    let loading = this.loaded.get(key);
    if (!loading) {
      loading = this.read(document);
      this.loaded.set(key, loading);
      this.eols.set(key, document.eol);
    }
    return loading;
  }

  private async read(document: vscode.TextDocument): Promise<Loaded | null> {
    const where = this.location(document);
    if (!where) return null;
    const limits = { ...DEFAULT_BRANCH_LIMITS, places: branchSettings(document).maxPlaces };
    let history: BranchHistory;
    try {
      history = BranchHistory.parse(await readFile(where.file, 'utf8'), where.relative, limits);
      // The document may have been edited elsewhere since: find the places again.
      history.relocate(lfText(document));
    } catch {
      history = BranchHistory.empty(where.relative, limits);
    }
    return { history, file: where.file, folder: where.folder, saving: null };
  }

  /** Keeps continuations offered at a document offset; `current`: the index of the one inserted there. */
  async offer(document: vscode.TextDocument, offset: number, offered: OfferedBranch[], current: number | null): Promise<void> {
    if (!offered.length) return;
    if (!this.location(document)) {
      this.tellOutsideOnce(document);
      return;
    }
    const loaded = await this.load(document);
    if (!loaded || document.isClosed) return;
    const text = lfText(document);
    loaded.history.offer(text, lfOffset(document, offset), offered, current);
    this.changed(document.uri.toString(), loaded);
  }

  /** A command inserted a text: a branch of its place, standing there now. */
  inserted(document: vscode.TextDocument, r: InsertionRecord, model: string): Promise<void> {
    return this.offer(document, r.offset, [offeredOf(r, model)], 0);
  }

  /**
   * Switches a place to a branch: its text replaces the current one in one undo step, if the
   * writer has not edited it since; otherwise says why not.
   */
  async switchTo(document: vscode.TextDocument, placeId: string, branchId: string): Promise<SwitchResult> {
    const loaded = await this.load(document);
    if (!loaded) return refuse('none', vscode.l10n.t('This document has no branch history.'));
    const text = lfText(document);
    const plan = loaded.history.planSwitch(text, placeId, branchId);
    if (!plan.ok) {
      const branch = loaded.history.place(placeId)?.branches.find((b) => b.id === branchId);
      if (plan.reason !== 'current' && branch) {
        void vscode.window.showInformationMessage(plan.message, vscode.l10n.t('Copy Branch Text')).then((c) => {
          if (c) void vscode.env.clipboard.writeText(toDocumentEol(document, branch.text));
        });
      } else void vscode.window.showInformationMessage(plan.message);
      return { outcome: 'refused', reason: plan.reason };
    }
    const editor = vscode.window.visibleTextEditors.find((e) => e.document === document) ?? (await vscode.window.showTextDocument(document));
    const start = docOffset(document, text, plan.start);
    const end = docOffset(document, text, plan.end);
    const inserted = toDocumentEol(document, plan.text);
    const range = new vscode.Range(document.positionAt(start), document.positionAt(end));
    const applied = await editor.edit((b) => b.replace(range, inserted), { undoStopBefore: true, undoStopAfter: true });
    if (!applied) return { outcome: 'failed', reason: 'the editor refused the edit' };
    loaded.history.switched(placeId, branchId);
    this.changed(document.uri.toString(), loaded);
    const branch = loaded.history.place(placeId)!.branches.find((b) => b.id === branchId)!;
    editor.selection = new vscode.Selection(document.positionAt(start), document.positionAt(start + inserted.length));
    editor.revealRange(editor.selection, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
    await this.provenance.record(document, { command: 'branch', offset: start, text: inserted, model: branch.model, seed: branch.seed, complete: true, settings: branch.settings, replaced: plan.replaced || undefined });
    return { outcome: 'switched', offset: start, text: inserted };
  }

  /** Forgets the history of one document, or of every document in the workspace folders. */
  async clear(document?: vscode.TextDocument): Promise<void> {
    if (document) {
      const where = this.location(document) ?? this.anyLocation(document);
      if (!where) return;
      await this.unload(document.uri.toString(), false);
      await rm(where.file, { force: true });
    } else {
      for (const key of [...this.loaded.keys()]) await this.unload(key, false);
      for (const f of vscode.workspace.workspaceFolders ?? []) if (f.uri.scheme === 'file') await rm(join(f.uri.fsPath, BRANCHES_FOLDER), { recursive: true, force: true });
    }
    this.changeEmitter.fire(document?.uri.toString() ?? '');
  }

  /** The location of a document's history file even with the setting off (to clear it). */
  private anyLocation(document: vscode.TextDocument): { file: string } | null {
    const folder = vscode.workspace.getWorkspaceFolder(document.uri);
    if (!folder || document.uri.scheme !== 'file') return null;
    return { file: join(folder.uri.fsPath, BRANCHES_FOLDER, branchFileName(relative(folder.uri.fsPath, document.uri.fsPath).split(sep).join('/'))) };
  }

  /** Waits until every change so far is on disk (tests, deactivation). */
  async flush(): Promise<void> {
    for (const [, loading] of this.loaded) {
      const l = await loading;
      if (l?.saving) {
        clearTimeout(l.saving);
        l.saving = null;
        this.save(l);
      }
    }
    await this.writes;
  }

  private follow(e: vscode.TextDocumentChangeEvent): void {
    const key = e.document.uri.toString();
    const loading = this.loaded.get(key);
    if (!loading || !e.contentChanges.length) return;
    // A change of line endings arrives as one edit replacing the whole text; the places' offsets
    // count line breaks as one character either way, so nothing moved.
    const before = this.eols.get(key);
    this.eols.set(key, e.document.eol);
    const lineEnding = (eol: vscode.EndOfLine) => (eol === vscode.EndOfLine.CRLF ? '\r\n' : '\n');
    if (before !== undefined && before !== e.document.eol) {
      const whole = e.contentChanges.map((c) => ({ offset: c.rangeOffset, deleted: c.rangeLength, inserted: c.text }));
      if (lineEndingsOnly(whole, e.document.getText(), lineEnding(before), lineEnding(e.document.eol))) return;
    }
    // Offsets are converted now, while the change's ranges describe the document before it.
    const crlf = e.document.eol === vscode.EndOfLine.CRLF;
    const edits: TextEdit[] = [...e.contentChanges]
      .sort((a, b) => b.rangeOffset - a.rangeOffset)
      .map((c) => ({
        offset: crlf ? c.rangeOffset - c.range.start.line : c.rangeOffset,
        deleted: crlf ? c.rangeLength - (c.range.end.line - c.range.start.line) : c.rangeLength,
        inserted: crlf ? c.text.replace(/\r\n/g, '\n') : c.text,
      }));
    void loading.then((l) => {
      if (!l) return;
      for (const edit of edits) l.history.applyEdit(edit);
      this.changed(key, l);
    });
  }

  private changed(key: string, l: Loaded): void {
    l.saving ??= setTimeout(() => {
      l.saving = null;
      this.save(l);
    }, 500);
    this.changeEmitter.fire(key);
  }

  /** Writes a history to its file, one write at a time, never through a link out of the workspace folder. */
  private save(l: Loaded): void {
    const json = `${JSON.stringify(l.history.toJSON())}\n`;
    this.writes = this.writes.then(async () => {
      try {
        const dir = join(l.folder, BRANCHES_FOLDER);
        await mkdir(dir, { recursive: true });
        const [real, root] = await Promise.all([realpath(dir), realpath(l.folder)]);
        if (real !== join(root, BRANCHES_FOLDER) && !real.startsWith(root + sep)) {
          this.logger.warn(`Branch history not written: ${dir} leads outside the workspace folder (${real}).`);
          return;
        }
        const tmp = `${l.file}.${process.pid}.tmp`;
        await writeFile(tmp, json, 'utf8');
        await rename(tmp, l.file);
      } catch (e) {
        this.logger.error(`Could not write the branch history ${l.file}: ${(e as Error).message}`);
      }
    });
  }

  private async unload(key: string, save = true): Promise<void> {
    const loading = this.loaded.get(key);
    if (!loading) return;
    this.loaded.delete(key);
    this.eols.delete(key);
    const l = await loading;
    if (l?.saving) {
      clearTimeout(l.saving);
      l.saving = null;
      if (save) this.save(l);
    }
    await this.writes;
  }

  /** A renamed (or moved) document takes its history along. */
  private async renamed(e: vscode.FileRenameEvent): Promise<void> {
    for (const { oldUri, newUri } of e.files) {
      const from = vscode.workspace.getWorkspaceFolder(oldUri);
      const to = vscode.workspace.getWorkspaceFolder(newUri);
      if (!from || !to || oldUri.scheme !== 'file') continue;
      const oldRel = relative(from.uri.fsPath, oldUri.fsPath).split(sep).join('/');
      const newRel = relative(to.uri.fsPath, newUri.fsPath).split(sep).join('/');
      const oldFile = join(from.uri.fsPath, BRANCHES_FOLDER, branchFileName(oldRel));
      const loading = this.loaded.get(oldUri.toString());
      this.loaded.delete(oldUri.toString());
      const eol = this.eols.get(oldUri.toString());
      this.eols.delete(oldUri.toString());
      if (eol !== undefined) this.eols.set(newUri.toString(), eol);
      await this.writes;
      let json: string | null = null;
      const l = loading ? await loading : null;
      if (l?.saving) {
        clearTimeout(l.saving);
        l.saving = null;
      }
      if (l) json = JSON.stringify(l.history.toJSON());
      else json = await readFile(oldFile, 'utf8').catch(() => null);
      if (json === null) continue;
      const history = BranchHistory.parse(json, newRel);
      history.rename(newRel);
      await rm(oldFile, { force: true });
      const moved: Loaded = { history, file: join(to.uri.fsPath, BRANCHES_FOLDER, branchFileName(newRel)), folder: to.uri.fsPath, saving: null };
      this.loaded.set(newUri.toString(), Promise.resolve(moved));
      this.save(moved);
      this.changeEmitter.fire(newUri.toString());
    }
  }

  private tellOutsideOnce(document: vscode.TextDocument): void {
    if (this.toldOutside || !branchSettings(document).enabled) return;
    this.toldOutside = true;
    this.logger.info(
      document.isUntitled
        ? 'Branch history: untitled files keep none. Save the file in a workspace folder to keep the continuations Inkling offers in it.'
        : 'Branch history: files outside a workspace folder keep none (it is stored in the folder\'s .inkling/branches/).',
    );
  }

  dispose(): void {
    void this.flush();
    this.disposables.forEach((d) => d.dispose());
  }
}

/** Whether a change of configuration concerns the branch history. */
export function affectsBranches(e: vscode.ConfigurationChangeEvent): boolean {
  return e.affectsConfiguration(`${SECTION}.branches`);
}

/** A branch for an insertion a command made. */
export function offeredOf(r: Pick<InsertionRecord, 'text' | 'seed' | 'command' | 'request' | 'sampling'>, model: string): OfferedBranch {
  return {
    text: r.text.replace(/\r\n/g, '\n'),
    seed: r.seed,
    command: r.command,
    model,
    settings: { sampling: r.sampling, maxNewTokens: r.request.maxNewTokens, stopStrings: r.request.stopStrings, lines: r.request.lines, kind: r.request.kind, ...(r.request.formConstraint ? { form: r.request.formConstraint } : {}) },
  };
}

/** The offset in `lfText(document)` of a document offset. */
function lfOffset(document: vscode.TextDocument, offset: number): number {
  return document.eol === vscode.EndOfLine.CRLF ? offset - document.positionAt(offset).line : offset;
}

/** The document offset of an offset in `lfText(document)` (given as `text`). */
function docOffset(document: vscode.TextDocument, text: string, offset: number): number {
  if (document.eol !== vscode.EndOfLine.CRLF) return offset;
  let breaks = 0;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) breaks++;
  return offset + breaks;
}

function refuse(reason: string, message: string): SwitchResult {
  void vscode.window.showInformationMessage(message);
  return { outcome: 'refused', reason };
}

export type { Branch, Place };

/**
 * Who wrote what, in the editor: follows every text Inkling inserts (the provenance log's
 * insertions, logged or not) through the writer's edits (writing/history/authorship.ts); with
 * `inkling.authorship.highlight` on (Toggle Who Wrote What) shades Inkling's text, as written or
 * since edited, in two theme colours; gives the status bar the share of the document Inkling
 * wrote; and writes the disclosure (Export Disclosure). With the provenance log on, the ranges are
 * kept in `<workspace folder>/.inkling/authorship/<document>.json` when the document is saved,
 * found again when it is opened (even after edits made elsewhere), and moved with a rename.
 */
import * as vscode from 'vscode';
import { mkdir, readdir, readFile, realpath, rename, rm, stat, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { join, relative, sep } from 'node:path';
import type { EngineLogger } from '../../client/engineClient';
import { Authorship, disclosureMarkdown, type Share } from '../../writing/history/authorship';
import { lineEndingsOnly } from '../../writing/history/lineEndings';
import { parseProvenance, type ProvenanceRecord } from '../../writing/history/provenanceRecord';
import { branchFileName, isHashedFileName } from '../../writing/history/branchHistory';
import { guarded } from '../service/logger';
import { PROVENANCE_FILE, PROVENANCE_FOLDER, type ProvenanceLog, type RecordedInsertion } from './provenanceLog';
import { commandSettings, SECTION } from '../service/settings';

export const AUTHORSHIP_FOLDER = join(PROVENANCE_FOLDER, 'authorship');

export class AuthorshipService implements vscode.Disposable {
  /** Each open document's Inkling ranges (document offsets). */
  private readonly states = new Map<string, Authorship>();
  private readonly loading = new Map<string, Promise<void>>();
  private readonly changeEmitter = new vscode.EventEmitter<string>();
  readonly onDidChange = this.changeEmitter.event;
  private readonly asWritten: vscode.TextEditorDecorationType;
  private readonly edited: vscode.TextEditorDecorationType;
  private readonly disposables: vscode.Disposable[];
  private refreshTimer: ReturnType<typeof setTimeout> | null = null;
  private writes: Promise<void> = Promise.resolve();

  constructor(
    private readonly logger: EngineLogger,
    provenance: ProvenanceLog,
  ) {
    this.asWritten = vscode.window.createTextEditorDecorationType({
      backgroundColor: new vscode.ThemeColor('inkling.writtenTextBackground'),
      overviewRulerColor: new vscode.ThemeColor('inkling.writtenTextBackground'),
      overviewRulerLane: vscode.OverviewRulerLane.Left,
      rangeBehavior: vscode.DecorationRangeBehavior.ClosedClosed,
    });
    this.edited = vscode.window.createTextEditorDecorationType({
      backgroundColor: new vscode.ThemeColor('inkling.editedTextBackground'),
      borderColor: new vscode.ThemeColor('inkling.editedTextBorder'),
      borderStyle: 'none none dashed none',
      borderWidth: '0 0 1px 0',
      rangeBehavior: vscode.DecorationRangeBehavior.ClosedClosed,
    });
    this.disposables = [
      this.asWritten,
      this.edited,
      this.changeEmitter,
      provenance.onDidRecord(guarded(logger, 'Keeping who wrote what', (r: RecordedInsertion) => this.inserted(r))),
      vscode.workspace.onDidChangeTextDocument(guarded(logger, 'Following who wrote what through an edit', (e: vscode.TextDocumentChangeEvent) => this.follow(e))),
      vscode.workspace.onDidOpenTextDocument((d) => void this.load(d)),
      vscode.workspace.onDidSaveTextDocument(guarded(logger, 'Keeping who wrote what', (d: vscode.TextDocument) => this.store(d))),
      vscode.workspace.onDidCloseTextDocument((d) => {
        // A change of language mode closes and reopens the document at once: keep its ranges then.
        const key = d.uri.toString();
        setTimeout(() => {
          if (vscode.workspace.textDocuments.some((o) => o.uri.toString() === key)) return;
          this.states.delete(key);
          this.loading.delete(key);
        }, 0);
      }),
      vscode.workspace.onDidRenameFiles(guarded(logger, 'Moving who wrote what with a renamed file', (e: vscode.FileRenameEvent) => this.renamed(e))),
      vscode.window.onDidChangeVisibleTextEditors(() => this.refreshSoon()),
      vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration(`${SECTION}.authorship`) && this.refreshSoon()),
    ];
    for (const d of vscode.workspace.textDocuments) void this.load(d);
  }

  /** The share of a document Inkling wrote, or null when Inkling knows of nothing it wrote there. */
  shareOf(document: vscode.TextDocument): Share | null {
    const state = this.states.get(document.uri.toString());
    if (!state || !state.spans.length) return null;
    // The length without copying the text: this runs on every keystroke in a manuscript.
    return state.share(document.offsetAt(document.lineAt(document.lineCount - 1).range.end));
  }

  /** The ranges of a document (for tests and the disclosure). */
  spansOf(document: vscode.TextDocument): Authorship | undefined {
    return this.states.get(document.uri.toString());
  }

  /** Waits until a document's stored ranges are read and every store so far is written. */
  async ready(document: vscode.TextDocument): Promise<void> {
    await this.load(document);
    await this.writes;
  }

  private state(document: vscode.TextDocument): Authorship {
    const key = document.uri.toString();
    let s = this.states.get(key);
    if (!s) {
      s = new Authorship();
      s.eol = eolOf(document);
      this.states.set(key, s);
    }
    return s;
  }

  private inserted(r: RecordedInsertion): void {
    this.state(r.document).add(r.entry.offset, r.entry.text.length, { command: r.entry.command, model: r.entry.model, time: new Date().toISOString(), text: r.entry.text }, r.version, r.sinceVersion);
    this.changed(r.document);
  }

  private follow(e: vscode.TextDocumentChangeEvent): void {
    const state = this.states.get(e.document.uri.toString());
    if (!state) return;
    const eol = eolOf(e.document);
    const from = state.eol;
    state.eol = eol;
    const edits = [...e.contentChanges].sort((a, b) => b.rangeOffset - a.rangeOffset).map((c) => ({ offset: c.rangeOffset, deleted: c.rangeLength, inserted: c.text }));
    if (from && from !== eol && lineEndingsOnly(edits, e.document.getText(), from, eol)) {
      // A change of line endings arrives as one edit replacing the whole text: remap instead.
      state.changeEol(e.document.getText(), from, eol);
      this.changed(e.document);
      return;
    }
    if (!state.following || !edits.length) return;
    const reason = e.reason === vscode.TextDocumentChangeReason.Undo ? 'undo' : e.reason === vscode.TextDocumentChangeReason.Redo ? 'redo' : undefined;
    for (const edit of edits) state.applyEdit(edit, e.document.version, reason);
    this.changed(e.document);
  }

  /** Where a document's ranges are kept, or null (the log is off, untitled, outside a folder). */
  private location(document: vscode.TextDocument): { folder: string; file: string; name: string } | null {
    if (!commandSettings(document).provenance || document.isUntitled || document.uri.scheme !== 'file') return null;
    const folder = vscode.workspace.getWorkspaceFolder(document.uri);
    if (!folder || folder.uri.scheme !== 'file') return null;
    const rel = relative(folder.uri.fsPath, document.uri.fsPath);
    if (!rel || rel.startsWith('..')) return null;
    const name = rel.split(sep).join('/');
    return { folder: folder.uri.fsPath, file: join(folder.uri.fsPath, AUTHORSHIP_FOLDER, branchFileName(name)), name };
  }

  /** Reads a document's stored ranges (or, the first time, rebuilds them from the provenance log). */
  private load(document: vscode.TextDocument): Promise<void> {
    const key = document.uri.toString();
    let p = this.loading.get(key);
    if (!p) {
      p = this.read(document).catch((e: unknown) => this.logger.warn(`Could not read who wrote what for ${document.uri.fsPath}: ${(e as Error).message}`));
      this.loading.set(key, p);
    }
    return p;
  }

  private async read(document: vscode.TextDocument): Promise<void> {
    const where = this.location(document);
    if (!where) return;
    const stored = await readFile(where.file, 'utf8').then((t) => JSON.parse(t) as unknown, () => null);
    if (document.isClosed) return;
    const text = document.getText();
    let found: Authorship;
    if (stored) found = Authorship.restore(stored, text);
    else {
      const records = await this.records(where.folder, [where.name]);
      if (!records.length || document.isClosed) return;
      found = Authorship.fromRecords(records, document.getText(), (line, character) => document.offsetAt(new vscode.Position(line, character)), eolOf(document));
    }
    // Insertions made while reading stay; the stored ranges fill in around them.
    const state = this.state(document);
    const mine = state.spans;
    state.formerNames = found.formerNames;
    state.spans = [...mine, ...found.spans.filter((s) => !mine.some((m) => m.start < s.end && s.start < m.end))].sort((a, b) => a.start - b.start);
    this.changed(document);
  }

  /** The provenance records of a document (under its names, the present one first). */
  private async records(folder: string, names: string[]): Promise<ProvenanceRecord[]> {
    const log = await readFile(join(folder, PROVENANCE_FOLDER, PROVENANCE_FILE), 'utf8').catch(() => '');
    return parseProvenance(log).filter((r) => names.includes(r.document));
  }

  /** Keeps a saved document's ranges beside the log, never through a link out of the workspace folder. */
  private store(document: vscode.TextDocument): void {
    const where = this.location(document);
    const state = this.states.get(document.uri.toString());
    if (!where || !state) return;
    const json = `${JSON.stringify(state.toStored(where.name, document.getText()))}\n`;
    this.queue(`Could not keep who wrote what for ${where.name}`, async () => {
      const dir = await this.insideFolder(where.folder);
      if (dir) await writeAtomically(join(dir, branchFileName(where.name)), json);
    });
  }

  /** Runs a write after those before it; a failure is logged and never stops the ones after it. */
  private queue(what: string, write: () => Promise<void>): void {
    this.writes = this.writes.then(write).catch((e: unknown) => this.logger.error(`${what}: ${(e as Error).message}`));
  }

  /** The authorship folder of a workspace folder, made if needed, or null when it leads outside it (a link). */
  private async insideFolder(folder: string): Promise<string | null> {
    const dir = join(folder, AUTHORSHIP_FOLDER);
    await mkdir(dir, { recursive: true });
    const [real, root] = await Promise.all([realpath(dir), realpath(folder)]);
    if (real.startsWith(root + sep)) return real;
    this.logger.warn(`Who wrote what not kept: ${dir} leads outside the workspace folder (${real}).`);
    return null;
  }

  /** A renamed document keeps its ranges, and its old name (its log records are under it). */
  private async renamed(e: vscode.FileRenameEvent): Promise<void> {
    // The ranges as they are now, before any wait: the renamed documents' close lets go of them
    // a tick later.
    const known = new Map(this.states);
    for (const { oldUri, newUri } of await this.documentsRenamed(e.files, known)) {
      const state = known.get(oldUri.toString());
      if (state) {
        this.states.delete(oldUri.toString());
        this.states.set(newUri.toString(), state);
      }
      const from = vscode.workspace.getWorkspaceFolder(oldUri);
      const to = vscode.workspace.getWorkspaceFolder(newUri);
      if (!from || !to || oldUri.scheme !== 'file' || !commandSettings(newUri).provenance) continue;
      const oldName = relative(from.uri.fsPath, oldUri.fsPath).split(sep).join('/');
      const newName = relative(to.uri.fsPath, newUri.fsPath).split(sep).join('/');
      await this.writes;
      const oldFile = join(from.uri.fsPath, AUTHORSHIP_FOLDER, branchFileName(oldName));
      const stored = await readFile(oldFile, 'utf8').then((t) => JSON.parse(t) as { formerNames?: string[]; document?: string }, () => null);
      const formerNames = [...new Set([...(stored?.formerNames ?? state?.formerNames ?? []), oldName])];
      if (state) state.formerNames = formerNames;
      if (!stored) continue;
      const moved = { ...stored, document: newName, formerNames };
      this.queue(`Could not move who wrote what for ${newName}`, async () => {
        const [dir, oldDir] = await Promise.all([this.insideFolder(to.uri.fsPath), this.insideFolder(from.uri.fsPath)]);
        if (!dir || !oldDir) return;
        await writeAtomically(join(dir, branchFileName(newName)), `${JSON.stringify(moved)}\n`);
        await rm(join(oldDir, branchFileName(oldName)), { force: true });
      });
      await this.writes;
    }
  }

  /**
   * The documents a rename moved: a renamed folder moves every document under it that Inkling
   * keeps ranges for, open (in memory) or stored.
   */
  private async documentsRenamed(files: readonly { oldUri: vscode.Uri; newUri: vscode.Uri }[], known: ReadonlyMap<string, Authorship>): Promise<{ oldUri: vscode.Uri; newUri: vscode.Uri }[]> {
    const out: { oldUri: vscode.Uri; newUri: vscode.Uri }[] = [];
    for (const f of files) {
      const folderRenamed = f.newUri.scheme === 'file' && (await stat(f.newUri.fsPath).then((s) => s.isDirectory(), () => false));
      if (!folderRenamed) {
        out.push(f);
        continue;
      }
      const oldPrefix = `${f.oldUri.toString()}/`;
      const moved = new Set([...known.keys()].filter((k) => k.startsWith(oldPrefix)));
      const ws = vscode.workspace.getWorkspaceFolder(f.oldUri);
      if (ws && f.oldUri.scheme === 'file') {
        const oldName = relative(ws.uri.fsPath, f.oldUri.fsPath).split(sep).join('/');
        for (const file of await readdir(join(ws.uri.fsPath, AUTHORSHIP_FOLDER)).catch(() => [] as string[])) {
          if (!file.endsWith('.json')) continue;
          let name: string;
          try {
            // A long path's file name is cut and hashed: its document is only in the file.
            name = isHashedFileName(file)
              ? String(((JSON.parse(await readFile(join(ws.uri.fsPath, AUTHORSHIP_FOLDER, file), 'utf8')) ?? {}) as { document?: unknown }).document ?? '')
              : decodeURIComponent(file.replace(/\.json$/, ''));
          } catch {
            continue;
          }
          if (name.startsWith(`${oldName}/`)) moved.add(vscode.Uri.joinPath(ws.uri, ...name.split('/')).toString());
        }
      }
      for (const key of moved) out.push({ oldUri: vscode.Uri.parse(key), newUri: vscode.Uri.parse(`${f.newUri.toString()}/${key.slice(oldPrefix.length)}`) });
    }
    return out;
  }

  /** Export Disclosure: the Markdown summary of a document, opened beside it to save or copy. */
  async exportDisclosure(document: vscode.TextDocument | undefined): Promise<vscode.TextDocument | undefined> {
    if (!document) {
      void vscode.window.showInformationMessage(vscode.l10n.t('Open the document to disclose first.'));
      return undefined;
    }
    await this.load(document);
    const state = this.states.get(document.uri.toString()) ?? new Authorship();
    const folder = vscode.workspace.getWorkspaceFolder(document.uri);
    const name = folder && document.uri.scheme === 'file' ? relative(folder.uri.fsPath, document.uri.fsPath).split(sep).join('/') : vscode.workspace.asRelativePath(document.uri);
    const records = folder && commandSettings(document).provenance ? await this.records(folder.uri.fsPath, [name, ...state.formerNames]) : [];
    if (!state.spans.length && !records.length) {
      void vscode.window.showInformationMessage(vscode.l10n.t('Inkling knows of nothing it wrote in this document. (Turn on inkling.provenance.enabled to keep a record across sessions.)'));
    }
    const markdown = disclosureMarkdown({ document: name, text: document.getText(), authorship: state, records, now: new Date() });
    const out = await vscode.workspace.openTextDocument({ language: 'markdown', content: markdown });
    await vscode.window.showTextDocument(out, { viewColumn: vscode.ViewColumn.Beside, preview: false });
    return out;
  }

  /** Shades Inkling's text in the visible editors, when the writer asked for it. */
  refresh(): void {
    this.refreshTimer = null;
    for (const editor of vscode.window.visibleTextEditors) {
      const on = vscode.workspace.getConfiguration(SECTION, editor.document).get<unknown>('authorship.highlight') === true;
      const spans = on ? (this.states.get(editor.document.uri.toString())?.spans ?? []) : [];
      const range = (s: { start: number; end: number }) => new vscode.Range(editor.document.positionAt(s.start), editor.document.positionAt(s.end));
      const hover = (s: (typeof spans)[number]) => {
        const what = `${s.command}, ${s.model}${s.time ? `, ${s.time.slice(0, 16).replace('T', ' ')}` : ''}`;
        // As text: the command and model names come from a stored file or a server.
        return new vscode.MarkdownString().appendText(s.edited ? vscode.l10n.t('Inkling wrote this ({0}), and you have edited it since.', what) : vscode.l10n.t('Inkling wrote this ({0}).', what));
      };
      editor.setDecorations(this.asWritten, spans.filter((s) => !s.edited).map((s) => ({ range: range(s), hoverMessage: hover(s) })));
      editor.setDecorations(this.edited, spans.filter((s) => s.edited).map((s) => ({ range: range(s), hoverMessage: hover(s) })));
    }
  }

  private changed(document: vscode.TextDocument): void {
    this.changeEmitter.fire(document.uri.toString());
    this.refreshSoon();
  }

  private refreshSoon(): void {
    this.refreshTimer ??= setTimeout(() => this.refresh(), 50);
  }

  dispose(): void {
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    this.disposables.forEach((d) => d.dispose());
  }
}

/** Toggle Who Wrote What: the highlight on or off, in the writer's own settings. */
export async function toggleAuthorship(): Promise<boolean> {
  const c = vscode.workspace.getConfiguration(SECTION);
  const on = c.get<unknown>('authorship.highlight') !== true;
  await c.update('authorship.highlight', on, vscode.ConfigurationTarget.Global);
  return on;
}

/** Writes a file by a fresh temporary file beside it (never one a link could have been planted as) and a rename. */
function eolOf(document: vscode.TextDocument): '\n' | '\r\n' {
  return document.eol === vscode.EndOfLine.CRLF ? '\r\n' : '\n';
}

async function writeAtomically(file: string, text: string): Promise<void> {
  const tmp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await writeFile(tmp, text, { encoding: 'utf8', flag: 'wx' });
    await rename(tmp, file);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

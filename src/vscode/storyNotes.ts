/**
 * Story notes in the workspace: read from the notes folder (`inkling.notes.folder`, inside the
 * workspace folder, never outside it; not at all in an untrusted workspace), kept in memory and
 * re-read when a note changes, and chosen for each request from the text it sends
 * (writing/prompts/outline/storyNotes.ts). Every request goes through EngineService, which asks here.
 */
import { realpath } from 'node:fs/promises';
import { relative, isAbsolute } from 'node:path';
import * as vscode from 'vscode';
import type { GenerateParams } from '../common/generation';
import { splitPromptEnd } from '../writing/prompts/text/promptEnd';
import { chooseNotes, MAX_NOTES, newNoteText, noteFileName, parseNote, validateNotesSettings, type NotesSettings, type StoryNote } from '../writing/prompts/outline/storyNotes';
import { SECTION } from './service/settings';

/** A note file larger than this is not read (a note is a reminder, not a manuscript). */
const MAX_NOTE_BYTES = 64 * 1024;
const MAX_DEPTH = 3;

export interface NotesUse {
  /** The document the request was for. */
  document: string;
  used: string[];
  /** Mentioned, but the budget could not hold them. */
  left: string[];
  /** Characters the notes added to the prompt. */
  chars: number;
}

interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
}

export function notesSettings(scope?: vscode.ConfigurationScope): { settings: NotesSettings; problems: string[] } {
  const c = vscode.workspace.getConfiguration(`${SECTION}.notes`, scope);
  return validateNotesSettings({ enabled: c.get('enabled'), folder: c.get('folder'), scanChars: c.get('scanChars'), budgetTokens: c.get('budgetTokens') });
}

export class StoryNotes implements vscode.Disposable {
  /** Per workspace folder and notes folder: the notes read, or being read. */
  private readonly libraries = new Map<string, { notes: Promise<StoryNote[]>; watcher: vscode.FileSystemWatcher }>();
  private readonly disposables: vscode.Disposable[] = [];
  private readonly warned = new Set<string>();
  private readonly usedEmitter = new vscode.EventEmitter<NotesUse>();
  /** Fired for every request that looked for notes: which were used (shown in the status bar hover and the panel). */
  readonly onDidUse = this.usedEmitter.event;
  lastUse: NotesUse | null = null;

  constructor(private readonly log: Logger) {
    this.disposables.push(
      this.usedEmitter,
      vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration(`${SECTION}.notes`) && this.forget()),
      vscode.workspace.onDidGrantWorkspaceTrust(() => this.forget()),
      vscode.workspace.onDidChangeWorkspaceFolders(() => this.forget()),
      // Notes edited, made, renamed or deleted in VS Code (the file watcher sees changes made elsewhere).
      vscode.workspace.onDidSaveTextDocument((d) => this.touched([d.uri])),
      vscode.workspace.onDidCreateFiles((e) => this.touched(e.files)),
      vscode.workspace.onDidDeleteFiles((e) => this.touched(e.files)),
      vscode.workspace.onDidRenameFiles((e) => this.touched(e.files.flatMap((f) => [f.oldUri, f.newUri]))),
    );
  }

  /**
   * The request with the notes its text calls for (its `notesText` where the caller gave more of
   * the text before the cursor than the prompt holds, else the prompt); unchanged when there are
   * none (or it has no document).
   */
  async forRequest(params: GenerateParams): Promise<GenerateParams> {
    const uri = documentOf(params.caller);
    if (!uri) return params;
    const notes = await this.notesFor(uri);
    if (!notes) return params;
    const { settings } = notesSettings(uri);
    const choice = chooseNotes(notes, params.notesText ?? splitPromptEnd(params.prompt).text, settings);
    const use: NotesUse = { document: uri.toString(), used: choice.used.map((n) => n.name), left: choice.left, chars: choice.block.length };
    const changed = JSON.stringify(use) !== JSON.stringify(this.lastUse);
    this.lastUse = use;
    if (changed) {
      this.log.debug(`Story notes for ${vscode.workspace.asRelativePath(uri)}: ${use.used.length ? use.used.join(', ') : 'none'}${use.left.length ? ` (left out for the budget: ${use.left.join(', ')})` : ''}.`);
      this.usedEmitter.fire(use);
    }
    return choice.block ? { ...params, notes: choice.block } : params;
  }

  /** The notes of the workspace folder holding `uri`, or null where notes do not apply. */
  async notesFor(uri: vscode.Uri): Promise<StoryNote[] | null> {
    if (!vscode.workspace.isTrusted) return null;
    const folder = vscode.workspace.getWorkspaceFolder(uri);
    if (!folder) return null;
    const { settings, problems } = notesSettings(uri);
    for (const p of problems) this.warnOnce(p);
    if (!settings.enabled || settings.budgetTokens === 0) return null;
    const key = `${folder.uri.toString()}\u0000${settings.folder}`;
    let library = this.libraries.get(key);
    if (!library) {
      const dir = vscode.Uri.joinPath(folder.uri, ...settings.folder.split('/'));
      const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(folder, `${settings.folder}/**`));
      const drop = () => {
        if (this.libraries.get(key) === library) {
          this.libraries.delete(key);
          watcher.dispose();
        }
      };
      watcher.onDidChange(drop);
      watcher.onDidCreate(drop);
      watcher.onDidDelete(drop);
      library = { notes: this.read(folder, dir), watcher };
      this.libraries.set(key, library);
    }
    return library.notes;
  }

  /** Creates a note named after the selection (its key), or opens the one that exists. */
  async createFromSelection(editor: vscode.TextEditor | undefined): Promise<vscode.Uri | undefined> {
    const document = editor?.document;
    const folder = document ? vscode.workspace.getWorkspaceFolder(document.uri) : vscode.workspace.workspaceFolders?.[0];
    if (!folder) {
      void vscode.window.showInformationMessage(vscode.l10n.t('Story notes live in a workspace folder: open the folder your story is in first.'));
      return undefined;
    }
    if (!vscode.workspace.isTrusted) {
      void vscode.window.showInformationMessage(vscode.l10n.t('Story notes are not used in a workspace you have not trusted.'));
      return undefined;
    }
    let name = editor && !editor.selection.isEmpty ? document!.getText(editor.selection).trim().replace(/\s+/g, ' ') : '';
    if (!name || name.length > 80) {
      name = (await vscode.window.showInputBox({ title: vscode.l10n.t('New story note'), prompt: vscode.l10n.t('The name of a person, place or thing: the note is used when it is written'), value: name.slice(0, 80), validateInput: (v) => (noteFileName(v) ? null : vscode.l10n.t('A name of 1–80 characters')) })) ?? '';
      if (!name) return undefined;
    }
    const file = noteFileName(name);
    if (!file) {
      void vscode.window.showErrorMessage(vscode.l10n.t('"{0}" cannot be a note\'s name.', name.slice(0, 40)));
      return undefined;
    }
    const { settings } = notesSettings(document?.uri ?? folder.uri);
    const uri = vscode.Uri.joinPath(folder.uri, ...settings.folder.split('/'), file);
    const exists = await vscode.workspace.fs.stat(uri).then(
      () => true,
      () => false,
    );
    if (!exists) await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(newNoteText(name)));
    const opened = await vscode.window.showTextDocument(uri, { preview: false });
    const end = opened.document.lineAt(opened.document.lineCount - 1).range.end;
    opened.selection = new vscode.Selection(end, end);
    return uri;
  }

  private async read(folder: vscode.WorkspaceFolder, dir: vscode.Uri): Promise<StoryNote[]> {
    const notes: StoryNote[] = [];
    const root = folder.uri.scheme === 'file' ? await realpath(folder.uri.fsPath).catch(() => folder.uri.fsPath) : '';
    const walk = async (at: vscode.Uri, depth: number): Promise<void> => {
      let entries: [string, vscode.FileType][];
      try {
        entries = await vscode.workspace.fs.readDirectory(at);
      } catch {
        return; // no notes folder: no notes
      }
      for (const [name, type] of entries.sort(([a], [b]) => a.localeCompare(b))) {
        if (notes.length >= MAX_NOTES) return;
        const child = vscode.Uri.joinPath(at, name);
        if (!(await this.inside(root, child))) {
          this.warnOnce(`Story note ${name} is a link to outside the workspace; it is not read.`);
          continue;
        }
        if (type & vscode.FileType.Directory) {
          if (depth < MAX_DEPTH) await walk(child, depth + 1);
          continue;
        }
        if (!/\.md$/i.test(name)) continue;
        const stat = await vscode.workspace.fs.stat(child).then(
          (s) => s,
          () => null,
        );
        if (!stat || stat.size > MAX_NOTE_BYTES) {
          if (stat) this.warnOnce(`Story note ${vscode.workspace.asRelativePath(child)} is larger than 64 KB; it is not read.`);
          continue;
        }
        let text: string;
        try {
          text = new TextDecoder('utf-8', { fatal: true }).decode(await vscode.workspace.fs.readFile(child));
        } catch {
          this.warnOnce(`Story note ${vscode.workspace.asRelativePath(child)} is not UTF-8 text; it is not read.`);
          continue;
        }
        const { note, problem } = parseNote(name.replace(/\.md$/i, ''), text);
        if (problem) this.warnOnce(`Story note ${vscode.workspace.asRelativePath(child)}: ${problem}.`);
        notes.push(note);
      }
    };
    await walk(dir, 0);
    this.log.info(`Story notes: ${notes.length} read from ${vscode.workspace.asRelativePath(dir)}.`);
    return notes;
  }

  /** For files on disk: whether the path, links resolved, stays inside the workspace folder. */
  private async inside(root: string, uri: vscode.Uri): Promise<boolean> {
    if (!root || uri.scheme !== 'file') return true;
    const real = await realpath(uri.fsPath).catch(() => null);
    if (!real) return false;
    const rel = relative(root, real);
    return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
  }

  private warnOnce(message: string): void {
    if (this.warned.has(message)) return;
    this.warned.add(message);
    this.log.warn(message);
  }

  /** Drops the notes read of a folder where one of `uris` is a note (or the notes folder). */
  private touched(uris: readonly vscode.Uri[]): void {
    for (const [key, library] of this.libraries) {
      const [folder, notesFolder] = key.split('\u0000') as [string, string];
      const prefix = `${folder.replace(/\/$/, '')}/${notesFolder}`;
      if (uris.some((u) => u.toString() === prefix || u.toString().startsWith(`${prefix}/`) || vscode.Uri.file(u.fsPath).toString().startsWith(`${prefix}/`))) {
        library.watcher.dispose();
        this.libraries.delete(key);
      }
    }
  }

  /** Reads every notes folder again on the next request. */
  reload(): void {
    this.forget();
  }

  private forget(): void {
    for (const l of this.libraries.values()) l.watcher.dispose();
    this.libraries.clear();
  }

  dispose(): void {
    this.forget();
    this.disposables.forEach((d) => d.dispose());
  }
}

/** The document a request is for, from its caller ("ghost:URI", "command:URI"). */
function documentOf(caller: string | undefined): vscode.Uri | null {
  const m = caller ? /^(?:ghost|command|words):(.+)$/.exec(caller) : null;
  if (!m) return null;
  try {
    return vscode.Uri.parse(m[1]!, true);
  } catch {
    return null;
  }
}

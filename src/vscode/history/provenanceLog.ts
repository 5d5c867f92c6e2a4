/**
 * The provenance log: when the writer turns it on (`inkling.provenance.enabled`), every text
 * Inkling inserts is recorded as one JSON line in `<workspace folder>/.inkling/provenance.jsonl`,
 * so AI-written lines can be disclosed or reviewed. Nothing is written while it is off; files
 * outside a workspace folder (and untitled ones) are not recorded, and the writer is told once.
 */
import * as vscode from 'vscode';
import { appendFile, mkdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { EngineLogger } from '../../client/engineClient';
import { provenanceLine, provenanceRecord, type ProvenanceInput } from '../../writing/history/provenanceRecord';
import { commandSettings } from '../service/settings';

export const PROVENANCE_FOLDER = '.inkling';
export const PROVENANCE_FILE = 'provenance.jsonl';

export type ProvenanceEntry = Omit<ProvenanceInput, 'document' | 'time' | 'start'> & { offset: number };

/** An insertion as it is recorded (whether or not the log is on), with the document version right after it. */
export interface RecordedInsertion {
  document: vscode.TextDocument;
  entry: ProvenanceEntry;
  version: number;
  /** A streamed insertion, made of several edits: the version before the first (the ones after it are all Inkling's). */
  sinceVersion?: number;
}

export class ProvenanceLog implements vscode.Disposable {
  private writes: Promise<void> = Promise.resolve();
  private readonly told = new Set<string>();
  private readonly recordedEmitter = new vscode.EventEmitter<RecordedInsertion>();
  /** Every text Inkling inserts, log or no log (who wrote what follows them). */
  readonly onDidRecord = this.recordedEmitter.event;

  constructor(private readonly logger: EngineLogger) {}

  dispose(): void {
    this.recordedEmitter.dispose();
  }

  /** The file a document's records go to, or null when it has none. */
  fileFor(document: vscode.TextDocument): vscode.Uri | null {
    const folder = vscode.workspace.getWorkspaceFolder(document.uri);
    if (document.isUntitled || document.uri.scheme !== 'file' || !folder || folder.uri.scheme !== 'file') return null;
    return vscode.Uri.joinPath(folder.uri, PROVENANCE_FOLDER, PROVENANCE_FILE);
  }

  /** Records one insertion if the log is on for the document; resolves once it is written. */
  record(document: vscode.TextDocument, entry: ProvenanceEntry, sinceVersion?: number): Promise<void> {
    if (entry.text && !document.isClosed) this.recordedEmitter.fire({ document, entry, version: document.version, sinceVersion });
    if (!commandSettings(document).provenance || !entry.text) return Promise.resolve();
    const file = this.fileFor(document);
    const folder = vscode.workspace.getWorkspaceFolder(document.uri);
    if (!file || !folder) {
      this.tellOnce(document.isUntitled ? 'untitled' : 'outside', document.isUntitled
        ? vscode.l10n.t('Inkling provenance log: untitled files are not recorded. Save the file in a workspace folder to record what Inkling writes in it.')
        : vscode.l10n.t('Inkling provenance log: this file is outside the workspace folders, so what Inkling writes in it is not recorded.'));
      return Promise.resolve();
    }
    const { offset, ...rest } = entry;
    const start = document.positionAt(offset);
    const line = provenanceLine(
      provenanceRecord({ ...rest, time: new Date(), document: relative(folder.uri.fsPath, document.uri.fsPath), start: { line: start.line, character: start.character } }),
    );
    // One write at a time, in order: records never interleave.
    this.writes = this.writes.then(async () => {
      try {
        await mkdir(join(folder.uri.fsPath, PROVENANCE_FOLDER), { recursive: true });
        await appendFile(file.fsPath, line, 'utf8');
      } catch (e) {
        this.logger.error(`Could not write the provenance log ${file.fsPath}: ${(e as Error).message}`);
        this.tellOnce('error', vscode.l10n.t('Inkling could not write its provenance log ({0}). See the log.', (e as Error).message));
      }
    });
    return this.writes;
  }

  private tellOnce(key: string, message: string): void {
    if (this.told.has(key)) return;
    this.told.add(key);
    void vscode.window.showWarningMessage(message);
  }
}

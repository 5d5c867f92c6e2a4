/**
 * The palette side of Inkling: Continue This Poem, Show Alternatives, Regenerate, Expand
 * Outline, with the last insertion per document followed through edits and, when the writer
 * turns it on, a provenance log.
 */
import * as vscode from 'vscode';
import type { EngineLogger } from '../../client/engineClient';
import { InsertionTracker } from '../../writing/history/insertionTracker';
import { showAlternatives, type AlternativesResult } from './alternativesCommand';
import { continueWriting } from './continueCommand';
import type { EngineService } from '../service/engineService';
import { expandOutline } from './outlineCommand';
import { ProvenanceLog } from '../history/provenanceLog';
import { regenerate } from './regenerateCommand';
import { AuthorshipService, toggleAuthorship } from '../history/authorship';
import { BranchHistories } from '../history/branchHistory';
import { registerBranchCommands } from '../history/branchCommands';
import { BranchesView } from '../history/branchesView';
import { GhostAcceptance } from '../ghost/ghostAcceptance';
import { chooseWord } from './wordChoiceCommand';
import { WordChoices } from '../history/wordChoices';
import type { InsertionDetail, WritingContext } from './writingContext';

export class WritingCommands implements vscode.Disposable, WritingContext {
  readonly tracker = new InsertionTracker<InsertionDetail>();
  readonly provenance: ProvenanceLog;
  readonly busy = new Set<string>();
  readonly wordChoices: WordChoices;
  /** Ghost text taken becomes an insertion too (set as the ghost-text provider's hook). */
  readonly ghostAcceptance: GhostAcceptance;
  readonly branches: BranchHistories;
  readonly branchesView: BranchesView;
  /** Who wrote what: Inkling's ranges in each document. */
  readonly authorship: AuthorshipService;
  /** The last Show Alternatives, for tests and diagnostics. */
  lastAlternatives: AlternativesResult | null = null;
  private readonly disposables: vscode.Disposable[];

  constructor(
    readonly engine: EngineService,
    logger: EngineLogger,
  ) {
    this.provenance = new ProvenanceLog(logger);
    this.wordChoices = new WordChoices(engine, logger);
    this.ghostAcceptance = new GhostAcceptance(this);
    this.branches = new BranchHistories(logger, this.provenance);
    this.branchesView = new BranchesView(this.branches);
    this.authorship = new AuthorshipService(logger, this.provenance);
    this.disposables = [
      this.provenance,
      this.authorship,
      vscode.commands.registerCommand('inkling.toggleAuthorship', () => toggleAuthorship()),
      vscode.commands.registerCommand('inkling.exportDisclosure', () => this.authorship.exportDisclosure(vscode.window.activeTextEditor?.document)),
      this.branches,
      this.branchesView,
      ...registerBranchCommands(this.branches),
      vscode.commands.registerCommand('inkling.ghostTextAccepted', (id: unknown, index: unknown) => this.ghostAcceptance.accepted(id, index)),
      this.wordChoices,
      vscode.languages.registerHoverProvider([{ scheme: 'file' }, { scheme: 'untitled' }], this.wordChoices),
      vscode.commands.registerCommand('inkling.chooseWord', (args?: Parameters<typeof chooseWord>[1]) => chooseWord(this, args)),
      // Plain commands, not text-editor ones: those run inside an edit and drop the return value.
      vscode.commands.registerCommand('inkling.continueWriting', () => inEditor((editor) => continueWriting(this, editor))),
      vscode.commands.registerCommand('inkling.showAlternatives', () => inEditor(async (editor) => (this.lastAlternatives = await showAlternatives(this, editor)))),
      vscode.commands.registerCommand('inkling.regenerate', () => inEditor((editor) => regenerate(this, editor))),
      vscode.commands.registerCommand('inkling.expandOutline', () => inEditor((editor) => expandOutline(this, editor))),
      vscode.workspace.onDidChangeTextDocument((e) => {
        const key = e.document.uri.toString();
        // Change events list their edits from the end of the document back, so offsets stay valid one by one.
        for (const c of [...e.contentChanges].sort((a, b) => b.rangeOffset - a.rangeOffset)) {
          this.tracker.applyEdit(key, { offset: c.rangeOffset, deleted: c.rangeLength, inserted: c.text });
        }
      }),
      vscode.workspace.onDidCloseTextDocument((d) => this.tracker.forget(d.uri.toString())),
    ];
  }

  dispose(): void {
    this.disposables.forEach((d) => d.dispose());
  }
}

function inEditor<T>(command: (editor: vscode.TextEditor) => Promise<T>): Promise<T | undefined> {
  const editor = vscode.window.activeTextEditor;
  if (!editor) {
    void vscode.window.showInformationMessage(vscode.l10n.t('Open a poem or a story first: Inkling writes in the active editor.'));
    return Promise.resolve(undefined);
  }
  if (editor.document.isClosed) return Promise.resolve(undefined);
  return command(editor);
}

/** Registers the writing commands; the returned object is disposed with the extension. */
export function registerWritingCommands(engine: EngineService, logger: EngineLogger): WritingCommands {
  return new WritingCommands(engine, logger);
}

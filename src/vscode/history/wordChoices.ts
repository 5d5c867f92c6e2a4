/**
 * Word alternatives in the editor: with `inkling.alternatives.wordChoices` on, every insertion
 * Inkling makes keeps each token's probability and the model's other likely choices there;
 * hovering a word of unedited Inkling text shows them (each a command link that rewrites the rest
 * of the insertion from that word, see wordChoiceCommand.ts), and words the model was unsure of
 * are shaded. An edit that touches an insertion forgets its choices. With the setting off, no
 * probability is asked of the engine and nothing is kept.
 */
import * as vscode from 'vscode';
import { lineEndingsOnly, type LineEnding } from '../../writing/history/lineEndings';
import type { EngineLogger } from '../../client/engineClient';
import type { FormConstraint, GeneratedToken, GenerateParams } from '../../common/generation';
import type { TextKindName } from '../../writing/prompts/text/textKind';
import { alignTokens, choiceLabel, choiceLabelAt, choiceUnits, offeredAlternatives, percent, spansInCrlf, WordChoiceStore, type ChoiceInsertion, type ChoiceUnit } from '../../writing/history/wordChoices';
import { endedByModel, commandParams } from '../../writing/prompts/commands/commandParams';
import type { SamplingSettings } from '../../writing/settings/samplingSettings';
import type { WritingRequest } from '../../writing/prompts/commands/continuationRequest';
import type { WritingCommand } from '../../writing/history/provenanceRecord';
import type { EngineService } from '../service/engineService';
import { guarded } from '../service/logger';
import { SECTION, wordChoiceSettings } from '../service/settings';
import type { InsertionRecord, WordChoiceKeeper } from '../commands/writingContext';

/** Alternatives asked for per token: the "top 5–10". */
export const ALTERNATIVES_PER_TOKEN = 8;

/** What choosing another word needs to know about the insertion it rewrites. */
export interface ChoiceDetail {
  command: WritingCommand;
  kind: TextKindName;
  /** Lines the insertion asked for (verse); 1 for prose. */
  lines: number;
  formConstraint?: FormConstraint;
  sampling: SamplingSettings;
  seed: number;
  /** The command's request, for Regenerate after a word was chosen (ghost text has none). */
  request?: WritingRequest;
}

/** How to ask the engine again for an insertion's tokens (same request, same seed). */
export interface Replay {
  params: GenerateParams;
  /** What the request makes of the model's text (the writing request's `finish`). */
  finish: (raw: string, finished: boolean) => string;
}

/** The arguments of a hover's command link. */
export interface ChooseWordArgs {
  uri: string;
  insertion: number;
  /** Offset of the word in the insertion's text. */
  at: number;
  /** The alternative's text, as the engine reported it. */
  text: string;
}

export class WordChoices implements vscode.Disposable, WordChoiceKeeper, vscode.HoverProvider {
  readonly store = new WordChoiceStore<ChoiceDetail>();
  /** The line ending of each document with insertions, as last seen (to tell a change of line endings from an edit). */
  private readonly eols = new Map<string, LineEnding>();
  /** Replays in flight, for tests: settled when each insertion has its tokens (or was given up). */
  readonly pending = new Set<Promise<void>>();
  /** The last time asking again wrote another text than the one inserted (for diagnostics). */
  lastMismatch: { inserted: string; written: string } | null = null;
  private readonly shade: vscode.TextEditorDecorationType;
  private readonly disposables: vscode.Disposable[];
  private refreshTimer: ReturnType<typeof setTimeout> | null = null;
  private toldNoProbabilities = false;

  constructor(
    private readonly engine: EngineService,
    private readonly logger: EngineLogger,
  ) {
    this.shade = vscode.window.createTextEditorDecorationType({
      backgroundColor: new vscode.ThemeColor('inkling.uncertainWordBackground'),
      borderRadius: '2px',
      rangeBehavior: vscode.DecorationRangeBehavior.ClosedClosed,
    });
    this.disposables = [
      this.shade,
      vscode.workspace.onDidChangeTextDocument(
        guarded(logger, 'Following word choices through an edit', (e: vscode.TextDocumentChangeEvent) => {
          const key = e.document.uri.toString();
          if (!this.store.list(key).length) return;
          const edits = [...e.contentChanges].sort((a, b) => b.rangeOffset - a.rangeOffset).map((c) => ({ offset: c.rangeOffset, deleted: c.rangeLength, inserted: c.text }));
          // A change of line endings arrives as one edit over the whole text: the words stay.
          const from = this.eols.get(key);
          const eol = e.document.eol === vscode.EndOfLine.CRLF ? '\r\n' : '\n';
          this.eols.set(key, eol);
          if (from && from !== eol && lineEndingsOnly(edits, e.document.getText(), from, eol)) {
            this.store.changeEol(key, e.document.getText(), from, eol);
            this.refreshSoon();
            return;
          }
          let changed = false;
          for (const edit of edits) changed = this.store.applyEdit(key, edit) || changed;
          if (changed) this.refreshSoon();
        }),
      ),
      vscode.workspace.onDidCloseTextDocument((d) => {
        this.store.forget(d.uri.toString());
        this.eols.delete(d.uri.toString());
      }),
      vscode.workspace.onDidRenameFiles((e) =>
        e.files.forEach((f) => {
          this.store.rename(f.oldUri.toString(), f.newUri.toString());
          const eol = this.eols.get(f.oldUri.toString());
          this.eols.delete(f.oldUri.toString());
          if (eol) this.eols.set(f.newUri.toString(), eol);
        }),
      ),
      vscode.window.onDidChangeVisibleTextEditors(() => this.refreshSoon()),
      vscode.workspace.onDidChangeConfiguration(
        guarded(logger, 'Applying the word-choice settings', (e: vscode.ConfigurationChangeEvent) => {
          if (!e.affectsConfiguration(`${SECTION}.alternatives`)) return;
          if (!wordChoiceSettings().enabled) this.store.clear();
          this.refreshSoon();
        }),
      ),
    ];
  }

  /** Alternatives per token to ask for in this document: 0 when word choices are off or the engine cannot say. */
  probabilitiesFor(document: vscode.TextDocument): number {
    if (!wordChoiceSettings(document).enabled) return 0;
    if (!this.engine.capabilities.tokenProbabilities) {
      if (!this.toldNoProbabilities) {
        this.toldNoProbabilities = true;
        this.logger.info('Word alternatives: the engine writing now does not report token probabilities, so no word keeps its alternatives while it writes.');
      }
      return 0;
    }
    return ALTERNATIVES_PER_TOKEN;
  }

  /** Keeps a command's insertion with its tokens; without them, asks the engine again for them. */
  keep(document: vscode.TextDocument, r: InsertionRecord): void {
    if (!r.text || !this.probabilitiesFor(document)) return;
    const detail: ChoiceDetail = { command: r.command, kind: r.request.kind, lines: r.request.lines, formConstraint: r.request.formConstraint, sampling: r.sampling, seed: r.seed, request: r.request };
    const replay = { params: commandParams(r.request, r.sampling, wordsCaller(document), { seed: r.seed, stream: false }), finish: r.request.finish };
    this.track(document, r.offset, r.text, detail, r.tokens, replay);
  }

  /**
   * Keeps an insertion. With `tokens`, at once; otherwise the replay's request is sent again
   * with probabilities, and its tokens are kept only if it writes the same text (a cache reused
   * differently can change an int8 model's sample).
   */
  track(document: vscode.TextDocument, offset: number, text: string, detail: ChoiceDetail, tokens: GeneratedToken[] | undefined, replay: Replay | null): ChoiceInsertion<ChoiceDetail> | null {
    if (!this.probabilitiesFor(document)) return null;
    const key = document.uri.toString();
    this.eols.set(key, document.eol === vscode.EndOfLine.CRLF ? '\r\n' : '\n');
    const insertion = this.store.record(key, offset, text, [], detail);
    if (tokens) this.setTokens(document, insertion, tokens);
    else if (replay) {
      const done = this.replay(document, insertion, replay).finally(() => this.pending.delete(done));
      this.pending.add(done);
    }
    return insertion;
  }

  /** Aligns tokens with an insertion's text and shows them. */
  setTokens(document: vscode.TextDocument, insertion: ChoiceInsertion<ChoiceDetail>, tokens: GeneratedToken[]): void {
    const lf = insertion.text.replace(/\r\n/g, '\n');
    const spans = alignTokens(tokens, lf);
    insertion.spans = lf === insertion.text ? spans : spansInCrlf(spans, lf);
    insertion.units = choiceUnits(insertion.text, insertion.spans);
    if (!insertion.units.length) this.store.remove(document.uri.toString(), insertion.id);
    this.refreshSoon();
  }

  private async replay(document: vscode.TextDocument, insertion: ChoiceInsertion<ChoiceDetail>, replay: Replay): Promise<void> {
    const key = document.uri.toString();
    try {
      // Its own caller: the writer's next keystroke must not cancel it, nor it a suggestion.
      const result = await this.engine.generate({ ...replay.params, caller: wordsCaller(document), n: 1, stream: false, probabilities: ALTERNATIVES_PER_TOKEN });
      const text = replay.finish(result.text, endedByModel(result.stopReason));
      const inserted = insertion.text.replace(/\r\n/g, '\n');
      if (!result.tokens || text !== inserted) {
        this.lastMismatch = { inserted, written: text };
        this.logger.debug(`Word alternatives: asking again wrote ${JSON.stringify(text.slice(0, 40))}, not the inserted ${JSON.stringify(inserted.slice(0, 40))}; this insertion keeps none.`);
        this.store.remove(key, insertion.id);
        return;
      }
      // The insertion may have been edited (and forgotten) meanwhile.
      if (this.store.get(key, insertion.id) === insertion) this.setTokens(document, insertion, result.tokens);
    } catch (e) {
      this.store.remove(key, insertion.id);
      this.engine.reportError(e);
    }
  }

  /** The insertion and word under a position, if the insertion is still as written. */
  wordAt(document: vscode.TextDocument, position: vscode.Position): { insertion: ChoiceInsertion<ChoiceDetail>; unit: ChoiceUnit } | undefined {
    const key = document.uri.toString();
    const found = this.store.at(key, document.offsetAt(position));
    if (!found) return undefined;
    if (!this.isIntact(document, found.insertion)) return undefined;
    return found;
  }

  /** Whether an insertion's text is in the document exactly as inserted; forgets it when not. */
  isIntact(document: vscode.TextDocument, insertion: ChoiceInsertion<ChoiceDetail>): boolean {
    const range = new vscode.Range(document.positionAt(insertion.start), document.positionAt(insertion.start + insertion.text.length));
    if (document.getText(range) === insertion.text) return true;
    this.store.remove(document.uri.toString(), insertion.id);
    return false;
  }

  provideHover(document: vscode.TextDocument, position: vscode.Position): vscode.Hover | undefined {
    if (!wordChoiceSettings(document).enabled) return undefined;
    const found = this.wordAt(document, position);
    if (!found) return undefined;
    const { insertion, unit } = found;
    const token = insertion.spans[unit.span]!.token;
    const word = insertion.text.slice(unit.start, unit.end);
    const md = new vscode.MarkdownString(undefined, true);
    md.isTrusted = { enabledCommands: ['inkling.chooseWord'] };
    md.appendMarkdown(vscode.l10n.t('**Inkling** chose **{0}** here: {1}', escape(word), percent(token.probability)));
    if (choiceLabel(token.text) !== word) md.appendMarkdown(` ${vscode.l10n.t('*(its first piece, {0})*', escape(choiceLabel(token.text)))}`);
    md.appendMarkdown('\n\n');
    const offered = offeredAlternatives(token);
    if (!offered.length) {
      md.appendMarkdown(vscode.l10n.t('The model saw no other choice here after your sampling settings.'));
    } else {
      md.appendMarkdown(`${vscode.l10n.t('It could also have written:')}\n\n`);
      const before = insertion.text.slice(0, insertion.spans[unit.span]!.start);
      for (const a of offered) {
        const args: ChooseWordArgs = { uri: document.uri.toString(), insertion: insertion.id, at: unit.start, text: a.text };
        const link = `command:inkling.chooseWord?${encodeURIComponent(JSON.stringify([args]))}`;
        md.appendMarkdown(`- [${escape(choiceLabelAt(a.text, before))}](${link} "${vscode.l10n.t('Rewrite from this word')}") ${percent(a.probability)}\n`);
      }
      md.appendMarkdown(`\n${vscode.l10n.t('Choosing one rewrites the rest of this passage from that word, as one undo step.')}`);
    }
    const range = new vscode.Range(document.positionAt(insertion.start + unit.start), document.positionAt(insertion.start + unit.end));
    return new vscode.Hover(md, range);
  }

  /** Shades the words the model was unsure of, in every visible editor. */
  refresh(): void {
    this.refreshTimer = null;
    for (const editor of vscode.window.visibleTextEditors) {
      const settings = wordChoiceSettings(editor.document);
      const ranges: vscode.DecorationOptions[] = [];
      if (settings.enabled && settings.shadeBelow > 0) {
        for (const insertion of this.store.list(editor.document.uri.toString())) {
          for (const u of insertion.units) {
            if (u.probability >= settings.shadeBelow) continue;
            ranges.push({ range: new vscode.Range(editor.document.positionAt(insertion.start + u.start), editor.document.positionAt(insertion.start + u.end)) });
          }
        }
      }
      editor.setDecorations(this.shade, ranges);
    }
  }

  private refreshSoon(): void {
    this.refreshTimer ??= setTimeout(() => this.refresh(), 50);
  }

  dispose(): void {
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    this.disposables.forEach((d) => d.dispose());
  }
}

/**
 * The caller id for asking again for an insertion's tokens: its own, so it supersedes neither a
 * command nor ghost text in the document, and still gets the document's story notes.
 */
export function wordsCaller(document: vscode.TextDocument): string {
  return `words:${document.uri.toString()}`;
}

/** Escapes text for Markdown (a word may be `*` or `[`). */
function escape(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>~]/g, (c) => `\\${c}`);
}

/**
 * A command's prose paragraph (FormConstraint.paragraph): the paragraph, and the text, may end
 * only after a sentence end. Inkling's own model closes a paragraph on a comma or a colon now and
 * then ("agreeable to me by some few hours," then a blank line), and a continuation that stops
 * there leaves its sentence cut off; the request's cut can only go back to an earlier sentence,
 * and a one-sentence paragraph has none.
 */
import { endsSentence } from '../../writing/prompts/text/sentenceEnd';
import { ban, boost, keepOnly } from '../decode/logitShaping';
import type { VocabularyIndex } from '../tokens/vocabularyIndex';
import type { RowShaping, Shaping } from './shaping';

/** Tokens before the budget's end from which a sentence's closing marks are nudged. */
export const CLOSING_TOKENS = 12;
/** The nudge (a logit) at the budget's last tokens; it grows to it from nothing. */
export const CLOSING_BOOST = 6;

export class ParagraphSteering implements Shaping {
  constructor(
    private readonly vocab: VocabularyIndex,
    private readonly eosIds: ReadonlySet<number>,
  ) {}

  row(): RowShaping {
    return this.shaping;
  }

  /** No state of its own: every row reads only its text. */
  private readonly shaping: RowShaping = {
    shape: (logits, text, tokensLeft) => this.shape(logits, text, tokensLeft),
    accept: () => {},
    stopAt: () => null,
    clone: () => this.shaping,
  };

  private shape(logits: Float32Array, text: string, tokensLeft = Infinity): void {
    const v = this.vocab;
    const written = /[\p{L}\p{N}]/u.test(text);
    // Near the end of the budget the paragraph is brought to a close, nudged ever harder: an open
    // sentence toward a mark that ends it (with the last token, after a word, only such a mark),
    // a closed one toward the paragraph's end rather than a sentence the budget would cut.
    const nudge = written && tokensLeft <= CLOSING_TOKENS ? CLOSING_BOOST * (1 - (tokensLeft - 1) / CLOSING_TOKENS) : 0;
    if (written && endsSentence(text)) {
      if (tokensLeft <= 1) keepOnly(logits, (id) => this.eosIds.has(id) || v.newlines[id]! > 0, [...this.eosIds, ...v.lineBreaks, ...v.blankLines]);
      else if (nudge > 0) boost(logits, [...this.eosIds, ...v.blankLines], nudge);
      return;
    }
    // Nothing written yet, or a sentence open: the paragraph goes on, on the same line (a line
    // break there reads as a new paragraph to the model, which then begins one without a full stop).
    for (const id of this.eosIds) logits[id] = -Infinity;
    ban(logits, v.lineBreaks.concat(v.blankLines));
    if (nudge === 0) return;
    if (tokensLeft <= 1 && /[\p{L}\p{N}"'\u201D\u2019)\]]$/u.test(text)) keepOnly(logits, (id) => v.closesSentence[id] === 1, v.sentenceClosers);
    else boost(logits, v.sentenceClosers, nudge);
  }
}

/**
 * What the decode loop asks of a request's steering (GenerationHooks.form): a row of state per
 * sequence that shapes its logits, follows its tokens, may stop it, and is copied when a beam or
 * a banned phrase's back-off forks the row. Verse (FormSteering) and prose paragraphs
 * (ParagraphSteering) both give one.
 */
export interface RowShaping {
  /** Shapes one row of logits in place, given the text generated so far and the tokens the budget still allows. */
  shape(logits: Float32Array, text: string, tokensLeft?: number): void;
  /** The token chosen, and the text with it. */
  accept(token: number, text: string): void;
  /** The text cut where the steering ends it, or null while it goes on. */
  stopAt(text: string): string | null;
  clone(): RowShaping;
}

export interface Shaping {
  row(): RowShaping;
}

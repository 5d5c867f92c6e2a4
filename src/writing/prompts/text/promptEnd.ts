/**
 * A prompt that ends in spaces or tabs asks for a new word. Tokenizers fold a space into the
 * word after it ("▁just", " just"), so a prompt sent with its trailing space ends in a lone
 * space token the model has rarely seen, and a prompt sent without it is continued mid-word
 * ("of fj" → "ust"). Every engine therefore sends the prompt without the blank and requires
 * the continuation to begin with it; the text it returns continues the prompt as given, so
 * the blank is not repeated.
 */
export interface PromptEnd {
  /** The prompt without its trailing spaces and tabs: what the model reads. */
  text: string;
  /** The spaces and tabs removed: the continuation must begin with them ('' when none). */
  blank: string;
}

export function splitPromptEnd(prompt: string): PromptEnd {
  const m = /[ \t]+$/.exec(prompt);
  // A prompt of nothing but blanks keeps them: there is no word before them to continue.
  if (!m || m.index === 0) return { text: prompt, blank: '' };
  return { text: prompt.slice(0, m.index), blank: m[0] };
}

/**
 * Whether a piece of text may come next after `written` (text generated so far) when the
 * continuation must begin with `blank`: until the blank is complete, only pieces that agree with
 * it (" just" or " " for a blank of one space) are allowed.
 */
export function agreesWithBlank(blank: string, written: string, piece: string): boolean {
  if (written.length >= blank.length) return true;
  const rest = blank.slice(written.length);
  if (piece.length === 0) return false;
  return piece.startsWith(rest) || rest.startsWith(piece);
}

/** The continuation with the required blank removed (it is already in the writer's text). */
export function dropBlank(blank: string, text: string): string {
  return blank && text.startsWith(blank) ? text.slice(blank.length) : text;
}

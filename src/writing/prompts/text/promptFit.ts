/**
 * Keeps a prompt within a server's context. The worker cuts its token ids itself; a server sees
 * text, so the host cuts the text: by an estimate of characters per token (learnt from what the
 * server reports), at a line start (or else a word start), and on a stride — the cut moves only
 * when the prompt has grown by a quarter of the room — so a prompt that grows as the writer types
 * keeps its start, and the server's prompt cache keeps matching.
 */
export interface PromptFit {
  /** The prompt's end that fits. */
  text: string;
  /** Characters left out at the start. */
  cut: number;
}

export function fitPrompt(prompt: string, contextTokens: number, maxNewTokens: number, charsPerToken: number): PromptFit {
  // A margin for the estimate's error and the tokens a server adds (BOS).
  const roomTokens = Math.max(16, Math.floor((contextTokens - maxNewTokens) * 0.9) - 8);
  // Rounded down to a grid, so that a slightly better estimate does not move the cut.
  const room = Math.max(64, Math.floor((roomTokens * charsPerToken) / 256) * 256);
  if (prompt.length <= room) return { text: prompt, cut: 0 };
  const stride = Math.max(16, Math.floor(room / 4));
  const over = prompt.length - room;
  let cut = Math.ceil(over / stride) * stride;
  // Start at the next line, or else the next word, if one is near.
  const line = prompt.indexOf('\n', cut);
  if (line >= 0 && line - cut < stride) cut = line + 1;
  else {
    const word = prompt.slice(cut).search(/\s\S/);
    if (word >= 0 && word < 64) cut += word + 1;
  }
  return { text: prompt.slice(cut), cut };
}

/**
 * The end of a text, at most about `maxChars` long, for a tokenizer that would otherwise read a
 * whole manuscript: cut on a grid of `grid` characters from the start (so a text that grows at
 * its end keeps its cut, and a model's cache keeps matching, until it has grown by a grid step),
 * then moved to the next line or word start nearby.
 */
export function textTail(text: string, maxChars: number, grid = 4096): PromptFit {
  if (text.length <= maxChars) return { text, cut: 0 };
  // The grid is at most a quarter of what is kept, so at least three quarters of it remain.
  const step = Math.max(1, Math.min(grid, Math.floor(maxChars / 4)));
  let cut = Math.ceil((text.length - maxChars) / step) * step;
  // Start at the next line, or else the next word, when one is near: never past what must remain.
  const latest = text.length - Math.ceil(maxChars / 2);
  const line = text.indexOf('\n', cut);
  if (line >= 0 && line - cut < Math.min(1024, step) && line + 1 <= latest) cut = line + 1;
  else {
    const word = text.slice(cut, cut + 256).search(/\s\S/);
    if (word >= 0 && cut + word + 1 <= latest) cut += word + 1;
  }
  return { text: text.slice(cut), cut };
}

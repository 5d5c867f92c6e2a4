/**
 * A writer typing verse, as the benchmarks replay it: the first 3,000 characters of the
 * sonnets, then one word at a time, with the product's own ghost request after each word
 * (~500-token prompts that mostly extend the last one, so the engine's prompt cache works as it
 * does for a writer). Yields up to `count` one-line requests.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildGhostRequest, GHOST_PROMPT_CHARS } from '../src/writing/prompts/ghostRequest';
import { corpusDir } from '../test/support/paths';

export interface TypedRequest {
  /** 1, 2, … : which request this is. */
  index: number;
  prompt: string;
  sampling: { maxNewTokens: number; stopStrings: string[]; seed: number };
}

export function* ghostRequestsWhileTyping(count: number): Generator<TypedRequest> {
  const sonnets = readFileSync(join(corpusDir, 'sonnets-001-077.txt'), 'utf8');
  const words = sonnets.slice(3000).split(/(?<=\s)(?=\S)/);
  let typed = sonnets.slice(0, 3000);
  for (let i = 0, asked = 0; asked < count && i < words.length; i++) {
    typed += words[i]!;
    const request = buildGhostRequest({ text: typed, offset: typed.length, explicit: false, maxPromptChars: GHOST_PROMPT_CHARS, maxWords: 12 });
    if (!request.ok) continue;
    asked++;
    yield { index: asked, prompt: request.prompt, sampling: { maxNewTokens: Math.min(16, request.maxNewTokens), stopStrings: request.stopStrings, seed: i } };
  }
}

/**
 * A writer typing verse, as the benchmarks replay it: the first 3,000 characters of the
 * sonnets, then one word at a time, with the product's own ghost request after each word
 * (~500-token prompts that mostly extend the last one, so the engine's prompt cache works as it
 * does for a writer). Yields up to `count` one-line requests. Each carries the form-keeping the
 * editor sends with it under the default settings (src/vscode/ghost/ghostText.ts: the line's
 * length and rhyme planned by the worker, the text before the cursor as the rhyme habit's
 * context); `{ form: false }` leaves it out (the raw model, as benchmarks measured before
 * 2026-11-30).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FormConstraint } from '../src/common/generation';
import { buildGhostRequest, GHOST_PROMPT_CHARS } from '../src/writing/prompts/ghost/ghostRequest';
import { DEFAULT_FORM_SETTINGS, ghostForm } from '../src/writing/verse/lines/formRequest';
import { corpusDir } from '../test/support/paths';

export interface TypedRequest {
  /** 1, 2, … : which request this is. */
  index: number;
  /** Everything typed so far (the document before the cursor). */
  typed: string;
  prompt: string;
  sampling: { maxNewTokens: number; stopStrings: string[]; seed: number };
  form?: FormConstraint;
  formContext?: string;
}

export function* ghostRequestsWhileTyping(count: number, options: { form?: boolean; promptChars?: number } = {}): Generator<TypedRequest> {
  const sonnets = readFileSync(join(corpusDir, 'sonnets-001-077.txt'), 'utf8');
  const words = sonnets.slice(3000).split(/(?<=\s)(?=\S)/);
  let typed = sonnets.slice(0, 3000);
  for (let i = 0, asked = 0; asked < count && i < words.length; i++) {
    typed += words[i]!;
    const request = buildGhostRequest({ text: typed, offset: typed.length, explicit: false, maxPromptChars: options.promptChars ?? GHOST_PROMPT_CHARS, maxWords: 12 });
    if (!request.ok) continue;
    asked++;
    const { form, formContext } = options.form === false ? {} : ghostForm(request.kind, DEFAULT_FORM_SETTINGS, typed);
    yield {
      index: asked,
      typed,
      prompt: request.prompt,
      sampling: { maxNewTokens: Math.min(16, request.maxNewTokens), stopStrings: request.stopStrings, seed: i },
      ...(form ? { form } : {}),
      ...(formContext ? { formContext } : {}),
    };
  }
}

// Documents of every awkward kind (binary, NUL bytes, lone surrogates, 100,000-character lines,
// right-to-left and CJK text, CRLF) at every kind of cursor: the request builders and the form
// analysis never throw, and what they ask for is made of the text before the cursor.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { forEachCase } from '../../support/fuzz';
import { buildGhostRequest, GHOST_PROMPT_CHARS } from '../../../src/writing/prompts/ghost/ghostRequest';
import { buildContinuationRequest } from '../../../src/writing/prompts/commands/continuationRequest';
import { analyzePoemForm } from '../../../src/writing/verse/poem/poemForm';
import { planLine } from '../../../src/writing/verse/lines/linePlan';
import { trimOverlap } from '../../../src/writing/prompts/ghost/overlap';
import { windowAround } from '../../../src/writing/prompts/text/textWindow';
import { lineGrammar } from '../../../src/writing/verse/lines/lineGrammar';

describe('hostile documents, fuzzed', () => {
  it('ghost text and Continue: a request (or a reason for none), built from the text before the cursor', () => {
    forEachCase('request builders', (f) => {
      const text = Array.from({ length: f.int(4) + 1 }, () => f.text(f.pick([50, 400, 3000]))).join(f.pick(['', '\n', '\n\n', '\r\n']));
      const offset = f.int(text.length + 1);
      const ghost = buildGhostRequest({ text, offset, explicit: f.next() < 0.5, maxPromptChars: GHOST_PROMPT_CHARS, maxWords: 12 });
      if (ghost.ok) {
        assert.ok(text.slice(0, offset).endsWith(ghost.prompt), 'the prompt is the end of the text before the cursor');
        assert.ok(ghost.prompt.length <= GHOST_PROMPT_CHARS + 1);
        assert.equal(typeof ghost.finish(f.text(60)), 'string');
      }
      const cont = buildContinuationRequest({ text, offset, lines: f.int(5) });
      if (cont.ok) {
        assert.ok(cont.maxNewTokens > 0);
        assert.equal(typeof cont.finish(f.text(80), f.next() < 0.5), 'string');
      } else assert.ok(cont.message.length > 0);
      const w = windowAround(offset, text.length, (o) => text.lastIndexOf('\n', o - 1) + 1);
      assert.ok(w.start <= offset && offset <= w.end);
    }, 200);
  });

  it('form analysis, line plans and verse grammars take any text', () => {
    forEachCase('form analysis', (f) => {
      const text = f.text(f.pick([80, 800]));
      const form = analyzePoemForm(text, { kind: f.pick(['verse', 'prose', undefined]) });
      assert.ok(form.medianLineLength === null || Number.isFinite(form.medianLineLength));
      const plan = planLine(text, { rhyme: f.next() < 0.5 });
      assert.ok(plan.target === null || (Number.isInteger(plan.target) && plan.target > 0));
      const g = lineGrammar({ unit: plan.unit, target: plan.target, head: f.text(20), midWord: f.next() < 0.3, lead: f.pick(['', ' ', '\n']), rhymes: f.next() < 0.5 ? [f.text(8), 'day'] : [], end: f.pick(['\n', '\n\n']) });
      for (const line of g.split('\n')) assert.match(line, /^[a-zA-Z0-9-]+ ::= /, 'a grammar llama.cpp can parse line by line');
      assert.equal(typeof trimOverlap(f.text(40), f.text(40), f.text(40)), 'string');
    }, 200);
  });
});

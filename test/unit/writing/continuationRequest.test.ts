// The request behind Continue This Poem, Show Alternatives and Regenerate: on the corpus poems,
// continuing a poem with its own next lines gives back exactly those lines, in its form (the rest
// of the stanza, a whole stanza, stanza breaks), never cut inside a word; prose gets a paragraph.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { describeAlternative } from '../../../src/writing/prompts/commands/alternativeLabel';
import { commandParams, endedByModel } from '../../../src/writing/prompts/commands/commandParams';
import {
  buildContinuationRequest,
  fitBetween,
  MAX_CONTINUATION_TOKENS,
  type ContinuationRequest,
  type ContinuationRequestReady,
} from '../../../src/writing/prompts/commands/continuationRequest';
import { DEFAULT_FORM_SETTINGS, formKind, withForm } from '../../../src/writing/verse/lines/formRequest';
import { formContextOf } from '../../../src/writing/verse/scheme/schemeHabit';
import { FORM_CONTEXT_CHARS } from '../../../src/common/generation';
import { dedupeAlternatives, isNearDuplicate } from '../../../src/writing/prompts/commands/nearDuplicate';
import { DEFAULT_SAMPLING } from '../../../src/writing/settings/samplingSettings';
import { corpusDir, repoRoot } from '../../support/paths';

const corpus = (name: string) => readFileSync(join(corpusDir, name), 'utf8');
const workspace = (name: string) => readFileSync(join(repoRoot, 'test', 'fixtures', 'workspace', name), 'utf8');
const ready = (r: ContinuationRequest): ContinuationRequestReady => {
  assert.ok(r.ok, `expected a request, got ${r.ok ? '' : r.reason}`);
  return r;
};
/** Offset just after the line that starts with `start`, and its newline. */
const afterLine = (text: string, start: string) => {
  const i = text.indexOf(start);
  assert.ok(i >= 0, start);
  return text.indexOf('\n', i) + 1;
};
const road = corpus('road-not-taken.txt');
const roadLines = road.split('\n');

describe('continuation request: verse in its form', () => {
  it('writes the rest of the stanza: the poem\'s own next lines come back exactly', () => {
    // Stanza 2 of "The Road Not Taken" has five lines; after its third, two remain.
    const offset = afterLine(road, 'Because it was grassy');
    const r = ready(buildContinuationRequest({ text: road.slice(0, offset), offset }));
    assert.equal(r.kind, 'verse');
    assert.equal(r.lines, 2);
    const generated = road.slice(offset);
    assert.equal(r.finish(generated, false), 'Though as for that the passing there\nHad worn them really about the same,');
    assert.equal(r.isComplete(generated), true);
    assert.equal(r.isComplete('Though as for that the passing there\nHad worn them'), false, 'the second line is not finished yet');
  });

  it('at the end of a line that is whole already, continues on the next line; a half line is finished first', () => {
    // The cursor after "Because it was grassy and wanted wear;" with no line break typed yet.
    const end = afterLine(road, 'Because it was grassy') - 1;
    const r = ready(buildContinuationRequest({ text: road.slice(0, end), offset: end }));
    assert.ok(r.prompt.endsWith('wanted wear;\n'), 'the prompt ends with the line break the writer has not typed');
    assert.equal(r.lines, 2, 'the two lines left in the stanza');
    assert.equal(r.finish(road.slice(end + 1), false), '\nThough as for that the passing there\nHad worn them really about the same,');
    assert.equal(r.finish('', true), '', 'nothing written: nothing inserted, not a bare line break');
    // Half a line: the request finishes it.
    const half = road.indexOf('grassy and wanted wear') + 'grassy'.length;
    const h = ready(buildContinuationRequest({ text: road.slice(0, half), offset: half }));
    assert.ok(h.prompt.endsWith('Because it was grassy'));
    assert.equal(h.finish(road.slice(half), false), ' and wanted wear;\nThough as for that the passing there\nHad worn them really about the same,');
    // A short line ended by a full stop is whole too.
    const shortLine = 'The sea is calm tonight.\nThe tide is full, the moon lies fair\nUpon the straits.';
    assert.ok(ready(buildContinuationRequest({ text: shortLine, offset: shortLine.length, kind: 'verse' })).prompt.endsWith('straits.\n'));
  });

  it('writes a whole stanza of the poem\'s length when a new one begins', () => {
    for (const opening of ['Then took the other', 'And both that morning']) {
      const offset = road.indexOf(opening);
      const r = ready(buildContinuationRequest({ text: road.slice(0, offset), offset }));
      assert.equal(r.lines, 5, opening);
      const first = roadLines.indexOf(roadLines.find((l) => l.startsWith(opening))!);
      assert.equal(r.finish(road.slice(offset), false), roadLines.slice(first, first + 5).join('\n'));
    }
  });

  it('keeps the stanza break where the poem has one, and takes the lines setting', () => {
    const offset = afterLine(road, 'Because it was grassy');
    const r = ready(buildContinuationRequest({ text: road.slice(0, offset), offset, lines: 4 }));
    assert.equal(r.lines, 4);
    assert.equal(
      r.finish(road.slice(offset), false),
      'Though as for that the passing there\nHad worn them really about the same,\n\nAnd both that morning equally lay\nIn leaves no step had trodden black.',
    );
  });

  it('never ends inside a word, wherever the model\'s text is cut off', () => {
    const offset = afterLine(road, 'Then took the other');
    const r = ready(buildContinuationRequest({ text: road.slice(0, offset), offset, lines: 3 }));
    const generated = road.slice(offset);
    const firstSpace = generated.indexOf(' ');
    for (let end = firstSpace + 1; end <= generated.length; end++) {
      const kept = r.finish(generated.slice(0, end), false);
      assert.ok(generated.startsWith(kept), `${JSON.stringify(kept)} is a prefix of the poem`);
      const next = generated[kept.length];
      assert.ok(next === undefined || /\s/.test(next), `cut at ${end}: ${JSON.stringify(kept)} is followed by ${JSON.stringify(next)}`);
      assert.ok(kept.split('\n').length <= 3);
    }
  });

  it('follows the sonnets: line length sizes the budget, and the couplet is kept line by line', () => {
    const sonnets = corpus('sonnets-001-077.txt');
    const offset = sonnets.indexOf('Within thine own bud');
    const r = ready(buildContinuationRequest({ text: sonnets.slice(0, offset), offset }));
    assert.equal(r.kind, 'verse');
    assert.equal(r.finish(sonnets.slice(offset), false).split('\n').length, r.lines);
    assert.ok(r.maxNewTokens >= r.lines * 15 && r.maxNewTokens <= MAX_CONTINUATION_TOKENS, `${r.maxNewTokens} tokens for ${r.lines} lines`);
    assert.deepEqual(r.stopStrings, [], 'verse is cut by lines, not stopped at the first newline');
  });

  it('continues regulated Tang verse line by line', () => {
    const tang = corpus('tang-300-part1.txt');
    const offset = afterLine(tang, '西陸蟬聲唱');
    const r = ready(buildContinuationRequest({ text: tang.slice(0, offset), offset, lines: 2 }));
    assert.equal(r.kind, 'verse');
    assert.equal(r.finish(tang.slice(offset), false), '那堪玄鬢影，來對白頭吟。\n露重飛難進，風多響易沈。');
  });

  it('caps the lines and the budget', () => {
    const offset = road.length;
    const r = ready(buildContinuationRequest({ text: road, offset, lines: 500 }));
    assert.equal(r.lines, 40);
    assert.equal(r.maxNewTokens, MAX_CONTINUATION_TOKENS);
  });
});

describe('continuation request: prose, placement and refusals', () => {
  it('continues prose for the rest of the paragraph, in whole sentences', () => {
    const austen = corpus('pride-and-prejudice-ch01-05.txt');
    const offset = austen.indexOf(' this truth is so well fixed');
    const r = ready(buildContinuationRequest({ text: austen.slice(0, offset), offset }));
    assert.equal(r.kind, 'prose');
    assert.equal(r.lines, 1);
    assert.deepEqual(r.stopStrings, ['\n\n']);
    const rest = austen.slice(offset);
    const paragraph = rest.slice(0, rest.indexOf('\n\n'));
    assert.equal(r.finish(rest, false), paragraph);
    // Cut off by the token limit mid-sentence: whole sentences only.
    const cutOff = ' It is a truth. He said no more than th';
    assert.equal(r.finish(cutOff, false), ' It is a truth.');
  });

  it('runs as long as the writer\'s paragraphs, ending at the first sentence end after that many words', () => {
    const para = (words: number) => `${Array.from({ length: words - 1 }, (_, i) => `word${i}`).join(' ')} end.`;
    // Paragraphs of 30, 40 and 50 words (median 40), hard-wrapped, then a new paragraph begun with 6 words.
    const text = `# A Story\n\n*By Someone*\n\n${[para(30), para(40), para(50)].join('\n\n')}\n\nShe went down to the harbour `;
    const r = ready(buildContinuationRequest({ text, offset: text.length }));
    assert.equal(r.kind, 'prose');
    // The model goes on in sentences of seven words and never breaks the paragraph.
    const sentence = ' and the wind was cold and grey.';
    const generated = `at dawn.${sentence.repeat(20)}`;
    const out = r.finish(generated, false);
    const words = (t: string) => t.match(/[\p{L}\p{N}]+/gu)?.length ?? 0;
    // 40 - 6 = 34 more words: "at dawn." (2) + five sentences (35) = 37, the first sentence end past 34.
    assert.equal(words(out), 37, out);
    assert.match(out, /\.$/);
    assert.ok(r.isComplete(generated), 'generation may stop once the paragraph has its length');
    assert.ok(!r.isComplete(`at dawn.${sentence.repeat(2)}`), 'not before');
    assert.ok(r.maxNewTokens >= 34 * 1.5 && r.maxNewTokens <= 200, `budget ${r.maxNewTokens} follows the length`);
    // A paragraph break before that length still ends it.
    assert.equal(r.finish(`at dawn.${sentence}\n\nNext day.`, false), `at dawn.${sentence}`);
    // Short paragraphs (dialogue): a short continuation.
    const talk = `"Yes," he said.\n\n"No," said she.\n\n"Well then," he said, and left.\n\n"Why" `;
    const t = ready(buildContinuationRequest({ text: talk, offset: talk.length }));
    assert.ok(t.maxNewTokens <= 64, `a short paragraph's budget: ${t.maxNewTokens}`);
  });

  it('the prompt is the text before the cursor with its trailing space (a new word follows), which the continuation never doubles', () => {
    const text = 'Two roads diverged in a yellow wood,\nAnd sorry I could not ';
    const r = ready(buildContinuationRequest({ text, offset: text.length }));
    assert.equal(r.prompt, 'Two roads diverged in a yellow wood,\nAnd sorry I could not ');
    assert.equal(r.finish(' travel both\nAnd be one traveler, long I stood\n', false).startsWith('travel both'), true);
  });

  it('fits between the text before and after the cursor', () => {
    assert.equal(fitBetween('A new line', 'Old line\n', 'Next line\n', 'verse'), 'A new line\n', 'a verse line typed above another ends with a break');
    assert.equal(fitBetween(' compare', 'Shall I', ' thee', 'verse'), ' compare');
    assert.equal(fitBetween(' compare', 'Shall I', 'thee', 'verse'), ' compare ');
    assert.equal(fitBetween(' She smiled.', 'He left.', 'Then night.', 'prose'), ' She smiled. ');
    assert.equal(fitBetween('   ', 'x', '', 'prose'), '');
  });

  it('refuses front matter, code and an empty document with what to do', () => {
    const code = workspace('code.md');
    const inCode = code.indexOf('.toLowerCase()');
    const refused = buildContinuationRequest({ text: code, offset: inCode });
    assert.equal(refused.ok, false);
    assert.equal(!refused.ok && refused.reason, 'code-block');
    assert.match(!refused.ok ? refused.message : '', /code block/);
    const fm = buildContinuationRequest({ text: '---\ntitle: x\n---\nText', offset: 6 });
    assert.equal(!fm.ok && fm.reason, 'front-matter');
    const empty = buildContinuationRequest({ text: '   \n', offset: 4 });
    assert.equal(!empty.ok && empty.reason, 'empty');
  });

  it('continues the workspace poem from its end', () => {
    const poem = workspace('poem.md');
    const r = ready(buildContinuationRequest({ text: poem, offset: poem.length }));
    assert.equal(r.kind, 'verse');
    assert.ok(r.prompt.endsWith('So long lives this, and this gives life to thee.\n'));
    assert.ok(r.lines >= 1 && r.lines <= 4);
  });
});

describe('engine requests for commands', () => {
  it('takes the request\'s budget and stop strings, the writer\'s sampling, and a seed override', () => {
    const poem = workspace('prose.md');
    const r = ready(buildContinuationRequest({ text: poem, offset: poem.length }));
    const sampling = { ...DEFAULT_SAMPLING, seed: 7, stopStrings: ['THE END'] };
    const p = commandParams(r, sampling, 'command:x');
    assert.equal(p.prompt, r.prompt);
    assert.equal(p.sampling.maxNewTokens, r.maxNewTokens);
    assert.deepEqual(p.sampling.stopStrings, ['THE END', '\n\n']);
    assert.equal(p.sampling.seed, 7);
    assert.equal(p.stream, true);
    const batch = commandParams(r, sampling, 'command:x', { seed: null, n: 3 });
    assert.equal(batch.sampling.seed, null);
    assert.equal(batch.n, 3);
    assert.equal(batch.stream, false);
  });

  it('asks the engine to keep a poem\'s form for its lines, by the writer\'s settings; prose to end its paragraph after a sentence, whatever they are', () => {
    const poem = workspace('poem.md');
    const verse = ready(buildContinuationRequest({ text: poem, offset: poem.length }));
    const kept = withForm(verse, DEFAULT_FORM_SETTINGS);
    assert.deepEqual(kept.formConstraint, { rhyme: true, lines: verse.lines });
    assert.deepEqual(commandParams(kept, DEFAULT_SAMPLING, 'command:x').form, { rhyme: true, lines: verse.lines });
    assert.equal(kept.finish('Shall I\n', true), verse.finish('Shall I\n', true), 'the insertion is cut the same way');
    assert.deepEqual(withForm(verse, { mode: 'auto', rhyme: 'off' }).formConstraint, { rhyme: false, lines: verse.lines });
    assert.equal(withForm(verse, { mode: 'free', rhyme: 'followScheme' }).formConstraint, undefined);
    assert.equal(commandParams(verse, DEFAULT_SAMPLING, 'command:x').form, undefined, 'no settings applied: plain sampling');
    const prose = workspace('prose.md');
    const p = ready(buildContinuationRequest({ text: prose, offset: prose.length }));
    assert.deepEqual(p.formConstraint, { paragraph: true });
    assert.deepEqual(withForm(p, DEFAULT_FORM_SETTINGS).formConstraint, { paragraph: true });
    assert.deepEqual(withForm(p, { mode: 'free', rhyme: 'off' }).formConstraint, { paragraph: true }, 'form off is about verse: a sentence is still not cut off');
    assert.deepEqual(commandParams(p, DEFAULT_SAMPLING, 'command:x').form, { paragraph: true });
    const keptProse = ready(buildContinuationRequest({ text: prose, offset: prose.length, kind: formKind({ mode: 'keep', rhyme: 'off' }) }));
    assert.equal(keptProse.kind, 'verse', '"keep" reads the text as verse');
    assert.deepEqual(withForm(keptProse, { mode: 'keep', rhyme: 'off' }).formConstraint, { rhyme: false, lines: keptProse.lines });
  });

  it('in rhyme mode sends the end of the document before the cursor for form planning, from a line start, never the whole of a long one', () => {
    const poem = workspace('poem.md');
    const long = `${'An earlier line of a long collection of poems.\n'.repeat(2000)}${poem}`;
    const verse = ready(buildContinuationRequest({ text: long, offset: long.length }));
    const kept = withForm(verse, DEFAULT_FORM_SETTINGS, long);
    assert.ok(kept.formContext && long.endsWith(kept.formContext), 'the end of the text before the cursor');
    assert.ok(kept.formContext.length <= FORM_CONTEXT_CHARS && long.length > FORM_CONTEXT_CHARS);
    assert.equal(long[long.length - kept.formContext.length - 1], '\n', 'from a line start');
    assert.equal(commandParams(kept, DEFAULT_SAMPLING, 'command:x').formContext, kept.formContext);
    assert.equal(withForm(verse, { mode: 'auto', rhyme: 'off' }, long).formContext, undefined, 'only rhyme mode reads it');
    assert.equal(withForm(verse, DEFAULT_FORM_SETTINGS).formContext, undefined, 'none given, none sent');
    assert.equal(formContextOf(poem), poem, 'a short text whole');
  });

  it('counts a text as whole when the model ended it, not when the budget or a cancel did', () => {
    assert.deepEqual((['eos', 'stop', 'form', 'length', 'cancelled', undefined] as const).map(endedByModel), [true, true, true, false, false, false]);
  });
});

describe('alternatives in the picker', () => {
  it('labels an alternative by its first line and shows all of it, breaks as / and //', () => {
    assert.deepEqual(describeAlternative('\nThe wind is up,\nthe sea is grey;\n\nA gull cries.'), {
      label: 'The wind is up,',
      detail: 'The wind is up, / the sea is grey; // A gull cries.',
    });
    assert.deepEqual(describeAlternative(' she said, and left.'), { label: 'she said, and left.', detail: 'she said, and left.' });
  });

  it('distinct corpus lines stay apart; the same line re-punctuated or re-cased is one', () => {
    const lines = [...new Set([...roadLines, ...corpus('sonnets-001-077.txt').split('\n').slice(0, 42)].map((l) => l.trim()).filter(Boolean))];
    assert.equal(dedupeAlternatives(lines).length, lines.length, 'no two different lines of the poems are near-duplicates');
    for (const line of lines.slice(0, 20)) {
      assert.ok(isNearDuplicate(line, `${line.toUpperCase().replace(/[,;:.]/g, '')}!`), line);
    }
  });
});

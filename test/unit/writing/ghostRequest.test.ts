// Building a ghost-text request: where to stay quiet, the prompt window, stop rules, overlap
// trimming, the completion cache, and the request the provider and the CLI share.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { CompletionCache, completionKey, hashText } from '../../../src/writing/prompts/ghost/completionCache';
import { cursorContext } from '../../../src/writing/prompts/text/cursorContext';
import { buildGhostRequest, ghostPromptChars, GHOST_PROMPT_CHARS, SERVER_GHOST_PROMPT_CHARS, type GhostRequest, type GhostRequestReady } from '../../../src/writing/prompts/ghost/ghostRequest';
import { trimOverlap } from '../../../src/writing/prompts/ghost/overlap';
import { prefixWindow } from '../../../src/writing/prompts/text/prefixWindow';
import { stopRuleFor, trimToStop } from '../../../src/writing/prompts/ghost/stopRules';
import { corpusDir, repoRoot } from '../../support/paths';

/** The context at the `|` in a text. */
const at = (marked: string, explicit = false) => {
  const offset = marked.indexOf('|');
  assert.ok(offset >= 0, 'the text marks the cursor with |');
  return cursorContext(marked.slice(0, offset) + marked.slice(offset + 1), offset, explicit);
};
const words = (t: string) => t.split(/\s+/).filter(Boolean).length;
const workspace = (name: string) => readFileSync(join(repoRoot, 'test', 'fixtures', 'workspace', name), 'utf8');
const ready = (r: GhostRequest): GhostRequestReady => {
  assert.ok(r.ok, `expected a request, got ${r.ok ? '' : r.reason}`);
  return r;
};

describe('cursor context', () => {
  it('suggests in ordinary text', () => {
    const c = at('Two roads diverged in a yellow wood,\nAnd |');
    assert.equal(c.suggest, true);
    assert.equal(c.reason, null);
  });

  it('is quiet inside a fenced code block, even when asked', () => {
    for (const text of ['Text\n```js\nconst x = 1;|\n```\nMore', 'Text\n~~~\ncode|', '```|\n', 'a\n````\n```\nstill code|\n````\n']) {
      const c = at(text, true);
      assert.equal(c.inCodeBlock, true, JSON.stringify(text));
      assert.equal(c.suggest, false);
      assert.equal(c.reason, 'code-block');
    }
  });

  it('suggests again after the code block closes', () => {
    assert.equal(at('```\ncode\n```\nAnd now |').suggest, true);
    assert.equal(at('Some `inline ```code``` here` and |').inCodeBlock, false);
  });

  it('is quiet in YAML and TOML front matter, closed or still being typed', () => {
    assert.equal(at('---\ntitle: The Ro|ad\n---\nText').reason, 'front-matter');
    assert.equal(at('+++\ntitle = "x"|\n+++\n').reason, 'front-matter');
    assert.equal(at('---\ntitle: Sonnet\nauthor: |').reason, 'front-matter');
    assert.equal(at('---\ntitle: x\n---\nNow the poem |').suggest, true);
    // A thematic break at the top is not front matter.
    assert.equal(at('---\nThe poem begins here and |').suggest, true);
  });

  it('is quiet inside an HTML comment', () => {
    assert.equal(at('Text <!-- a note to |self -->').reason, 'html-comment');
    assert.equal(at('<!--\nnotes\nmore |\n-->').reason, 'html-comment');
    assert.equal(at('<!-- note --> and |').suggest, true);
    assert.equal(at('```\n<!--\n```\nText |').inHtmlComment, false);
  });

  it('is quiet mid-word unless asked', () => {
    const quiet = at('Two roads div|erged');
    assert.equal(quiet.midWord, true);
    assert.equal(quiet.reason, 'mid-word');
    const asked = at('Two roads div|erged', true);
    assert.equal(asked.midWord, true);
    assert.equal(asked.suggest, true);
    assert.equal(at("I don|'t know").midWord, true);
  });

  it('suggests at the end of a word, before punctuation, and between CJK characters', () => {
    assert.equal(at('Two roads div|').suggest, true);
    assert.equal(at('Two roads diverged|,').suggest, true);
    assert.equal(at('床前明|月光').suggest, true);
  });

  it('clamps an offset outside the text', () => {
    assert.equal(cursorContext('Text', 99).suggest, true);
    assert.equal(cursorContext('Text', -5).suggest, true);
  });

  it('is quiet in the code of the workspace fixture and not in the prose after it', () => {
    const text = readFileSync(join(repoRoot, 'test', 'fixtures', 'workspace', 'code.md'), 'utf8');
    const inCode = text.indexOf('.toLowerCase()') + '.toLowerCase()'.length;
    assert.equal(cursorContext(text, inCode, true).reason, 'code-block');
    assert.equal(cursorContext(text, text.length, false).suggest, true);
  });
});

describe('prefix window', () => {
  it('keeps everything that fits', () => {
    const w = prefixWindow('One\n\nTwo', 100);
    assert.deepEqual(w, { text: 'One\n\nTwo', start: 0, truncated: false, cut: 'none' });
  });

  it('cuts at a stanza break when one fits', () => {
    const text = 'First stanza line one\nline two\n\nSecond stanza\nends here\n\nThird stanza is where the cursor';
    const w = prefixWindow(text, 60);
    assert.equal(w.cut, 'paragraph');
    assert.equal(w.text, 'Second stanza\nends here\n\nThird stanza is where the cursor');
    assert.equal(text.slice(w.start), w.text);
  });

  it('cuts at a line break when the current stanza alone is too long', () => {
    const text = 'Old\n\nline one of the stanza\nline two of the stanza\nline three';
    const w = prefixWindow(text, 35);
    assert.equal(w.cut, 'line');
    assert.equal(w.text, 'line two of the stanza\nline three');
  });

  it('cuts between words when the current line alone is too long, never inside one', () => {
    const text = 'a paragraph made of one single very long line without any break at all';
    const w = prefixWindow(text, 20);
    assert.equal(w.cut, 'word');
    assert.ok(w.text.length <= 20);
    assert.ok(text.endsWith(w.text));
    assert.match(text[w.start - 1], /\s/);
  });

  it('never starts inside a word, at any budget, on real prose', () => {
    const text = readFileSync(join(corpusDir, 'pride-and-prejudice-ch01-05.txt'), 'utf8').slice(0, 8000);
    for (let budget = 5; budget < 8000; budget += 97) {
      const w = prefixWindow(text, budget);
      assert.ok(w.text.length <= budget, `budget ${budget}`);
      assert.ok(w.start === 0 || /\s/.test(text[w.start - 1]), `budget ${budget} starts mid-word at ${w.start}`);
      assert.equal(text.slice(w.start), w.text);
    }
  });

  it('drops front matter from the prompt', () => {
    const w = prefixWindow('---\ntitle: Road\n---\nTwo roads diverged', 1000);
    assert.equal(w.text, 'Two roads diverged');
    assert.equal(w.truncated, false);
    assert.equal(prefixWindow('---\ntitle: Road\nauthor: ', 1000).text, '');
  });

  it('counts with the given token counter, calling it a logarithmic number of times', () => {
    const text = Array.from({ length: 400 }, (_, i) => `Stanza ${i} has a line\nand another line`).join('\n\n');
    let calls = 0;
    const w = prefixWindow(text, 50, (t) => {
      calls++;
      return words(t);
    });
    assert.ok(words(w.text) <= 50);
    assert.ok(words(w.text) > 40, 'the window is not needlessly short');
    assert.equal(w.cut, 'paragraph');
    assert.ok(calls <= 12, `${calls} calls`);
  });

  it('returns nothing when not even one word fits', () => {
    assert.equal(prefixWindow('supercalifragilistic', 5).text, '');
  });
});

describe('stop rules', () => {
  it('stops verse at the end of the current line', () => {
    const rule = stopRuleFor({ kind: 'verse', before: 'Two roads diverged in a ' });
    assert.equal(rule.mode, 'line');
    assert.deepEqual(rule.stopStrings, ['\n']);
    assert.equal(trimToStop(rule, 'yellow wood,\nAnd sorry I'), 'yellow wood,');
  });

  it('asks for the next whole line at a line start', () => {
    assert.equal(stopRuleFor({ kind: 'verse', before: 'Two roads diverged in a yellow wood,\n' }).mode, 'next-line');
    assert.equal(stopRuleFor({ kind: 'verse', before: '' }).mode, 'next-line');
    const rule = stopRuleFor({ kind: 'verse', before: 'wood,\n  ' });
    assert.equal(rule.mode, 'next-line');
    assert.equal(trimToStop(rule, 'And sorry I could not travel both\nAnd be'), 'And sorry I could not travel both');
  });

  it('sizes the token limit to the line length', () => {
    const short = stopRuleFor({ kind: 'verse', before: 'x', targetLength: 4 });
    const long = stopRuleFor({ kind: 'verse', before: 'x', targetLength: 14 });
    assert.ok(short.maxTokens < long.maxTokens);
    assert.ok(long.maxTokens >= 14);
    assert.equal(stopRuleFor({ kind: 'verse', before: 'x', targetLength: 1000 }).maxTokens, 96);
  });

  it('ends a CJK verse line at its clause mark', () => {
    const rule = stopRuleFor({ kind: 'verse', cjk: true, before: '西陸蟬聲唱，' });
    assert.equal(rule.mode, 'clause');
    assert.equal(trimToStop(rule, '南冠客思侵。那堪玄鬢影，'), '南冠客思侵。');
    assert.equal(trimToStop(rule, '南冠客思侵\n那堪'), '南冠客思侵');
  });

  it('ends prose at the end of the sentence, closing quote included', () => {
    const rule = stopRuleFor({ kind: 'prose', before: 'She said, ' });
    assert.equal(rule.mode, 'sentence');
    assert.deepEqual(rule.stopStrings, ['\n\n']);
    assert.equal(trimToStop(rule, '"I shall go." Then she left.'), '"I shall go."');
    assert.equal(trimToStop(rule, 'it was over! And then'), 'it was over!');
  });

  it('does not end a sentence at an abbreviation or an initial', () => {
    const rule = stopRuleFor({ kind: 'prose', before: 'x' });
    assert.equal(trimToStop(rule, 'to see Mr. Bingley and J. Austen. Then'), 'to see Mr. Bingley and J. Austen.');
  });

  it('skips punctuation before the first word', () => {
    const rule = stopRuleFor({ kind: 'prose', before: 'It was over' });
    assert.equal(trimToStop(rule, '. Then it began again. And'), '. Then it began again.');
  });

  it('ends prose after the word budget', () => {
    const rule = stopRuleFor({ kind: 'prose', before: 'x', maxWords: 5 });
    assert.equal(rule.maxWords, 5);
    assert.equal(trimToStop(rule, ' one two three four five six seven'), ' one two three four five');
    assert.ok(rule.maxTokens >= 5);
  });

  it('ends prose at a paragraph break, and at any newline when paragraphs are single lines', () => {
    assert.equal(trimToStop(stopRuleFor({ kind: 'prose', before: 'x' }), 'the end of it\n\nNew paragraph'), 'the end of it');
    const unwrapped = stopRuleFor({ kind: 'prose', before: 'x', unwrapped: true });
    assert.deepEqual(unwrapped.stopStrings, ['\n']);
    assert.equal(trimToStop(unwrapped, 'the end of it\nNew paragraph'), 'the end of it');
  });

  it('is plain data that survives a trip through JSON', () => {
    const rule = stopRuleFor({ kind: 'prose', before: 'x', maxWords: 12 });
    assert.deepEqual(JSON.parse(JSON.stringify(rule)), rule);
  });
});

describe('overlap trimming', () => {
  it('drops words the text after the cursor already has', () => {
    assert.equal(trimOverlap(' yellow wood,', ' wood, and'), ' yellow');
    assert.equal(trimOverlap('walked home', 'home.'), 'walked ');
  });

  it('drops closing brackets, quotes and punctuation already there', () => {
    assert.equal(trimOverlap('lovely day)', ')'), 'lovely day');
    assert.equal(trimOverlap('I shall go."', '."'), 'I shall go');
    assert.equal(trimOverlap('as fair as she,', ',\nAnd'), 'as fair as she');
  });

  it('never eats part of a word', () => {
    assert.equal(trimOverlap(' by the sea', 'a day'), ' by the sea ');
    assert.equal(trimOverlap('the seas', 'seashore'), 'the seas ');
  });

  it('returns nothing when the suggestion is already there, or only whitespace', () => {
    assert.equal(trimOverlap('yellow wood', ' yellow wood, and sorry'), '');
    assert.equal(trimOverlap('  \n ', ''), '');
    assert.equal(trimOverlap('', 'anything'), '');
  });

  it('does not double the space the writer typed', () => {
    assert.equal(trimOverlap(' and sorry', '', 'Two roads diverged '), 'and sorry');
    assert.equal(trimOverlap(' and sorry', '', 'Two roads diverged'), ' and sorry');
  });

  it('keeps a word from running into the next one', () => {
    assert.equal(trimOverlap('yellow', 'wood,', 'in a '), 'yellow ');
  });

  it('compares a multi-line suggestion with the lines after the cursor', () => {
    assert.equal(trimOverlap('both\nAnd be one traveler', '\nAnd be one traveler, long I stood'), 'both');
  });
});

describe('completion cache', () => {
  it('evicts the least recently used entry beyond its size', () => {
    const cache = new CompletionCache<string>(2);
    cache.set('a', 'A');
    cache.set('b', 'B');
    assert.equal(cache.get('a'), 'A'); // a is now the most recent
    cache.set('c', 'C');
    assert.equal(cache.size, 2);
    assert.equal(cache.get('b'), undefined);
    assert.equal(cache.get('a'), 'A');
    assert.equal(cache.get('c'), 'C');
  });

  it('replaces a value set again without growing', () => {
    const cache = new CompletionCache<string[]>(3);
    cache.set('k', ['one']);
    cache.set('k', ['two']);
    assert.equal(cache.size, 1);
    assert.deepEqual(cache.get('k'), ['two']);
    assert.equal(cache.has('k'), true);
    assert.equal(cache.delete('k'), true);
    assert.equal(cache.has('k'), false);
  });

  it('stores long keys hashed, and still finds them', () => {
    const cache = new CompletionCache<number>();
    const prompt = 'Two roads diverged in a yellow wood,\n'.repeat(200);
    cache.set(prompt, 1);
    assert.equal(cache.get(prompt), 1);
    assert.equal(cache.get(prompt + ' '), undefined);
    cache.clear();
    assert.equal(cache.size, 0);
  });

  it('keys on the prompt and on settings in any key order', () => {
    const prompt = 'Shall I compare thee';
    assert.equal(completionKey(prompt, { temperature: 0.8, topK: 50 }), completionKey(prompt, { topK: 50, temperature: 0.8 }));
    assert.notEqual(completionKey(prompt, { temperature: 0.8 }), completionKey(prompt, { temperature: 0.9 }));
    assert.notEqual(completionKey(prompt, { temperature: 0.8 }), completionKey(prompt + ' ', { temperature: 0.8 }));
    assert.notEqual(completionKey(prompt, { stop: ['\n'] }), completionKey(prompt, { stop: ['\n\n'] }));
  });

  it('hashes deterministically and spreads near-identical texts apart', () => {
    assert.equal(hashText('abc'), hashText('abc'));
    const hashes = new Set(Array.from({ length: 2000 }, (_, i) => hashText(`line ${i}`)));
    assert.equal(hashes.size, 2000);
  });

  it('refuses a size that is not a whole number of at least one', () => {
    assert.throws(() => new CompletionCache(0), RangeError);
    assert.throws(() => new CompletionCache(1.5), RangeError);
  });
});

describe('ghost request', () => {
  it('asks for the next verse line at the end of a poem', () => {
    const text = workspace('poem.md');
    const r = ready(buildGhostRequest({ text, offset: text.length, explicit: false, maxPromptChars: 6000, maxWords: 12 }));
    assert.equal(r.kind, 'verse');
    assert.equal(r.stop.mode, 'next-line');
    assert.deepEqual(r.stopStrings, ['\n']);
    assert.ok(r.maxNewTokens >= 10 && r.maxNewTokens <= 96);
    assert.equal(r.prompt, text);
    assert.equal(r.finish('Thy beauty lives in every line I write\nAnd more'), 'Thy beauty lives in every line I write');
  });

  it('finishes the current line of verse without repeating what follows', () => {
    const text = 'Two roads diverged in a yellow wood,\nAnd sorry I could not travel both\nAnd be one traveler, long I stood\nAnd looked down one as far as I could\nTo where it bent in the ';
    const after = ';\n';
    const r = ready(buildGhostRequest({ text: text + after, offset: text.length, explicit: false, maxPromptChars: 6000 }));
    assert.equal(r.stop.mode, 'line');
    assert.equal(r.prompt, text, 'the trailing space stays: it asks the engine for a new word');
    assert.equal(r.finish('undergrowth;\nThen took'), 'undergrowth');
    assert.equal(r.finish(' undergrowth;\nThen took'), 'undergrowth', 'a leading space is never doubled');
  });

  it('"word" and "word " are different requests', () => {
    const a = ready(buildGhostRequest({ text: 'The thorn', offset: 9, explicit: true, maxPromptChars: 6000 }));
    const b = ready(buildGhostRequest({ text: 'The thorn ', offset: 10, explicit: true, maxPromptChars: 6000 }));
    assert.notEqual(a.cacheKey, b.cacheKey);
    assert.equal(b.prompt, 'The thorn ');
  });

  it('asks prose for a sentence within the word budget', () => {
    const text = workspace('prose.md');
    const r = ready(buildGhostRequest({ text, offset: text.length, explicit: false, maxPromptChars: 6000, maxWords: 12 }));
    assert.equal(r.kind, 'prose');
    assert.equal(r.stop.mode, 'sentence');
    assert.equal(r.stop.maxWords, 12);
    assert.equal(r.finish(' and the rain came down. It did not stop'), ' and the rain came down.');
  });

  it('keeps the prompt within the budget, cut at a paragraph, without front matter', () => {
    const austen = readFileSync(join(corpusDir, 'pride-and-prejudice-ch01-05.txt'), 'utf8');
    const text = `---\ntitle: P&P\n---\n${austen}`;
    const r = ready(buildGhostRequest({ text, offset: text.length, explicit: false, maxPromptChars: 2000 }));
    assert.ok(r.prompt.length <= 2000);
    assert.equal(r.window.cut, 'paragraph');
    assert.ok(!r.prompt.includes('title: P&P'));
  });

  it('says why not inside code, front matter, a comment or a word', () => {
    const code = workspace('code.md');
    const inCode = code.indexOf('.toLowerCase()') + 14;
    const quiet = buildGhostRequest({ text: code, offset: inCode, explicit: true, maxPromptChars: 6000 });
    assert.equal(quiet.ok, false);
    assert.equal(!quiet.ok && quiet.reason, 'code-block');
    const mid = buildGhostRequest({ text: 'Two roads diverged', offset: 11, explicit: false, maxPromptChars: 6000 });
    assert.equal(!mid.ok && mid.reason, 'mid-word');
    assert.equal(buildGhostRequest({ text: 'Two roads diverged', offset: 11, explicit: true, maxPromptChars: 6000 }).ok, true);
    const empty = buildGhostRequest({ text: '   \n', offset: 4, explicit: true, maxPromptChars: 6000 });
    assert.equal(!empty.ok && empty.reason, 'empty');
  });

  it('gives the same cache key for the same prompt, whatever follows the cursor', () => {
    const a = ready(buildGhostRequest({ text: 'Shall I compare thee\n', offset: 21, explicit: false, maxPromptChars: 6000 }));
    const b = ready(buildGhostRequest({ text: 'Shall I compare thee\nto a summer', offset: 21, explicit: false, maxPromptChars: 6000 }));
    const c = ready(buildGhostRequest({ text: 'Shall I compare you\n', offset: 20, explicit: false, maxPromptChars: 6000 }));
    assert.equal(a.cacheKey, b.cacheKey);
    assert.notEqual(a.cacheKey, c.cacheKey);
  });

  it('ends a new line typed in front of an existing one with a newline', () => {
    const text = 'Two roads diverged in a yellow wood,\nAnd sorry I could not travel both\n';
    const rest = 'To where it bent in the undergrowth;\n';
    const r = ready(buildGhostRequest({ text: text + rest, offset: text.length, explicit: false, maxPromptChars: 6000, kind: 'verse' }));
    assert.equal(r.finish('And be one traveler, long I stood'), 'And be one traveler, long I stood\n');
  });

  it('never finishes to whitespace', () => {
    const r = ready(buildGhostRequest({ text: 'Once upon a time', offset: 16, explicit: false, maxPromptChars: 6000 }));
    assert.equal(r.finish('   '), '');
    assert.equal(r.finish('\n\nChapter two'), '');
  });
});

describe('the ghost-text window', () => {
  it('gives the worker the last 1,000 characters at most and a server up to 2,000, each cut where a line begins', () => {
    const sonnets = readFileSync(join(corpusDir, 'sonnets-001-077.txt'), 'utf8').slice(0, 6000);
    const text = sonnets.slice(0, sonnets.lastIndexOf('\n') + 1);
    assert.equal(ghostPromptChars('worker'), GHOST_PROMPT_CHARS);
    assert.equal(ghostPromptChars('server'), SERVER_GHOST_PROMPT_CHARS);
    const lengths = (['worker', 'server'] as const).map((engine) => {
      const r = buildGhostRequest({ text, offset: text.length, explicit: true, maxPromptChars: ghostPromptChars(engine) });
      assert.ok(r.ok);
      assert.ok(text.endsWith(r.prompt));
      assert.equal(text[text.length - r.prompt.length - 1], '\n', `${engine}: cut at a line start`);
      assert.ok(r.prompt.length <= ghostPromptChars(engine), `${engine}: ${r.prompt.length}`);
      return r.prompt.length;
    });
    // Cut at a sonnet's start where one fits: the worker's window holds the last sonnet, a server's two more.
    assert.ok(lengths[0]! > 0 && lengths[1]! > GHOST_PROMPT_CHARS, lengths.join(' / '));
  });
});

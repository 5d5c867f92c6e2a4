// Text in, lines out: stanzas and lines, Markdown inside a line, front matter, verse or prose,
// and what works before the pronouncing dictionary loads. (One file per area keeps the suite
// fast: every test file is a process of its own.)
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { isCjkText, splitCjkClauses } from '../../../src/writing/verse/chinese/cjkText';
import { findFrontMatter } from '../../../src/writing/prompts/text/frontMatter';
import { lineWords } from '../../../src/writing/verse/lines/lineWords';
import { splitHardBreak, stripInlineMarkdown } from '../../../src/writing/prompts/text/markdownLine';
import { splitStanzas } from '../../../src/writing/verse/poem/poemLines';
import { isPronouncingDictionaryLoaded } from '../../../src/writing/verse/sound/pronouncingDictionary';
import { rhymeKey, rhymes } from '../../../src/writing/verse/sound/rhyme';
import { countLineSyllables } from '../../../src/writing/verse/sound/syllables';
import { detectTextKind } from '../../../src/writing/prompts/text/textKind';
import { corpusDir, repoRoot } from '../../support/paths';

const texts = (text: string) => splitStanzas(text).map((s) => s.lines.map((l) => l.text));
const corpus = (name: string) => readFileSync(join(corpusDir, name), 'utf8');
const fixture = (name: string) => readFileSync(join(repoRoot, 'test', 'fixtures', 'poems', name), 'utf8');

describe('stanzas and lines', () => {
  it('splits at blank lines, headings and thematic breaks', () => {
    const text = '# Title\n\nOne\nTwo\n\n\nThree\n* * *\nFour\n## Part two\nFive\n';
    assert.deepEqual(texts(text), [['One', 'Two'], ['Three'], ['Four'], ['Five']]);
  });

  it('leaves out front matter, code, HTML comments and Setext titles', () => {
    const text = '---\ntitle: x\n---\nA Title\n=======\n\nOne\n<!-- a note\nstill a note -->\nTwo\n```\ncode\n```\nThree\n';
    assert.deepEqual(texts(text), [['One', 'Two'], ['Three']]);
  });

  it('strips indentation, blockquote marks and hard-break markers, and records them', () => {
    const [stanza] = splitStanzas('> One  \n>   Two\\\n    Three<br>\nFour');
    assert.deepEqual(stanza.lines.map((l) => l.text), ['One', 'Two', 'Three', 'Four']);
    assert.deepEqual(stanza.lines.map((l) => l.hardBreak), [true, true, true, false]);
  });

  it('gives line numbers and offsets into the input', () => {
    const text = 'One\n  Two two\n\nThree';
    const lines = splitStanzas(text).flatMap((s) => s.lines);
    assert.deepEqual(lines.map((l) => l.lineNumber), [0, 1, 3]);
    for (const l of lines) assert.equal(text.slice(l.start, l.end), l.text);
  });

  it('marks a last line without a newline as still being written', () => {
    assert.deepEqual(splitStanzas('One\nTwo').flatMap((s) => s.lines.map((l) => l.complete)), [true, false]);
    assert.deepEqual(splitStanzas('One\nTwo\n').flatMap((s) => s.lines.map((l) => l.complete)), [true, true]);
  });

  it('splits CJK lines after clause marks, keeping offsets', () => {
    const text = '西陸蟬聲唱，南冠客思侵。\n那堪玄鬢影，來對';
    const lines = splitStanzas(text).flatMap((s) => s.lines);
    assert.deepEqual(lines.map((l) => l.text), ['西陸蟬聲唱，', '南冠客思侵。', '那堪玄鬢影，', '來對']);
    assert.deepEqual(lines.map((l) => l.complete), [true, true, true, false]);
    for (const l of lines) assert.equal(text.slice(l.start, l.end), l.text);
    assert.deepEqual(splitStanzas(text, { cjkClauses: false }).flatMap((s) => s.lines.map((l) => l.text)), ['西陸蟬聲唱，南冠客思侵。', '那堪玄鬢影，來對']);
  });

  it('keeps closing quotes with their clause and reads CJK text as CJK', () => {
    assert.deepEqual(splitCjkClauses('「君不見。」又曰，').map((c) => c.text), ['「君不見。」', '又曰，']);
    assert.equal(isCjkText('床前明月光'), true);
    assert.equal(isCjkText('moonlight 月'), false);
  });
});

describe('Markdown inside a line', () => {
  it('splits off hard breaks', () => {
    assert.deepEqual(splitHardBreak('a line  '), { text: 'a line', hardBreak: true });
    assert.deepEqual(splitHardBreak('a line\\'), { text: 'a line', hardBreak: true });
    assert.deepEqual(splitHardBreak('a line<br/>'), { text: 'a line', hardBreak: true });
    assert.deepEqual(splitHardBreak('a line '), { text: 'a line ', hardBreak: false });
  });

  it('removes emphasis, links, code ticks and tags but keeps intraword underscores', () => {
    assert.equal(stripInlineMarkdown('**bold** _it_ ~~gone~~ `tick` [link](http://x) snake_case'), 'bold it gone tick link snake_case');
  });

  it('finds words with their elisions', () => {
    assert.deepEqual(lineWords("'Tis th' expense, o\u2019er belov'd self-love \u2014 'This fair'"), ["'tis", "th'", 'expense', "o'er", "belov'd", 'self', 'love', 'this', 'fair']);
  });
});

describe('front matter', () => {
  it('finds YAML and TOML front matter at the start only', () => {
    assert.deepEqual(findFrontMatter('---\na: 1\n---\nText'), { end: 13, closed: true });
    assert.deepEqual(findFrontMatter('+++\na = 1\n+++\n'), { end: 14, closed: true });
    assert.equal(findFrontMatter('Text\n---\na: 1\n---\n'), null);
  });

  it('treats an unclosed opener as front matter only while it looks like YAML', () => {
    const typing = '---\ntitle: Sonnet\nauthor: ';
    assert.deepEqual(findFrontMatter(typing), { end: typing.length, closed: false });
    assert.equal(findFrontMatter('---\nThe poem begins after a rule.\n'), null);
  });
});

describe('before the pronouncing dictionary loads', () => {
  it('estimates syllables and keys rhymes by spelling', () => {
    assert.equal(isPronouncingDictionaryLoaded(), false);
    assert.equal(countLineSyllables("Shall I compare thee to a summer's day?"), 10);
    assert.equal(countLineSyllables("O'er the hills"), 3);
    assert.equal(rhymeKey('day')?.key, '~ay');
    assert.ok(rhymes(rhymeKey('day')!, rhymeKey('may')!));
    assert.ok(!rhymes(rhymeKey('day')!, rhymeKey('night')!, 'loose'));
  });
});

describe('verse or prose', () => {
  for (const name of ['sonnets-001-077.txt', 'road-not-taken.txt', 'tang-300-part1.txt']) {
    it(`${name} is verse`, () => {
      const kind = detectTextKind(corpus(name));
      assert.equal(kind.kind, 'verse');
      assert.ok(kind.confidence >= 0.7, `confidence ${kind.confidence}`);
    });
  }

  it('Pride and Prejudice is prose', () => {
    const kind = detectTextKind(corpus('pride-and-prejudice-ch01-05.txt'));
    assert.equal(kind.kind, 'prose');
    assert.ok(kind.evidence.shortBreaks < 0.2, 'wrapped lines fill out to the wrap width');
  });

  it('Tender Buttons, prose poetry set in wrapped paragraphs, is prose', () => {
    // Its line breaks are the typesetter's, so a continuation should follow its sentences.
    const kind = detectTextKind(corpus('tender-buttons.txt'));
    assert.equal(kind.kind, 'prose');
    assert.ok(kind.confidence >= 0.9);
  });

  it('prose with one paragraph per line (soft-wrapped Markdown) is prose', () => {
    const joined = corpus('pride-and-prejudice-ch01-05.txt')
      .split(/\n\s*\n/)
      .map((p) => p.replace(/\s*\n\s*/g, ' '))
      .join('\n\n');
    assert.equal(detectTextKind(joined).kind, 'prose');
    assert.ok(detectTextKind(joined).evidence.medianLength > 100);
  });

  it('short free verse with lower-case line starts is verse', () => {
    assert.equal(detectTextKind(fixture('fog.txt')).kind, 'verse');
    assert.equal(detectTextKind(fixture('red-wheelbarrow.txt')).kind, 'verse');
  });

  it('Markdown hard breaks make lines verse, even long ones', () => {
    const text = 'The morning came up over the long grey hills beyond the town where we were born,  \n'
      + 'and nobody we knew was awake to see it come, not even the dogs along the river,  \n'
      + 'and the bells at the station rang the hour for no one in particular at all.\n';
    const kind = detectTextKind(text);
    assert.equal(kind.kind, 'verse');
    assert.equal(kind.evidence.hardBreaks, 1);
  });

  it('ignores front matter, headings and code', () => {
    const text = '---\ntitle: Road\n---\n# The Road Not Taken\n\n```\ncode that is long enough to look like a wrapped prose line here\n```\n\n'
      + corpus('road-not-taken.txt');
    assert.equal(detectTextKind(text).kind, 'verse');
  });

  it('calls nothing, or one line, prose with low confidence', () => {
    assert.deepEqual([detectTextKind('').kind, detectTextKind('').confidence], ['prose', 0.5]);
    assert.equal(detectTextKind('Once upon a time').kind, 'prose');
  });

  it('decides a poem of two lines', () => {
    assert.equal(detectTextKind('Two roads diverged in a yellow wood,\nAnd sorry I could not travel both\n').kind, 'verse');
    assert.equal(detectTextKind('It is a truth universally acknowledged, that a single man in possession\nof a good fortune, must be in want of a wife.\n').kind, 'prose');
  });
});

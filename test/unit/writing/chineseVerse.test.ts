// Chinese verse and prose: rhyme by pinyin final (pinyin-pro, loaded once before all), the named
// forms of regulated verse and 词 read from real Tang poems of ../shared/corpus, parallel
// couplets, the next-line plan (exact characters, the rhyme), and prose that ends at 。！？.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { chineseVerseForm, firstLineRhymes, isChineseTitleLine, regulatedLetters, tuneOf, type ChineseLine } from '../../../src/writing/verse/chinese/chineseForm';
import { buildContinuationRequest, fitBetween, type ContinuationRequest, type ContinuationRequestReady } from '../../../src/writing/prompts/commands/continuationRequest';
import { countWords, cutContinuation } from '../../../src/writing/prompts/commands/continuation';
import { scoreSample } from '../../../src/writing/verse/formMetrics';
import { commonHanCharacters, HanziLexicon } from '../../../src/writing/verse/chinese/hanziLexicon';
import { hanReadings, hanRhymeKey, hanRhymes, isPinyinLoaded, lastHanChar, loadPinyin, rhymeGroupOf } from '../../../src/writing/verse/chinese/hanziRhyme';
import { planLine } from '../../../src/writing/verse/lines/linePlan';
import { coupletParallelism, radicalOf } from '../../../src/writing/verse/chinese/parallelCouplet';
import { analyzePoemForm } from '../../../src/writing/verse/poem/poemForm';
import { loadPronouncingDictionary } from '../../../src/writing/verse/sound/pronouncingDictionary';
import { poemTruth } from '../../../src/writing/verse/poem/poemTruth';
import { lineRhymeKey, rhymeKey, rhymes } from '../../../src/writing/verse/sound/rhyme';
import { stopRuleFor, trimToStop } from '../../../src/writing/prompts/ghost/stopRules';
import { corpusDir } from '../../support/paths';

const tang = readFileSync(join(corpusDir, 'tang-300-part1.txt'), 'utf8');
const tangPoems = tang.split(/\n[ \t]*\n/).filter((p) => p.trim());
/** A poem of the anthology as it stands there: "# title", the poet, the verse. */
const poem = (title: string): string => {
  const found = tangPoems.find((p) => p.startsWith(`# ${title}\n`));
  assert.ok(found, `tang-300-part1.txt has "${title}"`);
  return `${found}\n`;
};
/** The verse alone, as eval-form cuts it out (title and poet left off). */
const verse = (title: string): string => `${poem(title).split('\n').slice(2).join('\n').trimEnd()}\n`;
/** Its clauses, as chineseVerseForm reads a poem's lines. */
const clauses = (text: string): ChineseLine[] => (text.match(/[^，。！？；\n]+[，。！？；]/g) ?? []).map((t) => ({ text: t, complete: true }));
const group = (char: string) => hanReadings(char)?.[0]?.group;
const han = (char: string) => hanRhymeKey(char);

before(async () => {
  await Promise.all([loadPinyin(), loadPronouncingDictionary()]);
  assert.ok(isPinyinLoaded());
});

describe('rhyme by pinyin final (中华新韵)', () => {
  it('groups finals as the rhyme book does: the medial does not count', () => {
    assert.equal(group('花'), '麻'); // huā
    assert.equal(group('家'), '麻'); // jiā
    assert.equal(group('沙'), '麻'); // shā
    assert.equal(group('山'), '寒'); // shān
    assert.equal(group('年'), '寒'); // nián
    assert.equal(group('關'), '寒'); // guān
    assert.ok(hanRhymes(han('花'), han('家')));
    assert.ok(hanRhymes(han('山'), han('關')));
    assert.ok(!hanRhymes(han('花'), han('山')));
  });

  it('joins finals that sound alike at the end of a line: in/en/un/ün, eng/ing/ong', () => {
    for (const c of '心深春雲') assert.equal(group(c), '文', c); // xīn shēn chūn yún
    for (const c of '聲星東窮') assert.equal(group(c), '庚', c); // shēng xīng dōng qióng
    assert.equal(rhymeGroupOf('x', 'ing'), '庚');
    assert.equal(rhymeGroupOf('', 'xyz'), null, 'a final it does not know');
  });

  it('undoes the y- and w- spellings: 雨 yu is ü (齐), 夜 ye is ie (皆), 灣 wan is an (寒)', () => {
    assert.deepEqual(hanReadings('雨')?.[0], { syllable: 'yu', final: 'ü', tone: 3, group: '齐' });
    assert.equal(hanReadings('夜')?.[0]?.final, 'ie');
    assert.equal(group('夜'), '皆');
    assert.ok(hanRhymes(han('夜'), han('斜')), 'ye and xie');
    assert.equal(group('灣'), '寒');
    assert.equal(hanReadings('月')?.[0]?.final, 'üe');
    assert.ok(hanRhymes(han('月'), han('雪')), 'yue and xue: both üe');
  });

  it('the apical i of 资, 知, 日 (支) is not the i of 衣 (齐); only the loose match (一七辙) joins them', () => {
    for (const c of '资知日時') assert.equal(group(c), '支', c);
    for (const c of '衣西啼') assert.equal(group(c), '齐', c);
    assert.equal(rhymeGroupOf('zh', 'i'), '支');
    assert.equal(rhymeGroupOf('j', 'i'), '齐');
    assert.ok(!hanRhymes(han('知'), han('衣')));
    assert.ok(hanRhymes(han('知'), han('衣'), 'loose'));
  });

  it('a polyphone rhymes strictly by its commonest reading, loosely by any', () => {
    // 家 is also read jie: strictly it does not rhyme with 斜 xié.
    assert.ok(hanReadings('家')!.some((r) => r.group === '皆'));
    assert.ok(!hanRhymes(han('家'), han('斜')));
    assert.ok(hanRhymes(han('家'), han('斜'), 'loose'));
    // 還 huán / hái: with 山 (寒) strictly, with 來 (开) only loosely.
    assert.ok(hanRhymes(han('還'), han('山')));
    assert.ok(!hanRhymes(han('還'), han('來')));
    assert.ok(hanRhymes(han('還'), han('來'), 'loose'));
  });

  it('traditional and simplified characters read alike', () => {
    for (const [t, s] of [['關', '关'], ['雲', '云'], ['聲', '声'], ['東', '东'], ['顏', '颜'], ['長', '长']] as const) {
      assert.equal(group(t), group(s), `${t}/${s}`);
      assert.ok(hanRhymes(han(t), han(s)));
    }
  });

  it('a line rhymes on its last character, whatever marks follow; Han and English keys never rhyme', () => {
    const key = lineRhymeKey('西陸蟬聲唱，');
    assert.equal(key?.word, '唱');
    assert.equal(key?.han, true);
    assert.equal(lineRhymeKey('來對白頭吟。」')?.word, '吟');
    assert.equal(rhymeKey('白頭吟')?.word, '吟');
    assert.equal(lastHanChar('abc'), null);
    assert.ok(rhymes(lineRhymeKey('南冠客思侵。')!, lineRhymeKey('來對白頭吟。')!));
    assert.ok(!rhymes(han('山'), rhymeKey('man')!));
  });

  it('offers rhyme characters of the partner’s group, common ones, in the poem’s script, the partner left out', () => {
    const lexicon = new HanziLexicon(commonHanCharacters());
    assert.ok(lexicon.size > 5000, `${lexicon.size} common characters`);
    const forShan = lexicon.candidates(han('山'), 2000, 'traditional').map((c) => c.char);
    assert.ok(forShan.length > 100);
    assert.ok(!forShan.includes('山'));
    for (const c of forShan) assert.equal(group(c), '寒', c);
    assert.ok(forShan.includes('關') && !forShan.includes('关'), 'traditional: 關, not 关');
    const simplified = lexicon.candidates(han('山'), 2000, 'simplified').map((c) => c.char);
    assert.ok(simplified.includes('关') && !simplified.includes('關'));
    assert.equal(lexicon.scriptOf('西陸蟬聲唱，南冠客思侵。'), 'traditional');
    assert.equal(lexicon.scriptOf('床前明月光，疑是地上霜。举头望明月，低头思故乡。'), 'simplified');
  });
});

describe('named Chinese forms', () => {
  it('tuneOf: the tune a 词 title names, bracketed, dotted or bare', () => {
    assert.equal(tuneOf('《如梦令》'), '如梦令');
    assert.equal(tuneOf('# 水調歌頭·明月幾時有'), '水調歌頭');
    assert.equal(tuneOf('「念奴嬌」赤壁懷古'), '念奴嬌');
    assert.equal(tuneOf('《蝶恋花·春景》'), '蝶恋花');
    assert.equal(tuneOf('浣溪沙'), '浣溪沙');
    assert.equal(tuneOf('# 錦瑟'), null, 'a poem’s title is no tune');
    assert.equal(tuneOf('# 橫吹曲辭 關山月'), null);
    assert.equal(tuneOf(null), null);
  });

  it('isChineseTitleLine: bracketed titles and tunes, never a line of verse', () => {
    assert.ok(isChineseTitleLine('《靜夜思》'));
    assert.ok(isChineseTitleLine('如夢令'));
    assert.ok(!isChineseTitleLine('西陸蟬聲唱，南冠客思侵。'));
    assert.ok(!isChineseTitleLine('The Road Not Taken'));
    assert.ok(!isChineseTitleLine(''));
  });

  it('chineseVerseForm: whole Tang poems of the anthology are 绝句 and 律诗; others are not regulated', () => {
    const form = (title: string) => chineseVerseForm(null, clauses(verse(title)), true);
    assert.deepEqual(form('在嶽詠蟬'), { kind: 'regulated', name: '五言律诗', charsPerLine: 5, lines: 8, tune: null });
    assert.deepEqual(form('錦瑟'), { kind: 'regulated', name: '七言律诗', charsPerLine: 7, lines: 8, tune: null });
    assert.equal(form('樂遊原')?.name, '五言绝句');
    assert.equal(form('夜雨寄北')?.name, '七言绝句');
    assert.equal(form('登幽州臺歌'), null, 'five and six characters: no regulated form');
    assert.equal(form('橫吹曲辭 關山月'), null, 'twelve lines of five: old-style verse, not a 律诗');
    assert.equal(form('鼓吹曲辭 將進酒'), null);
  });

  it('chineseVerseForm: a poem being written heads for a quatrain, then a 律诗; a tune makes it a 词', () => {
    const lines = clauses(verse('錦瑟'));
    assert.equal(chineseVerseForm(null, lines.slice(0, 1)), null, 'one line says nothing yet');
    assert.equal(chineseVerseForm(null, lines.slice(0, 3))?.lines, 4);
    assert.equal(chineseVerseForm(null, lines.slice(0, 5))?.name, '七言律诗');
    assert.equal(chineseVerseForm(null, [...lines, lines[0]!]), null, 'past eight lines no regulated form');
    assert.deepEqual(chineseVerseForm('《如夢令》', lines.slice(0, 3)), { kind: 'ci', name: '词', charsPerLine: null, lines: null, tune: '如夢令' });
  });

  it('firstLineRhymes: line 1 joins the rhyme when it ends on a level tone', () => {
    assert.ok(!firstLineRhymes('西陸蟬聲唱，'), '唱 chàng is oblique');
    assert.ok(firstLineRhymes('君問歸期未有期，'), '期 qī is level');
    assert.ok(firstLineRhymes('秦時明月漢時關，'), '關 guān');
    assert.ok(!firstLineRhymes('向晚意不適，'), '適 shì');
    assert.ok(!firstLineRhymes('no Chinese here'));
  });

  it('regulatedLetters: the even lines on one rhyme, line 1 too when it rhymes', () => {
    assert.equal(regulatedLetters(8, false).join(''), 'ABCBDBEB');
    assert.equal(regulatedLetters(8, true).join(''), 'AABACADA');
    assert.equal(regulatedLetters(4, false).join(''), 'ABCB');
    assert.equal(regulatedLetters(4, true).join(''), 'AABA');
    assert.deepEqual(regulatedLetters(0, true), []);
  });
});

describe('Chinese verse in the editor (poemForm, linePlan)', () => {
  it('reads a 律诗 under its title and poet: eight lines of seven, its rhyme scheme by the form', () => {
    const form = analyzePoemForm(poem('錦瑟'));
    assert.equal(form.chinese?.name, '七言律诗');
    assert.deepEqual(form.lineLengths, [7, 7, 7, 7, 7, 7, 7, 7], 'the title and the poet are not lines');
    assert.equal(form.scheme, 'AABACADA', '絃 xián is level: line 1 rhymes');
    assert.equal(analyzePoemForm(poem('在嶽詠蟬')).scheme, 'ABCBDBEB');
  });

  it('the next line of a 律诗: exactly seven characters, rhyming with the even line before it', () => {
    const text = poem('錦瑟');
    const prompt = text.slice(0, text.indexOf('莊生曉夢迷蝴蝶，') + '莊生曉夢迷蝴蝶，'.length);
    const form = analyzePoemForm(prompt);
    assert.equal(form.next.targetLength, 7);
    assert.equal(form.next.letter, 'A');
    assert.equal(form.next.rhymeWith?.word, '年', 'line 4 rhymes with line 2 (思華年)');
    const plan = planLine(prompt, { rhyme: true });
    assert.equal(plan.target, 7);
    assert.equal(plan.exact, true);
    assert.equal(plan.rhymeWith?.word, '年');
    // An odd line is unrhymed: line 5 after line 4.
    const odd = planLine(`${prompt}望帝春心託杜鵑。\n`, { rhyme: true });
    assert.equal(odd.target, 7);
    assert.equal(odd.rhymeWith, null);
  });

  it('the next line of a 绝句: exact from the second line on; line 4 rhymes with line 2, line 3 is free', () => {
    const one = planLine('君問歸期未有期，', { rhyme: true });
    assert.equal(one.target, 7);
    assert.equal(one.exact, false, 'one line shows no form yet');
    const three = planLine('君問歸期未有期，巴山夜雨漲秋池。\n', { rhyme: true });
    assert.equal(three.target, 7);
    assert.equal(three.exact, true);
    assert.equal(three.rhymeWith, null, 'line 3 is free');
    const four = planLine('君問歸期未有期，巴山夜雨漲秋池。\n何當共剪西窗燭，', { rhyme: true });
    assert.equal(four.rhymeWith?.word, '池', 'line 4 rhymes with line 2, not line 1');
    const five = planLine('向晚意不適，驅車登古原。\n夕陽無限好，', { rhyme: true });
    assert.equal(five.target, 5);
    assert.equal(five.rhymeWith?.word, '原');
  });

  it('a 词 under its tune keeps no line length: its lines are as long as the tune has them', () => {
    const ci = '《如梦令》\n昨夜雨疏风骤，浓睡不消残酒。\n试问卷帘人，';
    const form = analyzePoemForm(ci);
    assert.equal(form.chinese?.kind, 'ci');
    assert.equal(form.chinese?.tune, '如梦令');
    assert.deepEqual(form.lineLengths, [6, 6, 5], 'the title is not a line');
    assert.equal(form.next.targetLength, null);
    assert.equal(planLine(ci, { rhyme: true }).target, null);
    assert.equal(planLine(ci, { rhyme: true }).exact, false);
  });

  it('verse of no named form is counted as before: a target, but not an exact one', () => {
    const plan = planLine(poem('橫吹曲辭 關山月'), { rhyme: true });
    assert.equal(plan.target, 5);
    assert.equal(plan.exact, false);
  });

  it('a modern poem\'s short opening lines are lines of it, not a title and a poet', () => {
    const form = analyzePoemForm('春天\n来了\n花开满了山坡，\n鸟儿在唱歌。\n', { kind: 'verse' });
    assert.deepEqual(form.stanzas.flatMap((s) => s.lines.map((l) => l.text)), ['春天', '来了', '花开满了山坡，', '鸟儿在唱歌。']);
  });

  it('Japanese verse (kana) keeps no rhyme by Mandarin finals, as before Chinese forms', () => {
    const form = analyzePoemForm('白い月\n静かな夜の雪\n遠い家\n小さな花\n冷たい風\n', { kind: 'verse' });
    assert.ok(form.stanzas.every((s) => s.lines.every((l) => l.rhyme === null && l.letter === null)));
    assert.equal(form.next.rhymeWith, null);
    assert.equal(form.chinese, null);
  });

  it('poemTruth classes the anthology’s poems, and most of its regulated poems are 律诗', () => {
    assert.equal(poemTruth(verse('錦瑟')).formClass, 'lushi (律诗)');
    assert.equal(poemTruth(verse('夜雨寄北')).formClass, 'jueju (绝句)');
    assert.equal(poemTruth(verse('登幽州臺歌')).formClass, 'CJK other');
  });
});

describe('parallel couplets (对仗)', () => {
  it('reads the Kangxi radical from Unicode order', () => {
    assert.equal(radicalOf('江'), radicalOf('河'));
    assert.equal(radicalOf('江'), 85); // 水
    assert.equal(radicalOf('松'), 75); // 木
    assert.equal(radicalOf('鹂'), radicalOf('鹭'));
    assert.equal(radicalOf('a'), null);
  });

  it('scores position by position: class, radical, doubled characters; repetition is not parallelism', () => {
    const p = coupletParallelism('两个黄鹂鸣翠柳，', '一行白鹭上青天。');
    assert.deepEqual(p.matches, [true, false, true, true, false, true, false]);
    assert.equal(p.score, 4 / 7);
    assert.equal(coupletParallelism('無邊落木蕭蕭下，', '不盡長江滾滾來。').matches[4], true, '蕭蕭 against 滾滾');
    assert.equal(coupletParallelism('山山', '山山').score, 1, 'a doubled character against a doubled one');
    assert.equal(coupletParallelism('白日', '白雲').matches[0], false, 'the same character matches nothing');
    assert.equal(coupletParallelism('', '').score, 0);
    assert.equal(coupletParallelism('江河', '湖').score, 0.5, 'scored against the longer line');
  });

  it('on the anthology’s 律诗 the poets’ middle couplets score above their other couplets and above random pairs', (t) => {
    const middle: number[] = [];
    const outer: number[] = [];
    const random: number[] = [];
    const lushi = tangPoems.map((p) => poemTruth(`${p.split('\n').slice(2).join('\n')}\n`)).filter((tr) => tr.formClass === 'lushi (律诗)');
    lushi.forEach((tr, i) => {
      const line = (n: number) => tr.lines[n]!.text;
      const other = lushi[(i + 1) % lushi.length]!;
      middle.push(coupletParallelism(line(2), line(3)).score, coupletParallelism(line(4), line(5)).score);
      outer.push(coupletParallelism(line(0), line(1)).score, coupletParallelism(line(6), line(7)).score);
      random.push(coupletParallelism(line(2), other.lines[5]!.text).score, coupletParallelism(line(4), other.lines[3]!.text).score);
    });
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    t.diagnostic(`${lushi.length} 律诗: middle ${mean(middle).toFixed(3)}, outer ${mean(outer).toFixed(3)}, random ${mean(random).toFixed(3)}`);
    assert.ok(lushi.length >= 50);
    assert.ok(mean(middle) > 2 * mean(outer));
    assert.ok(mean(middle) > 2 * mean(random));
  });

  it('eval-form scores a 律诗’s middle couplets written whole, beside the poet’s own', () => {
    const original = verse('錦瑟');
    const lines = original.split('\n');
    const prompt = `${lines.slice(0, 1).join('\n')}\n`;
    const score = scoreSample({ prompt, original, wanted: 6, text: lines.slice(1, 4).join('\n'), stopReason: 'form' });
    assert.equal(score.exactDemanded, 6);
    assert.equal(score.exactKept, 6);
    assert.equal(score.evenRhymeDemanded, 3);
    assert.equal(score.evenRhymeKept, 3, 'the poet’s own lines keep the rhyme: 年 鵑 煙 ... (寒)');
    assert.deepEqual(score.couplets, score.originalCouplets, 'the poet’s own text scores as the poet');
    assert.equal(score.couplets.length, 2);
    const off = scoreSample({ prompt, original, wanted: 2, text: '莊生曉夢迷蝴蝶飛，望帝春心託字。', stopReason: 'form' });
    assert.equal(off.exactDemanded, 2);
    assert.equal(off.exactKept, 0, 'eight characters, then six');
    assert.equal(off.evenRhymeKept, 0);
  });
});

describe('Chinese prose', () => {
  const prose = '我与父亲不相见已二年余了，我最不能忘记的是他的背影。那年冬天，祖母死了，父亲的差使也交卸了，正是祸不单行的日子。\n\n我从北京到徐州，打算跟着父亲奔丧回家。到徐州见着父亲，看见满院狼藉的东西，又想起祖母，不禁簌簌地流下眼泪。\n\n';
  const ready = (r: ContinuationRequest): ContinuationRequestReady => {
    assert.ok(r.ok, `expected a request, got ${r.ok ? '' : r.reason}`);
    return r;
  };

  it('counts a CJK character as a word', () => {
    assert.equal(countWords('我从北京到徐州。'), 7);
    assert.equal(countWords('我读 Hamlet 两遍'), 5);
    assert.equal(countWords('two plain words'), 3);
  });

  it('a suggestion ends at 。！？ with no space after them, a closing quote kept', () => {
    const rule = stopRuleFor({ kind: 'prose', before: prose, maxWords: 40 });
    assert.equal(trimToStop(rule, '他说：「我买几个橘子去。」你就在此地，不要走动。'), '他说：「我买几个橘子去。」');
    assert.equal(trimToStop(rule, '真的吗？我不信。'), '真的吗？');
    assert.equal(trimToStop(rule, '走吧！'), '走吧！');
  });

  it('the word budget counts characters, marks between them not', () => {
    const rule = stopRuleFor({ kind: 'prose', before: prose, maxWords: 5 });
    assert.equal(trimToStop(rule, '我看，那边月台的栅栏外有几个卖东西的'), '我看，那边月');
    // English as before: a lone dash is still a word.
    const english = stopRuleFor({ kind: 'prose', before: 'x', maxWords: 3 });
    assert.equal(trimToStop(english, 'yes — no maybe so'), 'yes — no');
  });

  it('Continue Writing in Chinese prose: a paragraph, cut at its last whole sentence', () => {
    const r = ready(buildContinuationRequest({ text: prose, offset: prose.length }));
    assert.equal(r.kind, 'prose');
    assert.equal(r.finish('我们过了江，进了车站。我买票，他忙着照看行李。行李太多了，得向脚夫行些小', false), '我们过了江，进了车站。我买票，他忙着照看行李。');
    const cut = cutContinuation('那时真是聪明过分！总觉他说话不大漂亮', analyzePoemForm(prose, { kind: 'prose' }), { finished: false });
    assert.equal(cut.text, '那时真是聪明过分！');
  });

  it('puts no space between a continuation and Chinese text after the cursor', () => {
    assert.equal(fitBetween('我买几个橘子去', '他说：', '。你就在此地', 'prose'), '我买几个橘子去');
    assert.equal(fitBetween('he said', 'And ', 'then', 'prose'), 'he said ');
  });
});

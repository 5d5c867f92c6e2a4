/**
 * The forms of Chinese verse that form-keeping knows by name:
 *
 * - regulated verse (近体诗): the quatrain (绝句, four lines) and the eight-line 律诗, of five
 *   (五言) or seven (七言) characters a line, clause marks not counted; its even lines rhyme
 *   on one rhyme throughout, and line 1 joins them when it ends on a level tone (a regulated
 *   poem's unrhymed lines end on oblique tones, so a level first line is a rhyme: 首句入韵);
 * - 词, lyrics written to a named tune (词牌: 如梦令, 水调歌头…): their lines are as long as the
 *   tune has them, irregular by design, so their lengths are left free.
 *
 * Anything else in Chinese (古体诗, a 乐府 in mixed lines, modern verse) is verse of no named
 * form, kept by the same rules as any poem.
 */
import { countCjkCharacters, CJK_LINE_END } from './cjkText';
import { hanReadings, isLevelTone, lastHanChar } from './hanziRhyme';
import { schemeLetter } from '../scheme/rhymeScheme';

export interface ChineseVerseForm {
  kind: 'regulated' | 'ci';
  /** 五言绝句, 七言律诗…; for 词, 词. */
  name: string;
  /** 5 or 7 for regulated verse; null for 词. */
  charsPerLine: 5 | 7 | null;
  /** Lines the poem has (a whole poem) or is heading for (4 while a quatrain could end, then 8); null when unknown. */
  lines: number | null;
  /** The tune of a 词 ("如夢令"), or null. */
  tune: string | null;
}

/** What is known about one line (a clause) of the poem. */
export interface ChineseLine {
  text: string;
  complete: boolean;
}

/**
 * Tunes (词牌, and a few 曲牌) common enough to be named without a "·" after them, in both
 * scripts. A title "词牌·题目" names its tune whatever the tune is.
 */
const TUNES = new Set(
  (
    '如梦令 如夢令 水调歌头 水調歌頭 念奴娇 念奴嬌 蝶恋花 蝶戀花 浣溪沙 菩萨蛮 菩薩蠻 虞美人 西江月 满江红 滿江紅 ' +
    '临江仙 臨江仙 鹧鸪天 鷓鴣天 声声慢 聲聲慢 雨霖铃 雨霖鈴 青玉案 清平乐 清平樂 卜算子 采桑子 點絳唇 点绛唇 ' +
    '忆秦娥 憶秦娥 沁园春 沁園春 江城子 破阵子 破陣子 渔家傲 漁家傲 定风波 定風波 一剪梅 醉花阴 醉花陰 长相思 ' +
    '長相思 相见欢 相見歡 浪淘沙 忆江南 憶江南 望江南 苏幕遮 蘇幕遮 踏莎行 扬州慢 揚州慢 永遇乐 永遇樂 贺新郎 ' +
    '賀新郎 摸鱼儿 摸魚兒 天仙子 生查子 谒金门 謁金門 玉楼春 玉樓春 木兰花 木蘭花 南乡子 南鄉子 诉衷情 訴衷情 ' +
    '捣练子 搗練子 乌夜啼 烏夜啼 八声甘州 八聲甘州 桂枝香 六州歌头 六州歌頭 水龙吟 水龍吟 望海潮 鹊桥仙 鵲橋仙 ' +
    '少年游 少年遊 眼儿媚 眼兒媚 钗头凤 釵頭鳳 丑奴儿 醜奴兒 行香子 风入松 風入松 兰陵王 蘭陵王 更漏子 酒泉子 ' +
    '柳梢青 朝中措 画堂春 畫堂春 阮郎归 阮郎歸 喜迁莺 喜遷鶯 渔歌子 漁歌子 调笑令 調笑令 十六字令 忆王孙 憶王孫 ' +
    '武陵春 好事近 霜天晓角 霜天曉角 唐多令 太常引 小重山 御街行 千秋岁 千秋歲 醉太平 人月圆 人月圓 天净沙 天淨沙 ' +
    '山坡羊 暗香 疏影 鳳凰臺上憶吹簫 凤凰台上忆吹箫 夜游宫 夜遊宮 剑器近 劍器近 祝英台近 祝英臺近'
  ).split(' '),
);

/** Brackets a Chinese title may stand in. */
const BRACKETED = /^[《「『〈【]([^》」』〉】]+)[》」』〉】]$/;

/** The tune a title names ("《如梦令》", "# 水調歌頭·明月幾時有", "「念奴嬌」赤壁懷古"), or null. */
export function tuneOf(title: string | null | undefined): string | null {
  if (!title) return null;
  let t = title.replace(/^\s*#+\s*/, '').trim();
  const bracketed = /^[《「『〈【]([^》」』〉】]+)[》」』〉】]/.exec(t);
  if (bracketed) {
    const inner = bracketed[1]!.trim();
    const name = inner.split(/[·•・．.\s]/)[0]!;
    if (TUNES.has(name) || /[·•・]/.test(inner)) return name;
    t = t.slice(bracketed[0].length).trim() || inner;
  }
  const dotted = /^(\p{Script=Han}{2,7})\s*[·•・]\s*\S/u.exec(t);
  if (dotted) return dotted[1]!;
  const first = t.split(/[\s，,：:（(]/)[0]!;
  return TUNES.has(first) ? first : null;
}

/**
 * Whether a line is a Chinese title rather than verse: a bracketed one (《如梦令》), or one that
 * names a tune. The verse after it is then read without it.
 */
export function isChineseTitleLine(line: string): boolean {
  const t = line.trim();
  if (!t || CJK_LINE_END.test(t) || countCjkCharacters(t) === 0) return false;
  return BRACKETED.test(t) || tuneOf(t) !== null;
}

/**
 * The named form of a Chinese poem from its title and its lines (clauses) so far, or null.
 * `whole`: the lines are the whole poem (eval-form's truth), not a poem being written.
 */
export function chineseVerseForm(title: string | null, lines: readonly ChineseLine[], whole = false): ChineseVerseForm | null {
  const tune = tuneOf(title);
  if (tune) return { kind: 'ci', name: '词', charsPerLine: null, lines: null, tune };
  const complete = lines.filter((l) => l.complete).map((l) => units(l.text));
  if (complete.length < 2) return null;
  const n = complete[0]!;
  if ((n !== 5 && n !== 7) || complete.some((c) => c !== n)) return null;
  const count = complete.length;
  let total: number | null;
  if (whole) {
    if (count !== 4 && count !== 8) return null;
    total = count;
  } else total = count < 4 ? 4 : count <= 8 ? 8 : null;
  if (total === null) return null;
  const name = `${n === 5 ? '五言' : '七言'}${total === 4 ? '绝句' : '律诗'}`;
  return { kind: 'regulated', name, charsPerLine: n, lines: total, tune: null };
}

/**
 * A line's length as form-keeping counts it (writing/verse/lines/linePlan's `lineLength`): its CJK
 * characters, and a word in another script as one, so that a model that writes no Chinese is
 * measured as the worker steers it.
 */
function units(text: string): number {
  const others = text.replace(CJK_CHARS, ' ').match(/[\p{L}\p{N}]+/gu)?.length ?? 0;
  return countCjkCharacters(text) + others;
}

const CJK_CHARS = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/gu;

/**
 * Whether line 1 of a regulated poem is in its rhyme: it ends on a level tone (平). Unknown
 * (pinyin-pro not loaded, or a character it lacks): false.
 */
export function firstLineRhymes(line: string): boolean {
  const last = lastHanChar(line);
  const reading = last ? hanReadings(last)?.[0] : undefined;
  return reading !== undefined && isLevelTone(reading.tone);
}

/**
 * The rhyme letters of regulated verse, lettered in order of appearance as any scheme is: the
 * rhyme on every even line (1-based) and on line 1 when it rhymes, every other odd line a letter
 * of its own — ABCBDBEB, or AABACADA when line 1 rhymes. `count` lines.
 */
export function regulatedLetters(count: number, firstRhymes: boolean): string[] {
  const out: string[] = [];
  const rhyme = firstRhymes ? 'A' : 'B';
  let next = firstRhymes ? 1 : 0;
  for (let i = 0; i < count; i++) {
    if (i % 2 === 1 || (i === 0 && firstRhymes)) out.push(rhyme);
    else {
      out.push(schemeLetter(next));
      next += next === 0 && !firstRhymes ? 2 : 1;
    }
  }
  return out;
}

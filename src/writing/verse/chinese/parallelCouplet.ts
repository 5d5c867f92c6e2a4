/**
 * Parallelism (对仗) of a couplet of Chinese verse, as a measurable proxy: the share of positions
 * where the two lines' characters belong to the same class. 律诗 sets its middle couplets
 * (lines 3–4 and 5–6) in parallel — number against number, colour against colour, bird against
 * bird, verb against verb — and a character's semantic radical (部首) is the cheapest faithful
 * sign of its field: 鹂 and 鹭 are both birds (鳥), 江 and 河 both water (水), 松 and 柳 both
 * trees (木). So two characters at one position match when they are both numerals, both
 * colours, both directions, both of the sky or of time, or like function words (the classical
 * categories whose radicals differ: 黃/白/青, 東/西, 風/雲, 春/秋, 不/無),
 * both halves of a doubled character (悠悠 against 滾滾), or different characters of one
 * radical. The same character in both lines matches nothing: repetition is not parallelism.
 *
 * A radical is read from Unicode itself: the CJK Unified Ideographs block (U+4E00–U+9FA5) is
 * ordered by the 214 Kangxi radicals, and each radical of the Kangxi Radicals block
 * (U+2F00–U+2FD5) normalises (NFKC) to the ideograph that opens its run. Characters outside the
 * block have no radical here.
 *
 * 两个黄鹂鸣翠柳，一行白鹭上青天 scores 4/7 (两/一, 黄/白, 鹂/鹭, 翠/青); the verb pair 鸣/上 and
 * the nouns 个/行, 柳/天 are parallel in grammar but not in class: the proxy undercounts, evenly.
 * On ../shared/corpus's 律诗 the poets' middle couplets score well above their other couplets
 * and far above lines of different poems paired at random (bench/EVAL-FORM.md).
 */

/**
 * The classical categories of matched pairs (工对) whose characters' radicals differ: numerals,
 * colours, directions, sky and weather, seasons and times, and the function words (negations,
 * adverbs, interrogatives) — each a class of its own, in both scripts.
 */
const CLASSES: readonly (readonly [string, string])[] = [
  ['numeral', '一二三四五六七八九十百千萬万兩两雙双半幾几數数孤獨独'],
  ['colour', '紅红綠绿青白黃黄黑朱丹紫翠碧蒼苍素玄金銀银赤藍蓝彩'],
  ['direction', '東东西南北上下左右前後后中內内外裏里'],
  ['sky', '天日月星辰風风雲云雨雪霜露煙烟霞虹雷電电'],
  ['time', '春夏秋冬年歲岁朝暮夕夜晨曉晓晚昏宵今古昔時时'],
  ['negation', '不無无未莫非勿'],
  ['adverb', '自已猶犹仍又亦復复更還还皆俱共相同空徒只正欲將将'],
  ['question', '何誰谁孰安焉豈岂寧宁'],
];

const classOf = new Map<string, string>();
for (const [name, chars] of CLASSES) for (const c of chars) classOf.set(c, name);

let radicalStarts: number[] | null = null;
let radicalNumbers: number[] | null = null;

function starts(): { at: number[]; numbers: number[] } {
  if (!radicalStarts) {
    const pairs: [number, number][] = [];
    for (let cp = 0x2f00; cp <= 0x2fd5; cp++) pairs.push([String.fromCodePoint(cp).normalize('NFKC').codePointAt(0)!, cp - 0x2f00 + 1]);
    pairs.sort((a, b) => a[0] - b[0]);
    radicalStarts = pairs.map((p) => p[0]);
    radicalNumbers = pairs.map((p) => p[1]);
  }
  return { at: radicalStarts, numbers: radicalNumbers! };
}

/** The Kangxi radical number (1–214) of a character of the CJK Unified Ideographs block, or null. */
export function radicalOf(char: string): number | null {
  const cp = char.codePointAt(0);
  if (cp === undefined || cp < 0x4e00 || cp > 0x9fa5) return null;
  const { at, numbers } = starts();
  let lo = 0;
  let hi = at.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (at[mid]! <= cp) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found < 0 ? null : numbers[found]!;
}

/** How parallel two lines are: the share of positions that match (see the module comment), and which. */
export interface Parallelism {
  score: number;
  /** Per position: whether the two characters match. */
  matches: boolean[];
}

const HAN = /\p{Script=Han}/u;

/**
 * The parallelism of a couplet: its two lines' Han characters compared position by position
 * (clause marks and anything not Han left out). Lines of different lengths are compared over
 * the shorter, and score against the longer's length.
 */
export function coupletParallelism(first: string, second: string): Parallelism {
  const a = [...first].filter((c) => HAN.test(c));
  const b = [...second].filter((c) => HAN.test(c));
  const n = Math.max(a.length, b.length);
  if (n === 0) return { score: 0, matches: [] };
  const matches: boolean[] = [];
  for (let i = 0; i < Math.min(a.length, b.length); i++) matches.push(matchAt(a, b, i));
  return { score: matches.filter(Boolean).length / n, matches };
}

function matchAt(a: readonly string[], b: readonly string[], i: number): boolean {
  const x = a[i]!;
  const y = b[i]!;
  const doubledA = a[i - 1] === x || a[i + 1] === x;
  const doubledB = b[i - 1] === y || b[i + 1] === y;
  if (doubledA || doubledB) return doubledA && doubledB && (a[i - 1] === x) === (b[i - 1] === y);
  if (x === y) return false;
  const cx = classOf.get(x);
  if (cx !== undefined && cx === classOf.get(y)) return true;
  const rx = radicalOf(x);
  return rx !== null && rx === radicalOf(y);
}

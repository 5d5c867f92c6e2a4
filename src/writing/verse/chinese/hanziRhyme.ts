/**
 * Rhyme in Chinese verse. A Han character rhymes by its pinyin final (韵母), grouped as modern
 * rhyme books group finals: the fourteen rhymes of 中华新韵 (2005), where the medial does not
 * count (花 huā, 家 jiā and 沙 shā all rhyme in 麻) and finals that sound alike in the rhyme
 * position share a group (in/en/un/ün in 文, eng/ing/ong/iong in 庚). Readings come from
 * pinyin-pro (MIT), loaded on demand like the pronouncing dictionary: until `loadPinyin()`
 * has resolved, a character rhymes only with itself.
 *
 * Tones are not compared: the modern rule lets a level and an oblique tone rhyme, and the
 * classical level/oblique split (平仄) does not map onto modern tones — the old entering tone
 * (入声) went into all four. Where a tone matters (regulated verse rhymes on level tones), the
 * rhyme lexicon prefers candidates in the partner's tone class instead of requiring it.
 *
 * Modern rhyme is not the Tang poets' rhyme (平水韵): 斜 xié rhymed with 花 and 家 in 麻 then,
 * and is in 皆 now. Inkling keeps and measures modern rhyme, which is what a reader hears today.
 */
import type { RhymeKey, RhymeMatch } from '../sound/rhyme';

/** The fourteen rhyme groups of 中华新韵, and 儿 (er, in 齐) and a few interjections (嗯, 呣) apart. */
export type RhymeGroup = '麻' | '波' | '皆' | '开' | '微' | '豪' | '尤' | '寒' | '文' | '唐' | '庚' | '齐' | '支' | '姑' | '鼻';

/** One reading of a character. */
export interface HanReading {
  /** Toneless pinyin: "hua". */
  syllable: string;
  /** Toneless final as a rhyme hears it (y- and w- spellings undone: 雨 yu → "ü", 夜 ye → "ie"). */
  final: string;
  /** 1–4, or 0 for the neutral tone. */
  tone: number;
  group: RhymeGroup;
}

type PinyinAll = { pinyin: string; initial: string; final: string; num: number; isZh: boolean }[];
type PinyinFunction = (text: string, options: { type: 'all'; multiple?: boolean; toneType?: 'symbol' | 'none' | 'num' }) => PinyinAll;

let pinyinFn: PinyinFunction | undefined;
let loading: Promise<void> | undefined;
const readingCache = new Map<string, HanReading[]>();

/** Loads pinyin-pro once (about 0.15 s, and 0.25 s more on its first lookup); later calls return the same promise. */
export function loadPinyin(): Promise<void> {
  loading ??= import('pinyin-pro').then((module) => {
    const m = module as { pinyin?: unknown; default?: { pinyin?: unknown } };
    pinyinFn = (m.pinyin ?? m.default?.pinyin) as PinyinFunction;
    if (typeof pinyinFn !== 'function') throw new Error('pinyin-pro could not be read.');
  });
  return loading;
}

/** Whether readings are available yet. */
export function isPinyinLoaded(): boolean {
  return pinyinFn !== undefined;
}

const HAN = /\p{Script=Han}/u;

/** Whether a string is one Han character. */
export function isHanChar(char: string): boolean {
  return [...char].length === 1 && HAN.test(char);
}

/**
 * Every reading pinyin-pro gives a Han character, the commonest first; undefined before
 * pinyin-pro is loaded or for a character it does not know.
 */
export function hanReadings(char: string): HanReading[] | undefined {
  if (!pinyinFn || !isHanChar(char)) return undefined;
  const hit = readingCache.get(char);
  if (hit) return hit.length ? hit : undefined;
  const out: HanReading[] = [];
  for (const r of pinyinFn(char, { type: 'all', multiple: true })) {
    if (!r.isZh || !r.pinyin) continue;
    const syllable = toneless(r.pinyin);
    const initial = r.initial;
    const final = heardFinal(initial, toneless(r.final));
    const group = rhymeGroupOf(initial, final);
    if (group && !out.some((o) => o.syllable === syllable && o.tone === r.num)) out.push({ syllable, final, tone: r.num, group });
  }
  readingCache.set(char, out);
  return out.length ? out : undefined;
}

/** Pinyin without its tone marks (ü kept). */
function toneless(pinyin: string): string {
  return pinyin.normalize('NFD').replace(/[\u0300\u0301\u0304\u030C]/g, '').normalize('NFC');
}

/** The final as heard: pinyin spells 雨 "yu" and 夜 "ye", whose finals are ü and ie. */
function heardFinal(initial: string, final: string): string {
  if (initial === 'y') {
    if (final.startsWith('u')) return `ü${final.slice(1)}`;
    if (final === 'e') return 'ie';
  }
  if (final === 've' || final === 'v') return final.replace('v', 'ü');
  return final;
}

const GROUPS: Readonly<Record<string, RhymeGroup>> = {
  a: '麻', ia: '麻', ua: '麻',
  o: '波', uo: '波', e: '波', io: '波',
  ie: '皆', üe: '皆', ue: '皆',
  ai: '开', uai: '开',
  ei: '微', ui: '微', uei: '微',
  ao: '豪', iao: '豪',
  ou: '尤', iu: '尤', iou: '尤',
  an: '寒', ian: '寒', uan: '寒', üan: '寒',
  en: '文', in: '文', un: '文', uen: '文', ün: '文',
  ang: '唐', iang: '唐', uang: '唐',
  eng: '庚', ing: '庚', ueng: '庚', ong: '庚', iong: '庚',
  i: '齐', er: '齐', ü: '齐',
  u: '姑',
};

/** Initials after which "i" is the apical vowel of 资 and 知 (支), not the i of 衣 (齐). */
const APICAL = new Set(['z', 'c', 's', 'zh', 'ch', 'sh', 'r']);

/** The 中华新韵 group of a toneless final after an initial; null for a final it does not know. */
export function rhymeGroupOf(initial: string, final: string): RhymeGroup | null {
  if (final === 'i' && APICAL.has(initial)) return '支';
  if (!final || final === 'g' || final === 'n' || final === 'm') return '鼻';
  return Object.hasOwn(GROUPS, final) ? GROUPS[final]! : null;
}

/** Level tone (平声): modern tones 1 and 2. The rest (and the neutral tone) are oblique (仄). */
export function isLevelTone(tone: number): boolean {
  return tone === 1 || tone === 2;
}

/**
 * The rhyme key of a Han character: one ending per reading, `strict` its group, `vowel` its
 * final, `stressed` whether its tone is level. Before pinyin-pro is loaded (or for a character it
 * does not know) it has no endings and rhymes only with itself.
 */
export function hanRhymeKey(char: string): RhymeKey {
  const readings = hanReadings(char) ?? [];
  const endings = readings.map((r) => ({ strict: r.group, vowel: r.final, stressed: isLevelTone(r.tone), coda: '' }));
  return { word: char, endings, spelling: char, key: endings[0]?.strict ?? `~${char}`, han: true };
}

/**
 * Whether two Han rhyme keys rhyme. Strict: their commonest readings are in the same group (a
 * rare reading does not make a rhyme: 家 is also read jie, which would rhyme it with 斜). Loose
 * also takes any reading of either (還 huán or hái) and the 十三辙 of Beijing ballad singers,
 * which join 支 and 齐 (the 一七 rhyme).
 */
export function hanRhymes(a: RhymeKey, b: RhymeKey, match: RhymeMatch = 'strict'): boolean {
  if (a.word === b.word) return true;
  if (match === 'strict') return a.endings.length > 0 && a.endings[0]!.strict === b.endings[0]?.strict;
  for (const x of a.endings) {
    for (const y of b.endings) {
      if (x.strict === y.strict || (oneSeven(x.strict) && oneSeven(y.strict))) return true;
    }
  }
  return false;
}

function oneSeven(group: string): boolean {
  return group === '支' || group === '齐';
}

/** The last Han character of a line, or null. */
export function lastHanChar(line: string): string | null {
  const chars = [...line];
  for (let i = chars.length - 1; i >= 0; i--) if (HAN.test(chars[i]!)) return chars[i]!;
  return null;
}

/**
 * The rhyme characters of Chinese: for a line that must rhyme, the common characters of its
 * partner's rhyme group (see hanziRhyme.ts), in the poem's script.
 *
 * "Common" is the first level of the two national character sets, each chosen by frequency of
 * use: GB 2312's 3,755 characters (simplified; they cover about 99.7 % of running text) and
 * Big5's 5,401 (traditional; Taiwan's list of frequently used characters). The character sets
 * are read from the platform's own decoders (TextDecoder 'gbk' and 'big5'), not from a table
 * of ours. No well-kept package ranks characters one by one in both scripts, so the order is
 * by tier: characters common to both scripts, then those of the poem's script; within a tier
 * the model's probabilities choose (the worker), or the server's (a grammar allows them all).
 */
import { hanReadings, isLevelTone, loadPinyin, type RhymeGroup } from './hanziRhyme';
import type { RhymeKey } from '../sound/rhyme';

/** A character that can end a line in rhyme. */
export interface HanCandidate {
  char: string;
  /** 0: common in both scripts; 1: common in one; 2: not in either list (only without the lists). */
  tier: number;
}

export type HanScript = 'traditional' | 'simplified';

/** One common character and the script(s) it is common in. */
interface CommonChar {
  char: string;
  simplified: boolean;
  traditional: boolean;
}

export class HanziLexicon {
  private byGroup: Map<RhymeGroup, CommonChar[]> | null = null;
  private readonly simplifiedOnly = new Set<string>();
  private readonly traditionalOnly = new Set<string>();

  /** `chars`: the common characters with the scripts they are common in (see `commonHanCharacters`). */
  constructor(private readonly chars: readonly CommonChar[]) {
    for (const c of chars) {
      if (c.simplified && !c.traditional) this.simplifiedOnly.add(c.char);
      if (c.traditional && !c.simplified) this.traditionalOnly.add(c.char);
    }
  }

  /** Number of characters indexed. */
  get size(): number {
    return this.chars.length;
  }

  /**
   * Characters that rhyme with `partner` (the group of its first reading), the partner left
   * out: common to both scripts first, then those of `script` (the other script's never), those
   * in the partner's tone class (level 平 or oblique 仄) before the others within a tier. Needs
   * pinyin-pro loaded; empty otherwise.
   */
  candidates(partner: RhymeKey, limit = 600, script: HanScript | null = partner.script ?? null): HanCandidate[] {
    const group = partner.endings[0]?.strict as RhymeGroup | undefined;
    if (!group) return [];
    const level = partner.endings[0]!.stressed;
    const out: { char: string; tier: number; sameTone: boolean; order: number }[] = [];
    (this.index().get(group) ?? []).forEach((c, order) => {
      if (c.char === partner.word) return;
      const tier = c.simplified && c.traditional ? 0 : 1;
      if (tier === 1 && script && !(script === 'simplified' ? c.simplified : c.traditional)) return;
      const reading = hanReadings(c.char)![0]!;
      out.push({ char: c.char, tier, sameTone: isLevelTone(reading.tone) === level, order });
    });
    out.sort((a, b) => a.tier - b.tier || Number(b.sameTone) - Number(a.sameTone) || a.order - b.order);
    return out.slice(0, limit).map(({ char, tier }) => ({ char, tier }));
  }

  /** Which script a text is written in, by its characters common in only one; null when it does not say. */
  scriptOf(text: string): HanScript | null {
    let simplified = 0;
    let traditional = 0;
    for (const c of text) {
      if (this.simplifiedOnly.has(c)) simplified++;
      else if (this.traditionalOnly.has(c)) traditional++;
    }
    if (simplified === traditional) return null;
    return simplified > traditional ? 'simplified' : 'traditional';
  }

  /** Characters by the group of their first (commonest) reading: a rare reading does not make a rhyme. */
  private index(): Map<RhymeGroup, CommonChar[]> {
    if (this.byGroup) return this.byGroup;
    const index = new Map<RhymeGroup, CommonChar[]>();
    for (const c of this.chars) {
      const reading = hanReadings(c.char)?.[0];
      if (!reading) continue;
      const list = index.get(reading.group);
      if (list) list.push(c);
      else index.set(reading.group, [c]);
    }
    this.byGroup = index;
    return index;
  }
}

/**
 * The common characters of both scripts: GB 2312's first level (rows 0xB0–0xD7) and Big5's
 * (0xA440–0xC67E), decoded by the platform. A runtime without those decoders gets every
 * character of the CJK Unified Ideographs' first block instead, as common in both (the model's
 * probabilities then do all the choosing).
 */
export function commonHanCharacters(): CommonChar[] {
  const simplified = decodeRows('gbk', 0xb0, 0xd7, [[0xa1, 0xfe]]);
  const traditional = decodeRows('big5', 0xa4, 0xc6, [[0x40, 0x7e], [0xa1, 0xfe]]);
  if (!simplified.length || !traditional.length) {
    const all: CommonChar[] = [];
    for (let cp = 0x4e00; cp <= 0x9fa5; cp++) all.push({ char: String.fromCodePoint(cp), simplified: true, traditional: true });
    return all;
  }
  const t = new Set(traditional);
  const s = new Set(simplified);
  const out: CommonChar[] = simplified.map((char) => ({ char, simplified: true, traditional: t.has(char) }));
  for (const char of traditional) if (!s.has(char)) out.push({ char, simplified: false, traditional: true });
  return out;
}

function decodeRows(encoding: string, from: number, to: number, cells: readonly [number, number][]): string[] {
  let decoder: InstanceType<typeof TextDecoder>;
  try {
    decoder = new TextDecoder(encoding, { fatal: true });
  } catch {
    return [];
  }
  const out: string[] = [];
  const pair = new Uint8Array(2);
  for (let hi = from; hi <= to; hi++) {
    for (const [a, b] of cells) {
      for (let lo = a; lo <= b; lo++) {
        pair[0] = hi;
        pair[1] = lo;
        let c: string;
        try {
          c = decoder.decode(pair);
        } catch {
          continue;
        }
        if ([...c].length === 1 && /\p{Script=Han}/u.test(c)) out.push(c);
      }
    }
  }
  return out;
}

let shared: Promise<HanziLexicon> | null = null;

/** The lexicon of Chinese rhymes, loaded once per process (with pinyin-pro). */
export function loadHanziLexicon(): Promise<HanziLexicon> {
  shared ??= loadPinyin().then(() => new HanziLexicon(commonHanCharacters()));
  return shared;
}

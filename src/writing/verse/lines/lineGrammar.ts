/**
 * A verse line as a GBNF grammar, for servers that constrain decoding by grammar (llama.cpp's
 * `grammar`, vLLM's `structured_outputs.grammar`): the worker shapes logits token by token, a
 * server can only be told which texts are allowed. The grammar keeps what form-keeping keeps:
 *
 * - whole words: once the line has its length, no new word may start, but the word in progress
 *   may finish (a grammar over characters alone cuts words in half: `[^\n]{10,30}`);
 * - about the line's length, counted in vowel groups (a fair proxy for syllables: over the
 *   shared corpus a line has a median of 1.1 vowel groups per dictionary syllable, so the band
 *   is widened by that much at its top);
 * - in rhyme mode, the last word from the rhyme set;
 * - no line closing on half a word: a compound's hyphen ("night ere-") does not end it;
 * - then the line break (two for a stanza's last line), after the blank the prompt ended with.
 *
 * Rule names use letters, digits and dashes only (llama.cpp's parser accepts no underscore).
 */
import { lengthBand, lineLength, type LengthUnit } from './linePlan';

/** Vowels, as the grammar counts them: a run of these is one vowel group. */
const VOWELS = 'aeiouyAEIOUYàáâãäåæèéêëìíîïòóôõöøùúûüýÿœÀÁÂÃÄÅÆÈÉÊËÌÍÎÏÒÓÔÕÖØÙÚÛÜÝŸŒ';
/** The consonant letters of the Latin alphabets (and the apostrophe and hyphen inside words). */
const CONSONANTS = "bcdfghjklmnpqrstvwxzBCDFGHJKLMNPQRSTVWXZçñßðþÇÑÐÞ'’-";
/** Vowel groups per dictionary syllable, measured on ../shared/corpus (median 1.10, p90 1.22). */
export const GROUPS_PER_SYLLABLE = 1.1;
/** The CJK scripts' ranges: Han (with extension A and compatibility ideographs), kana, Hangul. */
const CJK_RANGES = '\\u3400-\\u9fff\\uf900-\\ufaff\\u3040-\\u30ff\\uac00-\\ud7af';
/** CJK clause marks that end a line of classical verse. */
const CLAUSE_MARKS = '，。！？；';

export interface LineGrammarInput {
  unit: LengthUnit;
  /** Target length of the whole line, in `unit`s (syllables, or characters in CJK verse); null: free. */
  target: number | null;
  /** The target is exact (regulated Chinese verse), not a band around it. */
  exact?: boolean;
  /** What the line in progress already holds (the prompt's last line); '' for a new line. */
  head: string;
  /** The prompt ended inside a word: the continuation may begin with its letters. */
  midWord: boolean;
  /** Text the continuation must begin with: the blank the prompt ended with, a line break before a new stanza. */
  lead: string;
  /** Rhyme mode: the line's last word must be one of these (lower case; in CJK verse, characters); empty or absent: any word. */
  rhymes?: readonly string[];
  /** A refrain's closing words ("an' a' that"): the line must end with exactly these (before its closing punctuation). Takes the place of `rhymes`. */
  ending?: string;
  /** Free verse: the poem's own spread of line lengths, used as the band when `target` is null. */
  range?: { low: number; high: number } | null;
  /** What ends the line: a line break, or two for a stanza's last line. */
  end: '\n' | '\n\n';
}

/** Vowel groups in a text, the grammar's measure of syllables. */
export function vowelGroups(text: string): number {
  let groups = 0;
  let inGroup = false;
  for (const ch of text) {
    const vowel = VOWELS.includes(ch);
    if (vowel && !inGroup) groups++;
    inGroup = vowel;
  }
  return groups;
}

/**
 * The fewest vowel groups the grammar can read a text as: a word's final "e" after consonants
 * may join the group before it (see `g` in lineGrammar).
 */
export function heardVowelGroups(text: string): number {
  const v = `[${VOWELS}]`;
  const c = `[${CONSONANTS.replace(/[-\]\\^]/g, '\\$&')}]`;
  return text.match(new RegExp(`${v}+(?:${c}+e(?!${v}))?`, 'gu'))?.length ?? 0;
}

/** The vowel-group band a line may take for a syllable target (see GROUPS_PER_SYLLABLE). */
export function groupBand(target: number): { low: number; high: number } {
  // The word in progress may add a group after the top, and a silent e may count as none: the
  // top of the band is the target itself, so the line lands within the band a reader hears.
  return { low: lengthBand(target).low, high: Math.max(lengthBand(target).low, target) };
}

/** The GBNF grammar for the rest of one verse line (see the module comment). */
export function lineGrammar(input: LineGrammarInput): string {
  const rules: string[] = [];
  const end = literal(input.end);
  const lead = input.lead ? `${literal(input.lead)} ` : '';
  const v = `[${classChars(VOWELS)}]`;
  // Anything on a line that is not a vowel (consonants, spaces, punctuation); the consonants of a
  // word: once the line is long enough, only these (and at most two more vowel groups) may follow,
  // finishing the word in progress; then a little closing punctuation.
  // A hyphen stands only where a compound's second half follows it at once ("summer-air",
  // "sea-eagle"), or as a dash: two of them, or one between spaces. "summer- air" is a slip.
  const nonVowel = `[^${classChars(VOWELS)}\\n\\-] | "--" | " - " | "-" cl`;
  const consonant = `[${classChars(CONSONANTS)}]`;
  // A line does not close on half a word: its last word ends in a letter or an apostrophe, not
  // a compound's hyphen ("night ere-"), and no hyphen follows it (a dash may).
  const wordEnd = `[${classChars(CONSONANTS.replace('-', ''))}]`;
  const closing = `[${classChars('.,;:!?\'"’”)»—–')}]`;

  if (input.unit === 'character') {
    // A CJK character is one unit; so is a word in another script (as writing/verse/lines/linePlan counts),
    // and spaces and punctuation between them are none.
    rules.push(`cjk ::= [${CJK_RANGES}]`, `other ::= [^${CJK_RANGES}\\n \\t${classChars(CLAUSE_MARKS)}.,;:!?'"、]+`, `sep ::= [ \\t.,;:!?'"、]{0,2}`, 'unit ::= cjk | other');
    if (input.target === null) {
      rules.push(`root ::= ${lead}sep (unit sep)+ [${CLAUSE_MARKS}]? ${end}`);
    } else {
      const band = input.exact ? { low: input.target, high: input.target } : lengthBand(input.target);
      const done = cjkLength(input.head);
      const low = Math.max(1, band.low - done);
      const high = Math.max(low, band.high - done);
      // Rhyme mode: the clause's last character is one of the rhyme characters, right before its mark.
      const rhymes = [...new Set((input.rhymes ?? []).filter((c) => /^\p{Script=Han}$/u.test(c)))];
      if (rhymes.length) {
        rules.push(`rhyme ::= [${classChars(rhymes.join(''))}]`);
        const before = high > 1 ? `(unit sep){${low - 1},${high - 1}} ` : '';
        rules.push(`root ::= ${lead}sep ${before}rhyme [${CLAUSE_MARKS}]? ${end}`);
      } else rules.push(`root ::= ${lead}sep (unit sep){${low},${high}} [${CLAUSE_MARKS}]? ${end}`);
    }
    return rules.join('\n');
  }

  const letters = `[${classChars(CONSONANTS.replace(/['’-]/g, ''))}]`;
  // Between two vowel groups, non-vowels, and a hyphen may come last, right before the vowel.
  // Before the first: the same, but where the line in progress ends on a word's hyphen, its
  // second half (or a second hyphen, a dash) comes first.
  const joint = !input.lead && /\p{L}-$/u.test(input.head);
  rules.push(`v ::= ${v}`, `cl ::= ${letters}`, `nv ::= ${nonVowel}`, 'gap ::= nv+ "-"? | "-"', joint ? 'start ::= (cl nv* "-"?)? | "-" nv* "-"?' : 'start ::= nv* "-"?');
  if (input.target === null && !input.range) {
    // Free verse with nothing to go by: any line, but a whole one.
    rules.push(`root ::= ${lead}${joint ? '(cl nv* | "-"? v+ nv* | "-" nv*)' : 'nv*'} ("-"? v+ nv*)* ${end}`);
    return rules.join('\n');
  }

  // Free verse keeps within the poem's own spread of lengths.
  const band = input.target === null ? { low: Math.max(1, input.range!.low), high: Math.max(1, input.range!.low, input.range!.high) } : groupBand(input.target);
  const done = vowelGroups(input.head);
  const low = Math.max(1, band.low - done);
  const high = Math.max(low, band.high - done);
  // A vowel group; a word's final "e" after consonants may join the group before it ("ma-chine",
  // "love-ly"): the grammar then reads either count, which is how a silent e is heard.
  rules.push(`cons ::= ${consonant}`, `wend ::= ${wordEnd}`, `closing ::= ${closing}`, 'g ::= v+ (cl+ "e")?', 'tail ::= cons{0,4} wend', 'finish ::= tail? (g tail?)? closing{0,2}');

  // A refrain's closing words are the one allowed ending; else the rhyme words, if any.
  const rhymes = input.ending ? [input.ending] : (input.rhymes ?? []).filter((w) => /^[\p{L}'’-]+$/u.test(w));
  if (rhymes.length === 0) {
    // low..high vowel groups, then the word in progress may finish (at most one more group, no
    // new word), then closing punctuation and the line end.
    rules.push(`root ::= ${lead}start ${groups(low, high)} finish ${end}`);
    return rules.join('\n');
  }
  // Rhyme mode: the words before the rhyme take the rest of the band, by the rhyme word's length.
  const byLength = new Map<number, string[]>();
  for (const w of rhymes) {
    const g = Math.max(1, vowelGroups(w));
    byLength.set(g, [...(byLength.get(g) ?? []), w]);
  }
  const options: string[] = [];
  for (const [g, words] of [...byLength].sort((a, b) => a[0] - b[0])) {
    const name = `rhyme-${g}`;
    rules.push(`${name} ::= ${words.map(literal).join(' | ')}`);
    const before = { low: Math.max(0, low - g), high: Math.max(0, high - g) };
    // A rhyme word alone may complete a line that is already long enough.
    if (before.low === 0) options.push(`${input.midWord || joint ? '' : '" "? '}${name}`);
    if (before.high > 0) options.push(`start ${groups(Math.max(1, before.low), before.high)} tail? " " ${name}`);
  }
  rules.push(`root ::= ${lead}(${options.join(' | ')}) closing{0,2} ${end}`);
  return rules.join('\n');
}

/** `min`..`max` vowel groups, each after a gap of non-vowels except the first (which may follow the lead). */
function groups(min: number, max: number): string {
  if (max <= 1) return 'g';
  const more = max - 1;
  const least = Math.max(0, min - 1);
  return `g (gap g){${least},${more}}`;
}

function cjkLength(text: string): number {
  return lineLength(text, 'character');
}

/** A GBNF string literal. */
export function literal(text: string): string {
  return `"${[...text].map(escapeChar).join('')}"`;
}

/** Characters for inside a GBNF character class. */
function classChars(chars: string): string {
  return [...chars].map((c) => (c === ']' || c === '[' || c === '\\' || c === '-' || c === '^' ? `\\${c}` : escapeChar(c))).join('');
}

function escapeChar(c: string): string {
  switch (c) {
    case '"':
      return '\\"';
    case '\\':
      return '\\\\';
    case '\n':
      return '\\n';
    case '\r':
      return '\\r';
    case '\t':
      return '\\t';
    default: {
      const code = c.codePointAt(0)!;
      return code < 0x20 ? `\\x${code.toString(16).padStart(2, '0')}` : c;
    }
  }
}

/**
 * A grammar that only asks the text to begin with `lead` (the blank a prompt ended with), for
 * prose on servers that take grammars: the model then starts a new word instead of finishing the
 * one before the blank.
 */
export function leadGrammar(lead: string): string {
  return `root ::= ${literal(lead)} [^\\x00]*`;
}

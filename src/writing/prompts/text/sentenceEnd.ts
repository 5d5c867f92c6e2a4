/**
 * Where prose sentences end: one definition for ghost text's sentence rule, a command's prose
 * paragraph, and the engine's paragraph steering.
 */

/** . ! ? … before a space or the end; full-width 。！？ with nothing needed after them (closing quotes kept). */
const SENTENCE_END = /[.!?\u2026]+["'\u201D\u2019)\]]*(?=\s|$)|[。！？]+[」』\u201D\u2019）》〉]*/g;

/** Titles, a few Latin abbreviations and initials ("J. Austen", not "said I."), whose full stop does not end a sentence. */
const ABBREVIATION = /(?:^|[\s("'\u201C\u2018])(?:Mr|Mrs|Ms|Mx|Dr|St|Jr|Sr|Prof|Rev|Capt|Col|Gen|Lt|Sgt|Hon|Mt|Messrs|Mme|Mlle|vs|viz|cf|al|approx|[A-HJ-Z]|e\.g|i\.e)$/;

/** Where each sentence of `text` ends (the offset after its mark and closing quotes), a title's full stop ("Mr.") ending none. */
export function* sentenceEnds(text: string): Generator<number> {
  const re = new RegExp(SENTENCE_END.source, 'g');
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m[0] === '.' && ABBREVIATION.test(text.slice(0, m.index))) continue;
    yield m.index + m[0].length;
  }
}

/** The text, trailing blanks aside, ends a sentence: "at last?\"", "said he.", "。" — not "Mr.", "hours,", "home:". */
export function endsSentence(text: string): boolean {
  const t = text.trimEnd();
  const m = /(?:[.!?\u2026]+["'\u201D\u2019)\]]*|[。！？]+[」』\u201D\u2019）》〉]*)$/.exec(t);
  if (!m) return false;
  return !(m[0] === '.' && ABBREVIATION.test(t.slice(0, m.index)));
}

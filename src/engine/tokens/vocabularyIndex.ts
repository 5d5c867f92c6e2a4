/**
 * What each token of a vocabulary does to a line of text, read once from the decoded pieces:
 * whether it breaks the line, starts a new word, continues one, or is punctuation. Form-keeping
 * decoding looks these up on every step instead of decoding tokens.
 */

const CJK = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u;
const CJK_ALL = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/gu;

export class VocabularyIndex {
  readonly size: number;
  /** Tokens holding exactly one newline: they end a line. */
  readonly lineBreaks: number[];
  /** Tokens holding two or more newlines: they end a line and leave a blank one. */
  readonly blankLines: number[];
  /** 1 where the piece begins with a space or tab: it starts a new word. */
  readonly startsWord: Uint8Array;
  /** 1 where the piece begins with a letter, digit or apostrophe: it continues a word in progress. */
  readonly startsWithLetter: Uint8Array;
  /** 1 where the piece is punctuation or symbols only (no letters, digits, spaces or control characters). */
  readonly punctuation: Uint8Array;
  /** 1 where the piece holds a CJK character. */
  readonly addsCjk: Uint8Array;
  /** CJK characters in the piece (capped at 255): a vocabulary that knows Chinese spells words of two or more in one piece. */
  readonly cjkChars: Uint8Array;
  /** Pieces of two or more CJK characters, for keeping a line of Chinese verse to its count. */
  readonly multiCjk: number[];
  /** Newlines in the piece (0, 1, or 2 for two or more). */
  readonly newlines: Uint8Array;
  /** Pieces of spaces only: they indent a line. */
  readonly spaces: number[];
  /** Spaces and tabs a piece begins with (0 for most; capped at 255), for indenting a line exactly. */
  readonly leadingSpaces: Uint8Array;
  /**
   * Pieces that begin with a lone hyphen-minus and hold no letter or digit ("-", "-,"): after a
   * word they leave a compound's first half ("sea-"); a dash ("--") is not one.
   */
  readonly hyphensAfterWord: number[];
  /**
   * Those, and the pieces that begin with an apostrophe and hold no letter or digit ("'", "'."):
   * after a word an elision or a closing quote, not a clitic ("'s"). Where a line closes, either
   * would leave its last word half written.
   */
  readonly halfWordEnds: number[];
  /** Punctuation pieces holding a mark that closes a sentence or clause (. ! ? ; : …). */
  readonly clauseClosers: number[];
  /** Punctuation pieces that end a sentence: . ! ? … (。！？), with any closing quotes or brackets after them. */
  readonly sentenceClosers: number[];
  /** 1 where the piece is one of `sentenceClosers`. */
  readonly closesSentence: Uint8Array;

  constructor(pieces: readonly string[]) {
    const V = pieces.length;
    this.size = V;
    this.lineBreaks = [];
    this.blankLines = [];
    this.startsWord = new Uint8Array(V);
    this.startsWithLetter = new Uint8Array(V);
    this.punctuation = new Uint8Array(V);
    this.addsCjk = new Uint8Array(V);
    this.cjkChars = new Uint8Array(V);
    this.multiCjk = [];
    this.newlines = new Uint8Array(V);
    this.spaces = [];
    this.leadingSpaces = new Uint8Array(V);
    this.hyphensAfterWord = [];
    this.halfWordEnds = [];
    this.clauseClosers = [];
    this.sentenceClosers = [];
    this.closesSentence = new Uint8Array(V);
    for (let id = 0; id < V; id++) {
      const piece = pieces[id] ?? '';
      if (!piece) continue;
      const newlines = piece.split('\n').length - 1;
      if (newlines === 1) this.lineBreaks.push(id);
      else if (newlines > 1) this.blankLines.push(id);
      this.newlines[id] = Math.min(2, newlines);
      if (newlines > 0) continue;
      // A lone byte of a multi-byte character (U+FFFD) is none of these: it belongs to whatever
      // character it completes.
      if (piece.includes('\uFFFD')) continue;
      const lead = /^[ \t]*/.exec(piece)![0].length;
      this.leadingSpaces[id] = Math.min(255, lead);
      if (lead === piece.length) this.spaces.push(id);
      if (/^[ \t]/.test(piece)) this.startsWord[id] = 1;
      else if (/^[\p{L}\p{N}'\u2019]/u.test(piece)) this.startsWithLetter[id] = 1;
      if (/^[\p{P}\p{S}]+$/u.test(piece)) {
        this.punctuation[id] = 1;
        if (/[.!?;:…]/u.test(piece)) this.clauseClosers.push(id);
        if (/^(?:[.!?…]+|[。！？]+)["'\u201D\u2019)\]」』）》〉]*$/u.test(piece)) {
          this.sentenceClosers.push(id);
          this.closesSentence[id] = 1;
        }
      }
      const hyphen = /^-(?!-)[^\p{L}\p{N}]*$/u.test(piece);
      if (hyphen) this.hyphensAfterWord.push(id);
      if (hyphen || /^['\u2019][^\p{L}\p{N}]*$/u.test(piece)) this.halfWordEnds.push(id);
      if (CJK.test(piece)) {
        this.addsCjk[id] = 1;
        const n = piece.match(CJK_ALL)!.length;
        this.cjkChars[id] = Math.min(255, n);
        if (n > 1) this.multiCjk.push(id);
      }
    }
  }
}

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { tokenBytesReader, Utf8Guard, utf8Step } from '../../../src/engine/tokens/utf8Guard';
import { Fuzz, FUZZ_SEED } from '../../support/fuzz';

const strict = new TextDecoder('utf-8', { fatal: true });
const decodes = (bytes: number[]) => {
  try {
    strict.decode(Uint8Array.from(bytes));
    return true;
  } catch {
    return false;
  }
};
/** The decoder's verdict: -1 at an impossible byte, else the state at the end (0: whole characters). */
const run = (bytes: number[]) => bytes.reduce((s, b) => (s < 0 ? s : utf8Step(s, b)), 0);

describe('utf8Step', () => {
  test('agrees with a strict decoder on every sequence of one and two bytes', () => {
    for (let a = 0; a < 256; a++) {
      assert.equal(run([a]) === 0, decodes([a]), `byte ${a.toString(16)}`);
      for (let b = 0; b < 256; b++) assert.equal(run([a, b]) === 0, decodes([a, b]), `bytes ${a.toString(16)} ${b.toString(16)}`);
    }
  });

  test(`agrees on 200,000 random sequences of three to six bytes (seed ${FUZZ_SEED}), lead bytes favoured`, () => {
    const f = new Fuzz(FUZZ_SEED);
    const leads = [0xe0, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xc2, 0xc0, 0x41];
    for (let i = 0; i < 200_000; i++) {
      const n = 3 + f.int(4);
      const bytes = Array.from({ length: n }, (_, j) => (j === 0 || f.next() < 0.2 ? f.pick(leads) : 0x80 + f.int(64)));
      assert.equal(run(bytes) === 0, decodes(bytes), bytes.map((b) => b.toString(16)).join(' '));
    }
  });
});

/** A SentencePiece-like vocabulary with byte fallback: specials, whole pieces, every byte. */
function byteFallbackVocabulary(): { pieces: string[]; guard: Utf8Guard; eos: number } {
  const pieces = ['<unk>', '<s>', '</s>', ...Array.from({ length: 256 }, (_, b) => `<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`), '▁the', '▁sky', 'a', '中', '，', '▁—'];
  const read = tokenBytesReader({
    decoder: { type: 'Sequence', decoders: [{ type: 'Replace', pattern: { String: '▁' }, content: ' ' }, { type: 'ByteFallback' }, { type: 'Fuse' }] },
    added_tokens: [0, 1, 2].map((id) => ({ id, content: pieces[id], special: true })),
  })!;
  const guard = Utf8Guard.build(pieces.length, (id) => read(pieces[id]!, id))!;
  return { pieces, guard, eos: 2 };
}

const byteToken = (b: number) => 3 + b;

describe('Utf8Guard', () => {
  test('inside a character only its remaining bytes may come; between characters never a stray continuation byte', () => {
    const { guard, eos } = byteFallbackVocabulary();
    const afterE4 = guard.stateAfter([byteToken(0xe4)]);
    assert.notEqual(afterE4, 0);
    assert.ok(guard.allows(afterE4, byteToken(0xb8)), 'a continuation byte');
    assert.ok(!guard.allows(afterE4, byteToken(0x41)), 'not ASCII');
    assert.ok(!guard.allows(afterE4, 259), 'not a whole piece (" the")');
    assert.ok(!guard.allows(afterE4, eos), 'not the end of text');
    assert.equal(guard.stateAfter([byteToken(0xe4), byteToken(0xb8), byteToken(0xad)]), 0, '中 is complete');
    assert.equal(guard.stateAfter([259, 262]), 0, '" the中" ends between characters');
    assert.ok(!guard.allows(0, byteToken(0x80)) && !guard.allows(0, byteToken(0xc0)) && !guard.allows(0, byteToken(0xff)));
    assert.ok(guard.allows(0, eos) && guard.allows(0, byteToken(0xe4)) && guard.allows(0, 259));
    // After E0 the next byte is A0–BF (no overlong forms); after ED 80–9F (no surrogates).
    const afterE0 = guard.stateAfter([byteToken(0xe0)]);
    assert.ok(!guard.allows(afterE0, byteToken(0x80)) && guard.allows(afterE0, byteToken(0xa0)));
    const afterED = guard.stateAfter([byteToken(0xed)]);
    assert.ok(guard.allows(afterED, byteToken(0x9f)) && !guard.allows(afterED, byteToken(0xa0)));
  });

  test('never a control character: NUL, ESC, DEL and the like are barred, tab and line breaks are text', () => {
    const { guard } = byteFallbackVocabulary();
    for (const b of [0x00, 0x06, 0x0b, 0x0c, 0x1b, 0x7f]) assert.ok(!guard.allows(0, byteToken(b)), `byte ${b.toString(16)}`);
    for (const b of [0x09, 0x0a, 0x0d, 0x20, 0x41]) assert.ok(guard.allows(0, byteToken(b)), `byte ${b.toString(16)}`);
  });

  test('shape leaves only what may follow, and a row it would empty stays as it was', () => {
    const { pieces, guard } = byteFallbackVocabulary();
    const row = new Float32Array(pieces.length).fill(0);
    guard.shape(row, guard.stateAfter([byteToken(0xe4)]));
    const open = [...row.keys()].filter((id) => row[id]! > -Infinity);
    assert.deepEqual(open, Array.from({ length: 64 }, (_, i) => byteToken(0x80 + i)));
    const hopeless = new Float32Array(pieces.length).fill(-Infinity);
    hopeless[259] = 1;
    guard.shape(hopeless, guard.stateAfter([byteToken(0xe4)]));
    assert.equal(hopeless[259], 1, 'nothing allowed had any chance: the row is left alone');
  });

  test(`sampling uniformly under the guard always spells whole characters; without it, not (seed ${FUZZ_SEED})`, () => {
    const { pieces, guard } = byteFallbackVocabulary();
    const read = (ids: number[]) => ids.flatMap((id) => (id < 3 ? [] : [...tokenBytesReader({ decoder: { type: 'ByteFallback' } })!(pieces[id]!, id)!]));
    for (const guarded of [true, false]) {
      const f = new Fuzz(FUZZ_SEED);
      let broken = 0;
      for (let run = 0; run < 200; run++) {
        const ids: number[] = [259];
        for (let step = 0; step < 30; step++) {
          const row = new Float32Array(pieces.length).fill(0);
          if (guarded) guard.shape(row, guard.stateAfter(ids));
          const open = [...row.keys()].filter((id) => row[id]! > -Infinity && id !== 2);
          ids.push(f.pick(open));
        }
        // End between characters: what a stopped continuation keeps.
        while (guard.stateAfter(ids) !== 0) ids.pop();
        if (!decodes(read(ids))) broken++;
      }
      if (guarded) assert.equal(broken, 0);
      else assert.ok(broken > 150, `the unguarded control breaks characters (${broken} of 200)`);
    }
  });

  test('spelledInBytes: the share of a text\'s tokens that hold part of a character, specials aside', () => {
    const { guard } = byteFallbackVocabulary();
    const han = [0xe4, 0xb8, 0xad].map(byteToken); // 中 in bytes
    assert.equal(guard.spelledInBytes([1, 259, 260]), 0, '<s> the sky');
    assert.equal(guard.spelledInBytes([1, ...han, 259]), 0.75);
    assert.equal(guard.spelledInBytes([262, 263]), 0, '中， as whole pieces');
    assert.equal(guard.spelledInBytes([]), 0);
  });

  test('a vocabulary of whole characters needs no guard', () => {
    const read = tokenBytesReader({ decoder: { type: 'Sequence', decoders: [{ type: 'ByteFallback' }] } })!;
    assert.equal(Utf8Guard.build(3, (id) => read(['a', '▁b', '中'][id]!, id)), null);
    assert.equal(tokenBytesReader({ decoder: { type: 'Metaspace', replacement: '▁' } }), null);
    assert.equal(tokenBytesReader({ decoder: { type: 'WordPiece' } }), null);
  });
});

describe('tokenBytesReader', () => {
  test("GPT-2's byte-level alphabet: Ġ is a space, Ċ a newline, Ã¤ is ä, a lone lead byte stays one byte", () => {
    const read = tokenBytesReader({ decoder: { type: 'ByteLevel' }, added_tokens: [{ id: 0, content: '<|endoftext|>', special: true }] })!;
    assert.equal(read('<|endoftext|>', 0), null);
    assert.deepEqual([...read('Ġthe', 5)!], [0x20, 0x74, 0x68, 0x65]);
    assert.deepEqual([...read('Ċ', 6)!], [0x0a]);
    assert.equal(new TextDecoder().decode(read('Ã¤', 7)!), 'ä');
    assert.deepEqual([...read('ä¸', 8)!], [0xe4, 0xb8], 'the first two bytes of 中');
  });

  test('byte fallback: <0xE4> is one byte, other pieces their text with ▁ as a space; specials have none', () => {
    const read = tokenBytesReader({
      decoder: { type: 'Sequence', decoders: [{ type: 'Replace', pattern: { String: '▁' }, content: ' ' }, { type: 'ByteFallback' }, { type: 'Fuse' }, { type: 'Strip', content: ' ', start: 1, stop: 0 }] },
      added_tokens: [{ id: 1, content: '<s>', special: true }],
    })!;
    assert.deepEqual([...read('<0xE4>', 9)!], [0xe4]);
    assert.equal(new TextDecoder().decode(read('▁sky', 10)!), ' sky');
    assert.equal(read('<s>', 1), null);
  });
});

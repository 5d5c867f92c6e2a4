import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fitPrompt } from '../../../src/writing/prompts/text/promptFit';

describe('a prompt within a server\'s context', () => {
  it('a short prompt is left alone', () => {
    assert.deepEqual(fitPrompt('Shall I compare thee', 512, 32, 3), { text: 'Shall I compare thee', cut: 0 });
  });

  it('a long one keeps its end, from a line start, within the room the estimate gives', () => {
    const lines = Array.from({ length: 200 }, (_, i) => `Line ${i} of a long poem about the sea and its sound`);
    const prompt = lines.join('\n');
    const fit = fitPrompt(prompt, 512, 32, 3);
    assert.ok(fit.cut > 0);
    assert.ok(fit.text.length <= Math.floor((512 - 32) * 0.9 - 8) * 3, `${fit.text.length} characters`);
    assert.equal(prompt[fit.cut - 1], '\n', 'starts at a line start');
    assert.ok(prompt.endsWith(fit.text));
  });

  it('as the writer types, the cut stays put (the server\'s prompt cache keeps matching) until the prompt grows by a stride', () => {
    const base = 'word '.repeat(2000);
    const cuts = new Set<number>();
    for (let extra = 0; extra < 60; extra += 5) cuts.add(fitPrompt(base + 'x'.repeat(extra), 512, 32, 3).cut);
    assert.equal(cuts.size, 1, `one cut while typing 60 characters: ${[...cuts]}`);
    const far = fitPrompt(base + ' more'.repeat(200), 512, 32, 3).cut;
    assert.ok(far > [...cuts][0]!, 'a prompt grown by a stride moves the cut');
  });
});

describe('the end of a manuscript, before tokenizing', () => {
  it('is cut on a grid, from a line start, and keeps its cut as the text grows', async () => {
    const { textTail } = await import('../../../src/writing/prompts/text/promptFit');
    const para = 'She walked to the window and looked out at the rain falling on the harbour.\n';
    const novel = para.repeat(50_000);
    const a = textTail(novel, 8192);
    assert.ok(a.text.length <= 8192 + 1024 && a.text.length > 4096, `${a.text.length} characters kept`);
    assert.equal(novel[a.cut - 1], '\n');
    assert.equal(textTail(`${novel}And then she`, 8192).cut, a.cut, 'typing at the end keeps the cut');
    assert.deepEqual(textTail('short', 8192), { text: 'short', cut: 0 });
  });

  it('keeps at least half of the room, whatever the length and however the lines fall', async () => {
    const { textTail } = await import('../../../src/writing/prompts/text/promptFit');
    // The regression: 12,329 characters with a 4,096 budget rounded the cut up to 12,288, and the
    // next line break (the text's last character) took the rest: an empty prompt.
    const stanza = 'Which made a long debate; but I must halt,\n';
    for (let length = 4097; length < 20_000; length += 37) {
      const text = stanza.repeat(Math.ceil(length / stanza.length)).slice(0, length - 1) + '\n';
      const kept = textTail(text, 4096).text;
      assert.ok(kept.length >= 2048 && kept.length <= 4096 + 1024, `${length} characters: kept ${kept.length}`);
      assert.ok(text.endsWith(kept));
    }
  });
});

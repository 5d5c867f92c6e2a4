import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { NdjsonParser, SseParser } from '../../../src/client/server/eventStream';
import { LLAMA_STREAM, OLLAMA_STREAM, VLLM_STREAM } from '../../fixtures/servers/shapes';

function feedInPieces(parser: { feed(s: string): void; end(): void }, text: string, size: number): void {
  for (let i = 0; i < text.length; i += size) parser.feed(text.slice(i, i + size));
  parser.end();
}

describe('streams', () => {
  it('SSE: events cut anywhere, comments skipped, CRLF, [DONE] passed on', () => {
    for (const size of [1, 3, 17, 1000]) {
      const events: string[] = [];
      feedInPieces(new SseParser((d) => events.push(d)), VLLM_STREAM.join('').replace(/\n/g, '\r\n'), size);
      assert.equal(events.length, 4, `chunks of ${size}`);
      assert.equal(events[3], '[DONE]');
      assert.equal(JSON.parse(events[1]!).choices[0].text, '    if');
    }
    const llama: string[] = [];
    feedInPieces(new SseParser((d) => llama.push(d)), LLAMA_STREAM.join(''), 5);
    assert.equal(llama.length, 3, 'the ping comment is no event');
  });

  it('SSE: a last event without its blank line still arrives; multi-line data joins', () => {
    const events: string[] = [];
    const p = new SseParser((d) => events.push(d));
    p.feed('data: a\ndata: b\n\ndata: {"x":1}');
    p.end();
    assert.deepEqual(events, ['a\nb', '{"x":1}']);
  });

  it('NDJSON: lines cut anywhere, blank lines skipped', () => {
    for (const size of [1, 7, 4096]) {
      const lines: string[] = [];
      feedInPieces(new NdjsonParser((l) => lines.push(l)), `${OLLAMA_STREAM.join('')}\n`, size);
      assert.equal(lines.length, 3);
      assert.equal(JSON.parse(lines[2]!).done, true);
    }
  });
});

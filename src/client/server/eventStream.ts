/**
 * The two streaming formats servers use: Server-Sent Events (llama.cpp, vLLM, OpenAI-style:
 * `data: {...}` events separated by blank lines, `:` comment pings, `data: [DONE]` at the end on
 * the OpenAI routes) and newline-delimited JSON (Ollama). Both are fed text as it arrives, in
 * chunks that may cut a line anywhere.
 */

/** Calls `onEvent` with the data of each complete SSE event; `[DONE]` is passed on as is. */
export class SseParser {
  private buffer = '';
  private data: string[] = [];

  constructor(private readonly onEvent: (data: string) => void) {}

  feed(chunk: string): void {
    this.buffer += chunk;
    for (;;) {
      const newline = this.buffer.indexOf('\n');
      if (newline < 0) return;
      const line = this.buffer.slice(0, newline).replace(/\r$/, '');
      this.buffer = this.buffer.slice(newline + 1);
      this.line(line);
    }
  }

  /** The stream ended: an event not closed by a blank line is still delivered. */
  end(): void {
    if (this.buffer) this.line(this.buffer.replace(/\r$/, ''));
    this.buffer = '';
    this.dispatch();
  }

  private line(line: string): void {
    if (line === '') return this.dispatch();
    if (line.startsWith(':')) return; // a comment (keep-alive ping)
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') this.data.push(value);
  }

  private dispatch(): void {
    if (this.data.length === 0) return;
    const data = this.data.join('\n');
    this.data = [];
    this.onEvent(data);
  }
}

/** Calls `onLine` with each complete, non-empty line of an NDJSON stream. */
export class NdjsonParser {
  private buffer = '';

  constructor(private readonly onLine: (line: string) => void) {}

  feed(chunk: string): void {
    this.buffer += chunk;
    for (;;) {
      const newline = this.buffer.indexOf('\n');
      if (newline < 0) return;
      const line = this.buffer.slice(0, newline).trim();
      this.buffer = this.buffer.slice(newline + 1);
      if (line) this.onLine(line);
    }
  }

  end(): void {
    const line = this.buffer.trim();
    this.buffer = '';
    if (line) this.onLine(line);
  }
}

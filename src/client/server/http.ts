/**
 * HTTP for the server engines, on Node's own fetch: one request, a connect timeout (no answer
 * at all), a silence timeout (a stream that stops mid-way), the caller's abort, and failures
 * sorted into what a writer can act on. No retries here: ghost text must never wait on one.
 */

export type FailureKind = 'refused' | 'unknown-host' | 'timeout' | 'closed' | 'silence' | 'cut' | 'aborted' | 'status' | 'other';

export class HttpFailure extends Error {
  constructor(
    readonly kind: FailureKind,
    message: string,
    readonly status?: number,
    readonly body?: string,
  ) {
    super(message);
    this.name = 'HttpFailure';
  }
}

export interface HttpOptions {
  signal?: AbortSignal;
  headers?: Record<string, string>;
  /** Time allowed for the server to start answering. */
  connectTimeoutMs: number;
  /** Time allowed between two pieces of a streamed answer. */
  silenceTimeoutMs: number;
}

export interface HttpAnswer {
  status: number;
  /** The whole body, when not streamed. */
  text: string;
}

/**
 * Sends a request. With `onChunk`, the body is handed over as it arrives (decoded text) and the
 * answer's `text` is empty; otherwise the whole body is returned. A status other than 2xx is an
 * HttpFailure of kind 'status' carrying the body.
 */
export async function httpRequest(method: 'GET' | 'POST', url: string, body: unknown, options: HttpOptions, onChunk?: (text: string) => void): Promise<HttpAnswer> {
  const controller = new AbortController();
  let why: 'timeout' | 'silence' | null = null;
  const abortedByCaller = () => controller.abort();
  if (options.signal?.aborted) throw new HttpFailure('aborted', 'The request was cancelled.');
  options.signal?.addEventListener('abort', abortedByCaller, { once: true });
  let timer = setTimeout(() => {
    why = 'timeout';
    controller.abort();
  }, options.connectTimeoutMs);
  const rearm = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      why = 'silence';
      controller.abort();
    }, options.silenceTimeoutMs);
  };
  try {
    let response: Response | undefined;
    for (let attempt = 0; !response; attempt++) {
      try {
        response = await fetch(url, {
          method,
          headers: { accept: 'application/json, text/event-stream, application/x-ndjson', ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...options.headers },
          body: body === undefined ? undefined : JSON.stringify(body),
          signal: controller.signal,
        });
      } catch (e) {
        const f = failure(e, why, options.signal);
        // A kept-alive connection to a server that has since restarted fails before any answer:
        // one fresh connection at once (not a retry loop: nothing waits), then the failure stands.
        if (f.kind === 'closed' && attempt === 0) continue;
        throw f;
      }
    }
    rearm();
    if (response.status < 200 || response.status >= 300) {
      const text = await response.text().catch(() => '');
      throw new HttpFailure('status', `HTTP ${response.status}`, response.status, text);
    }
    if (!onChunk || !response.body) {
      const text = await response.text().catch((e: unknown) => {
        throw failure(e, why, options.signal);
      });
      return { status: response.status, text };
    }
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        rearm();
        const text = decoder.decode(value, { stream: true });
        if (text) onChunk(text);
      }
    } catch (e) {
      throw failure(e, why, options.signal, true);
    }
    const rest = decoder.decode();
    if (rest) onChunk(rest);
    return { status: response.status, text: '' };
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', abortedByCaller);
  }
}

function failure(e: unknown, why: 'timeout' | 'silence' | null, signal: AbortSignal | undefined, midStream = false): HttpFailure {
  if (e instanceof HttpFailure) return e;
  if (signal?.aborted) return new HttpFailure('aborted', 'The request was cancelled.');
  if (why === 'timeout') return new HttpFailure('timeout', 'no answer in time');
  if (why === 'silence') return new HttpFailure('silence', 'the answer stopped coming');
  const cause = (e as { cause?: { code?: string; message?: string } })?.cause;
  const code = cause?.code ?? (e as { code?: string })?.code ?? '';
  if (code === 'ECONNREFUSED') return new HttpFailure('refused', 'connection refused');
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return new HttpFailure('unknown-host', 'unknown host');
  if (code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'ETIMEDOUT') return new HttpFailure('timeout', 'no answer in time');
  if (midStream) return new HttpFailure('cut', 'the connection was cut');
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET' || code === 'EPIPE' || code === 'UND_ERR_CLOSED') return new HttpFailure('closed', 'the server closed the connection');
  return new HttpFailure('other', cause?.message ?? (e as Error)?.message ?? String(e));
}

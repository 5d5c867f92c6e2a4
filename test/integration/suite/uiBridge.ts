// Client for the UI bridge of test/integration/runVscode.mjs: a test running inside the extension
// host asks the driver, over loopback HTTP, to act on the Chromium page that shows the workbench
// (type keys, take screenshots, query the DOM). The driver passes the bridge address in
// $INKLING_UI_BRIDGE (http://127.0.0.1:PORT/TOKEN). Under @vscode/test-electron there is no bridge:
// tests that need one call `uiBridgeOrSkip(this)` and are skipped.
//
//   const ui = uiBridgeOrSkip(this);
//   await ui.press('End'); await ui.type(' more words');
//   await ui.waitForSelector('.ghost-text-decoration');
//   await ui.screenshot('ghost-text');           // → $INKLING_TEST_ARTIFACTS/ghost-text.png
import * as fs from 'fs';
import * as http from 'http';
import * as path from 'path';

export type SelectorState = 'attached' | 'detached' | 'visible' | 'hidden';

interface BridgeReply<T> {
  ok: boolean;
  result?: T;
  error?: string;
}

export class UiBridgeError extends Error {
  constructor(op: string, message: string) {
    super(`UI bridge ${op}: ${message}`);
    this.name = 'UiBridgeError';
  }
}

export class UiBridge {
  private readonly url: URL;

  constructor(address: string) {
    this.url = new URL(address);
  }

  /** Sends one command; resolves with its result, rejects with the page-side error. */
  call<T = unknown>(op: string, args: Record<string, unknown> = {}, timeoutMs = 60_000): Promise<T> {
    const body = JSON.stringify({ op, ...args });
    return new Promise<T>((resolve, reject) => {
      const req = http.request(
        this.url,
        { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
        (res) => {
          let data = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (data += c));
          res.on('end', () => {
            let reply: BridgeReply<T>;
            try {
              reply = JSON.parse(data) as BridgeReply<T>;
            } catch {
              reject(new UiBridgeError(op, `bad reply (HTTP ${res.statusCode}): ${data.slice(0, 200)}`));
              return;
            }
            if (reply.ok) resolve(reply.result as T);
            else reject(new UiBridgeError(op, reply.error ?? `HTTP ${res.statusCode}`));
          });
        },
      );
      req.setTimeout(timeoutMs, () => req.destroy(new UiBridgeError(op, `no reply within ${timeoutMs} ms`)));
      req.on('error', (e) => reject(e instanceof UiBridgeError ? e : new UiBridgeError(op, e.message)));
      req.end(body);
    });
  }

  /** Types text with real key events into whatever has focus in the page (Playwright keyboard.type). */
  type(text: string, options: { delay?: number } = {}): Promise<void> {
    return this.call('type', { text, delay: options.delay });
  }

  /** Presses a key or chord, Playwright syntax: 'Tab', 'Enter', 'Escape', 'Alt+Backslash', 'Control+Shift+P', 'F1'. */
  press(key: string, options: { delay?: number } = {}): Promise<void> {
    return this.call('press', { key, delay: options.delay });
  }

  /** Inserts text as one input event (no key presses, so no key bindings fire). */
  insertText(text: string): Promise<void> {
    return this.call('insertText', { text });
  }

  /**
   * Saves a PNG of the page (or of the first element matching `selector`) and returns its path.
   * A bare name goes to the artifacts folder: 'ghost-text' → $INKLING_TEST_ARTIFACTS/ghost-text.png.
   */
  screenshot(name: string, options: { fullPage?: boolean; selector?: string } = {}): Promise<string> {
    return this.call('screenshot', { name, ...options });
  }

  /** Waits until a CSS selector reaches `state` (default 'visible'); rejects after `timeout` ms (default 10 s). */
  waitForSelector(selector: string, options: { state?: SelectorState; timeout?: number } = {}): Promise<void> {
    return this.call('waitForSelector', { selector, ...options }, (options.timeout ?? 10_000) + 30_000).then(() => undefined);
  }

  /** textContent of the first element matching the selector (null if it has none). */
  textContent(selector: string): Promise<string | null> {
    return this.call('textContent', { selector });
  }

  /** Rendered text (innerText) of the first element matching the selector. */
  innerText(selector: string): Promise<string> {
    return this.call('innerText', { selector });
  }

  /** How many elements match the selector right now. */
  count(selector: string): Promise<number> {
    return this.call('count', { selector });
  }

  /** Moves the mouse over the first element matching the selector (a status bar item's hover). */
  hover(selector: string): Promise<void> {
    return this.call('hover', { selector });
  }

  click(selector: string, options: { button?: 'left' | 'right' | 'middle'; clickCount?: number } = {}): Promise<void> {
    return this.call('click', { selector, ...options });
  }

  /**
   * Evaluates in the page. Pass a self-contained function (it is sent as source text, so it cannot
   * use anything from the test's scope) and a JSON-serialisable argument, or an expression string.
   */
  evaluate<R, A = unknown>(fn: string | ((arg: A) => R | Promise<R>), arg?: A): Promise<R> {
    return this.call('evaluate', { expression: typeof fn === 'string' ? fn : fn.toString(), arg });
  }

  /**
   * Evaluates a self-contained function inside a webview: in the (nested) frame whose document
   * matches `frame` (a CSS selector such as '#inkling-sampling-panel'), or with `parent`, in the
   * webview's outer frame, which holds VS Code's message channel to the extension.
   */
  frameEval<R, A = unknown>(frame: string, fn: (arg: A) => R | Promise<R>, arg?: A, options: { parent?: boolean; timeout?: number } = {}): Promise<R> {
    return this.call('frameEval', { frame, expression: fn.toString(), arg, ...options }, (options.timeout ?? 10_000) + 30_000);
  }

  /**
   * Acts on the first element matching `selector` inside the webview frame that matches `frame`,
   * with real input events (Playwright locators): 'fill' and 'selectOption' take the value,
   * 'press' a key ('Enter', 'ArrowRight'), 'waitFor' a state ('visible', 'attached', …).
   */
  frameAction(frame: string, selector: string, action: FrameAction, value?: string, options: { timeout?: number } = {}): Promise<void> {
    return this.call('frameAction', { frame, selector, action, value, ...options }, (options.timeout ?? 10_000) + 30_000);
  }
}

/** An action on an element inside a webview (see UiBridge.frameAction). */
export type FrameAction = 'click' | 'focus' | 'fill' | 'press' | 'selectOption' | 'check' | 'uncheck' | 'waitFor';

/** The bridge address, when the tests run under runVscode.mjs. */
export function uiBridgeAddress(): string | undefined {
  return process.env.INKLING_UI_BRIDGE || undefined;
}

/** The UI bridge, or undefined when there is none (e.g. under @vscode/test-electron). */
export function getUiBridge(): UiBridge | undefined {
  const a = uiBridgeAddress();
  return a ? new UiBridge(a) : undefined;
}

/** The UI bridge; skips the current test (or suite, from a hook) when there is none. */
export function uiBridgeOrSkip(ctx: Mocha.Context): UiBridge {
  const ui = getUiBridge();
  if (!ui) ctx.skip();
  return ui as UiBridge;
}

/** Folder for screenshots and other artefacts ($INKLING_TEST_ARTIFACTS, else <repo>/.test-artifacts). */
export function artifactsDir(): string {
  const dir = process.env.INKLING_TEST_ARTIFACTS || path.resolve(__dirname, '../../../../.test-artifacts');
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

/** Polls `probe` until it returns a truthy value; rejects with `what` after `timeoutMs`. */
export async function waitFor<T>(probe: () => T | Promise<T>, what: string, timeoutMs = 10_000, intervalMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  for (;;) {
    last = await probe();
    if (last) return last;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

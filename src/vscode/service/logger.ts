import * as vscode from 'vscode';
import type { EngineLogger } from '../../client/engineClient';

/** The "Inkling" log channel; the worker's log lines arrive here through the client. */
export function createLogger(): { channel: vscode.LogOutputChannel; logger: EngineLogger } {
  const channel = vscode.window.createOutputChannel('Inkling', { log: true });
  const logger: EngineLogger = {
    trace: (m) => channel.trace(m),
    debug: (m) => channel.debug(m),
    info: (m) => channel.info(m),
    warn: (m) => channel.warn(m),
    error: (m) => channel.error(m),
  };
  return { channel, logger };
}

/**
 * Wraps an event listener so that a failure is logged with its stack (VS Code would only say
 * "FAILED to handle event") and never reaches the event's other listeners.
 */
export function guarded<A extends unknown[]>(logger: EngineLogger, what: string, listener: (...args: A) => unknown): (...args: A) => void {
  return (...args: A) => {
    try {
      const r = listener(...args);
      if (r instanceof Promise) r.catch((e: unknown) => logger.error(`${what} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`));
    } catch (e) {
      logger.error(`${what} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    }
  };
}

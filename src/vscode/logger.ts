import * as vscode from 'vscode';
import type { EngineLogger } from '../client/engineClient';

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

/**
 * Which engine writes, and where a server is: `inkling.engine`, `inkling.server.*`. Pure checks
 * of what the writer typed, so that Inkling never sends their text anywhere they did not mean:
 * plain `http://` only to this machine (or a host the writer allowed by name), no credentials in
 * the address (the API key lives in VS Code's secret storage), nothing but an origin and a path.
 */

import { msg } from '../../common/message';

export type EngineChoice = 'local' | 'server';
export type ServerKind = 'llama.cpp' | 'vllm' | 'ollama' | 'openai';
export const SERVER_KINDS: readonly ServerKind[] = ['llama.cpp', 'vllm', 'ollama', 'openai'];

export interface ServerSettings {
  /** The server's base address, normalised (no trailing slash), e.g. http://127.0.0.1:8080. */
  url: string;
  kind: ServerKind | 'auto';
  /** The model to ask for; '' lets Inkling choose (the one the server has loaded, or its first). */
  model: string;
}

export interface RawServerSettings {
  engine?: unknown;
  url?: unknown;
  kind?: unknown;
  model?: unknown;
  allowedHosts?: unknown;
}

export type CheckedServerSettings =
  | { engine: 'local'; problems: string[] }
  | { engine: 'server'; server: ServerSettings; problems: string[] }
  /** The writer chose a server but its settings cannot be used: say why, send nothing. */
  | { engine: 'server'; server: null; problems: string[]; error: string };

const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\]|::1)$/i;

/** Whether a host name is this machine. */
export function isLoopbackHost(host: string): boolean {
  return LOOPBACK.test(host);
}

export function checkServerSettings(raw: RawServerSettings): CheckedServerSettings {
  const problems: string[] = [];
  const engine = raw.engine === 'server' ? 'server' : 'local';
  if (raw.engine !== undefined && raw.engine !== null && raw.engine !== 'server' && raw.engine !== 'local') {
    problems.push(msg('inkling.engine must be "local" or "server", not {0}; using "local".', show(raw.engine)));
  }
  if (engine === 'local') return { engine, problems };

  let kind: ServerKind | 'auto' = 'auto';
  if (typeof raw.kind === 'string' && (raw.kind === 'auto' || (SERVER_KINDS as readonly string[]).includes(raw.kind))) kind = raw.kind as ServerKind | 'auto';
  else if (raw.kind !== undefined && raw.kind !== null) problems.push(msg('inkling.server.kind must be one of auto, {0}; not {1}: detecting it instead.', SERVER_KINDS.join(', '), show(raw.kind)));
  const model = typeof raw.model === 'string' ? raw.model.trim() : '';
  const allowed = Array.isArray(raw.allowedHosts) ? raw.allowedHosts.filter((h): h is string => typeof h === 'string').map((h) => h.trim().toLowerCase()).filter(Boolean) : [];
  const url = checkServerUrl(typeof raw.url === 'string' ? raw.url : '', allowed);
  if (!url.ok) return { engine, server: null, problems, error: url.message };
  return { engine, server: { url: url.url, kind, model }, problems };
}

/**
 * A server address as Inkling will use it, or why it cannot be: http(s) only; `http://` only to
 * this machine unless the host is in `allowedHosts` (inkling.server.allowedHosts); no user name
 * or password in it; no query or fragment.
 */
export function checkServerUrl(raw: string, allowedHosts: readonly string[] = []): { ok: true; url: string } | { ok: false; message: string } {
  const text = raw.trim();
  if (!text) return { ok: false, message: msg('inkling.engine is "server" but inkling.server.url is empty: set it to the server\'s address, e.g. http://127.0.0.1:8080.') };
  let url: URL;
  try {
    url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `http://${text}`);
  } catch {
    return { ok: false, message: msg('inkling.server.url is not an address: {0}. Use e.g. http://127.0.0.1:8080.', show(text)) };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { ok: false, message: msg('inkling.server.url must start with http:// or https://, not {0}//.', url.protocol) };
  if (url.username || url.password) return { ok: false, message: msg('inkling.server.url must not hold a user name or password: use "Inkling: Set Server API Key" instead, which keeps it in VS Code\'s secret storage.') };
  if (url.search || url.hash) return { ok: false, message: msg('inkling.server.url must be the server\'s address only, without ?query or #fragment.') };
  const host = url.hostname.toLowerCase();
  if (url.protocol === 'http:' && !isLoopbackHost(host) && !allowedHosts.includes(host)) {
    return { ok: false, message: msg('Inkling sends your text over plain http:// only to this machine. Use https:// for {0}, or add "{0}" to inkling.server.allowedHosts if you trust the network between you.', host) };
  }
  const path = url.pathname.replace(/\/+$/, '');
  return { ok: true, url: `${url.protocol}//${url.host}${path}` };
}

function show(value: unknown): string {
  return (JSON.stringify(value) ?? String(value)).slice(0, 80);
}

/**
 * Finds out what a server is by asking it: Ollama answers `GET /api/version`; llama.cpp
 * `GET /props` (with its build and context size); vLLM `GET /version`; anything else that lists
 * `GET /v1/models` is taken for the OpenAI subset. (llama.cpp also serves Ollama's /api/tags, so
 * that is not a sign of Ollama.) Then the model to use and its context size.
 */
import { basename } from 'node:path';
import type { ServerKind } from '../../writing/settings/serverSettings';
import { HttpFailure, httpRequest, type HttpOptions } from './http';

export interface ServerProbe {
  kind: ServerKind;
  version?: string;
  /** The model Inkling will ask for ('' where the server serves one and needs no name). */
  model: string;
  /** A name to show for it. */
  modelLabel: string;
  /** Models the server offers, when it lists them. */
  models: string[];
  contextLength?: number;
}

export interface ProbeOptions {
  kind: ServerKind | 'auto';
  /** The model the writer named; '' lets the server's own (or first) one be used. */
  model: string;
  http: Omit<HttpOptions, 'silenceTimeoutMs'>;
}

/** Thrown when the server has no model of the name the writer gave. */
export class MissingModel extends Error {
  constructor(
    readonly model: string,
    readonly available: string[],
  ) {
    super(`no model "${model}"`);
  }
}

export async function probeServer(base: string, options: ProbeOptions): Promise<ServerProbe> {
  const get = async (path: string): Promise<unknown | null> => {
    try {
      const answer = await httpRequest('GET', base + path, undefined, { ...options.http, silenceTimeoutMs: options.http.connectTimeoutMs });
      return JSON.parse(answer.text) as unknown;
    } catch (e) {
      // A path the server does not have (or answers with something else) is not this kind.
      if (e instanceof HttpFailure && e.kind === 'status' && e.status !== 401 && e.status !== 403) return null;
      if (e instanceof SyntaxError) return null;
      throw e;
    }
  };
  const post = async (path: string, body: unknown): Promise<unknown | null> => {
    try {
      const answer = await httpRequest('POST', base + path, body, { ...options.http, silenceTimeoutMs: options.http.connectTimeoutMs });
      return JSON.parse(answer.text) as unknown;
    } catch (e) {
      if ((e instanceof HttpFailure && e.kind === 'status' && e.status !== 401 && e.status !== 403) || e instanceof SyntaxError) return null;
      throw e;
    }
  };
  const want = options.kind;

  if (want === 'auto' || want === 'ollama') {
    const version = (await get('/api/version')) as { version?: unknown } | null;
    if (version && typeof version.version === 'string') return probeOllama(version.version, options.model, get, post);
    if (want === 'ollama') return probeOllama(undefined, options.model, get, post);
  }
  if (want === 'auto' || want === 'llama.cpp') {
    const props = (await get('/props')) as LlamaProps | null;
    if (props && (props.default_generation_settings || props.build_info)) return probeLlamaCpp(props);
    if (want === 'llama.cpp') return probeLlamaCpp(props ?? {});
  }
  if (want === 'auto' || want === 'vllm') {
    const version = (await get('/version')) as { version?: unknown } | null;
    if (version && typeof version.version === 'string') return probeOpenAi('vllm', version.version, options.model, get);
    if (want === 'vllm') return probeOpenAi('vllm', undefined, options.model, get);
  }
  return probeOpenAi('openai', undefined, options.model, get);
}

interface LlamaProps {
  default_generation_settings?: { n_ctx?: unknown };
  build_info?: unknown;
  model_path?: unknown;
  model_alias?: unknown;
}

function probeLlamaCpp(props: LlamaProps): ServerProbe {
  const path = typeof props.model_alias === 'string' && props.model_alias ? props.model_alias : typeof props.model_path === 'string' ? props.model_path : '';
  const nCtx = props.default_generation_settings?.n_ctx;
  return {
    kind: 'llama.cpp',
    version: typeof props.build_info === 'string' ? props.build_info : undefined,
    // One model per llama-server: it needs no name in requests.
    model: '',
    modelLabel: path ? basename(path) : 'the model llama-server loaded',
    models: path ? [path] : [],
    contextLength: typeof nCtx === 'number' ? nCtx : undefined,
  };
}

async function probeOllama(version: string | undefined, wanted: string, get: (p: string) => Promise<unknown>, post: (p: string, b: unknown) => Promise<unknown>): Promise<ServerProbe> {
  const tags = (await get('/api/tags')) as { models?: { name?: unknown; model?: unknown }[] } | null;
  const models = (tags?.models ?? []).map((m) => String(m.name ?? m.model ?? '')).filter(Boolean);
  const model = chooseModel(wanted, models, (a, b) => a === b || a === `${b}:latest` || `${a}:latest` === b);
  const show = (await post('/api/show', { model })) as { model_info?: Record<string, unknown> } | null;
  const info = show?.model_info ?? {};
  const arch = typeof info['general.architecture'] === 'string' ? info['general.architecture'] : '';
  const context = info[`${arch}.context_length`];
  return { kind: 'ollama', version, model, modelLabel: model, models, contextLength: typeof context === 'number' ? context : undefined };
}

async function probeOpenAi(kind: 'vllm' | 'openai', version: string | undefined, wanted: string, get: (p: string) => Promise<unknown>): Promise<ServerProbe> {
  const list = (await get('/v1/models')) as { data?: { id?: unknown; max_model_len?: unknown }[] } | null;
  const data = list?.data ?? [];
  const models = data.map((m) => String(m.id ?? '')).filter(Boolean);
  const model = chooseModel(wanted, models, (a, b) => a === b);
  const entry = data.find((m) => m.id === model);
  return { kind, version, model, modelLabel: model || 'the server\'s model', models, contextLength: typeof entry?.max_model_len === 'number' ? entry.max_model_len : undefined };
}

/** The writer's model if the server has it (or lists nothing), else the server's first one. */
function chooseModel(wanted: string, models: string[], same: (a: string, b: string) => boolean): string {
  if (wanted) {
    if (models.length && !models.some((m) => same(m, wanted))) throw new MissingModel(wanted, models);
    return models.find((m) => same(m, wanted)) ?? wanted;
  }
  return models[0] ?? '';
}

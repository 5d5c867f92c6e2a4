/**
 * The command line's engine options, shared by `continue`, `alternatives`, `eval-form` and the
 * benchmark: Inkling's worker on a model folder (`--model`, `--dtype`, `--threads`), or a server
 * (`--server URL`, `--server-kind`, `--server-model`; an API key only from the environment
 * variable `--api-key-env` names, never on the command line, where shells keep a history).
 */
import { MODEL_ARG_OPTIONS, modelFromArgs } from '../engine/model/modelLocator';
import { checkServerUrl, SERVER_KINDS, type ServerKind } from '../writing/settings/serverSettings';
import { EngineClient } from './engineClient';
import { ServerEngine } from './server/serverEngine';
import type { EngineLogger, WritingEngine } from './writingEngine';

export const ENGINE_ARG_OPTIONS = {
  ...MODEL_ARG_OPTIONS,
  server: { type: 'string' },
  'server-kind': { type: 'string' },
  'server-model': { type: 'string' },
  'api-key-env': { type: 'string' },
  'allow-host': { type: 'string', multiple: true },
} as const;

export const ENGINE_ARG_USAGE = `  --model DIR            model folder (Hugging Face layout); default: Inkling's own model
  --dtype q8|fp32|...    model precision (default: q8 when the folder has it)
  --threads N            ONNX Runtime threads (default 1)
  --server URL           write with a server instead (llama-server, vLLM, Ollama, OpenAI-compatible)
  --server-kind KIND     auto (default), llama.cpp, vllm, ollama or openai
  --server-model NAME    the model to ask the server for
  --api-key-env VAR      the environment variable holding the server's API key
  --allow-host HOST      allow plain http:// to HOST (default: only this machine)
`;

export interface EngineArgs {
  model?: string;
  dtype?: string;
  threads?: string;
  server?: string;
  'server-kind'?: string;
  'server-model'?: string;
  'api-key-env'?: string;
  'allow-host'?: string[];
}

export type EngineChoice = { ok: true; engine: WritingEngine; label: string } | { ok: false; message: string };

export function engineFromArgs(root: string, workerPath: string, args: EngineArgs, options: { logger?: EngineLogger; defaultThreads?: number } = {}): EngineChoice {
  const threads = args.threads === undefined ? (options.defaultThreads ?? 0) : Number(args.threads);
  if (!Number.isInteger(threads) || threads < 0 || threads > 64) return { ok: false, message: `--threads expects a whole number from 0 to 64, got "${args.threads}"` };
  if (args.server !== undefined) {
    if (args.model !== undefined || args.dtype !== undefined) return { ok: false, message: '--server writes with the server\'s model: leave out --model and --dtype.' };
    const url = checkServerUrl(args.server, (args['allow-host'] ?? []).map((h) => h.toLowerCase()));
    if (!url.ok) return { ok: false, message: url.message.replace(/inkling\.server\.allowedHosts/g, '--allow-host').replace(/"Inkling: Set Server API Key"/g, '--api-key-env') };
    const kind = args['server-kind'] ?? 'auto';
    if (kind !== 'auto' && !(SERVER_KINDS as readonly string[]).includes(kind)) return { ok: false, message: `--server-kind must be auto, ${SERVER_KINDS.join(', ')}; got "${kind}"` };
    const keyVar = args['api-key-env'];
    if (keyVar !== undefined && !process.env[keyVar]) return { ok: false, message: `--api-key-env ${keyVar}: that environment variable is not set.` };
    const engine = new ServerEngine({ url: url.url, kind: kind as ServerKind | 'auto', model: args['server-model'] ?? '', logger: options.logger, apiKey: keyVar ? () => Promise.resolve(process.env[keyVar]) : undefined });
    return { ok: true, engine, label: url.url };
  }
  const chosen = modelFromArgs(root, args.model, args.dtype);
  if (!chosen.ok) return chosen;
  const client = new EngineClient({ workerPath, logger: options.logger, restartDelaysMs: [] });
  client.setModel({ dir: chosen.model.dir, dtype: chosen.model.dtype, threads });
  return { ok: true, engine: client, label: chosen.model.dir };
}

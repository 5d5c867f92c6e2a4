import type { GenerateParams, StopReason } from '../../../common/generation';
import type { WritingRequest } from './continuationRequest';
import type { SamplingSettings } from '../../settings/samplingSettings';

export interface CommandParamsOptions {
  /** Overrides the settings' seed; null: a fresh random one. */
  seed?: number | null;
  /** Samples in one batch (alternatives); default 1. */
  n?: number;
  /** Stream `token` events (default: when n is 1). */
  stream?: boolean;
}

/**
 * The engine request for a command's writing request. Commands size their own budget
 * (`maxNewTokens`) from the lines or paragraph they want, and add their stop strings to the
 * writer's; the writer's sampling settings give the rest.
 */
export function commandParams(request: WritingRequest, sampling: SamplingSettings, caller: string, options: CommandParamsOptions = {}): GenerateParams {
  const n = options.n ?? 1;
  return {
    prompt: request.prompt,
    sampling: {
      ...sampling,
      seed: options.seed === undefined ? sampling.seed : options.seed,
      maxNewTokens: request.maxNewTokens,
      stopStrings: [...sampling.stopStrings, ...request.stopStrings],
    },
    n,
    caller,
    stream: options.stream ?? n === 1,
    ...(request.formConstraint ? { form: request.formConstraint } : {}),
    ...(request.formConstraint && request.formContext ? { formContext: request.formContext } : {}),
  };
}

/**
 * Whether the model ended a text itself (end of sequence, a stop string, or the form's last
 * line), so its last line is whole; a text cut by the token limit or a cancel may end mid-line.
 */
export function endedByModel(stopReason: StopReason | undefined): boolean {
  return stopReason === 'eos' || stopReason === 'stop' || stopReason === 'form';
}

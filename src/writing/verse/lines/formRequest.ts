import type { FormConstraint } from '../../../common/generation';
import type { WritingRequest } from '../../prompts/commands/continuationRequest';
import { formContextOf } from '../scheme/schemeHabit';
import type { ChorusMode } from '../poem/songSections';
import type { TextKindName } from '../../prompts/text/textKind';

/** `auto`: keep the form when the text reads as verse. `keep`: always, as verse. `free`: never. */
export type FormMode = 'auto' | 'keep' | 'free';
/** `followScheme`: a line the rhyme scheme pairs with an earlier one ends in a rhyme of it. */
export type RhymeMode = 'off' | 'followScheme';

/** The writer's form-keeping settings (`inkling.form.*`). */
export interface FormSettings {
  mode: FormMode;
  rhyme: RhymeMode;
  /** Songs with labelled verses and a chorus: what follows a verse (`inkling.form.chorus`). Absent: `repeat`. */
  chorus?: ChorusMode;
}

export const DEFAULT_FORM_SETTINGS: FormSettings = { mode: 'auto', rhyme: 'followScheme', chorus: 'repeat' };

/** Reads raw setting values, falling back to the defaults for anything unknown. */
export function validateFormSettings(raw: { mode?: unknown; rhyme?: unknown; chorus?: unknown }): FormSettings {
  const mode = raw.mode === 'keep' || raw.mode === 'free' || raw.mode === 'auto' ? raw.mode : DEFAULT_FORM_SETTINGS.mode;
  const rhyme = raw.rhyme === 'off' || raw.rhyme === 'followScheme' ? raw.rhyme : DEFAULT_FORM_SETTINGS.rhyme;
  const chorus = raw.chorus === 'repeat' || raw.chorus === 'vary' || raw.chorus === 'off' ? raw.chorus : DEFAULT_FORM_SETTINGS.chorus;
  return { mode, rhyme, chorus };
}

/** The kind to read a text as: `keep` insists on verse; otherwise detection decides. */
export function formKind(settings: FormSettings): TextKindName | undefined {
  return settings.mode === 'keep' ? 'verse' : undefined;
}

/**
 * The form constraint for a request, or undefined for plain sampling (prose, or form off).
 * `lines`: stop after that many lines ("Continue This Poem"); ghost text leaves it out and
 * ends at its line anyway. Ghost text also leaves stanzas alone: a suggestion that began with a
 * blank line would show as nothing.
 */
export function formConstraintFor(kind: TextKindName, settings: FormSettings, options: { lines?: number; stanzas?: boolean } = {}): FormConstraint | undefined {
  if (settings.mode === 'free' || kind !== 'verse') return undefined;
  const form: FormConstraint = { rhyme: settings.rhyme === 'followScheme' };
  if (settings.chorus && settings.chorus !== 'repeat') form.chorus = settings.chorus;
  if (options.stanzas === false) form.stanzas = false;
  if (options.lines !== undefined && options.lines > 0) form.lines = Math.floor(options.lines);
  return form;
}

/**
 * What a ghost-text request carries for the form: the constraint without stanzas (a suggestion
 * that began with a blank line would show as nothing) and, in rhyme mode, the end of the text
 * before the cursor (formContextOf), which rhyme mode guesses a first stanza's scheme from.
 */
export function ghostForm(kind: TextKindName, settings: FormSettings, textBeforeCursor: string): { form?: FormConstraint; formContext?: string } {
  const form = formConstraintFor(kind, settings, { stanzas: false });
  if (!form) return {};
  return form.rhyme ? { form, formContext: formContextOf(textBeforeCursor) } : { form };
}

/**
 * A command's request with the form constraint the writer's settings give it: verse keeps its
 * line lengths, stanzas (and rhymes, in rhyme mode) and stops after the request's lines. In
 * rhyme mode it carries `textBeforeCursor` too (its end, formContextOf): how the poems before this
 * one rhymed is what the engine guesses a first stanza's scheme from.
 */
export function withForm<T extends WritingRequest>(request: T, settings: FormSettings, textBeforeCursor?: string): T {
  const form = formConstraintFor(request.kind, settings, { lines: request.lines });
  if (!form) return request;
  const context = form.rhyme && textBeforeCursor ? formContextOf(textBeforeCursor) : undefined;
  return { ...request, formConstraint: form, ...(context ? { formContext: context } : {}) };
}

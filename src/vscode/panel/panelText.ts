/**
 * The sampling panel's words in the writer's display language. The page's own strings (labels,
 * buttons, messages) are looked up here and handed to it in the HTML; the settings' labels and
 * explanations and the built-in presets' explanations come from pure modules in English
 * (writing/settings/panelProtocol.ts, writing/settings/samplingPresets.ts) and are translated on their way out.
 * Every key is the English text itself, as `vscode.l10n.t` uses it; test/unit/l10n.test.ts checks
 * that the page asks for no string missing here and that every English text of the settings has
 * its entry.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { PanelState, SettingSpec } from '../../writing/settings/panelProtocol';

/** The strings media/samplingPanel.js looks up with t('…'). */
export function panelStrings(): Record<string, string> {
  return {
    'default': vscode.l10n.t('default'),
    'user': vscode.l10n.t('user'),
    'workspace': vscode.l10n.t('workspace'),
    'Sampling settings': vscode.l10n.t('Sampling settings'),
    'Save changes to': vscode.l10n.t('Save changes to'),
    'Save to': vscode.l10n.t('Save to'),
    'User': vscode.l10n.t('User'),
    'Workspace': vscode.l10n.t('Workspace'),
    'Open the settings.json these settings are written to': vscode.l10n.t('Open the settings.json these settings are written to'),
    'New name for {0}': vscode.l10n.t('New name for {0}'),
    'Enter renames, Escape cancels.': vscode.l10n.t('Enter renames, Escape cancels.'),
    'Delete “{0}”?': vscode.l10n.t('Delete “{0}”?'),
    'Delete': vscode.l10n.t('Delete'),
    'Keep': vscode.l10n.t('Keep'),
    'Rename {0}': vscode.l10n.t('Rename {0}'),
    'Delete {0}': vscode.l10n.t('Delete {0}'),
    'Name for the current settings': vscode.l10n.t('Name for the current settings'),
    'Name for a new preset': vscode.l10n.t('Name for a new preset'),
    'Give the preset a name first.': vscode.l10n.t('Give the preset a name first.'),
    'Presets': vscode.l10n.t('Presets'),
    'A preset sets the decoding and sampling settings at once; length and seed stay as they are.': vscode.l10n.t('A preset sets the decoding and sampling settings at once; length and seed stay as they are.'),
    'Built-in presets': vscode.l10n.t('Built-in presets'),
    'Your presets': vscode.l10n.t('Your presets'),
    'None yet: save the current settings under a name.': vscode.l10n.t('None yet: save the current settings under a name.'),
    'Save current as preset': vscode.l10n.t('Save current as preset'),
    'Model': vscode.l10n.t('Model'),
    'Choose folder…': vscode.l10n.t('Choose folder…'),
    "A server writes now (inkling.engine): the model folder is used again with \"Inkling: Use Inkling's Own Model\".": vscode.l10n.t("A server writes now (inkling.engine): the model folder is used again with \"Inkling: Use Inkling's Own Model\"."),
    'A folder in the Hugging Face layout (config.json, tokenizer.json, onnx/). Always saved to your user settings.': vscode.l10n.t('A folder in the Hugging Face layout (config.json, tokenizer.json, onnx/). Always saved to your user settings.'),
    'Writing with:': vscode.l10n.t('Writing with:'),
    'This server has no {0}: that setting is ignored there.': vscode.l10n.t('This server has no {0}: that setting is ignored there.'),
    'This server has no {0}: those settings are ignored there.': vscode.l10n.t('This server has no {0}: those settings are ignored there.'),
    'Story notes in the last suggestion:': vscode.l10n.t('Story notes in the last suggestion:'),
    'none': vscode.l10n.t('none'),
    '(over the budget: {0})': vscode.l10n.t('(over the budget: {0})'),
    'Reset to default ({0})': vscode.l10n.t('Reset to default ({0})'),
    'random': vscode.l10n.t('random'),
    'Reset {0} to default': vscode.l10n.t('Reset {0} to default'),
    'Not set: the default': vscode.l10n.t('Not set: the default'),
    'Set in user settings': vscode.l10n.t('Set in user settings'),
    'Set in workspace settings': vscode.l10n.t('Set in workspace settings'),
    '(Used only with Sampling.)': vscode.l10n.t('(Used only with Sampling.)'),
    'The workspace sets this; a change saved to User settings will not show here. Choose Workspace above.': vscode.l10n.t('The workspace sets this; a change saved to User settings will not show here. Choose Workspace above.'),
    '{0} slider': vscode.l10n.t('{0} slider'),
    'Enter a number from {0} to {1}.': vscode.l10n.t('Enter a number from {0} to {1}.'),
    'Enter a whole number from {0} to {1}.': vscode.l10n.t('Enter a whole number from {0} to {1}.'),
    '{0} goes from {1} to {2}.': vscode.l10n.t('{0} goes from {1} to {2}.'),
    'A seed is a whole number from 0 to {0}; or tick Random.': vscode.l10n.t('A seed is a whole number from 0 to {0}; or tick Random.'),
    'Random': vscode.l10n.t('Random'),
    'First preset to compare': vscode.l10n.t('First preset to compare'),
    'Second preset to compare': vscode.l10n.t('Second preset to compare'),
    'Stop': vscode.l10n.t('Stop'),
    'Starting the model…': vscode.l10n.t('Starting the model…'),
    'Try it': vscode.l10n.t('Try it'),
    'Continue with these settings': vscode.l10n.t('Continue with these settings'),
    'Compare': vscode.l10n.t('Compare'),
    'with': vscode.l10n.t('with'),
    'Continues {0}, with the same seed for both sides of a comparison.': vscode.l10n.t('Continues {0}, with the same seed for both sides of a comparison.'),
    'Current settings': vscode.l10n.t('Current settings'),
    'From {0}:': vscode.l10n.t('From {0}:'),
    'writing…': vscode.l10n.t('writing…'),
    'waiting…': vscode.l10n.t('waiting…'),
    'seed {0}': vscode.l10n.t('seed {0}'),
    'reached max new tokens': vscode.l10n.t('reached max new tokens'),
    'the model ended it': vscode.l10n.t('the model ended it'),
    'a stop string ended it': vscode.l10n.t('a stop string ended it'),
    'the form ended it': vscode.l10n.t('the form ended it'),
    'stopped': vscode.l10n.t('stopped'),
    '{0} tokens · {1} tokens/s · {2}': vscode.l10n.t('{0} tokens · {1} tokens/s · {2}'),
  };
}

/** The settings' and built-in presets' English texts, translated. */
function settingTexts(): Record<string, string> {
  return {
    'Strategy': vscode.l10n.t('Strategy'),
    'How the model chooses each next piece of text.': vscode.l10n.t('How the model chooses each next piece of text.'),
    'Sampling': vscode.l10n.t('Sampling'),
    'Draw each word at random from the likely ones: varied writing.': vscode.l10n.t('Draw each word at random from the likely ones: varied writing.'),
    'Greedy': vscode.l10n.t('Greedy'),
    'Always take the likeliest word: predictable.': vscode.l10n.t('Always take the likeliest word: predictable.'),
    'Beam search': vscode.l10n.t('Beam search'),
    'Search several continuations and keep the likeliest whole: careful, slower.': vscode.l10n.t('Search several continuations and keep the likeliest whole: careful, slower.'),
    'Temperature': vscode.l10n.t('Temperature'),
    'How adventurous each word is: low stays safe, high surprises.': vscode.l10n.t('How adventurous each word is: low stays safe, high surprises.'),
    'Top-k': vscode.l10n.t('Top-k'),
    'Choose only among the K likeliest next pieces (0 = no limit).': vscode.l10n.t('Choose only among the K likeliest next pieces (0 = no limit).'),
    'Top-p (nucleus)': vscode.l10n.t('Top-p (nucleus)'),
    'Choose among the likeliest pieces that together make up this share of probability (1 = off).': vscode.l10n.t('Choose among the likeliest pieces that together make up this share of probability (1 = off).'),
    'Min-p': vscode.l10n.t('Min-p'),
    'Drop pieces less likely than this fraction of the likeliest one (0 = off).': vscode.l10n.t('Drop pieces less likely than this fraction of the likeliest one (0 = off).'),
    'Typical-p': vscode.l10n.t('Typical-p'),
    'Prefer pieces about as surprising as usual; lower is plainer (1 = off).': vscode.l10n.t('Prefer pieces about as surprising as usual; lower is plainer (1 = off).'),
    'Repetition penalty': vscode.l10n.t('Repetition penalty'),
    'Discourage repeating words already in the text (1 = off).': vscode.l10n.t('Discourage repeating words already in the text (1 = off).'),
    'No-repeat n-gram size': vscode.l10n.t('No-repeat n-gram size'),
    'Never repeat a run of this many pieces verbatim (0 = off).': vscode.l10n.t('Never repeat a run of this many pieces verbatim (0 = off).'),
    'Max new tokens': vscode.l10n.t('Max new tokens'),
    'The longest continuation, in model pieces (about ¾ of a word each).': vscode.l10n.t('The longest continuation, in model pieces (about ¾ of a word each).'),
    'Beams': vscode.l10n.t('Beams'),
    'Beam search: how many candidate continuations to keep at each step.': vscode.l10n.t('Beam search: how many candidate continuations to keep at each step.'),
    'DRY strength': vscode.l10n.t('DRY strength'),
    'DRY: discourage words that would repeat a passage already written, more the longer the repeat (0 = off; 0.8 is a common start).': vscode.l10n.t('DRY: discourage words that would repeat a passage already written, more the longer the repeat (0 = off; 0.8 is a common start).'),
    'DRY growth': vscode.l10n.t('DRY growth'),
    'DRY: how fast the discouragement grows with each further repeated piece.': vscode.l10n.t('DRY: how fast the discouragement grows with each further repeated piece.'),
    'DRY free length': vscode.l10n.t('DRY free length'),
    'DRY: repeats up to this many pieces are free (names, common phrases).': vscode.l10n.t('DRY: repeats up to this many pieces are free (names, common phrases).'),
    'XTC probability': vscode.l10n.t('XTC probability'),
    'XTC: how often the most obvious choices are set aside for a less obvious one that is still likely (0 = off).': vscode.l10n.t('XTC: how often the most obvious choices are set aside for a less obvious one that is still likely (0 = off).'),
    'XTC threshold': vscode.l10n.t('XTC threshold'),
    'XTC: a choice at least this likely counts as obvious; only when two or more are does XTC act.': vscode.l10n.t('XTC: a choice at least this likely counts as obvious; only when two or more are does XTC act.'),
    'Seed': vscode.l10n.t('Seed'),
    'A fixed seed makes every suggestion repeatable; Random draws a new one each time.': vscode.l10n.t('A fixed seed makes every suggestion repeatable; Random draws a new one each time.'),
    'Precision': vscode.l10n.t('Precision'),
    "Which of the model's files to run: 4-bit and int8 are smaller and faster, fp32 exact.": vscode.l10n.t("Which of the model's files to run: 4-bit and int8 are smaller and faster, fp32 exact."),
    'Fastest available': vscode.l10n.t('Fastest available'),
    "Inkling's copy-free 4-bit export when the folder has it, else int8.": vscode.l10n.t("Inkling's copy-free 4-bit export when the folder has it, else int8."),
    '4-bit (q4)': vscode.l10n.t('4-bit (q4)'),
    'int8 (q8)': vscode.l10n.t('int8 (q8)'),
    'Full (fp32)': vscode.l10n.t('Full (fp32)'),
    'Stays with the likeliest words: plain, steady, close to what you have written.': vscode.l10n.t('Stays with the likeliest words: plain, steady, close to what you have written.'),
    "Inkling's defaults: varied but sensible.": vscode.l10n.t("Inkling's defaults: varied but sensible."),
    'Reaches for less obvious words while staying on the subject.': vscode.l10n.t('Reaches for less obvious words while staying on the subject.'),
    'Surprising and sometimes strange: good for unblocking, expect to edit.': vscode.l10n.t('Surprising and sometimes strange: good for unblocking, expect to edit.'),
    'Beam search: weighs several whole continuations and keeps the likeliest. Same answer every time; slower.': vscode.l10n.t('Beam search: weighs several whole continuations and keeps the likeliest. Same answer every time; slower.'),
    'Words per prose suggestion': vscode.l10n.t('Words per prose suggestion'),
    'Lines per continuation': vscode.l10n.t('Lines per continuation'),
  };
}

/** A setting's labels and explanations in the display language (file names and values stay as they are). */
function localizedSpec(spec: SettingSpec, texts: Record<string, string>): SettingSpec {
  const t = (s: string) => texts[s] ?? s;
  if (spec.kind === 'choice') return { ...spec, label: t(spec.label), explain: t(spec.explain), options: spec.options.map((o) => ({ ...o, label: t(o.label), explain: t(o.explain) })) };
  return { ...spec, label: t(spec.label), explain: t(spec.explain) };
}

/** The settings part of the panel's state with its English texts translated. */
export function localizedSettings<S extends Pick<PanelState, 'settings' | 'presets'>>(state: S): S {
  const texts = settingTexts();
  const settings: PanelState['settings'] = {};
  for (const [key, view] of Object.entries(state.settings)) settings[key] = { ...view, spec: localizedSpec(view.spec, texts) };
  // A writer's own preset is described by describePreset (through msg); built-in ones are translated here.
  return { ...state, settings, presets: state.presets.map((p) => (p.builtIn ? { ...p, explain: texts[p.explain] ?? p.explain } : p)) };
}

/**
 * The manifest with its `%key%` placeholders replaced from package.nls.<language>.json (falling
 * back to package.nls.json), for the panel's settings read from it. VS Code hands extensions a
 * manifest already translated; this keeps the panel right where it does not (a development host
 * or another editor).
 */
export function localizedManifest(extensionPath: string, packageJSON: unknown): unknown {
  const read = (name: string): Record<string, string> => {
    try {
      return JSON.parse(readFileSync(join(extensionPath, name), 'utf8')) as Record<string, string>;
    } catch {
      return {};
    }
  };
  return resolvedManifest(packageJSON, { ...read('package.nls.json'), ...read(`package.nls.${vscode.env.language.toLowerCase()}.json`) });
}

/** `packageJSON` with every string that is a whole `%key%` of `nls` replaced by its text. */
export function resolvedManifest(packageJSON: unknown, nls: Record<string, string>): unknown {
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') {
      const m = /^%([^%]+)%$/.exec(v);
      return m && typeof nls[m[1]!] === 'string' ? nls[m[1]!] : v;
    }
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  return walk(packageJSON);
}

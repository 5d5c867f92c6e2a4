/**
 * Messages a writer reads that are built outside vscode/ — settings checks, branch refusals, the
 * share line, the engines' errors — in English by default (the CLI, the tests), translated when the
 * extension host installs its translator (`vscode.l10n.t`) at activation. A template is a plain
 * string literal with {0}, {1}… for what varies, so scripts/l10n-export.mjs finds every `msg('…')`
 * and puts it in l10n/bundle.l10n.json beside the host's own messages.
 */

export type MessageArg = string | number | boolean;
export type Translator = (template: string, ...args: MessageArg[]) => string;

/** {n} → the n-th argument, as `vscode.l10n.t` does it; a {n} without an argument stays. */
export function formatMessage(template: string, args: readonly MessageArg[]): string {
  return args.length === 0 ? template : template.replace(/\{(\d+)\}/g, (match, n: string) => (Number(n) < args.length ? String(args[Number(n)]) : match));
}

const english: Translator = (template, ...args) => formatMessage(template, args);
let translator: Translator = english;

/** The message for `template`, in the writer's language when the host has said how. */
export function msg(template: string, ...args: MessageArg[]): string {
  return translator(template, ...args);
}

/** The host's translator (the extension passes vscode.l10n.t); none: back to English. */
export function setTranslator(translate?: Translator): void {
  translator = translate ?? english;
}

/**
 * A translator over a VS Code l10n bundle's contents (template → translation, or
 * { message, comment }), for a process where `vscode.l10n` does not exist (the worker): a template
 * the bundle lacks stays in English.
 */
export function bundleTranslator(bundle: unknown): Translator {
  const table = bundle && typeof bundle === 'object' ? (bundle as Record<string, unknown>) : {};
  return (template, ...args) => {
    const entry = Object.hasOwn(table, template) ? table[template] : undefined;
    const text = typeof entry === 'string' ? entry : entry && typeof entry === 'object' && typeof (entry as { message?: unknown }).message === 'string' ? (entry as { message: string }).message : template;
    return formatMessage(text, args);
  };
}

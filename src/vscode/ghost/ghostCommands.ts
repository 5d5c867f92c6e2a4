/** Commands around ghost text: turn it on and off (globally, per language, for a while), ask for it, take one line of it. */
import * as vscode from 'vscode';
import type { GhostTextProvider } from './ghostText';
import { inlineSettings, SECTION } from '../service/settings';
import type { Snooze } from './snooze';

export function registerGhostCommands(provider: GhostTextProvider, snooze: Snooze): vscode.Disposable[] {
  const config = () => vscode.workspace.getConfiguration(SECTION);
  return [
    vscode.commands.registerCommand('inkling.toggleInline', async () => {
      if (snooze.active) {
        snooze.stop();
        return;
      }
      await config().update('inline.enabled', !inlineSettings().enabled, vscode.ConfigurationTarget.Global);
    }),
    vscode.commands.registerCommand('inkling.toggleInlineForLanguage', async () => {
      const languageId = vscode.window.activeTextEditor?.document.languageId;
      if (!languageId) {
        void vscode.window.showInformationMessage(vscode.l10n.t('Open a file first: ghost text is turned on or off for its language.'));
        return;
      }
      const languages = inlineSettings().languages;
      const next = languages.includes(languageId) ? languages.filter((l) => l !== languageId) : [...languages, languageId];
      await config().update('inline.languages', next, vscode.ConfigurationTarget.Global);
      void vscode.window.showInformationMessage(next.includes(languageId) ? vscode.l10n.t('Inkling ghost text is on for {0}.', languageId) : vscode.l10n.t('Inkling ghost text is off for {0}.', languageId));
    }),
    vscode.commands.registerCommand('inkling.snooze', async (minutes?: number) => {
      let value = typeof minutes === 'number' ? minutes : undefined;
      if (value === undefined) {
        const pick = await vscode.window.showQuickPick(['5', '15', '30', '60', '120'].map((m) => ({ label: vscode.l10n.t('{0} minutes', m), minutes: Number(m) })), {
          title: vscode.l10n.t('Snooze Inkling ghost text'),
          placeHolder: vscode.l10n.t('Pause suggestions for…'),
        });
        value = pick?.minutes;
      }
      if (value === undefined || !Number.isFinite(value) || value <= 0) return;
      snooze.start(Math.min(24 * 60, value));
      await vscode.commands.executeCommand('editor.action.inlineSuggest.hide');
    }),
    vscode.commands.registerCommand('inkling.suggestHere', () => vscode.commands.executeCommand('editor.action.inlineSuggest.trigger')),
    vscode.commands.registerTextEditorCommand('inkling.acceptLine', async (editor) => {
      const shown = provider.lastShown;
      const position = editor.selection.active;
      if (!shown || shown.uri !== editor.document.uri.toString() || shown.version !== editor.document.version || !shown.position.isEqual(position)) {
        return;
      }
      // One line of the suggestion: up to and including its first line break (a leading break belongs to the line after it).
      const firstBreak = shown.text.indexOf('\n', shown.text.startsWith('\n') ? 1 : 0);
      const line = firstBreak < 0 ? shown.text : shown.text.slice(0, firstBreak + 1);
      await vscode.commands.executeCommand('editor.action.inlineSuggest.hide');
      const applied = await editor.edit((b) => b.insert(position, line));
      if (applied && firstBreak >= 0) await vscode.commands.executeCommand('editor.action.inlineSuggest.trigger');
    }),
  ];
}

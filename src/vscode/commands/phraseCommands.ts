/** Banned phrases: add the stock phrases writers find stale, picked one by one, to the setting where the writer keeps theirs. */
import * as vscode from 'vscode';
import { normalise } from '../../writing/settings/bannedPhrases';
import { MAX_BANNED_PHRASES, STOCK_PHRASES } from '../../writing/settings/samplingSettings';
import { SECTION } from '../service/settings';

export function registerPhraseCommands(): vscode.Disposable[] {
  return [
    /** `phrases` (from a keybinding or a test) skips the picker. */
    vscode.commands.registerCommand('inkling.addStockPhrases', async (phrases?: unknown) => {
      const config = vscode.workspace.getConfiguration(`${SECTION}.sampling`, vscode.window.activeTextEditor?.document.uri);
      const inspected = config.inspect<unknown>('bannedPhrases');
      // Written where the writer's list already is: a folder's or workspace's list wins over the user's.
      const [target, current] =
        inspected?.workspaceFolderValue !== undefined
          ? [vscode.ConfigurationTarget.WorkspaceFolder, inspected.workspaceFolderValue]
          : inspected?.workspaceValue !== undefined
            ? [vscode.ConfigurationTarget.Workspace, inspected.workspaceValue]
            : [vscode.ConfigurationTarget.Global, inspected?.globalValue];
      const have = new Set((Array.isArray(current) ? current : []).filter((p): p is string => typeof p === 'string').map(normalise));
      let chosen: string[];
      if (Array.isArray(phrases)) chosen = phrases.filter((p): p is string => typeof p === 'string').map(normalise).filter(Boolean);
      else {
        const fresh = STOCK_PHRASES.filter((p) => !have.has(p));
        if (!fresh.length) {
          void vscode.window.showInformationMessage(vscode.l10n.t('Every stock phrase is already banned.'));
          return;
        }
        const picks = await vscode.window.showQuickPick(
          fresh.map((p) => ({ label: p, picked: true })),
          { title: vscode.l10n.t('Ban stock phrases'), placeHolder: vscode.l10n.t('Inkling will never write the phrases you keep ticked'), canPickMany: true },
        );
        if (!picks) return;
        chosen = picks.map((p) => p.label);
      }
      const next = [...have, ...chosen.filter((p) => !have.has(p))].slice(0, MAX_BANNED_PHRASES);
      const added = next.length - have.size;
      if (added === 0) return;
      await config.update('bannedPhrases', next, target);
      const where = `inkling.sampling.bannedPhrases, ${target === vscode.ConfigurationTarget.Global ? vscode.l10n.t('user settings') : vscode.l10n.t('workspace settings')}`;
      void vscode.window.showInformationMessage(added === 1 ? vscode.l10n.t('Inkling will not write that phrase ({0}).', where) : vscode.l10n.t('Inkling will not write those {0} phrases ({1}).', added, where));
    }),
  ];
}

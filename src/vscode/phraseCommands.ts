/** Banned phrases: add the stock phrases writers find stale, picked one by one, to the setting where the writer keeps theirs. */
import * as vscode from 'vscode';
import { normalise } from '../writing/bannedPhrases';
import { MAX_BANNED_PHRASES, STOCK_PHRASES } from '../writing/samplingSettings';
import { SECTION } from './settings';

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
          void vscode.window.showInformationMessage('Every stock phrase is already banned.');
          return;
        }
        const picks = await vscode.window.showQuickPick(
          fresh.map((p) => ({ label: p, picked: true })),
          { title: 'Ban stock phrases', placeHolder: 'Inkling will never write the phrases you keep ticked', canPickMany: true },
        );
        if (!picks) return;
        chosen = picks.map((p) => p.label);
      }
      const next = [...have, ...chosen.filter((p) => !have.has(p))].slice(0, MAX_BANNED_PHRASES);
      const added = next.length - have.size;
      if (added === 0) return;
      await config.update('bannedPhrases', next, target);
      void vscode.window.showInformationMessage(`Inkling will not write ${added === 1 ? 'that phrase' : `those ${added} phrases`} (inkling.sampling.bannedPhrases, ${target === vscode.ConfigurationTarget.Global ? 'user settings' : 'workspace settings'}).`);
    }),
  ];
}

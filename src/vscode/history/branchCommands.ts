/**
 * The branch history's commands: Switch to Branch (from the view, or a picker at the cursor),
 * Copy Branch Text, Show Branch History, Clear Branch History.
 */
import * as vscode from 'vscode';
import { branchLabel } from '../../writing/history/branchHistory';
import type { BranchHistories, SwitchResult } from './branchHistory';
import { BRANCHES_VIEW, type BranchArgs, type BranchNode } from './branchesView';
import { toDocumentEol } from '../commands/writingContext';

export function registerBranchCommands(branches: BranchHistories): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand('inkling.switchBranch', (arg?: BranchArgs | BranchNode) => switchBranch(branches, arg)),
    vscode.commands.registerCommand('inkling.copyBranchText', async (arg?: BranchArgs | BranchNode) => {
      const found = await find(branches, arg);
      if (found?.branch) await vscode.env.clipboard.writeText(toDocumentEol(found.document, found.branch.text));
    }),
    vscode.commands.registerCommand('inkling.showBranches', () => vscode.commands.executeCommand(`${BRANCHES_VIEW}.focus`)),
    vscode.commands.registerCommand('inkling.clearBranches', () => clearBranches(branches)),
  ];
}

/** Switches a place to a branch: the view's arguments, or at the cursor with a picker. */
export async function switchBranch(branches: BranchHistories, arg?: BranchArgs | BranchNode): Promise<SwitchResult | undefined> {
  if (arg) {
    const found = await find(branches, arg);
    if (!found?.branch) {
      void vscode.window.showInformationMessage(vscode.l10n.t('That branch is no longer in the history.'));
      return { outcome: 'refused', reason: 'unknown' };
    }
    return branches.switchTo(found.document, found.placeId, found.branch.id);
  }
  const editor = vscode.window.activeTextEditor;
  if (!editor) return undefined;
  const document = editor.document;
  const history = await branches.history(document);
  const text = document.getText().replace(/\r\n/g, '\n');
  const at = document.offsetAt(editor.selection.active) - (document.eol === vscode.EndOfLine.CRLF ? editor.selection.active.line : 0);
  // The place whose text holds the cursor, else the nearest place before it on the same line or above.
  const places = [...(history?.places ?? [])].filter((p) => !p.lost).sort((a, b) => b.offset - a.offset);
  const place =
    places.find((p) => {
      const current = p.branches.find((b) => b.id === p.current);
      return at >= p.offset && at <= p.offset + (current?.text.length ?? 0);
    }) ?? places.find((p) => p.offset <= at && !text.slice(p.offset, at).includes('\n\n'));
  if (!place) {
    void vscode.window.showInformationMessage(vscode.l10n.t('No continuation Inkling offered is here: put the cursor in a text it wrote, or see the Inkling Branches view.'));
    return { outcome: 'refused', reason: 'none' };
  }
  const items = place.branches.map((b) => ({
    label: `${b.id === place.current ? '$(pass-filled) ' : ''}${branchLabel(b.text)}`,
    description: vscode.l10n.t('seed {0}', b.seed),
    detail: b.text.replace(/\n+/g, ' / ').slice(0, 300),
    id: b.id,
  }));
  const picked = await vscode.window.showQuickPick(items, { title: vscode.l10n.t('Inkling: branches of this place'), placeHolder: vscode.l10n.t('Switch to a branch (its text replaces the one there, one undo step)'), matchOnDetail: true });
  if (!picked) return undefined;
  return branches.switchTo(document, place.id, picked.id);
}

async function find(branches: BranchHistories, arg: BranchArgs | BranchNode | undefined) {
  if (!arg || typeof arg !== 'object' || typeof arg.uri !== 'string') return undefined;
  const document = vscode.workspace.textDocuments.find((d) => d.uri.toString() === arg.uri);
  if (!document) return undefined;
  const placeId = typeof arg.place === 'string' ? arg.place : arg.place.id;
  const branchId = 'kind' in arg ? (arg.kind === 'branch' ? arg.branch.id : undefined) : arg.branch;
  const place = (await branches.history(document))?.place(placeId);
  return { document, placeId, branch: place?.branches.find((b) => b.id === branchId) };
}

async function clearBranches(branches: BranchHistories): Promise<void> {
  const document = vscode.window.activeTextEditor?.document;
  const here = document && branches.location(document) ? document : undefined;
  // Choosing what to forget is the confirmation; Escape forgets nothing.
  const choices = [
    ...(here ? [{ label: `$(trash) ${vscode.l10n.t('Forget the branches of {0}', vscode.workspace.asRelativePath(here.uri))}`, all: false }] : []),
    { label: `$(trash) ${vscode.l10n.t('Forget the branches of every document in the workspace')}`, description: '.inkling/branches/', all: true },
  ];
  const pick = await vscode.window.showQuickPick(choices, { title: vscode.l10n.t('Inkling: Clear Branch History'), placeHolder: vscode.l10n.t('Your documents are not changed; the continuations kept for them are forgotten') });
  if (!pick) return;
  await branches.clear(pick.all ? undefined : here);
  void vscode.window.showInformationMessage(pick.all ? vscode.l10n.t('Inkling forgot the branch history of every document in the workspace.') : vscode.l10n.t("Inkling forgot this document's branch history."));
}

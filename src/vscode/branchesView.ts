/**
 * The "Inkling Branches" view (Explorer): the places of the active document where Inkling
 * offered continuations, and under each its branches — the current one marked. Enter (or a
 * click) on a branch switches the place to it. Theme icons
 * only, so it follows the theme; a tree, so it is keyboard-usable as any VS Code tree.
 */
import * as vscode from 'vscode';
import { branchLabel, branchLabels, type Branch, type Place } from '../writing/branchHistory';
import type { BranchHistories } from './branchHistory';

export const BRANCHES_VIEW = 'inkling.branches';

export type BranchNode = { kind: 'place'; uri: string; place: Place; line: number } | { kind: 'branch'; uri: string; place: Place; branch: Branch };

/** The arguments of Switch to Branch from the view. */
export interface BranchArgs {
  uri: string;
  place: string;
  branch: string;
}

export class BranchesView implements vscode.TreeDataProvider<BranchNode>, vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<BranchNode | undefined>();
  readonly onDidChangeTreeData = this.emitter.event;
  readonly view: vscode.TreeView<BranchNode>;
  private readonly disposables: vscode.Disposable[];
  private refreshTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly branches: BranchHistories) {
    this.view = vscode.window.createTreeView(BRANCHES_VIEW, { treeDataProvider: this, showCollapseAll: true });
    this.disposables = [
      this.view,
      this.emitter,
      branches.onDidChange((uri) => {
        if (!uri || uri === vscode.window.activeTextEditor?.document.uri.toString()) this.refreshSoon();
      }),
      vscode.window.onDidChangeActiveTextEditor(() => this.refreshSoon()),
    ];
  }

  refresh(): void {
    this.refreshTimer = null;
    this.emitter.fire(undefined);
  }

  private refreshSoon(): void {
    this.refreshTimer ??= setTimeout(() => this.refresh(), 100);
  }

  async getChildren(node?: BranchNode): Promise<BranchNode[]> {
    const document = vscode.window.activeTextEditor?.document;
    if (!document) {
      this.view.message = 'Open a document to see the continuations Inkling offered in it.';
      return [];
    }
    const uri = document.uri.toString();
    if (node?.kind === 'place') {
      // The current branch first, then the others, newest first.
      const current = node.place.branches.filter((b) => b.id === node.place.current);
      const others = node.place.branches.filter((b) => b.id !== node.place.current).reverse();
      return [...current, ...others].map((branch) => ({ kind: 'branch', uri, place: node.place, branch }));
    }
    if (node) return [];
    const location = this.branches.location(document);
    if (!location) {
      this.view.message = document.isUntitled
        ? 'Untitled files keep no branch history: save the file in a workspace folder.'
        : 'This file keeps no branch history (it is outside the workspace folders, or inkling.branches.enabled is off).';
      return [];
    }
    const history = await this.branches.history(document);
    const places = [...(history?.places ?? [])].sort((a, b) => a.offset - b.offset);
    this.view.message = places.length ? undefined : 'No branches yet: Continue, Show Alternatives and Regenerate keep every continuation they offer here.';
    const text = document.getText();
    const crlf = document.eol === vscode.EndOfLine.CRLF;
    return places.map((place) => ({ kind: 'place', uri, place, line: lineOf(text, place.offset, crlf) }));
  }

  getTreeItem(node: BranchNode): vscode.TreeItem {
    if (node.kind === 'place') {
      const { place } = node;
      const current = place.branches.find((b) => b.id === place.current);
      const item = new vscode.TreeItem(`Line ${node.line + 1}`, vscode.TreeItemCollapsibleState.Expanded);
      item.id = `${node.uri}#${place.id}`;
      const n = place.branches.length;
      item.description = place.lost ? 'not found in the document' : `${n} branch${n === 1 ? '' : 'es'}${place.edited ? ' · edited' : current ? '' : ' · none inserted'}`;
      item.iconPath = new vscode.ThemeIcon(place.lost ? 'warning' : 'git-branch');
      item.tooltip = new vscode.MarkdownString().appendMarkdown('**After:** ').appendText(`…${place.anchor.slice(-60).replace(/\n/g, ' ⏎ ')}`);
      item.contextValue = 'inklingPlace';
      item.accessibilityInformation = { label: `Place at line ${node.line + 1}, ${n} branches${place.edited ? ', edited since' : ''}` };
      return item;
    }
    const { place, branch } = node;
    const isCurrent = place.current === branch.id;
    const label = branchLabels(place.branches.map((b) => b.text))[place.branches.indexOf(branch)];
    const item = new vscode.TreeItem(label || '(blank)', vscode.TreeItemCollapsibleState.None);
    item.id = `${node.uri}#${place.id}#${branch.id}`;
    const time = new Date(branch.time);
    const when = Number.isNaN(time.getTime()) ? '' : ` · ${time.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' })}`;
    item.description = `${isCurrent ? (place.edited ? 'current, edited · ' : 'current · ') : ''}${COMMAND_WORDS[branch.command] ?? branch.command} · seed ${branch.seed}${when}`;
    item.iconPath = new vscode.ThemeIcon(isCurrent ? 'pass-filled' : 'circle-large-outline', isCurrent ? new vscode.ThemeColor('inkling.currentBranchForeground') : undefined);
    const s = branch.settings;
    const md = new vscode.MarkdownString();
    md.appendCodeblock(branch.text, 'text');
    md.appendMarkdown(`\n${COMMAND_WORDS[branch.command] ?? branch.command}, ${branch.model}, seed ${branch.seed}, ${s.kind}, temperature ${s.sampling.temperature}, top-k ${s.sampling.topK}, top-p ${s.sampling.topP}${s.form ? ', form kept' : ''}`);
    item.tooltip = md;
    item.contextValue = isCurrent ? 'inklingBranchCurrent' : 'inklingBranch';
    item.accessibilityInformation = { label: `${isCurrent ? 'Current branch' : 'Branch'}: ${branchLabel(branch.text, 200)}; seed ${branch.seed}` };
    const args: BranchArgs = { uri: node.uri, place: place.id, branch: branch.id };
    if (!isCurrent) item.command = { command: 'inkling.switchBranch', title: 'Switch to This Branch', arguments: [args] };
    return item;
  }

  dispose(): void {
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    this.disposables.forEach((d) => d.dispose());
  }
}

const COMMAND_WORDS: Partial<Record<Branch['command'], string>> = {
  continue: 'Continue',
  alternative: 'alternative',
  regenerate: 'Regenerate',
  expandOutline: 'Expand Outline',
  wordChoice: 'from a chosen word',
  ghostText: 'ghost text',
  branch: 'switched',
};

/** The 0-based line of a `\n` offset of the document. */
function lineOf(text: string, lfOffset: number, crlf: boolean): number {
  const lf = crlf ? text.replace(/\r\n/g, '\n') : text;
  let line = 0;
  for (let i = lf.indexOf('\n'); i >= 0 && i < lfOffset; i = lf.indexOf('\n', i + 1)) line++;
  return line;
}

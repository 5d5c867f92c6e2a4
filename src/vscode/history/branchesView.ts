/**
 * The "Inkling Branches" view (Explorer): the places of the active document where Inkling
 * offered continuations, and under each its branches — the current one marked. Enter (or a
 * click) on a branch switches the place to it. Theme icons
 * only, so it follows the theme; a tree, so it is keyboard-usable as any VS Code tree.
 */
import * as vscode from 'vscode';
import { branchLabel, branchLabels, type Branch, type Place } from '../../writing/history/branchHistory';
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
      this.view.message = vscode.l10n.t('Open a document to see the continuations Inkling offered in it.');
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
        ? vscode.l10n.t('Untitled files keep no branch history: save the file in a workspace folder.')
        : vscode.l10n.t('This file keeps no branch history (it is outside the workspace folders, or inkling.branches.enabled is off).');
      return [];
    }
    const history = await this.branches.history(document);
    const places = [...(history?.places ?? [])].sort((a, b) => a.offset - b.offset);
    this.view.message = places.length ? undefined : vscode.l10n.t('No branches yet: Continue, Show Alternatives and Regenerate keep every continuation they offer here.');
    const text = document.getText();
    const crlf = document.eol === vscode.EndOfLine.CRLF;
    return places.map((place) => ({ kind: 'place', uri, place, line: lineOf(text, place.offset, crlf) }));
  }

  getTreeItem(node: BranchNode): vscode.TreeItem {
    if (node.kind === 'place') {
      const { place } = node;
      const current = place.branches.find((b) => b.id === place.current);
      const item = new vscode.TreeItem(vscode.l10n.t('Line {0}', node.line + 1), vscode.TreeItemCollapsibleState.Expanded);
      item.id = `${node.uri}#${place.id}`;
      const n = place.branches.length;
      item.description = place.lost ? vscode.l10n.t('not found in the document') : `${n === 1 ? vscode.l10n.t('1 branch') : vscode.l10n.t('{0} branches', n)}${place.edited ? ` · ${vscode.l10n.t('edited')}` : current ? '' : ` · ${vscode.l10n.t('none inserted')}`}`;
      item.iconPath = new vscode.ThemeIcon(place.lost ? 'warning' : 'git-branch');
      item.tooltip = new vscode.MarkdownString().appendMarkdown(`**${vscode.l10n.t('After:')}** `).appendText(`…${place.anchor.slice(-60).replace(/\n/g, ' ⏎ ')}`);
      item.contextValue = 'inklingPlace';
      item.accessibilityInformation = { label: place.edited ? vscode.l10n.t('Place at line {0}, {1} branches, edited since', node.line + 1, n) : vscode.l10n.t('Place at line {0}, {1} branches', node.line + 1, n) };
      return item;
    }
    const { place, branch } = node;
    const isCurrent = place.current === branch.id;
    const label = branchLabels(place.branches.map((b) => b.text))[place.branches.indexOf(branch)];
    const item = new vscode.TreeItem(label || vscode.l10n.t('(blank)'), vscode.TreeItemCollapsibleState.None);
    item.id = `${node.uri}#${place.id}#${branch.id}`;
    const time = new Date(branch.time);
    const when = Number.isNaN(time.getTime()) ? '' : ` · ${time.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' })}`;
    const words = commandWords();
    item.description = `${isCurrent ? `${place.edited ? vscode.l10n.t('current, edited') : vscode.l10n.t('current')} · ` : ''}${words[branch.command] ?? branch.command} · ${vscode.l10n.t('seed {0}', branch.seed)}${when}`;
    item.iconPath = new vscode.ThemeIcon(isCurrent ? 'pass-filled' : 'circle-large-outline', isCurrent ? new vscode.ThemeColor('inkling.currentBranchForeground') : undefined);
    const s = branch.settings;
    const md = new vscode.MarkdownString();
    md.appendCodeblock(branch.text, 'text');
    md.appendMarkdown(`\n${words[branch.command] ?? branch.command}, ${branch.model}, ${vscode.l10n.t('seed {0}', branch.seed)}, ${s.kind}, ${vscode.l10n.t('temperature {0}', s.sampling.temperature)}, top-k ${s.sampling.topK}, top-p ${s.sampling.topP}${s.form && !s.form.paragraph ? `, ${vscode.l10n.t('form kept')}` : ''}`);
    item.tooltip = md;
    item.contextValue = isCurrent ? 'inklingBranchCurrent' : 'inklingBranch';
    item.accessibilityInformation = { label: isCurrent ? vscode.l10n.t('Current branch: {0}; seed {1}', branchLabel(branch.text, 200), branch.seed) : vscode.l10n.t('Branch: {0}; seed {1}', branchLabel(branch.text, 200), branch.seed) };
    const args: BranchArgs = { uri: node.uri, place: place.id, branch: branch.id };
    if (!isCurrent) item.command = { command: 'inkling.switchBranch', title: vscode.l10n.t('Switch to This Branch'), arguments: [args] };
    return item;
  }

  dispose(): void {
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    this.disposables.forEach((d) => d.dispose());
  }
}

/** How a branch came to be, in the writer's words (a function: the l10n bundle is read at run time). */
function commandWords(): Partial<Record<Branch['command'], string>> {
  return {
    continue: vscode.l10n.t('Continue'),
    alternative: vscode.l10n.t('alternative'),
    regenerate: vscode.l10n.t('Regenerate'),
    expandOutline: vscode.l10n.t('Expand Outline'),
    wordChoice: vscode.l10n.t('from a chosen word'),
    ghostText: vscode.l10n.t('ghost text'),
    branch: vscode.l10n.t('switched'),
  };
}

/** The 0-based line of a `\n` offset of the document. */
function lineOf(text: string, lfOffset: number, crlf: boolean): number {
  const lf = crlf ? text.replace(/\r\n/g, '\n') : text;
  let line = 0;
  for (let i = lf.indexOf('\n'); i >= 0 && i < lfOffset; i = lf.indexOf('\n', i + 1)) line++;
  return line;
}

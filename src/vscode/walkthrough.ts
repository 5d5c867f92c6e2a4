/**
 * First run: the Get Started walkthrough (contributed in package.json), opened once after
 * install, and the sample poem its first steps write in.
 */
import * as vscode from 'vscode';

export const WALKTHROUGH_ID = 'getStarted';
const SHOWN_KEY = 'inkling.walkthroughShown';

/** `publisher.name#id`, as workbench.action.openWalkthrough wants it. */
export function walkthroughRef(context: vscode.ExtensionContext): string {
  const { publisher, name } = context.extension.packageJSON as { publisher: string; name: string };
  return `${publisher}.${name}#${WALKTHROUGH_ID}`;
}

export function registerWalkthrough(context: vscode.ExtensionContext): vscode.Disposable[] {
  // Once per machine, and never in a test or development host (the walkthrough would take the editor).
  if (context.extensionMode === vscode.ExtensionMode.Production && !context.globalState.get<boolean>(SHOWN_KEY)) {
    void context.globalState.update(SHOWN_KEY, true);
    void vscode.commands.executeCommand('workbench.action.openWalkthrough', walkthroughRef(context), false);
  }
  return [
    vscode.commands.registerCommand('inkling.getStarted', () => vscode.commands.executeCommand('workbench.action.openWalkthrough', walkthroughRef(context), false)),
    vscode.commands.registerCommand('inkling.openSamplePoem', async () => {
      const bytes = await vscode.workspace.fs.readFile(vscode.Uri.joinPath(context.extensionUri, 'media', 'walkthrough', 'sample-poem.md'));
      const text = `${new TextDecoder().decode(bytes).trimEnd()}\n`;
      const doc = await vscode.workspace.openTextDocument({ language: 'markdown', content: text });
      const editor = await vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.Beside, preview: false });
      // At the start of the line after the last one: ghost text offers the next line of the poem.
      const end = doc.lineAt(doc.lineCount - 1).range.end;
      editor.selection = new vscode.Selection(end, end);
      await vscode.commands.executeCommand('editor.action.inlineSuggest.trigger');
      return editor;
    }),
  ];
}

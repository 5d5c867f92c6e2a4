/** Inkling's entry point: build the services, register the contributions — nothing else. */
import * as vscode from 'vscode';
import type { EngineState } from './client/engineClient';
import { createLogger, guarded } from './vscode/service/logger';
import { EngineService } from './vscode/service/engineService';
import { GhostTextProvider } from './vscode/ghost/ghostText';
import { registerModelPicker } from './vscode/service/modelPicker';
import { registerPhraseCommands } from './vscode/commands/phraseCommands';
import { registerGhostCommands } from './vscode/ghost/ghostCommands';
import { Snooze } from './vscode/ghost/snooze';
import { StatusBar } from './vscode/service/statusBar';
import { SamplingPanels } from './vscode/panel/samplingPanel';
import { inlineSettings, SECTION } from './vscode/service/settings';
import { registerWritingCommands, type WritingCommands } from './vscode/commands/writingCommands';
import { registerServerCommands } from './vscode/service/serverCommands';
import { StoryNotes } from './vscode/storyNotes';
import { registerWalkthrough } from './vscode/walkthrough';
import { setTranslator } from './common/message';

export interface InklingApi {
  engine: EngineService;
  ghostText: GhostTextProvider;
  samplingPanels: SamplingPanels;
  writing: WritingCommands;
}

export function activate(context: vscode.ExtensionContext): InklingApi {
  const { channel, logger } = createLogger();
  context.subscriptions.push(channel);
  // Messages built outside vscode/ (settings checks, engine errors…) in the display language.
  setTranslator(vscode.l10n.t);
  try {
    return activateServices(context, channel, logger);
  } catch (e) {
    logger.error(`Activation failed: ${(e as Error)?.stack ?? String(e)}`);
    void vscode.window.showErrorMessage(vscode.l10n.t('Inkling could not start: {0}', (e as Error)?.message ?? String(e)), vscode.l10n.t('Show Log')).then((c) => c && channel.show());
    throw e;
  }
}

function activateServices(context: vscode.ExtensionContext, channel: vscode.LogOutputChannel, logger: ReturnType<typeof createLogger>['logger']): InklingApi {
  const engine = new EngineService(context.extensionPath, logger, () => channel.show(), context.secrets, context.globalStorageUri.fsPath);
  const storyNotes = new StoryNotes(logger);
  engine.storyNotes = storyNotes;
  const snooze = new Snooze();
  const ghostText = new GhostTextProvider(engine, snooze);
  const status = new StatusBar('inkling.toggleInline');
  const samplingPanels = new SamplingPanels(context, engine, logger);
  const writing = registerWritingCommands(engine, logger);
  ghostText.acceptance = writing.ghostAcceptance;
  let engineState: { state: EngineState; detail?: string } = { state: engine.state };
  const render = () => {
    const editor = vscode.window.activeTextEditor;
    const s = inlineSettings(editor?.document);
    status.render({
      ...engineState,
      enabled: s.enabled,
      languageEnabled: !editor || s.languages.includes(editor.document.languageId),
      snoozedMinutes: snooze.active ? snooze.remainingMinutes : 0,
      metrics: ghostText.metrics,
      engine: engine.description,
      notes: storyNotes.lastUse && storyNotes.lastUse.document === editor?.document.uri.toString() ? storyNotes.lastUse : null,
      authorship: editor ? writing.authorship.shareOf(editor.document) : null,
    });
  };
  render();

  context.subscriptions.push(
    engine,
    snooze,
    ghostText,
    status,
    samplingPanels,
    vscode.languages.registerInlineCompletionItemProvider({ pattern: '**' }, ghostText),
    ...registerGhostCommands(ghostText, snooze),
    ...registerPhraseCommands(),
    ...registerWalkthrough(context),
    storyNotes,
    storyNotes.onDidUse(render),
    vscode.commands.registerCommand('inkling.newStoryNote', () => storyNotes.createFromSelection(vscode.window.activeTextEditor)),
    writing,
    registerModelPicker(context, logger),
    vscode.commands.registerCommand('inkling.showLog', () => channel.show()),
    vscode.commands.registerCommand('inkling.restartEngine', async () => {
      await engine.restart().catch((e) => engine.reportError(e));
    }),
    registerServerCommands(context, engine, logger),
    engine.onDidChangeState((s) => {
      engineState = s;
      render();
    }),
    ghostText.onDidUpdateMetrics(render),
    writing.authorship.onDidChange((uri) => uri === vscode.window.activeTextEditor?.document.uri.toString() && render()),
    snooze.onDidChange(render),
    vscode.window.onDidChangeActiveTextEditor(render),
    vscode.workspace.onDidChangeConfiguration(guarded(logger, 'Status bar update', (e: vscode.ConfigurationChangeEvent) => e.affectsConfiguration(SECTION) && render())),
  );
  return { engine, ghostText, samplingPanels, writing };
}

export function deactivate(): void {
  setTranslator();
}

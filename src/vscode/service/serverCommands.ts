/**
 * The commands that choose a server: "Use a Server…" (its address, checked, then asked what it
 * is and which models it has before anything is saved), "Use Inkling's Own Model", and "Set
 * Server API Key…" (into VS Code's secret storage, never into settings.json or the log). The
 * choice is saved in the writer's user settings only.
 */
import * as vscode from 'vscode';
import type { EngineLogger } from '../../client/writingEngine';
import { ServerEngine } from '../../client/server/serverEngine';
import { checkServerUrl } from '../../writing/settings/serverSettings';
import { apiKeySecret, type EngineService } from './engineService';
import { SECTION, serverSettings } from './settings';
import { describeEngine } from './statusBar';

export function registerServerCommands(context: vscode.ExtensionContext, engine: EngineService, logger: EngineLogger): vscode.Disposable {
  const config = () => vscode.workspace.getConfiguration(SECTION);
  return vscode.Disposable.from(
    vscode.commands.registerCommand('inkling.useServer', async () => {
      const allowed = (config().inspect<string[]>('server.allowedHosts')?.globalValue ?? []).filter((h) => typeof h === 'string').map((h) => h.toLowerCase());
      const current = config().inspect<string>('server.url')?.globalValue ?? '';
      const typed = await vscode.window.showInputBox({
        title: vscode.l10n.t('Inkling: Use a Server'),
        prompt: vscode.l10n.t('The address of llama-server, vLLM, Ollama, LM Studio or another OpenAI-compatible server. Your text goes there only after you choose it.'),
        placeHolder: 'http://127.0.0.1:8080',
        value: current,
        ignoreFocusOut: true,
        validateInput: (v) => {
          const c = checkServerUrl(v, allowed);
          return c.ok ? undefined : c.message;
        },
      });
      if (typed === undefined) return undefined;
      const checked = checkServerUrl(typed, allowed);
      if (!checked.ok) return undefined;
      const url = checked.url;
      const probe = new ServerEngine({ url, kind: 'auto', model: '', logger, apiKey: () => Promise.resolve(context.secrets.get(apiKeySecret(url))) });
      let found;
      try {
        found = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Asking {0} what it is…', new URL(url).host), cancellable: false }, () => probe.prepare());
      } catch (e) {
        void vscode.window.showErrorMessage(vscode.l10n.t('{0} Nothing was changed.', (e as Error).message));
        return undefined;
      } finally {
        void probe.dispose();
      }
      await config().update('server.url', url, vscode.ConfigurationTarget.Global);
      await config().update('server.kind', undefined, vscode.ConfigurationTarget.Global);
      await config().update('server.model', found.kind === 'llama.cpp' ? undefined : found.model, vscode.ConfigurationTarget.Global);
      await config().update('engine', 'server', vscode.ConfigurationTarget.Global);
      void vscode.window.showInformationMessage(vscode.l10n.t('Inkling now writes with {0}.', describeEngine(found)));
      return found;
    }),
    vscode.commands.registerCommand('inkling.useLocalModel', async () => {
      await config().update('engine', 'local', vscode.ConfigurationTarget.Global);
      void vscode.window.showInformationMessage(vscode.l10n.t('Inkling writes with its own model on this machine again; nothing leaves it.'));
    }),
    vscode.commands.registerCommand('inkling.setServerApiKey', async () => {
      const { checked } = serverSettings();
      const url = checked.engine === 'server' && 'server' in checked && checked.server ? checked.server.url : '';
      if (!url) {
        void vscode.window.showInformationMessage(vscode.l10n.t('Choose a server first with "Inkling: Use a Server…"; its key is kept per server.'));
        return;
      }
      const key = await vscode.window.showInputBox({
        title: vscode.l10n.t('Inkling: API key for {0}', new URL(url).origin),
        prompt: vscode.l10n.t("Kept in VS Code's secret storage, sent only to this server as \"Authorization: Bearer …\". Leave empty to remove it."),
        password: true,
        ignoreFocusOut: true,
      });
      if (key === undefined) return;
      if (key.trim()) await context.secrets.store(apiKeySecret(url), key.trim());
      else await context.secrets.delete(apiKeySecret(url));
      logger.info(`API key for ${new URL(url).origin} ${key.trim() ? 'stored' : 'removed'}.`);
      await engine.restart().catch((e) => engine.reportError(e));
    }),
  );
}

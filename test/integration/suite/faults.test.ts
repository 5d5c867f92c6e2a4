// Faults in a real VS Code (issue: "Novels, hostile input and failures"): the worker killed with
// SIGKILL twenty times while it writes (ghost text, Continue streaming, alternatives), crashes in a
// row, random keystroke bursts, and the worker stopped mid-stream. Nothing the writer has is lost,
// no edit is half-applied, Inkling is ready again by itself, and no notification is left hanging.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { InklingApi } from '../../../src/extension';
import type { ContinueResult } from '../../../src/vscode/commands/continueCommand';
import { artifactsDir, uiBridgeOrSkip, waitFor, type UiBridge } from './uiBridge';
import { api, config, openAtEnd } from './writingSupport';

const GHOST = '.monaco-editor .ghost-text-decoration, .monaco-editor .ghost-text';
const KILLS = Number(process.env.INKLING_FAULT_KILLS ?? 20);
const BURSTS = Number(process.env.INKLING_BURSTS ?? 150);

function kill(pid: number | undefined): void {
  if (pid) process.kill(pid, 'SIGKILL');
}

async function noStuckNotification(ui: UiBridge): Promise<void> {
  await waitFor(async () => (await ui.count('.notification-toast:has-text("Inkling is writing")')) === 0, 'no "Inkling is writing" notification left', 5000);
}

describe('Faults', function () {
  this.timeout(900_000);
  let inkling: InklingApi;

  before(async function () {
    if (!process.env.INKLING_TEST_MODEL) this.skip();
    inkling = await api();
    await config().update('model.path', process.env.INKLING_TEST_MODEL, vscode.ConfigurationTarget.Global);
    await config().update('sampling.seed', null, vscode.ConfigurationTarget.Global);
    await config().update('continue.lines', 8, vscode.ConfigurationTarget.Global);
    await vscode.workspace.getConfiguration('files').update('autoSave', 'off', vscode.ConfigurationTarget.Global);
    await inkling.engine.restart();
  });

  after(async () => {
    await config().update('sampling.seed', undefined, vscode.ConfigurationTarget.Global);
    await config().update('continue.lines', undefined, vscode.ConfigurationTarget.Global);
    await vscode.workspace.getConfiguration('files').update('autoSave', undefined, vscode.ConfigurationTarget.Global);
    await vscode.commands.executeCommand('notifications.clearAll');
  });

  afterEach(async () => {
    await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
    for (const doc of vscode.workspace.textDocuments) if (doc.isDirty) await vscode.commands.executeCommand('workbench.action.files.revert', doc.uri);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it(`kill -9 the worker ${KILLS} times while it writes: nothing lost or half-applied, ready again each time, no notification left`, async function () {
    const ui = uiBridgeOrSkip(this);
    const client = inkling.engine.client;
    const recovery: number[] = [];
    const log: string[] = [];
    for (let i = 0; i < KILLS; i++) {
      const kind = (['ghost', 'continue', 'alternatives'] as const)[i % 3]!;
      await waitFor(() => client.state === 'ready' && client.pid, 'the worker to be ready', 20_000);
      const editor = await openAtEnd('poem.md', ui);
      const doc = editor.document;
      const before = doc.getText();
      const pid = client.pid;
      if (kind === 'ghost') {
        await ui.press('Enter');
        await vscode.commands.executeCommand('editor.action.inlineSuggest.trigger');
        await waitFor(() => client.state === 'generating' || Date.now() < 0, 'a suggestion being written', 5000).catch(() => undefined);
        kill(pid);
        await new Promise((r) => setTimeout(r, 300));
        assert.strictEqual(doc.getText(), `${before}\n`, 'ghost text never edits by itself');
      } else if (kind === 'continue') {
        const run = vscode.commands.executeCommand('inkling.continueWriting') as Thenable<ContinueResult>;
        await waitFor(() => doc.isDirty, 'the first words', 10_000, 5);
        kill(pid);
        const result = await run;
        const now = doc.getText();
        assert.ok(now.startsWith(before), `${i}: nothing of the writer's text is lost`);
        const inserted = now.slice(before.length);
        assert.ok(!inserted || /\n|^[^\n]*$/.test(inserted), 'an insertion of whole lines');
        log.push(`${i} continue: ${result.outcome}, kept ${inserted.split('\n').filter((l) => l.trim()).length} line(s)`);
        if (inserted) {
          await vscode.commands.executeCommand('undo');
          await waitFor(() => doc.getText() === before, 'one undo to remove what was kept', 5000);
        }
      } else {
        const run = vscode.commands.executeCommand('inkling.showAlternatives');
        await waitFor(() => client.state === 'generating', 'the alternatives being written', 10_000).catch(() => undefined);
        kill(pid);
        await new Promise((r) => setTimeout(r, 300));
        await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
        await run;
        assert.strictEqual(doc.getText(), before, 'nothing inserted');
      }
      const killedAt = Date.now();
      await waitFor(() => client.state === 'ready' && client.pid !== undefined && client.pid !== pid && client.model !== null, `ready again after kill ${i + 1}`, 20_000);
      recovery.push(Date.now() - killedAt);
      await noStuckNotification(ui);
    }
    const sorted = [...recovery].sort((a, b) => a - b);
    const report = { kills: KILLS, recoveryMs: recovery, p50Ms: sorted[sorted.length >> 1], maxMs: sorted.at(-1), log };
    fs.writeFileSync(path.join(artifactsDir(), 'fault-recovery.json'), `${JSON.stringify(report, null, 2)}\n`);
    console.log(`recovery after kill -9: p50 ${report.p50Ms} ms, max ${report.maxMs} ms over ${KILLS}`);
    assert.ok(report.maxMs! < 10_000, `back within seconds each time (max ${report.maxMs} ms)`);
    await vscode.commands.executeCommand('notifications.clearAll');
  });

  it('crashing again and again: after a few in a row, a clear message instead of a restart loop; the next request starts it', async function () {
    const ui = uiBridgeOrSkip(this);
    const client = inkling.engine.client;
    const errors: string[] = [];
    const sub = inkling.engine.onDidChangeState((s) => s.state === 'error' && s.detail && errors.push(s.detail));
    try {
      // Killed each time it comes up, before it has loaded its model: it never gets going.
      await vscode.commands.executeCommand('inkling.restartEngine');
      for (let i = 0; i < 8 && !errors.length; i++) {
        await waitFor(() => client.pid !== undefined || errors.length > 0, 'the worker to come back', 30_000, 2);
        if (errors.length) break;
        kill(client.pid);
        await new Promise((r) => setTimeout(r, 50));
      }
      await waitFor(() => errors.length > 0, 'the crash-loop message', 30_000);
      assert.match(errors[0]!, /crashed \d+ times in a row; it will start again on the next request/);
      await ui.waitForSelector('.notification-toast:has-text("crashed")', { timeout: 5000 });
      const pidsAfter = client.pid;
      await new Promise((r) => setTimeout(r, 2000));
      assert.strictEqual(client.pid, pidsAfter, 'no restart loop');
      const editor = await openAtEnd('poem.md', ui);
      // A line no earlier test asked about, so that no cached suggestion answers for the worker.
      await ui.press('Enter');
      await ui.type('After the crashes');
      await vscode.commands.executeCommand('editor.action.inlineSuggest.trigger');
      await ui.waitForSelector(GHOST, { timeout: 20_000 });
      await waitFor(() => client.state === 'ready', 'the worker ready again', 10_000);
      await vscode.commands.executeCommand('workbench.action.files.revert', editor.document.uri);
    } finally {
      sub.dispose();
      await vscode.commands.executeCommand('notifications.clearAll');
    }
  });

  it(`${BURSTS} random keystroke bursts: what Tab inserts always continues the document as it is; at most one generation in flight`, async function () {
    const ui = uiBridgeOrSkip(this);
    const client = inkling.engine.client;
    const editor = await openAtEnd('prose.md', ui);
    const doc = editor.document;
    let maxInFlight = 0;
    const sampler = setInterval(() => (maxInFlight = Math.max(maxInFlight, client.inFlight)), 5);
    let seed = 12345;
    const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    const words = ['the', 'sea', 'and', 'she', 'said', 'no', 'rain', 'of', 'light', 'morning', '', 'a'];
    let accepted = 0;
    try {
      for (let b = 0; b < BURSTS; b++) {
        const burst = Array.from({ length: rand(4) + 1 }, () => words[rand(words.length)]).join(' ') + (rand(3) ? ' ' : '');
        await ui.type(burst, { delay: rand(40) });
        await new Promise((r) => setTimeout(r, rand(350)));
        if (rand(4) === 0 && (await ui.count(GHOST))) {
          const versionBefore = doc.version;
          const textBefore = doc.getText();
          const shown = inkling.ghostText.lastShown;
          await ui.press('Tab');
          await new Promise((r) => setTimeout(r, 150));
          const now = doc.getText();
          if (now !== textBefore) {
            accepted++;
            assert.ok(shown, 'a suggestion was shown');
            assert.strictEqual(shown!.version, versionBefore, `burst ${b}: the accepted suggestion was made for the document as it was`);
            const offset = doc.offsetAt(shown!.position);
            assert.strictEqual(now, textBefore.slice(0, offset) + shown!.text + textBefore.slice(offset), `burst ${b}: Tab inserted exactly that suggestion where it was asked for`);
          }
        }
        if (rand(10) === 0) await ui.press('Escape');
      }
    } finally {
      clearInterval(sampler);
    }
    fs.writeFileSync(path.join(artifactsDir(), 'keystroke-bursts.json'), `${JSON.stringify({ bursts: BURSTS, accepted, maxInFlight }, null, 2)}\n`);
    console.log(`${BURSTS} bursts: ${accepted} suggestions accepted, at most ${maxInFlight} generation request(s) in flight`);
    assert.ok(maxInFlight <= 1, `at most one generation in flight: ${maxInFlight}`);
    if (BURSTS >= 50) assert.ok(accepted > 0, 'some suggestions were accepted');
  });

  it('the worker stopped mid-stream (as when the extension is deactivated): nothing thrown, the document consistent, the worker gone', async function () {
    const ui = uiBridgeOrSkip(this);
    const client = inkling.engine.client;
    const editor = await openAtEnd('poem.md', ui);
    const doc = editor.document;
    const before = doc.getText();
    const run = vscode.commands.executeCommand('inkling.continueWriting') as Thenable<ContinueResult>;
    await waitFor(() => doc.isDirty, 'the first words', 10_000, 5);
    const pid = client.pid!;
    await client.stop();
    const result = await run;
    assert.ok(['failed', 'complete', 'cancelled'].includes(result.outcome), result.outcome);
    assert.ok(doc.getText().startsWith(before));
    let alive = true;
    try {
      process.kill(pid, 0);
    } catch {
      alive = false;
    }
    assert.strictEqual(alive, false, 'the worker process is gone');
    await noStuckNotification(ui);
  });
});

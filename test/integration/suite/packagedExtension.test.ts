// Run with --vsix (test/integration/run-vsix.sh): proves the ghost-text suite exercised the
// installed package, not this checkout — the extension lives in the extensions folder, and its
// worker process runs the packaged dist/worker.js on the packaged onnxruntime library.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { InklingApi } from '../../../src/extension';

describe('Ghost text from the installed .vsix', function () {
  this.timeout(60_000);

  it('runs the packaged worker on the packaged onnxruntime, from outside this checkout', async function () {
    if (!process.env.INKLING_TEST_VSIX || process.platform !== 'linux') this.skip();
    const ext = vscode.extensions.all.find((e) => e.packageJSON?.name === 'inkling' && e.packageJSON?.publisher === 'inkling');
    assert.ok(ext, 'Inkling is installed');
    const repo = path.resolve(__dirname, '../../../..');
    assert.ok(!ext.extensionPath.startsWith(repo), `installed outside the checkout: ${ext.extensionPath}`);
    assert.ok(!fs.existsSync(path.join(ext.extensionPath, 'src')), 'no sources were installed');
    const inkling = (await ext.activate()) as InklingApi;
    if (process.env.INKLING_TEST_MODEL) await vscode.workspace.getConfiguration('inkling').update('model.path', process.env.INKLING_TEST_MODEL, vscode.ConfigurationTarget.Global);
    await inkling.engine.client.load(inkling.engine.resolveModel() ?? undefined);
    const pid = inkling.engine.client.pid;
    assert.ok(pid, 'the worker is running');
    const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    assert.ok(cmdline.includes(path.join(ext.extensionPath, 'dist', 'worker.js')), `worker command line: ${cmdline.join(' ')}`);
    const maps = fs.readFileSync(`/proc/${pid}/maps`, 'utf8');
    const runtime = path.join(ext.extensionPath, 'dist/node_modules/onnxruntime-node/bin/napi-v6', process.platform, process.arch);
    assert.ok(maps.includes(path.join(runtime, 'onnxruntime_binding.node')), 'the packaged binding is loaded');
    assert.ok(maps.includes(path.join(runtime, 'libonnxruntime.so.1')), 'the packaged onnxruntime library is loaded');
    assert.ok(!maps.includes(path.join(repo, 'node_modules')), "nothing is loaded from the checkout's node_modules");
  });
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { checkServerSettings, checkServerUrl, isLoopbackHost } from '../../../src/writing/settings/serverSettings';

describe('server settings', () => {
  it('plain http only to this machine, unless the writer allows the host', () => {
    assert.deepEqual(checkServerUrl('http://127.0.0.1:8080/'), { ok: true, url: 'http://127.0.0.1:8080' });
    assert.deepEqual(checkServerUrl('localhost:11434'), { ok: true, url: 'http://localhost:11434' });
    assert.deepEqual(checkServerUrl('http://[::1]:8000'), { ok: true, url: 'http://[::1]:8000' });
    const lan = checkServerUrl('http://192.168.1.20:8080');
    assert.equal(lan.ok, false);
    assert.match((lan as { message: string }).message, /plain http:\/\/ only to this machine.*inkling\.server\.allowedHosts/);
    assert.deepEqual(checkServerUrl('http://192.168.1.20:8080', ['192.168.1.20']), { ok: true, url: 'http://192.168.1.20:8080' });
    assert.deepEqual(checkServerUrl('https://llm.example.org/v1/'), { ok: true, url: 'https://llm.example.org/v1' });
    assert.ok(isLoopbackHost('127.9.9.9') && !isLoopbackHost('128.0.0.1'));
  });

  it('no credentials, queries or other schemes in the address', () => {
    assert.match((checkServerUrl('https://me:secret@host') as { message: string }).message, /Set Server API Key/);
    assert.equal(checkServerUrl('http://127.0.0.1:8080/?key=1').ok, false);
    assert.equal(checkServerUrl('file:///etc/passwd').ok, false);
    assert.equal(checkServerUrl('').ok, false);
    assert.equal(checkServerUrl('http://').ok, false);
  });

  it('the engine is local unless the writer chose a server; bad values are reported', () => {
    assert.deepEqual(checkServerSettings({}), { engine: 'local', problems: [] });
    assert.deepEqual(checkServerSettings({ engine: 'local', url: 'http://127.0.0.1:8080' }), { engine: 'local', problems: [] });
    const odd = checkServerSettings({ engine: 42 });
    assert.equal(odd.engine, 'local');
    assert.equal(odd.problems.length, 1);
    const ok = checkServerSettings({ engine: 'server', url: 'http://127.0.0.1:8080', kind: 'llama.cpp', model: ' x ' });
    assert.deepEqual(ok, { engine: 'server', server: { url: 'http://127.0.0.1:8080', kind: 'llama.cpp', model: 'x' }, problems: [] });
    const noUrl = checkServerSettings({ engine: 'server' });
    assert.equal(noUrl.engine, 'server');
    assert.equal((noUrl as { server: null }).server, null);
    assert.match((noUrl as { error: string }).error, /inkling\.server\.url is empty/);
    const badKind = checkServerSettings({ engine: 'server', url: 'http://127.0.0.1:1', kind: 'gpt' });
    assert.equal((badKind as { server: { kind: string } }).server.kind, 'auto');
    assert.equal(badKind.problems.length, 1);
  });
});

/**
 * transformers.js itself fetches from the loopback hub when its remote host is pointed there
 * (env.remoteHost / env.remotePathTemplate): the hub layout our test server speaks is the one the
 * library uses. Inkling's product path is its own downloader (verified, resumable, with consent);
 * this shows the same server is a faithful stand-in.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AutoModelForCausalLM, AutoTokenizer, env } from '@huggingface/transformers';
import { startHubServer, type HubServer } from '../support/hubServer';
import { testModelDir } from '../support/paths';

const REPO = 'inkling-test/stories260K';
let hub: HubServer;
let cache: string;

before(async () => {
  hub = await startHubServer({ [REPO]: testModelDir });
  cache = mkdtempSync(join(tmpdir(), 'inkling-tfjs-cache-'));
  env.allowLocalModels = false;
  env.allowRemoteModels = true;
  env.remoteHost = `${hub.url}/`;
  env.remotePathTemplate = '{model}/resolve/{revision}/';
  env.cacheDir = cache;
  env.useFSCache = true;
});
after(async () => {
  await hub.close();
  rmSync(cache, { recursive: true, force: true });
});

test('transformers.js loads the tokenizer and the q8 model from the loopback hub and generates', async () => {
  const tokenizer = await AutoTokenizer.from_pretrained(REPO);
  const ids = Array.from(tokenizer.encode('Once upon a time'));
  assert.ok(ids.length >= 4);
  assert.equal(ids[0], 1, 'the tokenizer adds <s>');
  const model = await AutoModelForCausalLM.from_pretrained(REPO, { dtype: 'q8', device: 'cpu' });
  try {
    const inputs = tokenizer('Once upon a time');
    const output = (await model.generate({ ...inputs, max_new_tokens: 8, do_sample: false })) as unknown as { tolist(): bigint[][] };
    const text = tokenizer.decode(output.tolist()[0]!.map(Number), { skip_special_tokens: true });
    assert.ok(text.startsWith('Once upon a time') && text.length > 'Once upon a time'.length + 3, text);
  } finally {
    await model.dispose();
  }
  const fetched = hub.requests.filter((r) => r.method === 'GET' && r.status < 400).map((r) => r.path);
  assert.ok(fetched.includes(`/${REPO}/resolve/main/tokenizer.json`), fetched.join(', '));
  assert.ok(fetched.includes(`/cdn/${REPO}/onnx/model_quantized.onnx`), 'the model file came through the CDN redirect');
  assert.ok(readdirSync(cache).length > 0, 'transformers.js cached what it fetched');
});

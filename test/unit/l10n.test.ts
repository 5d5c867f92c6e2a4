/**
 * Localization is complete and nothing bypasses it: every key of package.nls.json has its Simplified
 * Chinese text and the same placeholders; every `%key%` of package.json exists; every
 * `vscode.l10n.t` message in src/ is in l10n/bundle.l10n.json and in its zh-cn translation with the
 * same {n}; so is every `msg('…')` template, the messages built outside vscode/ (settings checks,
 * refusals, engine errors) that the host translates; the sampling panel's page asks only for strings
 * the host hands it; and no string with words reaches the writer from src/vscode/ (or the page), or
 * from the modules outside it that the host shows, without going through l10n or msg.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { repoRoot } from '../support/paths';
import { bypasses, l10nMessages, msgTemplates, pageMessages, pureBypasses, tableEntries } from '../support/l10nScan';
import { bundleTranslator, formatMessage, msg, setTranslator } from '../../src/common/message';

const read = (p: string) => readFileSync(join(repoRoot, p), 'utf8');
const json = (p: string) => JSON.parse(read(p)) as Record<string, string>;
const placeholders = (s: string) => [...s.matchAll(/\{(\d+)\}/g)].map((m) => m[1]).sort().join(',');
const commandLinks = (s: string) => [...s.matchAll(/\]\((command:[^)]+)\)/g)].map((m) => m[1]).join(' ');
const codeSpans = (s: string) => [...s.matchAll(/`[^`]+`/g)].map((m) => m[0]).sort().join(' ');

function files(dir: string): string[] {
  return readdirSync(join(repoRoot, dir)).sort().flatMap((name) => {
    const p = join(dir, name);
    return statSync(join(repoRoot, p)).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

describe('package.nls', () => {
  const en = json('package.nls.json');
  const zh = json('package.nls.zh-cn.json');

  it('has every key in English and Simplified Chinese, none empty, with the same placeholders, links and code', () => {
    assert.deepEqual(Object.keys(zh).sort(), Object.keys(en).sort());
    for (const [key, text] of Object.entries(en)) {
      const chinese = zh[key]!;
      assert.ok(text.trim() && chinese.trim(), `${key} is not empty`);
      if (/^walkthrough\..+\.media$/.test(key)) continue; // a page's path: checked below
      assert.ok(/[\u4e00-\u9fff]/.test(chinese), `${key} is translated: ${chinese}`);
      assert.equal(placeholders(chinese), placeholders(text), `${key}: placeholders`);
      assert.equal(commandLinks(chinese), commandLinks(text), `${key}: command links stay`);
      assert.equal(codeSpans(chinese), codeSpans(text), `${key}: \`code\` stays as it is`);
    }
  });

  it('points each walkthrough step at its page in each language, the Chinese pages a translation of the English', () => {
    const steps = (JSON.parse(read('package.json')) as { contributes: { walkthroughs: { steps: { id: string; media: { markdown: string } }[] }[] } }).contributes.walkthroughs[0]!.steps;
    for (const step of steps) {
      const key = step.media.markdown.match(/^%(.+)%$/)?.[1];
      assert.ok(key, `${step.id}: its page is a %key%`);
      const english = read(en[key]!);
      const chinese = read(zh[key]!);
      assert.match(en[key]!, /^media\/walkthrough\/[\w-]+\.md$/);
      assert.equal(zh[key], en[key]!.replace('media/walkthrough/', 'media/walkthrough/zh-cn/'), `${key}: the zh-cn copy`);
      assert.ok((chinese.match(/[\u4e00-\u9fff]/g) ?? []).length > 40, `${zh[key]} is Chinese`);
      // The same shape: headings, keys in bold, settings in code, and no English sentence left.
      assert.equal((chinese.match(/^#+ /gm) ?? []).length, (english.match(/^#+ /gm) ?? []).length, `${zh[key]}: headings`);
      assert.equal(codeSpans(chinese), codeSpans(english), `${zh[key]}: \`code\` stays`);
      assert.ok(!/\b[A-Za-z]+ [a-z]+ [a-z]+ [a-z]+\b/.test(chinese.replace(/`[^`]*`/g, '')), `${zh[key]}: no English sentence left`);
    }
  });

  it('holds every %key% of package.json, and every key is used there', () => {
    const manifest = read('package.json');
    const used = new Set([...manifest.matchAll(/"%([^%"]+)%"/g)].map((m) => m[1]!));
    for (const key of used) assert.ok(key in en, `package.nls.json has ${key}`);
    for (const key of Object.keys(en)) assert.ok(used.has(key), `package.json uses ${key}`);
    assert.equal((JSON.parse(manifest) as { l10n?: string }).l10n, './l10n');
  });

  it('leaves no user-facing text of the contributions in package.json itself', () => {
    const c = (JSON.parse(read('package.json')) as { contributes: Record<string, unknown> }).contributes;
    const left: string[] = [];
    const visit = (v: unknown, path: string) => {
      if (typeof v === 'string') {
        if (/\.(title|description|markdownDescription|name|enumDescriptions\.\d+)$/.test(path) && !/^%.+%$/.test(v) && !/^(Inkling|getStarted|inkling\.[\w.]+)$/.test(v)) left.push(`${path}: ${v}`);
      } else if (Array.isArray(v)) v.forEach((x, i) => visit(x, `${path}.${i}`));
      else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) visit(x, `${path}.${k}`);
    };
    visit(c, 'contributes');
    assert.deepEqual(left, []);
  });
});

describe('l10n bundles', () => {
  const en = json('l10n/bundle.l10n.json');
  const zh = json('l10n/bundle.l10n.zh-cn.json');

  it('the English bundle is what scripts/l10n-export.mjs writes from src/', () => {
    const r = spawnSync(process.execPath, [join(repoRoot, 'scripts/l10n-export.mjs'), '--check'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
  });

  it('every l10n.t message in src/ is a plain string, in the English bundle and translated with the same placeholders', () => {
    let count = 0;
    for (const file of files('src')) {
      for (const m of l10nMessages(file, read(file))) {
        assert.ok(m.text, `${file}:${m.line}: l10n.t needs a plain string message`);
        assert.equal(en[m.text], m.text, `${file}:${m.line}: "${m.text}" is in bundle.l10n.json`);
        count++;
      }
    }
    assert.ok(count > 200, `found ${count} messages`);
    assert.deepEqual(Object.keys(zh).sort(), Object.keys(en).sort(), 'the zh-cn bundle has exactly the English keys');
    for (const [key, chinese] of Object.entries(zh)) {
      assert.ok(chinese.trim(), `"${key}" is translated`);
      assert.equal(placeholders(chinese), placeholders(key), `"${key}": placeholders`);
      // Markdown emphasis the host builds on (status bar hover, word-choice hover) stays balanced.
      assert.equal((chinese.match(/\*\*/g) ?? []).length, (key.match(/\*\*/g) ?? []).length, `"${key}": **`);
    }
  });

  it('every msg template outside vscode/ is a plain string, in the English bundle and so translated', () => {
    let count = 0;
    for (const file of files('src')) {
      for (const m of msgTemplates(file, read(file))) {
        assert.ok(m.text, `${file}:${m.line}: msg needs a plain string template`);
        assert.equal(en[m.text], m.text, `${file}:${m.line}: "${m.text}" is in bundle.l10n.json`);
        assert.ok(zh[m.text], `${file}:${m.line}: "${m.text}" is in bundle.l10n.zh-cn.json`);
        count++;
      }
    }
    assert.ok(count > 100, `found ${count} templates`);
    assert.ok(/[\u4e00-\u9fff]/.test(zh['Inkling wrote {0} of this document: {1} as written, {2} since edited by you.']!), 'the share line has its Chinese');
  });

  it('the panel page asks only for strings the host gives it, each under its own English text', () => {
    const page = pageMessages('media/samplingPanel.js', read('media/samplingPanel.js'));
    const table = tableEntries('src/vscode/panel/panelText.ts', read('src/vscode/panel/panelText.ts'), 'panelStrings');
    for (const e of table) assert.equal(e.message, e.key, `panelStrings: "${e.key}" is looked up as l10n.t of itself`);
    const keys = new Set(table.map((e) => e.key));
    for (const m of page) {
      assert.ok(m.text, `media/samplingPanel.js:${m.line}: t() needs a plain string`);
      assert.ok(keys.has(m.text), `media/samplingPanel.js:${m.line}: "${m.text}" is in panelStrings()`);
    }
    const asked = new Set(page.map((m) => m.text));
    for (const k of keys) assert.ok(asked.has(k), `panelStrings() "${k}" is used by the page`);
  });

  it('the settings texts the panel shows from pure modules all have a translation', async () => {
    const { panelSettingSpecs, extraSettingsFromManifest } = await import('../../src/writing/settings/panelProtocol');
    const { BUILT_IN_PRESETS } = await import('../../src/writing/settings/samplingPresets');
    const table = new Map(tableEntries('src/vscode/panel/panelText.ts', read('src/vscode/panel/panelText.ts'), 'settingTexts').map((e) => [e.key, e.message]));
    for (const [k, m] of table) assert.equal(m, k, `settingTexts: "${k}"`);
    const manifest = JSON.parse(read('package.json').replace(/"%([^%"]+)%"/g, (_, k: string) => JSON.stringify(json('package.nls.json')[k]))) as unknown;
    const texts: string[] = BUILT_IN_PRESETS.map((p) => p.explain);
    for (const spec of Object.values(panelSettingSpecs(extraSettingsFromManifest(manifest)))) {
      texts.push(spec.label);
      if (spec.kind === 'choice') for (const o of spec.options) texts.push(o.label, ...(/\.onnx\b/.test(o.explain) ? [] : [o.explain])); // file names stay
      // The extra settings' explanations are their package.json descriptions (translated by package.nls).
      if (!['inline.maxWords', 'continue.lines'].includes(spec.key)) texts.push(spec.explain);
    }
    for (const t of texts) assert.ok(table.has(t), `settingTexts() translates "${t}"`);
  });
});

describe('no user-facing literal bypasses l10n', () => {
  it('src/vscode/ and src/extension.ts pass every string with words through vscode.l10n.t', () => {
    const found = ['src/extension.ts', ...files('src/vscode')].flatMap((file) => bypasses(file, read(file)).map((b) => `${relative(repoRoot, join(repoRoot, file))}:${b.line} (${b.where}): ${b.text}`));
    assert.deepEqual(found, []);
  });

  // What the host shows from modules that may not import vscode: their checks, refusals, errors and
  // choices. The panel's labels and explanations (panelProtocol, presets, limits) are translated by
  // settingTexts() above; engineArgs.ts speaks to the CLI; the model manifest's errors are our bugs;
  // the worker's own errors (engine/ beyond the folder checks) are said in its process, in English.
  const shownOutsideVscode = () => [
    ...files('src/writing/settings').filter((f) => !/panelProtocol\.ts$/.test(f)),
    ...files('src/writing/history'),
    'src/writing/prompts/commands/continuationRequest.ts',
    'src/writing/prompts/outline/storyNotes.ts',
    ...files('src/client').filter((f) => !/(engineArgs|modelManifest)\.ts$/.test(f)),
    'src/engine/model/modelFolder.ts',
    'src/engine/model/modelChoices.ts',
  ];

  it('the modules outside vscode/ that the host shows build every message with msg', () => {
    const found = shownOutsideVscode().flatMap((file) => pureBypasses(file, read(file)).map((b) => `${file}:${b.line} (${b.where}): ${b.text}`));
    assert.deepEqual(found, []);
  });

  it('catches planted offenders outside vscode/, and lets msg, codes and ids through', () => {
    const planted = `
      export function check(raw: unknown, problems: string[]) {
        problems.push(\`inkling.x must be a number, not \${raw}.\`);
        if (!raw) return { ok: false, reason: 'empty', message: 'There is nothing to continue.' };
        if (raw === 1) throw new EngineRequestError('server-failed', 'The server went away.');
        return { path: '', label: "Inkling's own", detail: raw ? 'installed here' : 'missing from this installation' };
      }`;
    assert.deepEqual(pureBypasses('planted.ts', planted).map((b) => b.text), ['inkling.x must be a number, not  .', 'There is nothing to continue.', 'The server went away.', "Inkling's own", 'installed here', 'missing from this installation']);
    const clean = `
      export function check(raw: unknown, problems: string[]) {
        problems.push(msg('inkling.x must be a number, not {0}.', String(raw)));
        if (!raw) return { ok: false, reason: 'empty', message: msg('There is nothing to continue.') };
        if (raw === 1) throw new HubError('cancelled', msg('The download was cancelled.'));
        return { path: '', label: msg("Inkling's own"), detail: \`\${raw} (q4)\` };
      }`;
    assert.deepEqual(pureBypasses('clean.ts', clean), []);
    assert.deepEqual(msgTemplates('t.ts', "msg('A {0}', x); msg(template); vscode.l10n.t('B')").map((m) => m.text), ['A {0}', '']);
  });

  it('msg speaks English by default, formats {n} as vscode.l10n.t does, and goes through the host\'s translator', () => {
    assert.equal(msg('{0} at {1}', 'vLLM', '127.0.0.1:8000'), 'vLLM at 127.0.0.1:8000');
    assert.equal(formatMessage('{1}, {0}, {0}; {2} stays', ['a', 2]), '2, a, a; {2} stays');
    assert.equal(formatMessage('{0}', [false]), 'false');
    const zhBundle = json('l10n/bundle.l10n.zh-cn.json');
    setTranslator((t, ...a) => formatMessage(zhBundle[t] ?? t, a));
    try {
      assert.equal(msg('{0} at {1}', 'vLLM', '127.0.0.1:8000'), '127.0.0.1:8000 上的 vLLM');
      assert.equal(msg('not in the bundle {0}', 1), 'not in the bundle 1');
    } finally {
      setTranslator();
    }
    assert.equal(msg('{0} at {1}', 'a', 'b'), 'a at b');
  });

  it('the worker\'s translator reads a VS Code bundle: strings or { message }, English for what it lacks', () => {
    const t = bundleTranslator({ 'Generation failed: {0}': '生成失败：{0}', 'The prompt is empty.': { message: '提示文本为空。', comment: ['x'] } });
    assert.equal(t('Generation failed: {0}', 'oom'), '生成失败：oom');
    assert.equal(t('The prompt is empty.'), '提示文本为空。');
    assert.equal(t('not in it {0}', 2), 'not in it 2');
    assert.equal(t('constructor'), 'constructor', 'no key reaches Object.prototype');
    assert.equal(bundleTranslator(null)('a {0}', 'b'), 'a b');
    const zh = bundleTranslator(json('l10n/bundle.l10n.zh-cn.json'));
    assert.equal(zh('Model folder has no tokenizer.json: {0}.', '/m'), '模型文件夹中没有 tokenizer.json：/m。');
  });

  it('the panel page passes every string with words through t()', () => {
    assert.deepEqual(bypasses('media/samplingPanel.js', read('media/samplingPanel.js')).map((b) => `${b.line} (${b.where}): ${b.text}`), []);
  });

  it('catches planted offenders, and lets localized strings, codicons, ids and paths through', () => {
    const planted = `
      import * as vscode from 'vscode';
      export function f(n: number, e: Error) {
        void vscode.window.showInformationMessage('Inkling wrote nothing here.');
        void vscode.window.showWarningMessage(\`Could not read \${n} notes.\`, 'Open Settings');
        void vscode.window.withProgress({ location: 15, title: 'Inkling is writing…' }, async () => undefined);
        const item = vscode.window.createStatusBarItem('x');
        item.text = '$(feather) Inkling ready';
        item.tooltip = n ? 'Turn off' : 'Turn on';
        void vscode.window.showQuickPick([], { placeHolder: 'Choose a model' });
        void vscode.window.showInputBox({ validateInput: (v) => (v ? null : 'A name, please') });
        return new vscode.TreeItem(\`Line \${n}\`);
      }`;
    const caught = bypasses('planted.ts', planted).map((b) => b.text);
    assert.deepEqual(caught, ['Inkling wrote nothing here.', 'Could not read   notes.', 'Open Settings', 'Inkling is writing…', '$(feather) Inkling ready', 'Turn off', 'Turn on', 'Choose a model', 'A name, please', 'Line  ']);
    const clean = `
      import * as vscode from 'vscode';
      export function f(n: number, e: Error) {
        void vscode.window.showInformationMessage(vscode.l10n.t('Inkling wrote nothing here.'));
        void vscode.window.showWarningMessage(vscode.l10n.t('Could not read {0} notes.', n), vscode.l10n.t('Open Settings'));
        void vscode.window.showErrorMessage(e.message);
        const item = vscode.window.createStatusBarItem('x');
        item.name = 'Inkling';
        item.text = \`$(feather) \${vscode.l10n.t('Inkling ready')}\`;
        void vscode.window.showQuickPick([{ label: '$(add)', description: '.inkling/branches/', detail: 'http://127.0.0.1:8080' }], { placeHolder: vscode.l10n.t('Choose a model') });
        return new vscode.TreeItem(vscode.l10n.t('Line {0}', n));
      }`;
    assert.deepEqual(bypasses('clean.ts', clean), []);
    const page = "el('button', { title: 'Rename it', text: t('Keep') }, icon('x'), ' Delete'); showNotice('error', 'Give it a name.'); box.textContent = 'writing…';";
    assert.deepEqual(bypasses('page.js', page).map((b) => b.text).sort(), [' Delete', 'Give it a name.', 'Rename it', 'writing…']);
  });
});

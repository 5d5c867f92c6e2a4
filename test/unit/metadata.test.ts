/**
 * Keeps package.json, the code, README and CHANGELOG in agreement: every command is registered
 * and documented, every setting's limits and default match the one module that validates it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_SAMPLING, SAMPLING_LIMITS } from '../../src/writing/settings/samplingSettings';
import { repoRoot } from '../support/paths';

interface Manifest {
  name: string;
  version: string;
  main: string;
  engines: { vscode: string };
  contributes: {
    commands: { command: string; title: string; category: string }[];
    configuration: { properties: Record<string, { default?: unknown; minimum?: number; maximum?: number; markdownDescription?: string; description?: string; enum?: string[] }> };
    keybindings?: { command: string }[];
  };
}

// The manifest as VS Code shows it in English: its %key% placeholders filled from package.nls.json.
const nls = JSON.parse(readFileSync(join(repoRoot, 'package.nls.json'), 'utf8')) as Record<string, string>;
const manifest = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8'), (_, v: unknown) => (typeof v === 'string' && /^%[^%]+%$/.test(v) ? (nls[v.slice(1, -1)] ?? v) : v)) as Manifest;
const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
const changelog = readFileSync(join(repoRoot, 'CHANGELOG.md'), 'utf8');

function sources(dir: string): string {
  let out = '';
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    out += statSync(p).isDirectory() ? sources(p) : name.endsWith('.ts') ? readFileSync(p, 'utf8') : '';
  }
  return out;
}
const src = sources(join(repoRoot, 'src'));

test('the manifest targets VS Code ^1.100 and points at the bundle', () => {
  assert.equal(manifest.engines.vscode, '^1.100.0');
  assert.equal(manifest.main, './dist/extension.js');
});

test('every contributed command is registered in code, has the Inkling category and is in the README', () => {
  for (const c of manifest.contributes.commands) {
    assert.equal(c.category, 'Inkling', c.command);
    assert.ok(src.includes(`'${c.command}'`), `${c.command} is registered in src/`);
    assert.ok(readme.includes(c.title), `README mentions "${c.title}"`);
  }
});

test('every command the code registers is contributed', () => {
  const registered = [...src.matchAll(/register(?:TextEditor)?Command\(\s*'([^']+)'/g)].map((m) => m[1]!);
  const contributed = new Set(manifest.contributes.commands.map((c) => c.command));
  for (const id of registered) assert.ok(contributed.has(id), `${id} is in contributes.commands`);
  for (const k of manifest.contributes.keybindings ?? []) assert.ok(contributed.has(k.command), `keybinding for ${k.command}`);
});

test('every setting is documented in the README and described for the Settings UI', () => {
  for (const [key, schema] of Object.entries(manifest.contributes.configuration.properties)) {
    assert.ok(key.startsWith('inkling.'), key);
    assert.ok((schema.markdownDescription ?? schema.description ?? '').length > 10, `${key} has a description`);
    assert.ok(readme.includes(`\`${key}\``), `README documents \`${key}\``);
    assert.ok(src.includes(key.split('.').pop()!), `${key} is read somewhere in src/`);
  }
});

test('sampling settings in the manifest match the validator: same limits, same defaults', () => {
  const props = manifest.contributes.configuration.properties;
  for (const [key, limit] of Object.entries(SAMPLING_LIMITS)) {
    const schema = props[`inkling.sampling.${key}`];
    assert.ok(schema, `inkling.sampling.${key} is contributed`);
    assert.equal(schema.minimum, limit.min, `${key} minimum`);
    assert.equal(schema.maximum, limit.max, `${key} maximum`);
    assert.equal(schema.default, DEFAULT_SAMPLING[key as keyof typeof SAMPLING_LIMITS], `${key} default`);
    assert.ok(schema.markdownDescription?.replace(/`/g, '').startsWith(limit.explain), `${key} explanation matches the panel's`);
  }
  assert.equal(props['inkling.sampling.strategy']?.default, DEFAULT_SAMPLING.strategy);
  assert.equal(props['inkling.sampling.seed']?.default, DEFAULT_SAMPLING.seed);
});

test('the CHANGELOG has an entry for the current version or Unreleased', () => {
  assert.ok(changelog.includes('## [Unreleased]') || changelog.includes(`## [${manifest.version}]`));
});

test('the README first screen has the install, test and main-job commands', () => {
  const firstScreen = readme.split('\n').slice(0, 40).join('\n');
  assert.match(firstScreen, /^npm install$/m);
  assert.match(firstScreen, /^npm test$/m);
  assert.match(firstScreen, /^node dist\/cli\.js continue \S+/m);
  const ci = readFileSync(join(repoRoot, '.ci', 'run'), 'utf8');
  assert.match(ci, /^npm test$/m, '.ci/run calls the README test command');
});

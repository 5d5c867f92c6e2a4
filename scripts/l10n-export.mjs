#!/usr/bin/env node
// Writes l10n/bundle.l10n.json, the English bundle of every vscode.l10n.t('…') message in src/, and
// of every msg('…') template (src/common/message.ts: messages built outside vscode/, which the host
// translates through vscode.l10n.t) — the key and the text are the English message, as
// @vscode/l10n-dev's `export` writes them.
// Translations live beside it (l10n/bundle.l10n.zh-cn.json) and are written by hand;
// test/unit/l10n.test.ts fails when this file is stale or a translation is missing.
//   node scripts/l10n-export.mjs [--check]     --check: exit 1 if the bundle is out of date
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

function sources(dir) {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const p = join(dir, name);
      return statSync(p).isDirectory() ? sources(p) : name.endsWith('.ts') ? [p] : [];
    });
}

/** Every message of an l10n.t or msg call in `file`; a key that is not a plain string is an error. */
function messages(file) {
  const sf = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const out = [];
  const walk = (node) => {
    const l10nT = ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression) && node.expression.name.text === 't' && /(^|\.)l10n$/.test(node.expression.expression.getText(sf));
    const msg = ts.isCallExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'msg';
    if (l10nT || msg) {
      const key = node.arguments[0];
      if (!key || !(ts.isStringLiteral(key) || ts.isNoSubstitutionTemplateLiteral(key))) {
        const { line } = sf.getLineAndCharacterOfPosition(node.getStart(sf));
        throw new Error(`${file}:${line + 1}: ${l10nT ? 'l10n.t' : 'msg'} needs a plain string as its message`);
      }
      out.push(key.text);
    }
    ts.forEachChild(node, walk);
  };
  walk(sf);
  return out;
}

const bundle = {};
for (const file of sources(join(root, 'src'))) for (const m of messages(file)) bundle[m] = m;
const text = `${JSON.stringify(bundle, null, 2)}\n`;
const target = join(root, 'l10n', 'bundle.l10n.json');
if (process.argv.includes('--check')) {
  let current = '';
  try {
    current = readFileSync(target, 'utf8');
  } catch {}
  if (current !== text) {
    console.error('l10n/bundle.l10n.json is out of date: run node scripts/l10n-export.mjs');
    process.exit(1);
  }
} else {
  writeFileSync(target, text);
  console.log(`l10n/bundle.l10n.json: ${Object.keys(bundle).length} messages`);
}

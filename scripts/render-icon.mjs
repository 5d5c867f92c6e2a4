#!/usr/bin/env node
// Renders the extension's icon, media/icon.svg (the project's own drawing), to the PNG the
// Marketplace and VS Code's extension view show: `node scripts/render-icon.mjs [OUT] [--size N]`
// (default media/icon.png at 256×256). scripts/package.mjs runs it for every package; resvg
// (@resvg/resvg-js, a dev dependency) rasterizes the same on every platform, without a browser.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Resvg } from '@resvg/resvg-js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export function renderIcon(out = join(root, 'media', 'icon.png'), size = 256) {
  const svg = readFileSync(join(root, 'media', 'icon.svg'), 'utf8');
  const png = new Resvg(svg, { fitTo: { mode: 'width', value: size }, background: 'rgba(0,0,0,0)' }).render().asPng();
  writeFileSync(out, png);
  return out;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { size: { type: 'string', default: '256' } } });
  console.log(`[icon] ${renderIcon(positionals[0] ? resolve(positionals[0]) : undefined, Number(values.size))}`);
}

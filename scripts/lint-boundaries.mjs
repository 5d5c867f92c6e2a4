// The folder tells the runtime (ARCHITECTURE.md): vscode stays out of writing/, engine/ and client/;
// writing/ is pure (no Node built-ins that touch the system); common/ (the types every side shares)
// imports nothing at all. Fails with the offending lines.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const rules = [
  { dir: 'src/common', banned: /^\s*import\b|^\s*export\s[^'"]*\sfrom\s|require\(/, types: true, why: 'common/ holds the types every side shares and imports nothing' },
  { dir: 'src/writing', banned: /^\s*import[^'"]*['"](vscode|node:child_process|child_process|node:fs|fs|node:net|net|node:http|http|node:https|https|node:worker_threads|onnxruntime-node|@huggingface\/transformers|@huggingface\/tokenizers)['"]|require\(['"](vscode|child_process|fs)['"]\)/, why: 'writing/ is pure TypeScript: no vscode, no processes, no file system, no model runtime' },
  { dir: 'src/engine', banned: /^\s*import[^'"]*['"](vscode|@huggingface\/transformers)['"]|require\(['"]vscode['"]\)/, why: 'engine/ runs in the worker process, where vscode does not exist; it tokenizes with @huggingface/tokenizers, and transformers.js (a dev dependency: tests and benchmarks) must not be bundled into it' },
  { dir: 'src/client', banned: /^\s*import[^'"]*['"](vscode|onnxruntime-node|@huggingface\/transformers|@huggingface\/tokenizers)['"]|require\(['"]vscode['"]\)/, why: 'client/ is Node-only and must never load the model in the extension host' },
];

function files(dir) {
  let out = [];
  let names = [];
  try { names = readdirSync(dir); } catch { return out; }
  for (const name of names) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out = out.concat(files(p));
    else if (p.endsWith('.ts')) out.push(p);
  }
  return out;
}

let problems = 0;
for (const rule of rules) {
  for (const file of files(rule.dir)) {
    readFileSync(file, 'utf8').split('\n').forEach((line, i) => {
      if (rule.banned.test(line) && (rule.types || !/^\s*import\s+type\b/.test(line))) {
        console.error(`${file}:${i + 1}: ${line.trim()}\n  → ${rule.why}`);
        problems++;
      }
    });
  }
}
if (problems) {
  console.error(`lint: ${problems} boundary violation(s)`);
  process.exit(1);
}
console.log('lint: folder boundaries hold');

/** Where things are, for tests compiled into out/test/** and run from anywhere. */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

function findRepoRoot(start: string): string {
  let dir = start;
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'inkling') return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`No Inkling checkout above ${start}`);
    dir = parent;
  }
}

export const repoRoot = findRepoRoot(__dirname);
/** `../shared` beside the checkout (CI clones the repository with it there). */
export const sharedDir = process.env.INKLING_SHARED ?? join(repoRoot, '..', 'shared');
export const corpusDir = join(sharedDir, 'corpus');
export const testModelDir = join(sharedDir, 'models', 'stories260K');
export const workerPath = join(repoRoot, 'dist', 'worker.js');
export const cliPath = join(repoRoot, 'dist', 'cli.js');

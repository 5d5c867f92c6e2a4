/**
 * What the editor spends on its side before each ghost-text request in verse: building the
 * request from the window around the cursor (`buildGhostRequest`: kind detection, the poem's
 * form, the prompt), replayed over the sonnets typed word by word as typingSonnets.ts does, with
 * the spelling estimates the editor uses before the pronouncing dictionary is loaded, then with
 * it. Milliseconds per keystroke, median and spread, after 20 keystrokes of warm-up.
 *
 *   node out/bench/ghostRequestBench.js [--keystrokes N]
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { buildGhostRequest, GHOST_PROMPT_CHARS } from '../src/writing/prompts/ghost/ghostRequest';
import { loadPronouncingDictionary } from '../src/writing/verse/sound/pronouncingDictionary';
import { corpusDir } from '../test/support/paths';

const { values } = parseArgs({ options: { keystrokes: { type: 'string', default: '300' } } });
const keystrokes = Math.max(40, Number(values.keystrokes));
const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))]!;
const summary = (xs: number[]) => `${quantile(xs, 0.5).toFixed(2)} (${quantile(xs, 0.1).toFixed(2)}–${quantile(xs, 0.9).toFixed(2)})`;

function typing(): number[] {
  const sonnets = readFileSync(join(corpusDir, 'sonnets-001-077.txt'), 'utf8');
  const words = sonnets.slice(3000).split(/(?<=\s)(?=\S)/);
  let typed = sonnets.slice(0, 3000);
  const times: number[] = [];
  for (let i = 0; i < keystrokes && i < words.length; i++) {
    typed += words[i]!;
    const start = performance.now();
    buildGhostRequest({ text: typed, offset: typed.length, explicit: false, maxPromptChars: GHOST_PROMPT_CHARS, maxWords: 12 });
    times.push(performance.now() - start);
  }
  return times.slice(20);
}

(async () => {
  const spelling = typing();
  await loadPronouncingDictionary();
  const dictionary = typing();
  process.stdout.write(`| building the ghost request, ms per keystroke | p50 (p10–p90) |\n|---|---|\n| spelling estimates (the editor before the dictionary loads) | ${summary(spelling)} |\n| pronouncing dictionary | ${summary(dictionary)} |\n${keystrokes} keystrokes over the sonnets, the first 20 left out.\n`);
})();

/**
 * `node dist/cli.js eval-form` on the test model: its report puts each form-keeping arm's
 * distinct-2 beside plain sampling's, with how often chance gives a gap as low (label swaps over
 * poems), so a ✗ a few thousandths under plain reads as the noise it may be.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { cliPath, repoRoot, testModelDir } from '../support/paths';

interface Report {
  arms: Record<string, { summary: { distinct2: number }; distinct2Gap?: { gap: number; chanceAsLow: number } }>;
}

describe('eval-form report', () => {
  test('gives each arm\'s distinct-2 gap to plain sampling and the chance of one as low', () => {
    const args = [cliPath, 'eval-form', join(repoRoot, 'test', 'fixtures', 'forms'), '--limit', '6', '--samples', '2', '--line-candidates', '1', '--seed', '3', '--model', testModelDir, '--dtype', 'fp32'];
    const report = JSON.parse(execFileSync(process.execPath, [...args, '--json'], { encoding: 'utf8' })) as Report;
    for (const arm of ['form', 'rhyme']) {
      const { gap, chanceAsLow } = report.arms[arm]!.distinct2Gap!;
      // The arms' distinct-2 are rounded to three places in the report; the gap is not.
      assert.ok(Math.abs(gap - (report.arms[arm]!.summary.distinct2 - report.arms.plain!.summary.distinct2)) <= 0.001, `${arm}: gap ${gap}`);
      assert.ok(chanceAsLow >= 0 && chanceAsLow <= 1, `${arm}: chance ${chanceAsLow}`);
    }
    assert.equal(report.arms.plain!.distinct2Gap, undefined, 'plain sampling is what the gap is to');
    const table = execFileSync(process.execPath, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const row = table.split('\n').find((l) => l.includes('gap to plain'));
    assert.match(row ?? '', /\| {3}… gap to plain \(how often chance gives one as low\) \| {2}\| [+−]\d\.\d{3} \(\d+ %\) \| [+−]\d\.\d{3} \(\d+ %\) \|/);
  });
});

// Sample continuations from a model folder with transformers.js (run from the repo root):
//   node models/recipe/sample.mjs <models dir> <model name> [dtype=q8] [n per prompt=2]
// Prints JSON: [{prompt, mode, text}]. Sampling is unseeded; the texts are what came out.
import path from 'node:path';
import { env, AutoTokenizer, AutoModelForCausalLM } from '@huggingface/transformers';

const [modelsDir, name, dtype = 'q8', nArg = '2'] = process.argv.slice(2);
env.localModelPath = path.resolve(modelsDir);
env.allowRemoteModels = false;
const tok = await AutoTokenizer.from_pretrained(name);
const model = await AutoModelForCausalLM.from_pretrained(name, { dtype });
// A sonnet's opening, a ballad stanza (Coleridge, 1798) and a prose opening: the three kinds of
// text the model is for.
const prompts = [
  "Shall I compare thee to a summer's day?\nThou art more lovely and more temperate:\n",
  'It is an ancient Mariner,\nAnd he stoppeth one of three.\n"By thy long grey beard and glittering eye,\nNow wherefore stopp\'st thou me?\n\n',
  'It was late in the autumn when the stranger came to the village, and',
];
const out = [];
for (const prompt of prompts) {
  const inputs = tok(prompt);
  const modes = [['greedy', { do_sample: false, repetition_penalty: 1.15 }]];
  for (let i = 0; i < Number(nArg); i++) modes.push([`sample t=0.8 top_k=40 #${i + 1}`, { do_sample: true, temperature: 0.8, top_k: 40 }]);
  for (const [mode, opts] of modes) {
    const t0 = performance.now();
    const ids = await model.generate({ ...inputs, max_new_tokens: 100, ...opts });
    out.push({ prompt, mode, ms: Math.round(performance.now() - t0), text: tok.decode(ids[0], { skip_special_tokens: true }) });
  }
}
console.log(JSON.stringify(out, null, 1));

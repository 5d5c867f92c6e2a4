/**
 * The CMU Pronouncing Dictionary, loaded on demand.
 *
 * The dictionary is a 4.7 MB object literal that takes a large fraction of a second to
 * evaluate, so it is not imported statically: an extension that imported it at activation
 * would stall the host. Until `loadPronouncingDictionary()` has resolved, lookups answer
 * `undefined` and callers fall back to spelling-based estimates.
 */

type Dictionary = Readonly<Record<string, string>>;

let dictionary: Dictionary | undefined;
let loading: Promise<void> | undefined;

/** Loads the dictionary once; later calls return the same promise. */
export function loadPronouncingDictionary(): Promise<void> {
  loading ??= import('cmu-pronouncing-dictionary').then((module) => {
    dictionary = module.dictionary;
  });
  return loading;
}

/** Whether lookups can use the dictionary yet. */
export function isPronouncingDictionaryLoaded(): boolean {
  return dictionary !== undefined;
}

/**
 * Every pronunciation the dictionary lists for a word, most common first, as ARPAbet phones
 * with stress digits on vowels (`["W", "UH1", "D"]`). `undefined` when the word is unknown or
 * the dictionary is not loaded yet. The word is matched case-insensitively, apostrophes as typed.
 */
export function pronunciations(word: string): string[][] | undefined {
  if (!dictionary) return undefined;
  const key = word.toLowerCase();
  // Own-property check: words such as "constructor" must not hit Object.prototype.
  if (!Object.hasOwn(dictionary, key)) return undefined;
  const found: string[][] = [dictionary[key].split(' ')];
  for (let variant = 2; Object.hasOwn(dictionary, `${key}(${variant})`); variant++) {
    found.push(dictionary[`${key}(${variant})`].split(' '));
  }
  return found;
}

/** Number of vowels (syllables) in an ARPAbet pronunciation. */
export function phoneSyllables(phones: readonly string[]): number {
  let count = 0;
  for (const phone of phones) if (isVowelPhone(phone)) count++;
  return count;
}

/** ARPAbet vowels carry a stress digit (0, 1 or 2); consonants carry none. */
export function isVowelPhone(phone: string): boolean {
  const last = phone.charCodeAt(phone.length - 1);
  return last >= 48 && last <= 50;
}

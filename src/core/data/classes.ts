import { InputError } from '../errors.js';
import { nameOf, presentLabels, type ImageSet } from './dataset.js';

/** Longest class name: the service's label limit, since a class name becomes a head's label. */
export const MAX_CLASS_NAME = 64;

/**
 * Names compared as a case-insensitive file system or a person would: Unicode
 * NFC, lower case. "Cat" and "cat", or "café" written two ways, are one
 * class to a reader but two folders on Linux.
 */
const folded = (name: string) => name.normalize('NFC').toLowerCase();

/** Checks class names from folder names: not too long, none colliding with another after normalisation. */
export function checkClassNames(names: readonly string[], where: string): void {
  const seen = new Map<string, string>();
  for (const name of names) {
    if ([...name].length > MAX_CLASS_NAME) throw new InputError(`${where}: class name "${name}" is longer than ${MAX_CLASS_NAME} characters`);
    const key = folded(name);
    const other = seen.get(key);
    if (other !== undefined) {
      throw new InputError(`${where}: class folders "${other}" and "${name}" differ only in case or Unicode form; rename one`);
    }
    seen.set(key, name);
  }
}

/**
 * A class list given as `flag` ("5,6,7" or "cat,dog") as labels of `set`:
 * class names where the set has them (image folders), else integer labels.
 */
export function resolveClasses(flag: string, list: readonly string[], set: ImageSet): number[] {
  const present = presentLabels(set);
  if (!set.names) {
    const bad = list.find((c) => !/^\d+$/.test(c) || Number(c) > 255);
    if (bad !== undefined) throw new InputError(`${flag}: "${bad}" is not a class label (integers 0-255 for IDX data), e.g. 5,6,7,8,9`);
    return list.map(Number);
  }
  return list.map((c) => {
    const label = present.find((l) => nameOf(set, l) === c);
    if (label === undefined) throw new InputError(`${flag}: no class "${c}" in the data (classes: ${present.map((l) => nameOf(set, l)).join(', ')})`);
    return label;
  });
}

/** "a, b,c" → ["a", "b", "c"]. */
export const splitList = (value: string): string[] => value.split(',').map((s) => s.trim());

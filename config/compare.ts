/**
 * The one string order of the project: UTF-16 code units, never the locale, so every sorted
 * list (files, releases, keys) comes out the same on every machine.
 */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

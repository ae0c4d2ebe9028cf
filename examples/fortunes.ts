/**
 * Lines of real text by language, from Debian's fortunes packages (`fortunes`, `fortunes-de`, `-es`, `-it`, `-br`, `-cs`,
 * `-pl`, `-eo`; `npm run setup` installs them), for examples/language-id.ts.
 *
 * A fortune file is records separated by lines holding only "%". Each record's lines are taken one by one, trimmed;
 * kept are lines of 20..200 characters with at least 10 letters that are not an attribution ("-- Author") and
 * not seen before in that language. Files that are not UTF-8 are skipped.
 *
 * **Split by file**, so the test lines come from other collections than the training lines (different authors,
 * topics and years): a language's files, in a seeded random order, go to the test split until it holds at least
 * `testShare` of the language's lines, the rest to training. A language with a single file (Portuguese `brasil`,
 * Esperanto `proverbaro`) is split inside it instead, by position: its first (1 − testShare) of the records train,
 * the last ones test, never one record on both sides.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Random } from '../lib/index.js';

export const FORTUNES_DIR = '/usr/share/games/fortunes';

/** Language code → the files (relative to FORTUNES_DIR) or directories it reads; the other entries are left out. */
export const LANGUAGES: Record<string, { dir: string; files?: (name: string) => boolean }> = {
  // English: the regular files at the top level (the links there point into it/); art is ASCII art, no text.
  en: { dir: '.', files: (n) => !['ascii-art', 'art', 'brasil', 'translate-me'].includes(n) },
  de: { dir: 'de', files: (n) => n !== 'asciiart' },
  es: { dir: 'es' },
  it: { dir: 'it' },
  pt: { dir: '.', files: (n) => n === 'brasil' },
  cs: { dir: 'cs', files: (n) => n !== 'klasik-sk' }, // klasik-sk is Slovak
  pl: { dir: 'pl' },
  eo: { dir: 'eo' },
};

export interface LanguageLines {
  languages: string[];
  train: { texts: string[]; y: Int32Array; files: string[] };
  test: { texts: string[]; y: Int32Array; files: string[] };
}

/** The text files of a language: regular files (not links, not the .dat indexes), sorted by name. */
function languageFiles(lang: string, root: string): string[] {
  const { dir, files = () => true } = LANGUAGES[lang];
  const where = path.join(root, dir);
  return fs
    .readdirSync(where)
    .filter((n) => !n.endsWith('.dat') && !n.endsWith('.u8') && files(n))
    .map((n) => path.join(where, n))
    .filter((p) => fs.lstatSync(p).isFile())
    .sort();
}

/** A file's records, each a list of its kept lines (see the module comment); [] when the file is not UTF-8. */
export function fortuneRecords(file: string): string[][] {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(fs.readFileSync(file));
  } catch {
    return [];
  }
  return text.split(/\r?\n%\r?\n/).map((record) =>
    record
      .split(/\r?\n/)
      .map((l) => l.trim().replace(/\s+/g, ' '))
      .filter((l) => l.length >= 20 && l.length <= 200 && !/^(--|—|~)/.test(l) && (l.match(/\p{L}/gu)?.length ?? 0) >= 10),
  );
}

function take(lines: string[], cap: number, rng: Random): string[] {
  if (lines.length <= cap) return lines;
  return Array.from(rng.permutation(lines.length).subarray(0, cap).sort(), (i) => lines[i]);
}

/**
 * Train and test lines per language, split by file, at most `maxTrain` / `maxTest` lines per language (a seeded sample,
 * so languages with many files do not drown the others).
 */
export function languageLines(
  options: { languages?: string[]; maxTrain?: number; maxTest?: number; testShare?: number; seed?: number; root?: string } = {},
): LanguageLines {
  const { languages = Object.keys(LANGUAGES), maxTrain = 3000, maxTest = 600, testShare = 0.25, seed = 1, root = FORTUNES_DIR } = options;
  const rng = new Random(seed);
  const out: LanguageLines = {
    languages,
    train: { texts: [], y: new Int32Array(0), files: [] },
    test: { texts: [], y: new Int32Array(0), files: [] },
  };
  const trainY: number[] = [];
  const testY: number[] = [];
  languages.forEach((lang, c) => {
    if (!Object.hasOwn(LANGUAGES, lang)) throw new Error(`language-id: unknown language ${lang} (${Object.keys(LANGUAGES).join(', ')})`);
    const files = languageFiles(lang, root);
    const seen = new Set<string>();
    const fresh = (lines: string[]) =>
      lines.filter((l) => {
        if (seen.has(l)) return false;
        seen.add(l);
        return true;
      });
    const byFile = files.map((f) => ({ file: f, records: fortuneRecords(f) })).filter((f) => f.records.length > 0);
    if (byFile.length === 0)
      throw new Error(`language-id: no readable fortunes for ${lang} in ${root} (install the fortunes packages: npm run setup)`);
    let trainLines: string[] = [];
    let testLines: string[] = [];
    if (byFile.length === 1) {
      const { file, records } = byFile[0];
      const cut = Math.floor(records.length * (1 - testShare));
      trainLines = fresh(records.slice(0, cut).flat());
      testLines = fresh(records.slice(cut).flat());
      out.train.files.push(`${file} (records 1..${cut})`);
      out.test.files.push(`${file} (records ${cut + 1}..${records.length})`);
    } else {
      const total = byFile.reduce((n, f) => n + f.records.flat().length, 0);
      const order = rng.permutation(byFile.length);
      let inTest = 0;
      for (const i of order) {
        const { file, records } = byFile[i];
        const lines = records.flat();
        // The test split fills first, up to its share; a language always keeps a training file.
        const toTest = inTest < testShare * total && i !== order[order.length - 1];
        if (toTest) {
          testLines.push(...lines);
          inTest += lines.length;
          out.test.files.push(file);
        } else {
          trainLines.push(...lines);
          out.train.files.push(file);
        }
      }
      // A line in both splits (the same proverb in two collections) stays in training only.
      trainLines = fresh(trainLines);
      testLines = fresh(testLines);
    }
    for (const l of take(trainLines, maxTrain, rng)) {
      out.train.texts.push(l);
      trainY.push(c);
    }
    for (const l of take(testLines, maxTest, rng)) {
      out.test.texts.push(l);
      testY.push(c);
    }
  });
  out.train.y = Int32Array.from(trainY);
  out.test.y = Int32Array.from(testY);
  return out;
}

/** What every bench script needs: its command-line flags and a median. (Benches are scripts, not library code.) */
export function flag(name: string): boolean {
  return process.argv.includes(name);
}

/** A positive integer option `--name N`, or the fallback. */
export function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  if (i < 0) return fallback;
  const n = Number(process.argv[i + 1]);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} needs a positive integer, got ${process.argv[i + 1]}`);
  return n;
}

export function stringOption(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i < 0 ? fallback : process.argv[i + 1];
}

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/**
 * Where the CLI's words go. In JSON mode stdout carries only JSON lines (one object each), so a script can read
 * it line by line; everything meant for people then goes to stderr. In human mode both go to stdout.
 */
export class Output {
  constructor(readonly json: boolean) {}

  /** A machine-readable record: a JSON line on stdout in JSON mode, nothing otherwise. */
  record(value: Record<string, unknown>): void {
    if (this.json) process.stdout.write(`${JSON.stringify(value)}\n`);
  }

  /** A line for people: stdout in human mode, stderr in JSON mode. */
  say(line: string): void {
    (this.json ? process.stderr : process.stdout).write(`${line}\n`);
  }

  /** A line only human mode shows (tables that the JSON record already carries). */
  human(line: string): void {
    if (!this.json) process.stdout.write(`${line}\n`);
  }
}

/** Percent with one decimal, "—" when undefined. */
export function pct(v: number | undefined): string {
  return v === undefined || Number.isNaN(v) ? '—' : `${(100 * v).toFixed(1)}%`;
}

/**
 * What the demo promises, checked as it goes: every claim is printed with ✓ or ✗ and what was seen instead, so
 * `npm run demo` (and test/demo.test.ts) fails when the story does not hold, and says where.
 */
export class StoryChecks {
  readonly failures: string[] = [];

  constructor(private readonly say: (line: string) => void) {}

  /** Record one claim: `ok` says whether it held, `saw` what was there (printed only when it did not). */
  check(claim: string, ok: boolean, saw: unknown): void {
    if (ok) {
      this.say(`  ✓ ${claim}`);
      return;
    }
    const seen = typeof saw === 'string' ? saw : JSON.stringify(saw);
    this.failures.push(`${claim} (saw ${seen})`);
    this.say(`  ✗ ${claim}: saw ${seen}`);
  }
}

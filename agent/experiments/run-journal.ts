import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TerminalError } from '../../core/errors.js';
import { writeFileAtomic } from '../journal/atomic-file.js';

/** What push-runs remembers of one run: the content it last sent, and a cheap fingerprint of its files. */
export interface RunState {
  /** SHA-256 of the run's lines as last sent (config, run, metrics, artifacts). */
  content: string;
  /** The file store's tree fingerprint when it was read (skips reading unchanged runs). */
  quick?: string;
  status: string;
  batchId: string;
}

interface RunJournalDoc {
  formatVersion: 1;
  /** SHA-256 of the experiment lines last sent. */
  experiments?: string;
  runs: Record<string, RunState>;
}

/**
 * The per-run memory of push-runs (docs/agent.md, "push-runs"): `<journalDir>/runs/<dataset>.json`, replaced
 * atomically. A run is sent again only when its content changed (a RUNNING run that finished, a new metric value, a
 * tag set later); it is updated after its batch is journaled, so a crash before that re-sends the same bytes (which
 * the batch journal and ingest recognise as the same content).
 */
export class RunJournal {
  private doc: RunJournalDoc;

  private constructor(private readonly path: string) {
    this.doc = existsSync(path) ? readDoc(path) : { formatVersion: 1, runs: {} };
  }

  static open(journalDir: string, dataset: string): RunJournal {
    const dir = join(journalDir, 'runs');
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    return new RunJournal(join(dir, `${dataset}.json`));
  }

  run(runId: string): RunState | undefined {
    return this.doc.runs[runId];
  }

  get experiments(): string | undefined {
    return this.doc.experiments;
  }

  /** Remember a run's fingerprint without sending it (its files were touched, its content is the same). */
  touch(runId: string, quick: string | undefined): void {
    const state = this.doc.runs[runId];
    if (state === undefined) return;
    if (quick === undefined) delete state.quick;
    else state.quick = quick;
  }

  /**
   * Forget what rejected batches sent, so those runs (and the experiments) go again at this push: a rejected batch
   * loaded nothing. Returns the runs forgotten.
   */
  forgetBatches(rejected: ReadonlySet<string>): string[] {
    const forgotten = Object.entries(this.doc.runs)
      .filter(([, state]) => rejected.has(state.batchId))
      .map(([runId]) => runId);
    for (const runId of forgotten) delete this.doc.runs[runId];
    if (forgotten.length > 0) delete this.doc.experiments;
    return forgotten;
  }

  /** Record what a batch sent, and write the journal. */
  commit(sent: { runId: string; state: RunState }[], experiments: string): void {
    for (const { runId, state } of sent) this.doc.runs[runId] = state;
    this.doc.experiments = experiments;
    this.save();
  }

  save(): void {
    writeFileAtomic(this.path, `${JSON.stringify(this.doc)}\n`);
  }
}

function readDoc(path: string): RunJournalDoc {
  try {
    const doc = JSON.parse(readFileSync(path, 'utf8')) as RunJournalDoc;
    if (doc?.formatVersion !== 1 || typeof doc.runs !== 'object' || doc.runs === null)
      throw new Error('not a v1 run journal');
    return doc;
  } catch (cause) {
    throw new TerminalError(
      'JOURNAL_CORRUPT',
      `run journal ${path} is corrupt (${(cause as Error).message}); move it away to send every run again (ingest recognises what it already has)`,
      { cause, details: { file: path } },
    );
  }
}

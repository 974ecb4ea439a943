import {
  closeSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmSync,
  symlinkSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import * as z from 'zod';
import { TerminalError } from '../../core/errors.js';
import { fsyncDir, writeNew } from './file-ops.js';

/**
 * The layout of a pulled provider directory (docs/pull.md, "Atomic"): each snapshot is a generation under
 * `.qlib-sync/gens/<n>/` (calendars/, instruments/, features/, snapshot, state.json); `.qlib-sync/current` is a
 * symbolic link to the committed one, and `calendars`, `instruments`, `features` and `.qlib-sync-snapshot` at the
 * top link through it. Committing is one rename of `current`: qlib sees the old snapshot or the new one, never a
 * mix, and a pull killed before it leaves the old one as it was. The state file is inside the generation, so it
 * is committed with (and never before) the data.
 */
export const PullStateSchema = z.object({
  format: z.literal(1),
  dataset: z.string(),
  snapshot: z.object({ batchId: z.string(), loadedAt: z.string() }),
  fields: z.array(z.string()),
  /** Pulled without --fields: every column of the dataset, new ones included. */
  everyColumn: z.boolean().default(false),
  start: z.string().nullable(),
  market: z.string().nullable(),
  days: z.number().int(),
  pulledAt: z.string(),
});
export type PullState = z.infer<typeof PullStateSchema>;

export interface Generation {
  number: number;
  path: string;
}

const TOP_LINKS = ['calendars', 'instruments', 'features'] as const;
const SNAPSHOT_LINK = '.qlib-sync-snapshot';

export class ProviderDir {
  readonly meta: string;
  private constructor(readonly root: string) {
    this.meta = join(root, '.qlib-sync');
  }

  /** Open (creating) `root`; refuse a provider directory another tool wrote (its files are not ours to replace). */
  static open(root: string): ProviderDir {
    mkdirSync(join(root, '.qlib-sync', 'gens'), { recursive: true });
    for (const name of TOP_LINKS) {
      const path = join(root, name);
      if (existsOrLink(path) && !lstatSync(path).isSymbolicLink()) {
        throw new TerminalError(
          'PULL_DIR_FOREIGN',
          `${path} exists and was not written by qlib-sync pull: pull into an empty directory (or one pull wrote)`,
        );
      }
    }
    return new ProviderDir(root);
  }

  /** The committed generation and its state, or null before the first pull. */
  current(): { gen: Generation; state: PullState } | null {
    const link = join(this.meta, 'current');
    if (!existsOrLink(link)) return null;
    const target = readlinkSync(link);
    const number = Number(target.split('/').pop());
    const path = join(this.meta, target);
    const state = PullStateSchema.parse(JSON.parse(readFileSync(join(path, 'state.json'), 'utf8')));
    return { gen: { number, path }, state };
  }

  /** A new, empty generation after the committed one (leftovers of interrupted pulls are removed first). */
  begin(): Generation {
    const committed = this.current()?.gen.number ?? 0;
    for (const n of this.generations())
      if (n > committed) rmSync(this.genPath(n), { recursive: true, force: true });
    const number = committed + 1;
    const path = this.genPath(number);
    for (const sub of ['calendars', 'instruments', 'features'])
      mkdirSync(join(path, sub), { recursive: true });
    return { number, path };
  }

  /**
   * Commit `gen`: its state, every directory synced, then `current` renamed onto it (the commit point), then the
   * top-level links (first pull). Generations older than the one before are removed: a reader that resolved a
   * path just before the switch still finds the previous one.
   */
  commit(gen: Generation, state: PullState): void {
    writeNew(join(gen.path, 'snapshot'), Buffer.from(`${state.snapshot.batchId}\n`));
    writeNew(join(gen.path, 'state.json'), Buffer.from(`${JSON.stringify(state, null, 2)}\n`));
    syncTree(gen.path);
    const next = join(this.meta, 'current.next');
    rmSync(next, { force: true });
    symlinkSync(`gens/${gen.number}`, next);
    renameSync(next, join(this.meta, 'current'));
    fsyncDir(this.meta);
    for (const name of TOP_LINKS) ensureLink(join(this.root, name), `.qlib-sync/current/${name}`);
    ensureLink(join(this.root, SNAPSHOT_LINK), '.qlib-sync/current/snapshot');
    fsyncDir(this.root);
    for (const n of this.generations())
      if (n < gen.number - 1) rmSync(this.genPath(n), { recursive: true, force: true });
  }

  /** One pull at a time per directory: a lock file with the holder's pid (a dead holder's lock is taken over). */
  lock(): () => void {
    const path = join(this.meta, 'lock');
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fd = openSync(path, 'wx');
        writeSync(fd, String(process.pid));
        closeSync(fd);
        return () => rmSync(path, { force: true });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        const holder = Number(readFileSync(path, 'utf8'));
        if (isAlive(holder)) {
          throw new TerminalError('PULL_LOCKED', `another pull (pid ${holder}) is writing ${this.root}`);
        }
        unlinkSync(path);
      }
    }
    throw new TerminalError('PULL_LOCKED', `could not lock ${this.root}`);
  }

  private generations(): number[] {
    return readdirSync(join(this.meta, 'gens'))
      .map(Number)
      .filter((n) => Number.isInteger(n) && n > 0);
  }

  private genPath(n: number): string {
    return join(this.meta, 'gens', String(n));
  }
}

function existsOrLink(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

function ensureLink(path: string, target: string): void {
  if (existsOrLink(path)) return;
  symlinkSync(target, path);
}

function syncTree(path: string): void {
  for (const entry of readdirSync(path, { withFileTypes: true })) {
    if (entry.isDirectory()) syncTree(join(path, entry.name));
  }
  fsyncDir(path);
}

function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

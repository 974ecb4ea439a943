import { type FSWatcher, watch } from 'node:fs';

/**
 * Remembers when a directory tree last changed. fs.watch (recursive; inotify on Linux) gives the events;
 * `touch()` lets a poller add changes the events missed. Quiet = nothing changed for `quietMs`: qlib's
 * dump_update writes the calendar first, then every .bin, then the instruments, so a push waits for quiet.
 */
export class ChangeMonitor {
  private watcher: FSWatcher | undefined;
  private lastChange = 0;
  private dirty = false;

  constructor(
    private readonly dir: string,
    private readonly now: () => number,
    onError: (error: Error) => void,
  ) {
    try {
      this.watcher = watch(dir, { recursive: true }, () => this.touch());
      this.watcher.on('error', onError);
    } catch (error) {
      // No recursive watch here: the poller's fingerprints still notice changes, only later.
      onError(error as Error);
    }
  }

  /** Record a change now. */
  touch(): void {
    this.dirty = true;
    this.lastChange = this.now();
  }

  /** Changed, and quiet for at least `quietMs`. */
  settled(quietMs: number): boolean {
    return this.dirty && this.now() - this.lastChange >= quietMs;
  }

  /** Mark the changes seen so far as handled. */
  clear(): void {
    this.dirty = false;
  }

  /** Keep the changes for the next round (a failed push is retried). */
  keep(): void {
    this.dirty = true;
  }

  close(): void {
    this.watcher?.close();
  }

  get path(): string {
    return this.dir;
  }
}

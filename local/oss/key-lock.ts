/**
 * One in-process async mutex per name. Only the short commit step (read old metadata, rename, write new
 * metadata) runs under it; bodies stream outside it, so concurrent uploads of one key proceed in parallel
 * and the last one to commit wins.
 */
export class KeyLock {
  private readonly tails = new Map<string, Promise<void>>();

  async run<T>(name: string, work: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(name) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => {
      release = resolve;
    });
    const tail = previous.then(() => mine);
    this.tails.set(name, tail);
    await previous;
    try {
      return await work();
    } finally {
      release();
      if (this.tails.get(name) === tail) this.tails.delete(name);
    }
  }
}

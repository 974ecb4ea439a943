import { randomBytes } from 'node:crypto';
import { readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Files that are either absent or complete: everything is written under the server's temp dir (same
 * filesystem) and renamed into place, and rename(2) is atomic. A crash leaves at most a temp file, which
 * the next start removes.
 */
export class TempDir {
  constructor(readonly dir: string) {}

  /** A fresh, unused path in the temp dir. */
  path(label: string): string {
    return join(this.dir, `${label}-${randomBytes(12).toString('hex')}`);
  }

  async writeJson(target: string, value: unknown): Promise<void> {
    const tmp = this.path('json');
    await writeFile(tmp, `${JSON.stringify(value)}\n`, { flag: 'wx' });
    try {
      await rename(tmp, target);
    } catch (error) {
      await removeQuietly(tmp);
      throw error;
    }
  }
}

/** Read a JSON file; undefined when it does not exist. */
export async function readJson<T>(path: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as T;
  } catch (error) {
    if (isMissing(error)) return undefined;
    throw error;
  }
}

export async function removeQuietly(path: string): Promise<void> {
  await unlink(path).catch((error: unknown) => {
    if (!isMissing(error)) throw error;
  });
}

export function isMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
}

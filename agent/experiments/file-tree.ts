import { type Dirent, readdirSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Every regular file under `dir`, depth first (an absent directory has none). Symbolic links are neither files nor
 * directories here: never followed out of an MLflow store.
 */
export function walkFiles(dir: string): string[] {
  const out: string[] = [];
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return out;
  }
  for (const e of entries) {
    const path = join(dir, e.name);
    if (e.isDirectory()) out.push(...walkFiles(path));
    else if (e.isFile()) out.push(path);
  }
  return out;
}

/** The names of the directories directly under `dir` (none when it is absent). */
export function listDirs(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name);
  } catch {
    return [];
  }
}

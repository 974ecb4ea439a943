import { BinReaderPool, WarmReaders } from '../../agent/sources/bin-reader-pool.js';

/**
 * A process reader-threads.test.ts runs to see what keeps it alive. `read <dir>`: reader threads read the
 * `close` file of <dir> and the result is printed, the pool never closed — a pending read must hold the process
 * until its answer, idle threads must not hold it after. `warm`: threads started for a build that never reads
 * (a source opened, then an error) — they must not hold the process either.
 */
const [mode, dir] = process.argv.slice(2);
if (mode === 'read') {
  const pool = new BinReaderPool(['close'], 2);
  const read = await pool.read(dir, 0, 3);
  console.log(JSON.stringify({ shape: [...read.shape], values: [...read.values] }));
} else {
  new WarmReaders(['close'], 2, 600_000);
  console.log('warm');
}

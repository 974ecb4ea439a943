/** Types of agent-raw-read.mjs. */
export function rawReadMs(
  dirs: readonly string[],
  fields: readonly string[],
  threads: number,
): Promise<number>;

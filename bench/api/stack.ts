import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type LocalStack, startLocalStack } from '../../local/stack.js';

/**
 * The repo's s.yaml on the local stack, pointed at `mysqlUrl`. The functions log at info; `handlerMs` adds up
 * the API handler's own time per request (its `request` log line: from the event in to the answer out, what FC
 * bills), errors go to stderr.
 */
export async function withStack(
  mysqlUrl: string,
  work: (stack: LocalStack, handlerMs: { total: number }) => Promise<void>,
): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'bench-api-'));
  const handlerMs = { total: 0 };
  const stack = await startLocalStack({
    stateDir: dir,
    mysqlUrl,
    env: { LOAD_MODE: 'load-data', LOG_LEVEL: 'info' },
    retryDelaysMs: [1000],
    log: (line, fn) => {
      const request = fn === 'qlib-api' ? /"msg":"request".*"ms":(\d+)/.exec(line) : null;
      if (request !== null) handlerMs.total += Number(request[1]);
      if (fn !== 'fc-runtime' && /"level":"error"/.test(line)) process.stderr.write(`[${fn}] ${line}\n`);
    },
  });
  try {
    await work(stack, handlerMs);
  } finally {
    await stack.close();
    await rm(dir, { recursive: true, force: true });
  }
}

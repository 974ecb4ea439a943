/** One page of a bucket listing, before rendering. */
export interface ListPage {
  keys: string[];
  prefixes: string[];
  truncated: boolean;
  /** The last key or common prefix on the page: where the next page starts (exclusive). */
  last: string | undefined;
}

export interface ListQuery {
  prefix: string;
  delimiter: string;
  /** Exclusive lower bound (marker / start-after / decoded continuation token); '' for none. */
  after: string;
  maxKeys: number;
}

/**
 * ListObjects paging over keys already in OSS (UTF-8 byte) order. With a delimiter, keys that share
 * `<prefix>…<delimiter>` roll up into one common prefix, which counts as one entry toward max-keys.
 * A common prefix at or before the marker was on an earlier page, so its keys are skipped too.
 */
export function listPage(sortedKeys: readonly string[], q: ListQuery): ListPage {
  const after = Buffer.from(q.after);
  const page: ListPage = { keys: [], prefixes: [], truncated: false, last: undefined };
  let count = 0;
  for (const key of sortedKeys) {
    if (!key.startsWith(q.prefix)) continue;
    if (q.after !== '' && Buffer.compare(Buffer.from(key), after) <= 0) continue;
    const rolled = commonPrefix(key, q);
    if (rolled !== undefined) {
      if (rolled === page.last) continue;
      if (q.after !== '' && Buffer.compare(Buffer.from(rolled), after) <= 0) continue;
    }
    if (count === q.maxKeys) {
      page.truncated = true;
      break;
    }
    if (rolled === undefined) page.keys.push(key);
    else page.prefixes.push(rolled);
    page.last = rolled ?? key;
    count++;
  }
  return page;
}

function commonPrefix(key: string, q: ListQuery): string | undefined {
  if (q.delimiter === '') return undefined;
  const at = key.indexOf(q.delimiter, q.prefix.length);
  return at < 0 ? undefined : key.slice(0, at + q.delimiter.length);
}

/** OSS caps max-keys at 1000 and defaults to 100; anything else is InvalidArgument (caller decides). */
export function parseMaxKeys(raw: string | undefined): number | undefined {
  if (raw === undefined || raw === '') return 100;
  if (!/^\d+$/.test(raw)) return undefined;
  const n = Number(raw);
  return Math.min(n, 1000);
}

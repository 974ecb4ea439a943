import type { Problem } from './errors.js';

/** A JSON document read from outside: its value, or why it is not JSON; repeated keys are problems. */
export type JsonDocument = { ok: true; value: unknown; problems: Problem[] } | { ok: false; message: string };

/** At most this many repeated keys are reported (a hostile document could repeat thousands). */
const MAX_REPORTED = 50;

/**
 * Parse JSON text (or UTF-8 bytes) and report every key an object repeats as `<PREFIX>_DUPLICATE_KEY` with its
 * JSON path: JSON.parse keeps the last of them silently (RFC 8259 §4 leaves repeated names undefined), so a
 * document that says two things must be refused rather than read one way here and another way elsewhere.
 */
export function readJsonDocument(input: string | Uint8Array, prefix: string): JsonDocument {
  const text = typeof input === 'string' ? input : Buffer.from(input).toString('utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    return { ok: false, message: (cause as Error).message };
  }
  const problems = duplicateKeyPaths(text).map((path) => ({
    code: `${prefix}_DUPLICATE_KEY`,
    path,
    message: 'repeats a key of its object (a reader would keep only one of the values)',
  }));
  return { ok: true, value, problems };
}

interface Frame {
  /** keys seen so far (objects); null for arrays */
  keys: Set<string> | null;
  key: string;
  index: number;
  expectKey: boolean;
}

/**
 * JSON paths of repeated object keys in `text`, which must already be valid JSON (JSON.parse accepted it), so
 * the scan only needs strings and the structural characters: one pass, no values built.
 */
export function duplicateKeyPaths(text: string): string[] {
  const found: string[] = [];
  const stack: Frame[] = [];
  const length = text.length;
  for (let i = 0; i < length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      const end = closingQuote(text, i);
      const top = stack[stack.length - 1];
      if (top?.keys && top.expectKey) {
        const key = keyText(text, i, end);
        if (top.keys.has(key) && found.length < MAX_REPORTED) found.push(pathOf(stack, key));
        top.keys.add(key);
        top.key = key;
        top.expectKey = false;
      }
      i = end;
    } else if (c === 0x7b) stack.push({ keys: new Set(), key: '', index: 0, expectKey: true });
    else if (c === 0x5b) stack.push({ keys: null, key: '', index: 0, expectKey: false });
    else if (c === 0x7d || c === 0x5d) stack.pop();
    else if (c === 0x2c) {
      const top = stack[stack.length - 1] as Frame;
      if (top.keys) top.expectKey = true;
      else top.index++;
    }
  }
  return found;
}

/** Index of the quote that closes the string opening at `start` (a quote after an odd run of `\` is escaped). */
function closingQuote(text: string, start: number): number {
  let at = text.indexOf('"', start + 1);
  while (at !== -1) {
    let slashes = 0;
    while (text.charCodeAt(at - 1 - slashes) === 0x5c) slashes++;
    if (slashes % 2 === 0) return at;
    at = text.indexOf('"', at + 1);
  }
  return text.length;
}

/** The key as JSON.parse reads it: `"a"` and `"\u0061"` are the same key. */
function keyText(text: string, open: number, close: number): string {
  const raw = text.slice(open + 1, close);
  return raw.includes('\\') ? (JSON.parse(text.slice(open, close + 1)) as string) : raw;
}

function pathOf(stack: readonly Frame[], key: string): string {
  let path = '$';
  for (let i = 0; i < stack.length - 1; i++) {
    const frame = stack[i] as Frame;
    path += frame.keys ? `.${frame.key}` : `[${frame.index}]`;
  }
  return `${path}.${key}`;
}

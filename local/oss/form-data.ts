import type { Readable } from 'node:stream';
import { OssError } from './oss-error.js';

/**
 * A pull parser for the one multipart/form-data body PostObject reads (RFC 7578). It holds at most one
 * part's headers plus a delimiter's worth of bytes; a part's body is either collected up to a cap or
 * handed on chunk by chunk, so the file never has to fit in memory.
 */

/** What a part's headers say about it. */
export interface FormPart {
  /** The field name, lower-cased: OSS reads form field names case-insensitively (PostObject doc). */
  name: string;
  /** The `filename` parameter, when the part carries one. */
  filename: string | undefined;
  /** The part's own Content-Type header. */
  contentType: string | undefined;
}

/** Part headers are a line or two; a client sending more is not a browser form. */
const MAX_HEADER_BYTES = 16 * 1024;
const CRLF2 = Buffer.from('\r\n\r\n');

/** The boundary of a `multipart/form-data` Content-Type; undefined for anything else. */
export function formBoundary(contentType: string | undefined): string | undefined {
  const [type = '', ...params] = (contentType ?? '').split(';');
  if (type.trim().toLowerCase() !== 'multipart/form-data') return undefined;
  for (const param of params) {
    const eq = param.indexOf('=');
    if (param.slice(0, eq).trim().toLowerCase() !== 'boundary') continue;
    const value = param.slice(eq + 1).trim();
    const boundary = value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : value;
    // RFC 2046 §5.1.1: 1 to 70 characters.
    return boundary.length > 0 && boundary.length <= 70 ? boundary : undefined;
  }
  return undefined;
}

export function malformedPost(detail: string): OssError {
  return new OssError('MalformedPOSTRequest', {
    status: 400,
    message: 'The body of your POST request is not well-formed multipart/form-data.',
    details: { Detail: detail },
  });
}

export class FormReader {
  private readonly source: AsyncIterator<Buffer>;
  /** `CRLF--boundary`: every delimiter, the first one included once `buf` starts with a CRLF. */
  private readonly delimiter: Buffer;
  private buf: Buffer = Buffer.from('\r\n');
  private state: 'preamble' | 'headers' | 'body' | 'done' = 'preamble';

  constructor(body: Readable, boundary: string) {
    this.source = body[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
    this.delimiter = Buffer.from(`\r\n--${boundary}`);
  }

  /** The next part's headers; undefined after the closing delimiter. An unread body is skipped. */
  async nextPart(): Promise<FormPart | undefined> {
    if (this.state === 'preamble' || this.state === 'body') {
      for await (const _chunk of this.partBody()) {
        // skipped: the preamble, or a body the caller did not read
      }
    }
    if (this.state === 'done') return undefined;
    while (this.buf.length < 2) await this.fill('the body ends after a delimiter');
    if (this.buf[0] === 0x2d && this.buf[1] === 0x2d) {
      this.state = 'done';
      return undefined;
    }
    // The CRLF that ends the delimiter line stays in `buf`, so an empty header block is found too.
    let end = this.buf.indexOf(CRLF2);
    while (end < 0) {
      if (this.buf.length > MAX_HEADER_BYTES) throw malformedPost('part headers are too long');
      await this.fill('the body ends inside part headers');
      end = this.buf.indexOf(CRLF2);
    }
    if (!this.buf.subarray(0, 2).equals(CRLF2.subarray(0, 2))) throw malformedPost('bad delimiter line');
    const headers = this.buf.subarray(2, end).toString('utf8');
    this.buf = this.buf.subarray(end + CRLF2.length);
    this.state = 'body';
    return parsePartHeaders(headers);
  }

  /** The current part's body as UTF-8 text; `tooLong` is thrown past `limit` bytes. */
  async readText(limit: number, tooLong: () => Error): Promise<string> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of this.partBody()) {
      size += chunk.length;
      if (size > limit) throw tooLong();
      chunks.push(chunk);
    }
    return Buffer.concat(chunks).toString('utf8');
  }

  /**
   * The current part's body, chunk by chunk, up to the next delimiter. Bytes that could be the start of
   * a delimiter split across reads are held back until the next read settles it.
   */
  async *partBody(): AsyncGenerator<Buffer> {
    if (this.state !== 'preamble' && this.state !== 'body') return;
    const keep = this.delimiter.length - 1;
    for (;;) {
      const at = this.buf.indexOf(this.delimiter);
      if (at >= 0) {
        const last = this.buf.subarray(0, at);
        this.buf = this.buf.subarray(at + this.delimiter.length);
        this.state = 'headers';
        if (last.length > 0) yield last;
        return;
      }
      if (this.buf.length > keep) {
        const ready = this.buf.subarray(0, this.buf.length - keep);
        this.buf = this.buf.subarray(this.buf.length - keep);
        yield ready;
      }
      await this.fill('the body ends before the closing delimiter');
    }
  }

  /** Read and drop the rest of the request: what follows the file is ignored, as OSS does. */
  async drain(): Promise<void> {
    this.state = 'done';
    this.buf = Buffer.alloc(0);
    for (let next = await this.source.next(); !next.done; next = await this.source.next()) {
      // discard
    }
  }

  private async fill(truncated: string): Promise<void> {
    const next = await this.source.next();
    if (next.done) throw malformedPost(truncated);
    this.buf = this.buf.length === 0 ? next.value : Buffer.concat([this.buf, next.value]);
  }
}

/** `Content-Disposition: form-data; name="…"; filename="…"` and `Content-Type`. */
function parsePartHeaders(block: string): FormPart {
  let disposition: string | undefined;
  let contentType: string | undefined;
  for (const line of block.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    if (name === 'content-disposition') disposition = line.slice(colon + 1).trim();
    else if (name === 'content-type') contentType = line.slice(colon + 1).trim();
  }
  const [kind = '', ...rest] = (disposition ?? '').split(';');
  if (kind.trim().toLowerCase() !== 'form-data') throw malformedPost('a part is not form-data');
  const params = dispositionParams(rest.join(';'));
  const name = params.get('name');
  if (name === undefined) throw malformedPost('a part has no name');
  return { name: name.toLowerCase(), filename: params.get('filename'), contentType };
}

function dispositionParams(text: string): Map<string, string> {
  const params = new Map<string, string>();
  for (const m of text.matchAll(/;?\s*([^=;\s]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^;]*)/g)) {
    const raw = (m[2] ?? '').trim();
    const value = raw.startsWith('"') ? raw.slice(1, -1).replace(/\\(.)/g, '$1') : raw;
    params.set((m[1] ?? '').toLowerCase(), value);
  }
  return params;
}

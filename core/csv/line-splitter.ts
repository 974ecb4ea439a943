/**
 * Cuts a byte stream into `\n`-terminated lines, whatever the chunk boundaries. A line inside one chunk is
 * handed over as a view of that chunk (no copy); a line spread over chunks, or the last line without `\n`,
 * is joined into a fresh buffer. Either way `buf[end]` is a `\n`, so `buf.subarray(start, end + 1)` is the
 * line with its terminator. A partial line is never held beyond `maxLineBytes`: buffering stops and
 * `onTooLong` fires instead.
 */
export class LineSplitter {
  private readonly parts: Buffer[] = [];
  private partBytes = 0;
  private stopped = false;

  constructor(
    private readonly maxLineBytes: number,
    /** `newline` is false only for a last line that lacked its `\n` (one was appended). */
    private readonly onLine: (buf: Buffer, start: number, end: number, newline: boolean) => void,
    private readonly onTooLong: () => void,
  ) {}

  /** Stops all further output (a fatal problem was found). */
  stop(): void {
    this.stopped = true;
    this.parts.length = 0;
    this.partBytes = 0;
  }

  push(chunk: Buffer): void {
    let pos = 0;
    while (!this.stopped) {
      const nl = chunk.indexOf(0x0a, pos);
      if (nl < 0) {
        this.keep(chunk, pos);
        return;
      }
      const length = this.partBytes + nl - pos;
      if (length > this.maxLineBytes) {
        this.tooLong();
        return;
      }
      if (this.partBytes === 0) {
        this.onLine(chunk, pos, nl, true);
      } else {
        const line = this.join(chunk, pos, nl + 1);
        this.onLine(line, 0, length, true);
      }
      pos = nl + 1;
    }
  }

  /** Flushes a last line that lacked its `\n`. */
  end(): void {
    if (this.stopped || this.partBytes === 0) return;
    const length = this.partBytes;
    const line = Buffer.allocUnsafe(length + 1);
    this.copyParts(line);
    line[length] = 0x0a;
    this.onLine(line, 0, length, false);
  }

  private keep(chunk: Buffer, pos: number): void {
    const rest = chunk.length - pos;
    if (rest === 0) return;
    if (this.partBytes + rest > this.maxLineBytes) {
      this.tooLong();
      return;
    }
    // Copied: the caller may reuse its chunk's memory once push() returns.
    this.parts.push(Buffer.from(chunk.subarray(pos)));
    this.partBytes += rest;
  }

  private join(chunk: Buffer, start: number, end: number): Buffer {
    const line = Buffer.allocUnsafe(this.partBytes + end - start);
    const offset = this.copyParts(line);
    chunk.copy(line, offset, start, end);
    this.parts.length = 0;
    this.partBytes = 0;
    return line;
  }

  private copyParts(target: Buffer): number {
    let offset = 0;
    for (const part of this.parts) offset += part.copy(target, offset);
    return offset;
  }

  private tooLong(): void {
    this.stop();
    this.onTooLong();
  }
}

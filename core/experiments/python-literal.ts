/**
 * MLflow logs a param as `str(value)` (mlflow/tracking/fluent.py log_params), so qlib's flattened task config
 * arrives as Python reprs: `0.0421`, `'mse'`, `True`, `None`, `['2008-01-01', '2014-12-31']`, `(1, 2)`,
 * `{'a': 1}`, `datetime.date(2008, 1, 1)` (qlib reads its YAML with ruamel's safe loader, which makes dates),
 * `Timestamp('2008-01-01 00:00:00')`. This reads those back into plain values: tuples become lists, dates
 * `YYYY-MM-DD` strings. Anything else (an object repr, a bare word) is not a literal: undefined.
 */
export type Literal = string | number | boolean | null | Literal[] | { [key: string]: Literal };

export function parsePythonLiteral(text: string): Literal | undefined {
  const reader = new Reader(text.trim());
  try {
    const value = reader.value();
    reader.skip();
    return reader.done() ? value : undefined;
  } catch {
    return undefined;
  }
}

const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?/;
const DATE_CALL = /^datetime\.date\(\s*(\d{4})\s*,\s*(\d{1,2})\s*,\s*(\d{1,2})\s*\)/;
const DATETIME_CALL = /^datetime\.datetime\(\s*(\d{4})\s*,\s*(\d{1,2})\s*,\s*(\d{1,2})\s*(,[^)]*)?\)/;
const TIMESTAMP_CALL = /^Timestamp\(\s*'([^']*)'\s*\)/;

class Reader {
  private pos = 0;

  constructor(private readonly s: string) {}

  done(): boolean {
    return this.pos === this.s.length;
  }

  skip(): void {
    while (this.pos < this.s.length && /\s/.test(this.s[this.pos] as string)) this.pos += 1;
  }

  value(): Literal {
    this.skip();
    const rest = this.s.slice(this.pos);
    const c = rest[0];
    if (c === '[' || c === '(') return this.sequence(c === '[' ? ']' : ')');
    if (c === '{') return this.mapping();
    if (c === "'" || c === '"') return this.string();
    for (const [word, value] of WORDS) {
      if (rest.startsWith(word) && !/[A-Za-z0-9_.]/.test(rest[word.length] ?? '')) {
        this.pos += word.length;
        return value;
      }
    }
    const date = DATE_CALL.exec(rest) ?? DATETIME_CALL.exec(rest);
    if (date !== null) {
      this.pos += date[0].length;
      return `${date[1]}-${(date[2] as string).padStart(2, '0')}-${(date[3] as string).padStart(2, '0')}`;
    }
    const stamp = TIMESTAMP_CALL.exec(rest);
    if (stamp !== null) {
      this.pos += stamp[0].length;
      return (stamp[1] as string).replace(/ 00:00:00$/, '');
    }
    const number = NUMBER.exec(rest);
    if (number === null) throw new SyntaxError(`not a literal at ${this.pos}`);
    this.pos += number[0].length;
    return Number(number[0]);
  }

  private sequence(close: string): Literal[] {
    this.pos += 1;
    const items: Literal[] = [];
    for (;;) {
      this.skip();
      if (this.eat(close)) return items;
      items.push(this.value());
      this.skip();
      if (this.eat(close)) return items;
      this.expect(',');
    }
  }

  private mapping(): { [key: string]: Literal } {
    this.pos += 1;
    const out: { [key: string]: Literal } = {};
    for (;;) {
      this.skip();
      if (this.eat('}')) return out;
      const key = this.value();
      this.skip();
      this.expect(':');
      out[String(key)] = this.value();
      this.skip();
      if (this.eat('}')) return out;
      this.expect(',');
    }
  }

  private string(): string {
    const quote = this.s[this.pos] as string;
    let out = '';
    for (let i = this.pos + 1; i < this.s.length; i++) {
      const c = this.s[i] as string;
      if (c === quote) {
        this.pos = i + 1;
        return out;
      }
      if (c === '\\') {
        const next = this.s[++i] ?? '';
        out += ESCAPES[next] ?? next;
      } else out += c;
    }
    throw new SyntaxError('unterminated string');
  }

  private eat(c: string): boolean {
    if (this.s[this.pos] !== c) return false;
    this.pos += 1;
    return true;
  }

  private expect(c: string): void {
    if (!this.eat(c)) throw new SyntaxError(`expected ${c} at ${this.pos}`);
  }
}

const WORDS: [string, Literal][] = [
  ['True', true],
  ['False', false],
  ['None', null],
];
const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"' };

import { canonicalInstrument } from '../csv/instrument.js';

/**
 * A small id per distinct instrument code (canonical: `sh510050` is `SH510050`), for the per-date bitsets of the
 * duplicate-key rule, up to `max` codes: past it, `id` answers undefined and the caller reports the cap once.
 */
export class InstrumentIds {
  private readonly ids = new Map<string, number>();

  constructor(readonly max: number) {}

  get size(): number {
    return this.ids.size;
  }

  /** The code's id; undefined for a new code once `max` codes are known. */
  id(code: string): number | undefined {
    const instrument = canonicalInstrument(code);
    let id = this.ids.get(instrument);
    if (id !== undefined) return id;
    if (this.ids.size >= this.max) return undefined;
    id = this.ids.size;
    this.ids.set(instrument, id);
    return id;
  }
}

/**
 * Runs a full garbage collection after every `everyBytes` of upload processed. Parsing a large
 * upload event by event makes garbage quickly (decoded text, parsed objects, rows) and the
 * collector, left alone, lets the heap grow several times the body's size before it runs;
 * pacing it keeps the peak near the body plus one step's objects.
 */
export class GcPacer {
  private since = 0

  constructor(
    private readonly everyBytes: number,
    private readonly collect: () => void = () => Bun.gc(true),
  ) {}

  /** `bytes` more processed. */
  add(bytes: number): void {
    this.since += bytes
    if (this.since < this.everyBytes) return
    this.since = 0
    this.collect()
  }
}

import { ApiError } from '../api-error'
import type { LefEvent } from '../../events'
import { toLefEvent, uploadedEventSchema } from './event-schema'
import { GcPacer } from './gc-pacer'
import { decode, findItems, type ItemRange } from './json-items'

const MAX_REPORTED_PROBLEMS = 10
/** A garbage collection is asked for after this much of the body is parsed. */
const GC_EVERY_BYTES = 2 * 1024 * 1024
/** Work on an upload yields to the event loop this often (ms), so live traffic keeps flowing. */
const SLICE_MS = 5

/**
 * An upload body, checked and read one event at a time. The body is scanned once for where
 * its events are; each pass then parses them one by one, so the objects of only a few events
 * exist at any moment whatever the body's size.
 */
export class UploadBody {
  private constructor(
    private readonly bytes: Uint8Array,
    readonly items: ItemRange[],
  ) {}

  /** Find the events in a body; a malformed or too deeply nested one is refused with a 400. */
  static async scan(bytes: Uint8Array, maxDepth: number): Promise<UploadBody> {
    return new UploadBody(bytes, await findItems(bytes, maxDepth))
  }

  get count(): number {
    return this.items.length
  }

  /**
   * All-or-nothing check of every event; throws a 400 naming each bad event by index and field
   * (the first ten).
   */
  async validate(): Promise<void> {
    const problems: string[] = []
    await this.each((item, i) => {
      const r = uploadedEventSchema.safeParse(item)
      if (r.success) return
      if (problems.length < MAX_REPORTED_PROBLEMS) {
        const why = r.error.issues.map((iss) => (iss.path.length ? `${iss.path.join('.')}: ` : '') + iss.message).join('; ')
        problems.push(`event ${i}: ${why}`)
      } else if (problems.length === MAX_REPORTED_PROBLEMS) {
        problems.push('…')
      }
    })
    if (problems.length > 0) throw new ApiError(400, `Invalid events, nothing stored: ${problems.join(' | ')}`)
  }

  /** Every event in order, after `validate()` passed. `visit` may be async (a database write). */
  async events(visit: (event: LefEvent, index: number) => void | Promise<void>): Promise<void> {
    await this.each((item, i) => visit(toLefEvent(item as never), i))
  }

  private async each(visit: (item: unknown, index: number) => void | Promise<void>): Promise<void> {
    let sliceStart = performance.now()
    const gc = new GcPacer(GC_EVERY_BYTES)
    for (let i = 0; i < this.items.length; i++) {
      const range = this.items[i] as ItemRange
      gc.add(range.end - range.start)
      const pending = visit(this.parse(range), i)
      if (pending) {
        await pending
        sliceStart = performance.now()
      } else if (performance.now() - sliceStart > SLICE_MS) {
        await new Promise((resolve) => setImmediate(resolve))
        sliceStart = performance.now()
      }
    }
  }

  private parse(range: ItemRange): unknown {
    const text = decode(this.bytes, range.start, range.end)
    try {
      return JSON.parse(text)
    } catch (err) {
      const where = range.line !== undefined ? `Malformed NDJSON at line ${range.line}` : 'Malformed JSON'
      throw new ApiError(400, `${where}: ${(err as Error).message}`)
    }
  }
}

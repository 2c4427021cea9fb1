import type { Logger } from 'pino'

/**
 * The rooms in `/info`'s order: every row of the rooms table by (added_at, id), as
 * RoomStore.order() reads it. Every node reads the same table, so every node gives a room the
 * same index, whichever node connects it; events carry it as `originIdx`. Re-read on every
 * lease round (so rooms added or removed through any node shift indexes within a round) and
 * before a room is started (so its first event has its index).
 */
export class RoomOrder {
  private index = new Map<string, number>()
  private chain: Promise<void> = Promise.resolve()
  private failing = false

  constructor(
    private readonly opts: {
      /** Room ids (`platform:key`) in the table's order. */
      load(): Promise<string[]>
      log: Logger
    },
  ) {}

  /** The room's index (`platform:key` as configured), or undefined when it is not in the table. */
  indexOf(id: string): number | undefined {
    return this.index.get(id)
  }

  /** Ids in order (tests, diagnostics). */
  ids(): string[] {
    return [...this.index.keys()]
  }

  /**
   * Read the order again. Never throws: on a database error the last order stays (events keep
   * the index they had) and the next round tries again. Calls queue, so a refresh asked for
   * after a change always reads after it.
   */
  refresh(): Promise<void> {
    this.chain = this.chain.then(async () => {
      try {
        const ids = await this.opts.load()
        this.index = new Map(ids.map((id, i) => [id, i]))
        if (this.failing) this.opts.log.info('room order readable again')
        this.failing = false
      } catch (err) {
        if (!this.failing) this.opts.log.warn({ err: (err as Error).message }, 'cannot read the room order; events keep the last known originIdx')
        this.failing = true
      }
    })
    return this.chain
  }
}

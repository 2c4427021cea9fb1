/** What the HTTP layer reads while lef starts: whether it is ready, and if not, why. */
export interface Readiness {
  readonly ready: boolean
  /** One line for `/ping` and 503 answers, e.g. "database unreachable: connection refused (attempt 4, next in 8 s)". */
  describe(): string
  /** Seconds a client should wait before asking again (the Retry-After header). */
  retryAfterSeconds(): number
}

type State =
  | { kind: 'opening'; attempt: number; lastCause?: string }
  | { kind: 'waiting'; attempt: number; cause: string; nextAt: number }
  | { kind: 'starting' }
  | { kind: 'ready' }

/**
 * Start-up's progress towards a usable database: opening (an attempt in flight), waiting
 * (the last attempt failed; the next is scheduled), starting (open; rooms being claimed) and
 * ready. The composition root moves it along; routes and `/ping` only read it.
 */
export class DatabaseReadiness implements Readiness {
  private state: State = { kind: 'opening', attempt: 1 }

  constructor(private readonly now: () => number = Date.now) {}

  get ready(): boolean {
    return this.state.kind === 'ready'
  }

  opening(attempt: number): void {
    const lastCause = this.state.kind === 'waiting' ? this.state.cause : undefined
    this.state = { kind: 'opening', attempt, lastCause }
  }

  failed(attempt: number, cause: string, retryInMs: number): void {
    this.state = { kind: 'waiting', attempt, cause, nextAt: this.now() + retryInMs }
  }

  /** The database is open; rooms are being seeded and claimed. */
  starting(): void {
    this.state = { kind: 'starting' }
  }

  markReady(): void {
    this.state = { kind: 'ready' }
  }

  describe(): string {
    const s = this.state
    switch (s.kind) {
      case 'ready':
        return 'ready'
      case 'starting':
        return 'starting: database open, claiming rooms'
      case 'waiting':
        return `database unreachable: ${s.cause} (attempt ${s.attempt}, next in ${Math.max(1, Math.ceil((s.nextAt - this.now()) / 1000))} s)`
      case 'opening':
        return s.lastCause
          ? `database unreachable: ${s.lastCause} (attempt ${s.attempt} in progress)`
          : `starting: opening the database (attempt ${s.attempt})`
    }
  }

  retryAfterSeconds(): number {
    const s = this.state
    if (s.kind === 'waiting') return Math.max(1, Math.ceil((s.nextAt - this.now()) / 1000))
    return s.kind === 'ready' ? 0 : 2
  }
}

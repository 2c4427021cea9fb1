/** One address's failed attempts in the current window. */
interface Window {
  startedAt: number
  failures: number
}

export interface AuthFailLimitOptions {
  /** AUTH_FAIL_LIMIT: failed attempts per address per window; 0 turns the limit off. */
  limit: number
  windowMs?: number
  /** Most addresses tracked at once; past it, expired windows are dropped, then the oldest. */
  maxAddresses?: number
  now?: () => number
  /** Told once per window when an address reaches the limit (the composition root logs it). */
  onBlock?: (address: string, retryAfterSeconds: number) => void
}

/**
 * Counts wrong keys per client address and blocks an address that reaches the limit until its
 * window ends: guessing a key stays slow even when a key is short. Shared by every key check
 * (REST routes, uploads, `/ping` details, the bridge handshake), so a guesser cannot spread
 * attempts over them.
 */
export class AuthFailLimiter {
  private readonly windows = new Map<string, Window>()
  private readonly windowMs: number
  private readonly maxAddresses: number
  private readonly now: () => number
  private blockedTotal = 0

  constructor(private readonly opts: AuthFailLimitOptions) {
    this.windowMs = opts.windowMs ?? 60_000
    this.maxAddresses = opts.maxAddresses ?? 100_000
    this.now = opts.now ?? Date.now
  }

  /** Seconds this address must wait before a key is checked again; 0 = go ahead. */
  retryAfterSeconds(address: string): number {
    if (this.opts.limit === 0) return 0
    const w = this.current(address)
    if (!w || w.failures < this.opts.limit) return 0
    this.blockedTotal++
    return Math.max(1, Math.ceil((w.startedAt + this.windowMs - this.now()) / 1000))
  }

  /** Record a wrong key from this address. */
  fail(address: string): void {
    if (this.opts.limit === 0) return
    const w = this.current(address)
    let window = w
    if (window) window.failures++
    else {
      if (this.windows.size >= this.maxAddresses) this.evict()
      window = { startedAt: this.now(), failures: 1 }
      this.windows.set(address, window)
    }
    if (window.failures === this.opts.limit) {
      this.opts.onBlock?.(address, Math.max(1, Math.ceil((window.startedAt + this.windowMs - this.now()) / 1000)))
    }
  }

  /** Requests refused because their address was blocked (for tests and metrics). */
  get blocked(): number {
    return this.blockedTotal
  }

  private current(address: string): Window | undefined {
    const w = this.windows.get(address)
    if (w && this.now() - w.startedAt >= this.windowMs) {
      this.windows.delete(address)
      return undefined
    }
    return w
  }

  private evict(): void {
    const now = this.now()
    for (const [address, w] of this.windows) if (now - w.startedAt >= this.windowMs) this.windows.delete(address)
    // Still full: drop the oldest (Map keeps insertion order).
    while (this.windows.size >= this.maxAddresses) {
      const oldest = this.windows.keys().next().value
      if (oldest === undefined) break
      this.windows.delete(oldest)
    }
  }
}

/** The address a request came from, as Bun's server saw it (no proxy headers are trusted). */
export function clientAddress(req: Request, server: unknown): string {
  const ip = (server as { requestIP?: (r: Request) => { address: string } | null } | undefined)?.requestIP?.(req)
  return ip?.address ?? 'unknown'
}

import type { RoomKey } from '../events'

/** Where errors go (Sentry when SENTRY_DSN is set). Parts take this interface, never the Sentry SDK. */
export interface ErrorReporter {
  /** Report an error with searchable tags (platform, room, route) and extra detail. */
  captureException(err: unknown, context?: { tags?: Record<string, string>; extra?: Record<string, unknown> }): void
  /** Report something that is not an exception (a 5xx answered without a thrown error). */
  captureMessage(message: string, context?: { tags?: Record<string, string>; extra?: Record<string, unknown> }): void
  /** Send what is queued; resolves false if `timeoutMs` passed first. */
  flush(timeoutMs: number): Promise<boolean>
  close(timeoutMs: number): Promise<void>
}

export interface SessionFailure {
  room: RoomKey
  /** The connector's error code (ConnectorError) or 'UNKNOWN'. */
  code: string
  /** Failures in a row, counting this one. */
  consecutive: number
}

/**
 * A room that keeps failing (banned, offline host, bad cookie) fails every backoff step,
 * day and night. Report the 1st, 2nd, 4th, 8th ... failure of a streak: the first tells
 * something broke, the rest show it is still broken, without one event per minute per room.
 */
export function shouldReportSessionFailure(consecutive: number): boolean {
  return consecutive >= 1 && (consecutive & (consecutive - 1)) === 0
}

/** The supervisor hook that turns failed sessions into reports. */
export function sessionFailureReporter(reporter: ErrorReporter) {
  return (err: unknown, failure: SessionFailure): void => {
    if (!shouldReportSessionFailure(failure.consecutive)) return
    reporter.captureException(err, {
      tags: { part: 'connector', platform: failure.room.platform, room: failure.room.key, code: failure.code },
      extra: { consecutiveFailures: failure.consecutive },
    })
  }
}

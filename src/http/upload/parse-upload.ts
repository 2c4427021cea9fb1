import { ApiError } from '../api-error'
import type { LefEvent } from '../../events'
import { toLefEvent, uploadedEventSchema } from './event-schema'

const MAX_REPORTED_PROBLEMS = 10

/**
 * Turn an upload body into validated events. Accepted forms: a JSON array of events; an
 * archive object `{ …, events: [...] }` (LAPLACE Chat `.lca`); a single event object; NDJSON
 * (one event per line). All-or-nothing: one invalid event rejects the whole upload, and the
 * error names each bad event by index and field.
 */
export function parseUpload(bytes: Uint8Array): LefEvent[] {
  let text: string
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes).replace(/^\uFEFF/, '')
  } catch {
    throw new ApiError(400, 'Body is not valid UTF-8 text')
  }
  const items = splitItems(text)
  const events: LefEvent[] = []
  const problems: string[] = []
  items.forEach((item, i) => {
    const r = uploadedEventSchema.safeParse(item)
    if (r.success) {
      events.push(toLefEvent(r.data))
    } else if (problems.length < MAX_REPORTED_PROBLEMS) {
      const why = r.error.issues.map((iss) => (iss.path.length ? `${iss.path.join('.')}: ` : '') + iss.message).join('; ')
      problems.push(`event ${i}: ${why}`)
    } else {
      problems.length === MAX_REPORTED_PROBLEMS && problems.push('…')
    }
  })
  if (problems.length > 0) throw new ApiError(400, `Invalid events, nothing stored: ${problems.join(' | ')}`)
  return events
}

function splitItems(text: string): unknown[] {
  const trimmed = text.trim()
  if (trimmed === '') throw new ApiError(400, 'Body is empty: send a JSON array of events, an archive object with `events`, or NDJSON')
  let whole: unknown
  let wholeError: Error | undefined
  try {
    whole = JSON.parse(trimmed)
  } catch (err) {
    wholeError = err as Error
  }
  if (wholeError === undefined) {
    if (Array.isArray(whole)) return whole
    if (whole !== null && typeof whole === 'object') {
      const events = (whole as { events?: unknown }).events
      if (events !== undefined) {
        if (!Array.isArray(events)) throw new ApiError(400, 'Archive object has an `events` field that is not an array')
        return events
      }
      return [whole]
    }
    throw new ApiError(400, 'Body must be a JSON array of events, an archive object with `events`, or NDJSON')
  }
  // Not one JSON document: NDJSON, one event per non-empty line.
  const lines = trimmed.split(/\r?\n/)
  if (lines.length < 2) throw new ApiError(400, `Malformed JSON: ${wholeError.message}`)
  return lines.flatMap((line, i) => {
    if (line.trim() === '') return []
    try {
      return [JSON.parse(line)]
    } catch (err) {
      throw new ApiError(400, `Malformed NDJSON at line ${i + 1}: ${(err as Error).message}`)
    }
  })
}

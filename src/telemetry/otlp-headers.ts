/**
 * `OTEL_EXPORTER_OTLP_HEADERS` as the OpenTelemetry spec writes it: `key=value` pairs separated
 * by commas, values percent-encoded. Malformed pairs are skipped (and returned so they can be logged).
 */
export function parseOtlpHeaders(raw: string): { headers: Record<string, string>; skipped: number } {
  const headers: Record<string, string> = {}
  let skipped = 0
  for (const part of raw.split(',')) {
    if (part.trim() === '') continue
    const eq = part.indexOf('=')
    const key = eq > 0 ? part.slice(0, eq).trim() : ''
    if (key === '') {
      skipped++
      continue
    }
    let value = part.slice(eq + 1).trim()
    try {
      value = decodeURIComponent(value)
    } catch {
      // Not percent-encoded after all: keep it as written.
    }
    headers[key] = value
  }
  return { headers, skipped }
}

/** A header by name, case-insensitively (users write `x-axiom-dataset` and `X-Axiom-Dataset`). */
export function headerValue(headers: Record<string, string>, name: string): string | undefined {
  const lower = name.toLowerCase()
  for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() === lower) return v
  return undefined
}

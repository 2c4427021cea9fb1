import { headerValue } from './otlp-headers'

/** Options for the `@axiomhq/pino` transport. */
export interface AxiomLogTarget {
  dataset: string
  token: string
  /** Axiom API base; taken from the OTLP endpoint so a regional (EU) endpoint keeps logs there too. */
  url: string
}

/**
 * Axiom takes OTLP traces with `Authorization: Bearer <token>` and `X-Axiom-Dataset: <name>`.
 * When the OTLP headers carry both, the same dataset and token also receive the pino logs.
 */
export function axiomTargetFromOtlp(endpoint: string | undefined, headers: Record<string, string>): AxiomLogTarget | undefined {
  const dataset = headerValue(headers, 'X-Axiom-Dataset')?.trim()
  const auth = headerValue(headers, 'Authorization')?.trim()
  if (!endpoint || !dataset || !auth) return undefined
  const token = auth.replace(/^Bearer\s+/i, '').trim()
  if (token === '') return undefined
  return { dataset, token, url: new URL(endpoint).origin }
}

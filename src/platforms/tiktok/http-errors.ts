import { ConnectorError } from '../connector'

/**
 * Wrap a fetch failure as NETWORK (a request timeout included). The session tells a stop by
 * its own signal, not by the error's name.
 */
export function networkError(what: string, err: unknown): ConnectorError {
  if (err instanceof ConnectorError) return err
  return new ConnectorError('NETWORK', `${what}: ${err instanceof Error ? err.message : String(err)}`, undefined, { cause: err })
}

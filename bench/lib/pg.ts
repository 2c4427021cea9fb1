import { createDatabaseOn } from '../../test/support/pg'

/**
 * A fresh database per scenario on the bench PostgreSQL server, so runs never see each other's
 * rows or anyone's tests. `drop()` removes it.
 */
export function createBenchDatabase(serverUrl: string): Promise<{ url: string; drop(): Promise<void> }> {
  return createDatabaseOn(serverUrl, 'lef_bench')
}

import postgres from 'postgres'

const COLUMNS = ['id', 'platform', 'room', 'origin', 'type', 'uid', 'event_time', 'received_at', 'paid', 'price_normalized', 'data'] as const
// Every column but seq (the sequence numbers every insert) and received_at (lef's clock).
const COMPARED = ['platform', 'room', 'origin', 'type', 'uid', 'event_time', 'paid', 'price_normalized', 'data'] as const

/** COPY text format: backslash, tab, newline and carriage return escaped; null as \N. */
function copyField(v: unknown): string {
  if (v === null || v === undefined) return '\\N'
  const s = typeof v === 'boolean' ? (v ? 't' : 'f') : String(v)
  return s.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r')
}

/**
 * The rows of `events` as COPY text, `data` as PostgreSQL prints jsonb: keys sorted by length
 * then bytes, which a COPY of it need not sort again. Kept as a second, flattering baseline.
 */
export async function storedRowsCopyText(databaseUrl: string): Promise<{ rows: number; text: Buffer }> {
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} })
  try {
    const rows = await sql.unsafe(`select ${COLUMNS.map((c) => (c === 'data' ? 'data::text as data' : c)).join(', ')} from events order by seq`)
    return { rows: rows.length, text: Buffer.from(rows.map((r) => COLUMNS.map((c) => copyField(r[c])).join('\t')).join('\n') + '\n') }
  } finally {
    await sql.end()
  }
}

export interface CopyRate {
  rows: number
  perSecond: number
  bytes: number
  /** Copied rows equal to a stored row of the same id in every column but seq and received_at. */
  sameAsStored: number
  /** Stored rows with no copied row of their id. */
  storedOnly: number
  /** Copied rows not equal to a stored row, and stored rows without a copied twin, by event type. */
  differentByType: Record<string, number>
}

/**
 * The raw rate: `text` (COPY text of `rows` rows) streamed in one COPY into an empty table shaped
 * exactly like `events` (same columns, keys and indexes), on the same server in the same run.
 * The text is built before the clock starts, so only PostgreSQL's intake is timed. Afterwards the
 * copied rows are compared with the stored ones, so a report can say how alike the two sets are.
 */
export async function copyRate(databaseUrl: string, text: Buffer, rows: number): Promise<CopyRate> {
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} })
  try {
    await sql.unsafe('drop table if exists copy_target')
    await sql.unsafe('create table copy_target (like events including all)')
    const t0 = performance.now()
    const writable = await sql.unsafe(`copy copy_target (${COLUMNS.join(', ')}) from stdin`).writable()
    await new Promise<void>((resolve, reject) => {
      writable.on('error', reject)
      writable.on('finish', resolve)
      let at = 0
      const pump = () => {
        while (at < text.byteLength) if (!writable.write(text.subarray(at, (at += 64 * 1024)))) return void writable.once('drain', pump)
        writable.end()
      }
      pump()
    })
    const ms = performance.now() - t0
    const [{ n }] = (await sql`select count(*)::int as n from copy_target`) as unknown as [{ n: number }]
    if (n !== rows) throw new Error(`COPY stored ${n} of ${rows} rows`)
    const same = COMPARED.map((c) => `s.${c} is not distinct from c.${c}`).join(' and ')
    // One pass: the copied rows with no equal stored row, and the stored rows with no copied row
    // of their id; every other copied row equals its stored twin.
    const different = (await sql.unsafe(`select side, type, count(*)::int as n from (
        select 'copied' as side, c.type from copy_target c where not exists (select 1 from events s where s.id = c.id and ${same})
        union all select 'stored', s.type from events s where not exists (select 1 from copy_target c where c.id = s.id)
      ) d group by side, type order by type`)) as unknown as Array<{ side: 'copied' | 'stored'; type: string; n: number }>
    const differentByType: Record<string, number> = {}
    let copiedDifferent = 0
    let storedOnly = 0
    for (const d of different) {
      differentByType[d.type] = (differentByType[d.type] ?? 0) + d.n
      if (d.side === 'copied') copiedDifferent += d.n
      else storedOnly += d.n
    }
    await sql.unsafe('drop table copy_target')
    return { rows, perSecond: (rows * 1000) / ms, bytes: text.byteLength, sameAsStored: rows - copiedDifferent, storedOnly, differentByType }
  } finally {
    await sql.end()
  }
}

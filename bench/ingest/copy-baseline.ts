import postgres from 'postgres'

const COLUMNS = ['id', 'platform', 'room', 'origin', 'type', 'uid', 'event_time', 'received_at', 'paid', 'price_normalized', 'data'] as const

/** COPY text format: backslash, tab, newline and carriage return escaped; null as \N. */
function copyField(v: unknown): string {
  if (v === null || v === undefined) return '\\N'
  const s = typeof v === 'boolean' ? (v ? 't' : 'f') : String(v)
  return s.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r')
}

/**
 * The raw rate: the rows lef stored, COPY'd into an empty table shaped exactly like `events`
 * (same columns, keys and indexes), on the same server in the same run. The COPY text is built
 * before the clock starts, so only PostgreSQL's intake is timed. Best of `rounds`.
 */
export async function copyRate(databaseUrl: string, rounds: number): Promise<{ rows: number; perSecond: number; bytes: number }> {
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} })
  try {
    const rows = await sql.unsafe(`select ${COLUMNS.map((c) => (c === 'data' ? 'data::text as data' : c)).join(', ')} from events order by seq`)
    const text = rows.map((r) => COLUMNS.map((c) => copyField(r[c])).join('\t')).join('\n') + '\n'
    const chunks: Buffer[] = []
    const all = Buffer.from(text)
    for (let i = 0; i < all.byteLength; i += 64 * 1024) chunks.push(all.subarray(i, i + 64 * 1024))
    let best = 0
    for (let r = 0; r < rounds; r++) {
      await sql.unsafe('drop table if exists copy_target')
      await sql.unsafe('create table copy_target (like events including all)')
      const t0 = performance.now()
      const writable = await sql.unsafe(`copy copy_target (${COLUMNS.join(', ')}) from stdin`).writable()
      await new Promise<void>((resolve, reject) => {
        writable.on('error', reject)
        writable.on('finish', resolve)
        let i = 0
        const pump = () => {
          while (i < chunks.length) if (!writable.write(chunks[i++])) return void writable.once('drain', pump)
          writable.end()
        }
        pump()
      })
      const ms = performance.now() - t0
      const [{ n }] = (await sql`select count(*)::int as n from copy_target`) as unknown as [{ n: number }]
      if (n !== rows.length) throw new Error(`COPY stored ${n} of ${rows.length} rows`)
      best = Math.max(best, (rows.length * 1000) / ms)
    }
    await sql.unsafe('drop table if exists copy_target')
    return { rows: rows.length, perSecond: best, bytes: all.byteLength }
  } finally {
    await sql.end()
  }
}

import type { LefEvent } from '../../events'
import { exactUid } from '../../store/event-row'

/** What `GET /events/:room/export` can write. */
export const EXPORT_FORMATS = ['ndjson', 'csv', 'lca'] as const
export type ExportFormat = (typeof EXPORT_FORMATS)[number]

/** Writes an export in pieces: a head, each page of events, a tail. */
export interface ExportWriter {
  contentType: string
  extension: string
  head(): string
  page(events: LefEvent[], first: boolean): string
  tail(): string
}

export interface ExportMeta {
  platform: string
  room: string
  from: number | null
  to: number | null
  exportedAt: number
  version: string
}

export function exportWriter(format: ExportFormat, meta: ExportMeta): ExportWriter {
  switch (format) {
    case 'ndjson':
      return { contentType: 'application/x-ndjson; charset=utf-8', extension: 'ndjson', head: () => '', page: (es) => es.map((e) => `${JSON.stringify(e)}\n`).join(''), tail: () => '' }
    case 'csv':
      return { contentType: 'text/csv; charset=utf-8', extension: 'csv', head: () => `${CSV_COLUMNS.map((c) => c.name).join(',')}\r\n`, page: (es) => es.map(csvLine).join(''), tail: () => '' }
    case 'lca':
      return lcaWriter(meta)
  }
}

/**
 * An archive object like LAPLACE Chat's `.lca`: metadata, then `events`. `POST /upload` takes it
 * back unchanged. Written as a stream: the object's head, events comma-separated, then `]}`.
 */
function lcaWriter(meta: ExportMeta): ExportWriter {
  return {
    contentType: 'application/json; charset=utf-8',
    extension: 'lca',
    head: () => `{"format":"lef-export","version":1,"generator":${JSON.stringify(`lef ${meta.version}`)},"exportedAt":${meta.exportedAt},"platform":${JSON.stringify(meta.platform)},"room":${JSON.stringify(meta.room)},"from":${meta.from ?? 'null'},"to":${meta.to ?? 'null'},"events":[\n`,
    page: (es, first) => (first ? '' : ',\n') + es.map((e) => JSON.stringify(e)).join(',\n'),
    tail: () => '\n]}\n',
  }
}

type Row = Record<string, unknown>
const field = (name: string) => (e: Row) => e[name]

/** The columns a spreadsheet user wants; the full event stays available in the NDJSON/LCA forms. */
const CSV_COLUMNS: Array<{ name: string; get: (e: Row) => unknown }> = [
  { name: 'id', get: field('id') },
  { name: 'time', get: (e) => isoTime(e.timestampNormalized ?? e.timestamp) },
  { name: 'platform', get: field('platform') },
  { name: 'room', get: field('room') },
  { name: 'type', get: field('type') },
  // The exact id: TikTok and Douyin ids pass 2^53, where the numeric uid is 0.
  { name: 'uid', get: (e) => exactUid(e as unknown as LefEvent) },
  { name: 'username', get: field('username') },
  { name: 'message', get: field('message') },
  { name: 'gift_name', get: field('giftName') },
  { name: 'gift_amount', get: field('giftAmount') },
  { name: 'price', get: field('price') },
  { name: 'price_normalized', get: field('priceNormalized') },
  { name: 'currency', get: field('currency') },
  { name: 'price_original', get: field('priceOriginal') },
  { name: 'currency_original', get: field('currencyOriginal') },
]

function isoTime(v: unknown): string {
  const n = typeof v === 'number' ? (v < 1e12 ? v * 1000 : v) : Number.NaN
  return Number.isFinite(n) ? new Date(n).toISOString() : ''
}

function csvLine(event: LefEvent): string {
  const e = event as unknown as Row
  return `${CSV_COLUMNS.map((c) => csvCell(c.get(e))).join(',')}\r\n`
}

/**
 * RFC 4180 quoting. Text starting with = + - @ (or a tab/CR) gets a leading ' so a spreadsheet
 * does not run a viewer's chat message as a formula.
 */
export function csvCell(v: unknown): string {
  if (v === undefined || v === null) return ''
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v)
  let s = typeof v === 'string' ? v : JSON.stringify(v)
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`
  return /[",\r\n]/.test(s) || s !== s.trim() ? `"${s.replace(/"/g, '""')}"` : s
}

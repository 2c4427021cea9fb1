import { Counter, Gauge, type Registry } from 'prom-client'
import type { SpoolStats } from '../../spool/spool'

/** The durable spool: its size on disk and what went through it, read at scrape time. */
export function registerSpoolMetrics(registry: Registry, spool: { readonly stats: SpoolStats }): void {
  const s = () => spool.stats
  new Gauge({
    name: 'lef_spool_bytes',
    help: 'Bytes of received events in the spool not yet stored in the database (SPOOL_MAX_BYTES bounds it)',
    registers: [registry],
    collect() {
      this.set(s().bytes)
    },
  })
  new Gauge({
    name: 'lef_spool_segments',
    help: 'Segment files in the spool',
    registers: [registry],
    collect() {
      this.set(s().segments)
    },
  })
  new Counter({
    name: 'lef_spool_records_total',
    help: 'Spool records by outcome: appended, refused (spool full; counted as dropped by the writer too), recovered (read back from an earlier run), corrupt (damaged or torn, skipped and logged)',
    labelNames: ['outcome'] as const,
    registers: [registry],
    collect() {
      const st = s()
      this.reset()
      this.inc({ outcome: 'appended' }, st.appended)
      this.inc({ outcome: 'refused' }, st.refused)
      this.inc({ outcome: 'recovered' }, st.recovered)
      this.inc({ outcome: 'corrupt' }, st.corrupt)
    },
  })
  new Counter({
    name: 'lef_spool_write_errors_total',
    help: 'Failed spool writes or fsyncs (retried; producers are not acknowledged meanwhile)',
    registers: [registry],
    collect() {
      this.reset()
      this.inc(s().writeErrors)
    },
  })
  new Gauge({
    name: 'lef_spool_last_sync_seconds',
    help: 'Duration of the last spool write + fsync round',
    registers: [registry],
    collect() {
      this.set(s().lastSyncMs / 1000)
    },
  })
}

import { Counter, Gauge, type Registry } from 'prom-client'
import type { ClientBudgetStats } from '../../fanout/client-budget'
import type { FanoutStats } from '../../fanout/fanout-hub'
import type { RedisBusStats } from '../../bus/redis-bus'
import type { BridgeStats } from '../../http/bridge/bridge-server'

export interface ClientSources {
  /** The WebSocket bridge, when WEBSOCKET_BRIDGE is on. */
  bridge?: { readonly stats: BridgeStats }
  sse: { readonly stats: FanoutStats }
  /** CLIENT_BUFFER_TOTAL: bytes queued for all clients together. */
  clientBudget?: { readonly stats: ClientBudgetStats; readonly limit: number }
  /** The Redis bus, when REDIS_URL is set. */
  redis?: { readonly stats: RedisBusStats }
}

type Transport = 'bridge' | 'sse'

/** Bridge and SSE clients (connected, cut off for being slow, resumes) and the Redis relay, read at scrape time. */
export function registerClientMetrics(registry: Registry, src: ClientSources): void {
  const hubs = (): Array<[Transport, FanoutStats]> => {
    const list: Array<[Transport, FanoutStats]> = [['sse', src.sse.stats]]
    if (src.bridge) list.push(['bridge', src.bridge.stats])
    return list
  }
  const gauge = (name: string, help: string, pick: (s: FanoutStats) => number) =>
    new Gauge({
      name, help, labelNames: ['transport'] as const, registers: [registry],
      collect() {
        this.reset()
        for (const [transport, s] of hubs()) this.set({ transport }, pick(s))
      },
    })
  const counter = (name: string, help: string, pick: (s: FanoutStats) => number) =>
    new Counter({
      name, help, labelNames: ['transport'] as const, registers: [registry],
      collect() {
        this.reset()
        for (const [transport, s] of hubs()) this.inc({ transport }, pick(s))
      },
    })
  gauge('lef_clients', 'Clients connected now', (s) => s.clients)
  counter('lef_clients_opened_total', 'Clients ever connected', (s) => s.opened)
  counter('lef_clients_cut_off_total', 'Clients disconnected for not reading fast enough (own queue over CLIENT_MAX_BUFFER, or cut by CLIENT_BUFFER_TOTAL)', (s) => s.cutOffs)
  counter('lef_clients_budget_cut_total', 'Of the cut-offs, clients cut as the largest queues while all queues together were over CLIENT_BUFFER_TOTAL', (s) => s.budgetCuts)
  gauge('lef_fanout_backlog_events', 'Events waiting for their turn in the time-sliced fan-out', (s) => s.backlog)
  counter('lef_client_resumes_total', 'Resumes requested (?since= / Last-Event-ID)', (s) => s.resumes)
  counter('lef_client_replayed_events_total', 'Stored events sent to resuming clients', (s) => s.replayed)
  counter('lef_client_replay_failures_total', 'Resumes that failed on the database (the client went live without the gap)', (s) => s.replayFailures)
  counter('lef_client_events_delivered_total', 'Events handed to clients live', (s) => s.delivered)

  if (src.clientBudget) {
    const budget = src.clientBudget
    new Gauge({
      name: 'lef_client_queued_bytes',
      help: 'Bytes queued for all bridge and SSE clients together (as last recorded)',
      registers: [registry],
      collect() {
        this.set(budget.stats.queuedBytes)
      },
    })
    new Gauge({
      name: 'lef_client_buffer_total_bytes',
      help: 'CLIENT_BUFFER_TOTAL: the budget for all client queues together',
      registers: [registry],
      collect() {
        this.set(budget.limit)
      },
    })
  }

  if (src.bridge) {
    const bridge = src.bridge
    new Gauge({
      name: 'lef_bridge_producers',
      help: 'Producer (server role) sockets connected to the bridge now',
      registers: [registry],
      collect() {
        this.set(bridge.stats.producers)
      },
    })
    new Counter({
      name: 'lef_bridge_rejected_total',
      help: 'Bridge refusals: auth (wrong or missing password), producer (invalid produced event), message (consumer message not understood)',
      labelNames: ['reason'] as const,
      registers: [registry],
      collect() {
        const s = bridge.stats
        this.reset()
        this.inc({ reason: 'auth' }, s.authFailures)
        this.inc({ reason: 'producer' }, s.producerRejects)
        this.inc({ reason: 'message' }, s.badClientMessages)
      },
    })
  }

  if (src.redis) {
    const redis = src.redis
    new Gauge({
      name: 'lef_redis_connected',
      help: '1 while both Redis connections are up',
      registers: [registry],
      collect() {
        this.set(redis.stats.connected ? 1 : 0)
      },
    })
    new Counter({
      name: 'lef_redis_messages_total',
      help: 'Redis relay: out (sent to other nodes), in (received), unrelayed (not sent, Redis down), malformed (skipped)',
      labelNames: ['direction'] as const,
      registers: [registry],
      collect() {
        const s = redis.stats
        this.reset()
        this.inc({ direction: 'out' }, s.relayedOut)
        this.inc({ direction: 'in' }, s.relayedIn)
        this.inc({ direction: 'unrelayed' }, s.unrelayed)
        this.inc({ direction: 'malformed' }, s.malformed)
      },
    })
  }
}

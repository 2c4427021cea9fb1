import type { ServerWebSocket, WebSocketHandler } from 'bun'
import type { OnDemandRooms } from '../../rooms/on-demand'
import type { BridgeSocketData } from '../bridge/bridge-connection'
import { bridgeProgressFrame } from './progress-format'
import { refusedRooms, startRefusal } from './refusal'

/**
 * ON_DEMAND_ROOMS for the WebSocket bridge: wraps the bridge's socket handlers. A consumer that
 * opened with `?rooms=` asks for those rooms (after its `established` frame) and gets their
 * progress; closing the socket detaches it. A consumer without AUTH_KEY is told it may not start them.
 */
export function withOnDemandBridge(handler: WebSocketHandler<BridgeSocketData>, onDemand: OnDemandRooms, authKeySet: boolean): WebSocketHandler<BridgeSocketData> {
  const detachers = new WeakMap<ServerWebSocket<BridgeSocketData>, () => void>()
  return {
    ...handler,
    open: (ws) => {
      handler.open?.(ws)
      const rooms = ws.data.request.filter.rooms
      if (ws.data.isServer || !rooms || rooms.length === 0) return
      if (!ws.data.mayStartRooms) {
        for (const p of refusedRooms(rooms, startRefusal(authKeySet), Date.now())) ws.send(JSON.stringify(bridgeProgressFrame(p)))
        return
      }
      detachers.set(ws, onDemand.attach(rooms, { notify: (p) => void ws.send(JSON.stringify(bridgeProgressFrame(p))) }))
    },
    close: (ws, code, reason) => {
      detachers.get(ws)?.()
      detachers.delete(ws)
      handler.close?.(ws, code, reason)
    },
  }
}

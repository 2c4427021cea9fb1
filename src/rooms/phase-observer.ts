import type { Platform, RoomKey } from '../events'
import type { Connector, SessionPhase } from '../platforms/connector'

export type PhaseListener = (room: RoomKey, phase: SessionPhase) => void

/**
 * Connectors that also tell `listener` every start-up phase as it happens (a session's start is
 * `resolving`). The supervisor's status only shows the latest phase, and a fast connection
 * passes through several between two looks; on-demand clients are promised each of them.
 */
export function observePhases(connectors: Partial<Record<Platform, Connector>>, listener: PhaseListener): Partial<Record<Platform, Connector>> {
  const out: Partial<Record<Platform, Connector>> = {}
  for (const [platform, connector] of Object.entries(connectors) as Array<[Platform, Connector]>) {
    out[platform] = {
      platform: connector.platform,
      get idleTimeoutMs() {
        return connector.idleTimeoutMs
      },
      session: (room, hooks, signal, log) => {
        listener(room, 'resolving')
        return connector.session(
          room,
          {
            ...hooks,
            update: (patch) => {
              hooks.update(patch)
              if (patch.phase && !signal.aborted) listener(room, patch.phase)
            },
          },
          signal,
          log,
        )
      },
    }
  }
  return out
}

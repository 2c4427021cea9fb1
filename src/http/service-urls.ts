/** Where a person goes first: the dashboard, the API docs and, when it is on, the WebSocket bridge. */
export interface ServiceUrls {
  dashboard: string
  docs: string
  bridge?: string
}

/** The URLs under `base` (e.g. http://127.0.0.1:8080) that the start-up line and `bun run demo` print. */
export function serviceUrls(base: string, bridgeOn: boolean): ServiceUrls {
  const root = base.replace(/\/+$/, '')
  const urls: ServiceUrls = { dashboard: `${root}/dashboard`, docs: `${root}/docs` }
  if (bridgeOn) urls.bridge = `${root.replace(/^http/, 'ws')}/`
  return urls
}

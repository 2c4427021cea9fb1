/** The Bilibili connector: what the rest of lef uses. */
export { createBilibiliConnector, type BilibiliConnector, type BilibiliConnectorOptions } from './connector'
export { type BilibiliCounters } from './counters'
export { DEFAULT_API_BASE, DEFAULT_LIVE_API_BASE } from './api'
export { DEFAULT_LOGIN_SYNC_SERVER, parseLoginSyncToken } from './login-sync'
export { HANDLERS, IGNORED_CMDS } from './normalize'

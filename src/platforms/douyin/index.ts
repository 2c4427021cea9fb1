export { createDouyinConnector, type DouyinConnector } from './connector'
export { type DouyinConnectorOptions, DEFAULT_WEB_BASE } from './options'
export type { DouyinSigner, SignatureInput } from './sign'
export type { DouyinStats } from './stats'

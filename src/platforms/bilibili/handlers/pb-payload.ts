import { obj, str, type Json } from '../fields'

/**
 * Protobuf-in-JSON cmds carry base64 protobuf in `data.pb` (some implementations also saw
 * `data.data.pb`, blivedm PR #86). Throws when there is none: the normaliser counts it.
 */
export function pbBytes(msg: Json): Uint8Array {
  const d = obj(msg.data)
  const b64 = str(d.pb) || str(obj(d.data).pb)
  if (!b64) throw new Error('no data.pb')
  return Buffer.from(b64, 'base64')
}

/** uint64 → number for LaplaceEvent's numeric fields (uids stay below 2^53 today). */
export function u64(v: bigint): number {
  return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : 0
}

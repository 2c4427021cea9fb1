import { fromBinary } from '@bufbuild/protobuf'
import { WebcastMemberMessageSchema } from '../../../gen/tiktok/messages_pb'
import { MEMBER_ACTION_JOINED } from '../protocol'
import { NOTHING, type HandlerOutput, type NormalizeContext } from './context'
import { InteractionAction, interactionEvent } from './interaction'

/** A viewer joined → interaction (enter). Other member actions carry nothing LAPLACE shows. */
export function handleMember(payload: Uint8Array, ctx: NormalizeContext): HandlerOutput {
  const msg = fromBinary(WebcastMemberMessageSchema, payload)
  if (msg.action !== MEMBER_ACTION_JOINED) return NOTHING
  return { events: [interactionEvent(msg.common, msg.user, InteractionAction.Enter, 'enter', ctx)] }
}

import { fromBinary } from '@bufbuild/protobuf'
import { WebcastSocialMessageSchema, type WebcastSocialMessage } from '../../../gen/tiktok/messages_pb'
import { NOTHING, type HandlerOutput, type NormalizeContext } from './context'
import { InteractionAction, interactionEvent } from './interaction'

/** Social `action` values seen in real data (docs §4). */
enum SocialAction {
  Follow = 1,
  Share = 3,
}

/** Follow or share: the display-text key decides (as TikTok's clients do), the action field backs it up. */
export function socialKind(msg: WebcastSocialMessage): InteractionAction | null {
  const key = msg.common?.displayText?.key ?? ''
  if (key.includes('follow')) return InteractionAction.Follow
  if (key.includes('share')) return InteractionAction.Share
  if (msg.action === BigInt(SocialAction.Follow)) return InteractionAction.Follow
  if (msg.action === BigInt(SocialAction.Share)) return InteractionAction.Share
  return null
}

export function handleSocial(payload: Uint8Array, ctx: NormalizeContext): HandlerOutput {
  const msg = fromBinary(WebcastSocialMessageSchema, payload)
  const action = socialKind(msg)
  if (action === null) return NOTHING
  const kind = action === InteractionAction.Follow ? 'follow' : 'share'
  return { events: [interactionEvent(msg.common, msg.user, action, kind, ctx)] }
}

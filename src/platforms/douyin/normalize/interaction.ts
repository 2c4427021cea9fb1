import type { Interaction } from '@laplace.live/event-types'
import type { Common, User } from '../../../gen/douyin/data_pb'
import { baseFields, douyinEventId, eventTime } from './base'
import type { DouyinEvent, MessageMeta, NormalizeContext } from './context'
import type { InteractionAction } from './methods'
import { userFields, userIdString } from './user'

/** An interaction event (enter / follow / share) for one user. */
export function interactionEvent(ctx: NormalizeContext, meta: MessageMeta, kind: string, common: Common | undefined, user: User | undefined, action: InteractionAction): DouyinEvent<Interaction> {
  const time = eventTime(common, ctx)
  return {
    type: 'interaction',
    id: douyinEventId(kind, common, meta, ctx, userIdString(user), time, action),
    ...baseFields(ctx, time),
    ...userFields(user),
    action,
    guardType: 0,
    relation: { type: 0, icon: '', text: '' },
    wealthMedalLevel: 0,
  } satisfies DouyinEvent<Interaction>
}

/** Message.method values lef maps to events (others are counted as unknown). */
export enum DouyinMethod {
  Chat = 'WebcastChatMessage',
  EmojiChat = 'WebcastEmojiChatMessage',
  Gift = 'WebcastGiftMessage',
  Like = 'WebcastLikeMessage',
  Member = 'WebcastMemberMessage',
  Social = 'WebcastSocialMessage',
  RoomUserSeq = 'WebcastRoomUserSeqMessage',
  RoomStats = 'WebcastRoomStatsMessage',
  Control = 'WebcastControlMessage',
  Fansclub = 'WebcastFansclubMessage',
}

/** ControlMessage.action values. */
export enum ControlAction {
  LiveEnd = 3,
}

/** SocialMessage.action values. */
export enum SocialAction {
  Follow = 1,
  Share = 3,
}

/** LaplaceEvent `interaction.action` codes (Bilibili's set, which LAPLACE clients render). */
export enum InteractionAction {
  Enter = 1,
  Follow = 2,
  Share = 3,
}

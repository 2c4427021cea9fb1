/** What lef knows about a Douyin room after resolving it. 64-bit ids stay strings. */
export interface DouyinRoom {
  /** The number in live.douyin.com/<web_rid>: lef's stable room key. */
  webRid: string
  /** The internal room id (19 digits); a new one per broadcast. Empty when not known. */
  roomId: string
  /** Raw status: 2 = live (1 prepare, 3 pause, 4 ended). */
  status: number
  live: boolean
  title: string
  anchor: { uid: string; nickname: string | null; secUid: string }
  /** The page's odin.user_unique_id, when the page gave one. */
  userUniqueId: string | null
  /** Which source answered. */
  source: 'enter' | 'page'
}

/** Room status values in web/enter and the page state. */
export enum RoomStatus {
  Prepare = 1,
  Living = 2,
  Pause = 3,
  End = 4,
}

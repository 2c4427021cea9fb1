import type { PushFrame, Response } from '../../gen/douyin/push_pb'
import { frameHeader } from './frame-codec'

/** Where the next connection resumes: the last Response's cursor and internal_ext. */
export interface ResumeState {
  cursor: string
  internalExt: string
}

/** Take the newest resume point from a frame and its Response (headers win when present). */
export function updateResume(state: ResumeState, frame: PushFrame, res: Response): void {
  const cursor = res.cursor || frameHeader(frame, 'im-cursor')
  const ext = res.internalExt || frameHeader(frame, 'im-internal_ext')
  if (cursor) state.cursor = cursor
  if (ext) state.internalExt = ext
}

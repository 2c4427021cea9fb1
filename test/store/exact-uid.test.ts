import { describe, expect, test } from 'bun:test'
import { create } from '@bufbuild/protobuf'
import type { LefEvent } from '../../src/events'
import { UserSchema } from '../../src/gen/douyin/data_pb'
import { exportWriter } from '../../src/http/export/export-formats'
import { userFields } from '../../src/platforms/douyin/normalize/user'
import { exactUid, toEventRow } from '../../src/store/event-row'
import { giftEvent } from '../support/events'

// A real TikTok user id from the fixtures: past 2^53, so LaplaceEvent's numeric uid is 0.
const BIG = '6809568862012081157'
const tiktokGift = () => giftEvent(1, { platform: 'tiktok', room: 'sim_host', origin: 0, uid: 0, uidStr: BIG }) as LefEvent

describe('user ids past 2^53 keep their exact value where lef stores and exports them', () => {
  test('the uid column takes uidStr, else the numeric uid, else null', () => {
    expect(toEventRow(tiktokGift(), 1).uid).toBe(BIG)
    expect(toEventRow(giftEvent(2), 1).uid).toBe('1002')
    expect(toEventRow(giftEvent(3, { uid: 0 }), 1).uid).toBeNull()
    expect(exactUid(giftEvent(4, { uid: 0, uidStr: '0' }))).toBeNull()
  })

  test('Douyin events carry the exact id as uidStr beside the numeric uid', () => {
    const big = userFields(create(UserSchema, { id: 7_234_567_890_123_456_789n, nickname: 'n' }))
    expect(big.uid).toBe(0)
    expect(big.uidStr).toBe('7234567890123456789')
    const small = userFields(create(UserSchema, { id: 96_529_346_178n }))
    expect(small).toMatchObject({ uid: 96_529_346_178, uidStr: '96529346178' })
  })

  test('the CSV export writes the exact id', () => {
    const csv = exportWriter('csv', { platform: 'tiktok', room: 'sim_host', from: null, to: null, exportedAt: 0, version: 't' })
    const [header, row] = (csv.head() + csv.page([tiktokGift()], true)).trim().split(/\r?\n/)
    const at = header!.split(',').indexOf('uid')
    expect(row!.split(',')[at]).toBe(BIG)
  })
})

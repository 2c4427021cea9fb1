import { describe, expect, test } from 'bun:test'
import { ApiError } from '../../src/http/api-error'
import { findItems } from '../../src/http/upload/json-items'

const enc = (s: string) => new TextEncoder().encode(s)
const texts = async (s: string, depth = 64) => {
  const b = enc(s)
  return (await findItems(b, depth)).map((r) => new TextDecoder().decode(b.subarray(r.start, r.end)))
}
const refusal = async (s: string, depth = 64): Promise<string> => {
  try {
    await findItems(enc(s), depth)
  } catch (err) {
    expect(err).toBeInstanceOf(ApiError)
    return `${(err as ApiError).status} ${(err as ApiError).message}`
  }
  throw new Error('not refused')
}

describe('finding the events of an upload body without parsing it whole', () => {
  test('every accepted form yields each event’s exact text', async () => {
    expect(await texts(' [ {"a":1} , {"b":"x,]}"} ]\n')).toEqual(['{"a":1}', '{"b":"x,]}"}'])
    expect(await texts('[]')).toEqual([])
    expect(await texts('\uFEFF[{"a":"\\"]"}]')).toEqual(['{"a":"\\"]"}'])
    expect(await texts('{"version":2,"meta":{"x":[1,2]},"events":[{"id":"1"},{"id":"2"}],"after":null}')).toEqual(['{"id":"1"}', '{"id":"2"}'])
    expect(await texts('{"id":"only","type":"gift"}')).toEqual(['{"id":"only","type":"gift"}'])
    expect(await texts('{"id":"1"}\r\n\n  {"id":"2"}  \n')).toEqual(['{"id":"1"}', '{"id":"2"}'])
  })

  test('malformed bodies are refused with the same messages as before', async () => {
    expect(await refusal('')).toMatch(/^400 Body is empty/)
    expect(await refusal('[{"type":"gift",')).toMatch(/^400 Malformed JSON/)
    expect(await refusal('[{"a":1} {"b":2}]')).toMatch(/^400 Malformed JSON: expected "," or "\]"/)
    expect(await refusal('{"a":1}\n{"b":')).toMatch(/^400 Malformed NDJSON at line 2/)
    expect(await refusal('{"events":"nope"}')).toMatch(/^400 Archive object has an `events` field that is not an array/)
    expect(await refusal('42')).toMatch(/^400 Body must be a JSON array/)
    expect(await refusal('{"meta":tru,"events":[]}')).toMatch(/^400 Malformed JSON/)
  })

  test('nesting is counted from the outer value and refused past the limit, however deep', async () => {
    expect(await texts('[[[[1]]]]', 4)).toEqual(['[[[1]]]'])
    expect(await refusal('[[[[[1]]]]]', 4)).toMatch(/^400 JSON nested deeper than 4 levels \(UPLOAD_MAX_DEPTH\)/)
    expect(await refusal(`[{"x":${'['.repeat(100_000)}${']'.repeat(100_000)}}]`)).toMatch(/nested deeper than 64/)
    expect(await refusal(`{"events":[],"m":${'{"a":'.repeat(70)}1${'}'.repeat(70)}}`)).toMatch(/nested deeper than 64/)
    expect(await refusal(`{"a":1}\n${'['.repeat(65)}${']'.repeat(65)}`)).toMatch(/nested deeper than 64/)
  })
})

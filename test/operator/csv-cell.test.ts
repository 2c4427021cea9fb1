import { describe, expect, test } from 'bun:test'
import fc from 'fast-check'
import { csvCell } from '../../src/http/export/export-formats'

/** A strict RFC 4180 reader for one line of cells (test oracle). */
function readCells(line: string): string[] {
  const cells: string[] = []
  let i = 0
  for (;;) {
    let cell = ''
    if (line[i] === '"') {
      i++
      for (;;) {
        if (i >= line.length) throw new Error('unterminated quote')
        if (line[i] === '"') {
          if (line[i + 1] === '"') {
            cell += '"'
            i += 2
            continue
          }
          i++
          break
        }
        cell += line[i++]
      }
    } else {
      while (i < line.length && line[i] !== ',') {
        if (line[i] === '"' || line[i] === '\n' || line[i] === '\r') throw new Error(`bare ${JSON.stringify(line[i])} in an unquoted cell`)
        cell += line[i++]
      }
    }
    cells.push(cell)
    if (i >= line.length) return cells
    if (line[i] !== ',') throw new Error('junk after a quoted cell')
    i++
  }
}

const tricky = fc.string({ unit: fc.constantFrom('a', '中', ',', '"', '\n', '\r', ' ', '=', '+', '-', '@', '\t', "'"), maxLength: 12 })

describe('csvCell', () => {
  test('any text survives a strict RFC 4180 reader; text that a spreadsheet would run as a formula gets a leading quote', () => {
    fc.assert(
      // Mostly the characters CSV is about, plus any Unicode text.
      fc.property(fc.array(fc.oneof(tricky, fc.string({ unit: 'grapheme-composite' })), { minLength: 1, maxLength: 6 }), (values) => {
        const cells = readCells(values.map(csvCell).join(','))
        expect(cells).toEqual(values.map((v) => (/^[=+\-@\t\r]/.test(v) ? `'${v}` : v)))
      }),
      { numRuns: 500 },
    )
  })

  test('numbers, booleans and missing values', () => {
    expect([csvCell(0), csvCell(-1.5), csvCell(true), csvCell(null), csvCell(undefined), csvCell({ a: 1 })]).toEqual(['0', '-1.5', 'true', '', '', '"{""a"":1}"'])
  })
})

import t from 'tap'
import { parseDuration, parseSize } from '../../src/config/units.js'

t.test('durations become milliseconds', async t => {
  const cases: Array<[unknown, number]> = [
    [0, 0],
    [1500, 1500],
    [2.5, 2.5],
    ['250ms', 250],
    ['2s', 2000],
    ['1.5s', 1500],
    ['.5s', 500],
    ['10m', 600_000],
    ['1h', 3_600_000],
    ['2000', 2000],
    [' 2 s ', 2000],
    ['3S', 3000]
  ]
  for (const [input, ms] of cases) t.same(parseDuration(input, 'k'), { ok: true, value: ms }, `${String(input)} -> ${ms}`)
})

t.test('bad durations are a problem line naming the key, not a throw', async t => {
  const cases: Array<[unknown, string]> = [
    ['fast', '"fast"'],
    ['', '""'],
    ['-1s', '"-1s"'],
    ['2d', '"2d"'],
    ['1.s', '"1.s"'],
    [-5, '-5'],
    [Number.NaN, 'NaN'],
    [Number.POSITIVE_INFINITY, 'Infinity'],
    [true, 'true'],
    [null, 'null'],
    [undefined, 'nothing'],
    [[1], 'a list'],
    [{ s: 1 }, 'a mapping']
  ]
  for (const [input, shown] of cases) {
    t.same(parseDuration(input, 'health.interval'), {
      ok: false,
      problem: `health.interval: must be a duration like "2s" or "500ms" (got ${shown})`
    }, `rejects ${shown}`)
  }
})

t.test('sizes become bytes', async t => {
  const cases: Array<[unknown, number]> = [
    [0, 0],
    [1024, 1024],
    ['512', 512],
    ['100b', 100],
    ['1KB', 1000],
    ['1MB', 1_000_000],
    ['2GB', 2_000_000_000],
    ['10KiB', 10_240],
    ['10MiB', 10_485_760],
    ['1GiB', 1_073_741_824],
    ['1.5KiB', 1536],
    ['10mib', 10_485_760],
    ['1 kb', 1000]
  ]
  for (const [input, bytes] of cases) t.same(parseSize(input, 'k'), { ok: true, value: bytes }, `${String(input)} -> ${bytes}`)
})

t.test('bad sizes are a problem line', async t => {
  const cases: Array<[unknown, string]> = [
    ['big', '"big"'],
    ['10 megs', '"10 megs"'],
    ['1.1KiB', '"1.1KiB"'],
    ['0.5', '"0.5"'],
    [1.5, '1.5'],
    [-1, '-1'],
    [false, 'false']
  ]
  for (const [input, shown] of cases) {
    t.same(parseSize(input, 'proxy.bodyLimit'), {
      ok: false,
      problem: `proxy.bodyLimit: must be a size in bytes like "512KiB" or "10MiB" (got ${shown})`
    }, `rejects ${shown}`)
  }
})

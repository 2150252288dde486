// The per-second timeline the dashboard draws (src/metrics/timeline.ts), on a clock of the test's.
import t from 'tap'
import type { Colour } from '../../src/colour.js'
import type { Outcome } from '../../src/metrics/metrics.js'
import { Timeline } from '../../src/metrics/timeline.js'

function clocked (options: { keep?: number } = {}): { timeline: Timeline, advance: (ms: number) => void, setActive: (c: Colour) => void } {
  let now = 1_000_000
  let active: Colour = 'blue'
  const timeline = new Timeline({ active: () => active, now: () => now, timer: false, ...options })
  return { timeline, advance: (ms) => { now += ms }, setActive: (c) => { active = c } }
}

t.test('one sample per interval: requests per second, error rate and p99 per colour', async (t) => {
  const { timeline, advance } = clocked()
  for (let i = 0; i < 90; i++) timeline.record('blue', 'ok', 0.002)
  for (let i = 0; i < 9; i++) timeline.record('blue', 'server_error', 0.003)
  timeline.record('blue', 'timeout', 0.3)
  timeline.record('green', 'client_error', 0.001)
  timeline.record('green', 'shielded', 0.001)
  advance(2000)
  const sample = timeline.tick()
  t.equal(sample.t, 1_002_000)
  t.equal(sample.active, 'blue')
  t.equal(sample.blue.rps, 50, '100 requests over two seconds')
  t.equal(sample.blue.errorRate, 0.1, '5xx and timeouts are errors')
  t.ok(sample.blue.p99Ms !== null && sample.blue.p99Ms >= 2.5 && sample.blue.p99Ms <= 3.7, `p99 ${sample.blue.p99Ms} ms: the 99th of 100 is a 3 ms answer, to within a bucket`)
  t.match(sample.green, { rps: 1, errorRate: 0 }, '4xx and shielded answers are not errors')
  t.ok(sample.green.p99Ms !== null && sample.green.p99Ms >= 1 && sample.green.p99Ms <= 1.25, `green p99 ${sample.green.p99Ms} ms: 1 ms, to within a bucket`)

  advance(1000)
  t.same(timeline.tick().blue, { rps: 0, errorRate: null, p99Ms: null }, 'a quiet second: no rate, no p99')
  t.same(timeline.samples().map((s) => s.t), [1_002_000, 1_003_000], 'oldest first')
})

t.test('keeps the last `keep` samples and marks which colour was live', async (t) => {
  const { timeline, advance, setActive } = clocked({ keep: 3 })
  for (let i = 0; i < 5; i++) {
    if (i === 3) setActive('green')
    advance(1000)
    timeline.tick()
  }
  t.same(timeline.samples().map((s) => [s.t, s.active]), [[1_003_000, 'blue'], [1_004_000, 'green'], [1_005_000, 'green']])
  const copy = timeline.samples()
  copy.pop()
  t.equal(timeline.samples().length, 3, 'samples() hands out a copy')
})

t.test('wrap() passes every outcome on, then counts it', async (t) => {
  const { timeline, advance } = clocked()
  const seen: Array<[Colour, Outcome, number]> = []
  const recorder = timeline.wrap({ record: (colour, outcome, seconds) => { seen.push([colour, outcome, seconds]) } })
  recorder.record('green', 'ok', 0.01)
  recorder.record('green', 'connection_error', 0.02)
  t.same(seen, [['green', 'ok', 0.01], ['green', 'connection_error', 0.02]])
  advance(1000)
  t.match(timeline.tick().green, { rps: 2, errorRate: 0.5 })
})

t.test('samples on its own timer, announces each, and stops on close()', async (t) => {
  const timeline = new Timeline({ active: () => 'blue', intervalMs: 20 })
  const announced: number[] = []
  timeline.on('sample', (s) => announced.push(s.t))
  await new Promise((resolve) => setTimeout(resolve, 150))
  timeline.close()
  timeline.close()
  const count = announced.length
  t.ok(count >= 2, `${count} samples announced`)
  t.same(timeline.samples().map((s) => s.t), announced)
  await new Promise((resolve) => setTimeout(resolve, 80))
  t.equal(announced.length, count, 'none after close()')
})

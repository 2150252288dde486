// The request metrics kept as plain numbers must read exactly like prom-client's own at a scrape.
import { Registry } from 'prom-client'
import t from 'tap'
import { ColourCounter, ColourHistogram } from '../../src/metrics/request-metrics.js'

t.test('counts and histogram read at scrape time, in the text format, and reset with the registry', async (t) => {
  const registry = new Registry()
  const counter = new ColourCounter(registry, 'x_requests_total', 'Requests', 'outcome', ['ok', 'fail'] as const)
  const histogram = new ColourHistogram(registry, 'x_seconds', 'Seconds', [0.1, 1])
  const ok = counter.bind('blue', 'ok')
  ok.inc()
  ok.inc()
  counter.bind('green', 'fail').inc()
  const blue = histogram.bind('blue')
  for (const seconds of [0.05, 0.1, 0.5, 2]) blue.observe(seconds)
  const text = await registry.metrics()
  t.match(text, '# TYPE x_requests_total counter')
  t.match(text, 'x_requests_total{colour="blue",outcome="ok"} 2')
  t.match(text, 'x_requests_total{colour="blue",outcome="fail"} 0')
  t.match(text, 'x_requests_total{colour="green",outcome="fail"} 1')
  t.match(text, '# TYPE x_seconds histogram')
  // 0.1 is in the le="0.1" bucket (upper bounds are inclusive), 2 only in +Inf.
  t.match(text, 'x_seconds_bucket{le="0.1",colour="blue"} 2')
  t.match(text, 'x_seconds_bucket{le="1",colour="blue"} 3')
  t.match(text, 'x_seconds_bucket{le="+Inf",colour="blue"} 4')
  t.match(text, 'x_seconds_sum{colour="blue"} 2.65')
  t.match(text, 'x_seconds_count{colour="blue"} 4')
  t.match(text, 'x_seconds_count{colour="green"} 0')
  registry.resetMetrics()
  const after = await registry.metrics()
  t.match(after, 'x_requests_total{colour="blue",outcome="ok"} 0')
  t.match(after, 'x_seconds_count{colour="blue"} 0')
  const json = await registry.getMetricsAsJSON()
  t.same(json.map((m) => m.name), ['x_requests_total', 'x_seconds'])
})

// config/grafana-dashboard.json asks only for metrics and labels switchyard exposes.
import { readFileSync } from 'node:fs'
import { Registry } from 'prom-client'
import t from 'tap'
import { createMetrics } from '../../src/metrics/metrics.js'

interface Target { expr: string }
interface Panel { id: number, title: string, gridPos: { x: number, w: number }, targets: Target[] }
interface Dashboard { uid: string, panels: Panel[], annotations: { list: Array<{ expr?: string }> } }

const dashboard = JSON.parse(readFileSync(new URL('../../config/grafana-dashboard.json', import.meta.url), 'utf8')) as Dashboard

async function exposed (): Promise<Map<string, Set<string>>> {
  const registry = new Registry()
  createMetrics(registry, { active: () => 'blue', version: () => 1, inflight: () => 0, healthy: () => true }, { defaultMetrics: false })
  const out = new Map<string, Set<string>>()
  for (const metric of await registry.getMetricsAsJSON()) {
    const labels = new Set<string>(['instance', 'job'])
    for (const value of metric.values) for (const name of Object.keys(value.labels)) labels.add(name)
    out.set(metric.name, labels)
  }
  return out
}

t.test('every metric and label the Grafana dashboard queries exists', async (t) => {
  const metrics = await exposed()
  const exprs = [...dashboard.panels.flatMap((p) => p.targets.map((target) => target.expr)), ...dashboard.annotations.list.flatMap((a) => a.expr ?? [])]
  t.ok(exprs.length >= 12, `${exprs.length} queries`)
  const used = new Set<string>()
  for (const expr of exprs) {
    for (const match of expr.matchAll(/(switchyard_[a-z_]+?)(_bucket|_sum|_count)?\{([^}]*)\}/g)) {
      const name = match[1] as string
      const labels = metrics.get(name)
      t.ok(labels, `${name} is exposed`)
      used.add(name)
      for (const selector of (match[3] as string).split(',')) {
        const label = selector.trim().split(/[=!~]/)[0] as string
        t.ok(label === 'le' || labels?.has(label), `${name} has label ${label}`)
      }
    }
    for (const by of expr.matchAll(/by \(([^)]*)\)/g)) {
      for (const label of (by[1] as string).split(',').map((l) => l.trim())) t.ok(['colour', 'outcome', 'by', 'reason', 'event', 'le'].includes(label), `grouped by a known label: ${label}`)
    }
  }
  t.same([...used].sort(), [...metrics.keys()].sort(), 'and every switchyard metric has a panel')
})

t.test('the panels fit the 24-column grid and have distinct ids', async (t) => {
  t.equal(dashboard.uid, 'switchyard')
  t.equal(new Set(dashboard.panels.map((p) => p.id)).size, dashboard.panels.length)
  for (const panel of dashboard.panels) t.ok(panel.gridPos.x + panel.gridPos.w <= 24, panel.title)
})

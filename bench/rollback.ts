// Rollback scenario: ~200 requests/s through switchyard, switch to a green that fails every
// request, and measure the milliseconds from the switch to the guard's rollback and the errors
// clients saw, with the shield on and off.
// Run: node --import tsx bench/rollback.ts [--runs 5] [--rate 200]
import { writeFileSync, mkdirSync } from 'node:fs'
import { pino } from 'pino'
import { Pool } from 'undici'
import { loadConfig } from '../src/config/load.js'
import { startModelServer } from '../src/demo/model-server.js'
import { start } from '../src/main.js'

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`)
  return i === -1 ? fallback : Number(process.argv[i + 1])
}
const RUNS = arg('runs', 5)
const RATE = arg('rate', 200)
const BODY = '{"data": [[5.1, 3.5, 1.4, 0.2]]}'

interface Run { fault: string, shield: boolean, rollbackMs: number, clientErrors: number, sent: number }

async function once (shield: boolean, fault: 'status-500' | 'killed'): Promise<Run> {
  const blue = await startModelServer({ model: 'logistic', version: 'v1' })
  const green = await startModelServer({ model: 'forest', version: 'v2' })
  const config = loadConfig({
    env: {},
    args: ['--listen.host', '127.0.0.1', '--listen.port', '0', '--admin.port', '0', '--state.store', 'memory',
      '--upstreams.blue.url', blue.url, '--upstreams.green.url', green.url, '--log.level', 'silent',
      '--rollback.shield.enabled', String(shield)]
  })
  const running = await start(config, pino({ level: 'silent' }))
  const client = new Pool(running.proxyUrl, { connections: 16 })
  let sent = 0
  let clientErrors = 0
  let rolledBackAt = 0
  running.app.deployment.on('change', (state) => { if (state.by === 'guard') rolledBackAt = performance.now() })
  const inflight = new Set<Promise<void>>()
  const timer = setInterval(() => {
    sent++
    const p = client.request({ method: 'POST', path: '/invocations', headers: { 'content-type': 'application/json' }, body: BODY })
      .then(async (res) => { await res.body.dump(); if (res.statusCode !== 200) clientErrors++ }, () => { clientErrors++ })
      .finally(() => inflight.delete(p))
    inflight.add(p)
  }, 1000 / RATE)
  await new Promise((resolve) => setTimeout(resolve, 1000)) // steady traffic on blue first
  if (fault === 'status-500') green.setFault({ status: 500 })
  else await green.close()
  const switchedAt = performance.now()
  await running.app.deployment.switchTo('green', { reason: 'bench', by: 'operator' })
  while (rolledBackAt === 0 && performance.now() - switchedAt < 10_000) await new Promise((resolve) => setTimeout(resolve, 5))
  await new Promise((resolve) => setTimeout(resolve, 500))
  clearInterval(timer)
  await Promise.all(inflight)
  await client.close()
  await running.stop()
  await Promise.all([blue.close(), green.close()])
  return { fault, shield, rollbackMs: rolledBackAt === 0 ? NaN : rolledBackAt - switchedAt, clientErrors, sent }
}

const stats = (xs: number[]): { median: number, min: number, max: number } => {
  const s = [...xs].sort((a, b) => a - b)
  return { median: s[Math.floor(s.length / 2)] as number, min: s[0] as number, max: s[s.length - 1] as number }
}

const runs: Run[] = []
for (let i = 0; i < RUNS; i++) {
  for (const fault of ['status-500', 'killed'] as const) {
    for (const shield of [true, false]) runs.push(await once(shield, fault))
  }
}
const rows = []
for (const fault of ['status-500', 'killed']) {
  for (const shield of [true, false]) {
    const group = runs.filter((r) => r.fault === fault && r.shield === shield)
    const ms = stats(group.map((r) => r.rollbackMs))
    const errors = stats(group.map((r) => r.clientErrors))
    rows.push({ fault, shield, runs: group.length, rollbackMs: ms, clientErrors: errors })
  }
}
const fmt = (x: { median: number, min: number, max: number }, digits = 0): string => `${x.median.toFixed(digits)} (${x.min.toFixed(digits)}-${x.max.toFixed(digits)})`
console.log(`rollback scenario: ${RATE} requests/s, ${RUNS} runs each, ${new Date().toISOString()}, node ${process.version}\n`)
console.log('| green | shield | switch -> rollback, ms: median (min-max) | client-visible errors: median (min-max) |')
console.log('|---|---|---|---|')
for (const r of rows) console.log(`| ${r.fault === 'killed' ? 'process killed' : 'answers 500'} | ${r.shield ? 'on' : 'off'} | ${fmt(r.rollbackMs, 1)} | ${fmt(r.clientErrors)} |`)
mkdirSync('bench/results', { recursive: true })
writeFileSync('bench/results/rollback.json', JSON.stringify({ date: new Date().toISOString(), node: process.version, rate: RATE, runs, rows }, null, 2) + '\n')

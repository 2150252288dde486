import { pino } from 'pino'
import type { Test } from 'tap'
import { request } from 'undici'
import { loadConfig, type Config } from '../../src/config/load.js'
import { start, type Running } from '../../src/main.js'

export interface StartOptions {
  blue: string
  green: string
  /** Extra config flags, e.g. ['--proxy.timeout', '200ms']. */
  args?: string[]
  env?: Record<string, string>
  /** Directory for config-relative files (the state file); a fresh testdir by default. */
  cwd?: string
}

export interface TestSwitchyard extends Running {
  config: Config
  logs: Array<Record<string, unknown>>
  admin: (method: string, path: string, body?: unknown, headers?: Record<string, string>) => Promise<{ status: number, body: Record<string, unknown> }>
}

/** Starts switchyard on free loopback ports with the given upstreams; stops it at teardown. */
export async function startSwitchyard (t: Test, options: StartOptions): Promise<TestSwitchyard> {
  const cwd = options.cwd ?? t.testdir()
  const config = loadConfig({
    cwd,
    env: options.env ?? {},
    args: [
      '--listen.host', '127.0.0.1', '--listen.port', '0',
      '--admin.port', '0',
      '--upstreams.blue.url', options.blue,
      '--upstreams.green.url', options.green,
      // Generous probe timeout: tests run in parallel on 2 cores, and a slow probe must not fail a switch.
      '--health.interval', '1s', '--health.timeout', '800ms',
      '--state.store', 'memory',
      '--log.level', 'info',
      ...(options.args ?? [])
    ]
  })
  const logs: Array<Record<string, unknown>> = []
  const logger = pino({ level: config.log.level }, { write: (line: string) => { logs.push(JSON.parse(line) as Record<string, unknown>) } })
  const running = await start(config, logger)
  let stopped = false
  const stop = async (): Promise<void> => {
    if (stopped) return
    stopped = true
    await running.stop()
  }
  t.teardown(stop)
  const admin = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number, body: Record<string, unknown> }> => {
    const res = await request(new URL(path, running.adminUrl), {
      method: method as 'GET',
      headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
      body: body === undefined ? null : typeof body === 'string' ? body : JSON.stringify(body)
    })
    const text = await res.body.text()
    return { status: res.statusCode, body: text === '' ? {} : JSON.parse(text) as Record<string, unknown> }
  }
  return { ...running, stop, config, logs, admin }
}

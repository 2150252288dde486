// The container packaging, checked without a Docker engine: docker-compose.yml, the Dockerfile,
// .dockerignore and config/prometheus.yml are parsed and checked against each other and against
// switchyard's settings; then blue, green and switchyard run as plain processes with the command
// and environment the compose file gives them, and a prediction and a switch go through them.
//
// Container -> test process mapping (everything else is passed exactly as the compose file has it):
//   image WORKDIR /app                     -> a testdir holding a copy of config/default.yaml, as /app does
//   Dockerfile ENV (NODE_ENV=production)   -> the same variables
//   ENTRYPOINT node bin/switchyard.js      -> node <the loader this test runs under> src/cli/run.ts
//                                             (bin/switchyard.js loads dist/cli/run.js, compiled from it)
//   model-server --host 0.0.0.0            -> --host 127.0.0.1
//   model-server --port 5001 / 5002        -> --port 0; the bound port is read from its first log line
//   SWITCHYARD_LISTEN_HOST, _ADMIN_HOST    0.0.0.0 -> 127.0.0.1 (the exposed admin + token pairing
//                                             is checked by a process that refuses to start without it)
//   SWITCHYARD_LISTEN_PORT, _ADMIN_PORT    8080, 8081 -> 0; the bound addresses are read from the log
//   SWITCHYARD_UPSTREAMS_<C>_URL           http://<service>:<port> -> http://127.0.0.1:<that process's port>
//   SWITCHYARD_STATE_PATH                  /app/data/... (the named volume) -> <testdir>/data/...
//   ${SWITCHYARD_ADMIN_TOKEN:?...}         -> interpolated as compose does, from a test token
//   the redis profile's redis service      -> a redis-server on a free port (test/helpers/redis.ts)
//   SWITCHYARD_STATE_REDIS_URL             redis://redis:6379 -> redis://127.0.0.1:<that port>
//   switchyard-a/-b's named volumes        -> a directory each
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { join, posix } from 'node:path'
import { fileURLToPath } from 'node:url'
import t, { type Test } from 'tap'
import { request } from 'undici'
import { parse } from 'yaml'
import { leafForEnv } from '../../src/config/keys.js'
import { loadConfigWithWarnings } from '../../src/config/load.js'
import { DEFAULTS } from '../../src/config/schema.js'
import { replicaDir, startRedis } from '../helpers/redis.js'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const RUN_TS = join(ROOT, 'src/cli/run.ts')
const read = (file: string): string => readFileSync(join(ROOT, file), 'utf8')
const TOKEN = 'packaging-test-token'
const IRIS_SETOSA = JSON.stringify({ inputs: [[5.1, 3.5, 1.4, 0.2]] })

// ---- narrowing what YAML gives back -------------------------------------------------------

type Mapping = Record<string, unknown>

function mapping (value: unknown, what: string): Mapping {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new TypeError(`${what}: expected a mapping`)
  return value as Mapping
}

function strings (value: unknown, what: string): string[] {
  if (!Array.isArray(value) || !value.every((item): item is string => typeof item === 'string')) throw new TypeError(`${what}: expected a list of strings`)
  return value
}

function text (value: unknown, what: string): string {
  if (typeof value !== 'string') throw new TypeError(`${what}: expected a string`)
  return value
}

// ---- compose's variable interpolation ----------------------------------------------------

/**
 * Compose's `$$`, `$VAR`, `${VAR}`, `${VAR-x}`, `${VAR:-x}`, `${VAR?err}`, `${VAR:?err}`,
 * `${VAR+x}`, `${VAR:+x}`, applied to every string value as `docker compose` does.
 */
function interpolate (value: unknown, env: Readonly<Record<string, string | undefined>>): unknown {
  if (typeof value === 'string') {
    return value.replace(/\$(?:(\$)|\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))/g,
      (_match, dollar: string | undefined, braced: string | undefined, op: string | undefined, arg: string | undefined, bare: string | undefined) => {
        if (dollar !== undefined) return '$'
        const name = (braced ?? bare) as string
        const current = env[name]
        const unset = op?.startsWith(':') === true ? current === undefined || current === '' : current === undefined
        switch (op?.replace(':', '')) {
          case '-': return unset ? arg ?? '' : current as string
          case '?': if (unset) throw new Error(`required variable ${name} is missing a value: ${arg ?? ''}`); return current as string
          case '+': return unset ? '' : arg ?? ''
          default: return current ?? ''
        }
      })
  }
  if (Array.isArray(value)) return value.map((item) => interpolate(item, env))
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, interpolate(item, env)]))
  }
  return value
}

// ---- the compose file ---------------------------------------------------------------------

const RAW_COMPOSE = mapping(parse(read('docker-compose.yml')), 'docker-compose.yml')
const COMPOSE = mapping(interpolate(RAW_COMPOSE, { SWITCHYARD_ADMIN_TOKEN: TOKEN }), 'docker-compose.yml')
const SERVICES = mapping(COMPOSE.services, 'services')

function service (name: string): Mapping {
  return mapping(SERVICES[name], `services.${name}`)
}

function environment (name: string): Record<string, string> {
  const env = mapping(service(name).environment ?? {}, `services.${name}.environment`)
  return Object.fromEntries(Object.entries(env).map(([key, value]) => [key, text(value, `services.${name}.environment.${key}`)]))
}

/** The services of `docker compose --profile redis up`, beside the four above. */
const REDIS_PROFILE = ['redis', 'switchyard-a', 'switchyard-b']
const REPLICAS = ['switchyard-a', 'switchyard-b']

/** `--flag value` pairs of a model-server command. */
function flags (command: readonly string[]): Map<string, string> {
  const found = new Map<string, string>()
  for (let i = 1; i < command.length; i += 2) found.set((command[i] as string).replace(/^--/, ''), command[i + 1] as string)
  return found
}

interface PortMapping { ip: string | undefined, published: string, target: string }

/** The short port syntax: [ip:]published:target[/protocol]. */
function portMapping (spec: string): PortMapping {
  const match = /^(?:(\d+\.\d+\.\d+\.\d+):)?(\d+):(\d+)(?:\/tcp)?$/.exec(spec)
  if (match === null) throw new TypeError(`port ${spec}: expected [ip:]published:target`)
  return { ip: match[1], published: match[2] as string, target: match[3] as string }
}

// ---- the Dockerfile -------------------------------------------------------------------------

interface Instruction { keyword: string, args: string, stage: number }

/** Instructions with line continuations joined and comments dropped; `stage` counts FROMs from 0. */
function parseDockerfile (source: string): Instruction[] {
  const instructions: Instruction[] = []
  let stage = -1
  let pending = ''
  for (const line of source.split('\n')) {
    if (/^\s*#/.test(line)) continue
    if (/\\\s*$/.test(line)) {
      pending += line.replace(/\\\s*$/, ' ')
      continue
    }
    const whole = (pending + line).trim()
    pending = ''
    if (whole === '') continue
    const match = /^(\S+)\s*(.*)$/s.exec(whole) as RegExpExecArray
    const keyword = (match[1] as string).toUpperCase()
    if (keyword === 'FROM') stage++
    instructions.push({ keyword, args: (match[2] as string).replace(/\s+/g, ' ').trim(), stage })
  }
  return instructions
}

const DOCKERFILE = parseDockerfile(read('Dockerfile'))
const FINAL_STAGE = DOCKERFILE.filter((i) => i.keyword === 'FROM').length - 1
const runtime = (keyword: string): Instruction[] => DOCKERFILE.filter((i) => i.stage === FINAL_STAGE && i.keyword === keyword)

function only (instructions: Instruction[], what: string): Instruction {
  if (instructions.length !== 1) throw new Error(`${what}: expected exactly one, found ${instructions.length}`)
  return instructions[0] as Instruction
}

function healthcheck (): { options: string, command: string[] } {
  const match = /^((?:--\S+\s+)*)CMD\s+(\[.*\])$/s.exec(only(runtime('HEALTHCHECK'), 'HEALTHCHECK').args)
  if (match === null) throw new Error('HEALTHCHECK: expected [--options] CMD ["exec", "form"]')
  return { options: match[1] as string, command: strings(JSON.parse(match[2] as string), 'HEALTHCHECK CMD') }
}

// ---- prometheus.yml ---------------------------------------------------------------------------

const PROMETHEUS = mapping(parse(read('config/prometheus.yml')), 'config/prometheus.yml')

function scrapeJob (name: string): Mapping {
  const jobs = (PROMETHEUS.scrape_configs as unknown[]).map((job, i) => mapping(job, `scrape_configs[${i}]`))
  const job = jobs.find((candidate) => candidate.job_name === name)
  if (job === undefined) throw new Error(`prometheus.yml has no job ${name}`)
  return job
}

// ---- processes --------------------------------------------------------------------------------

// Every wait is bounded well inside tap's 180 s per file, so a hang fails the test and the
// teardowns run (a tap timeout kills this process and would orphan the children).
const START_MS = 45_000
const STEP_MS = 10_000

/** `promise`, or a rejection naming `what` after `ms`. */
async function within<T> (promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const expired = new Promise<never>((_resolve, reject) => { timer = setTimeout(() => reject(new Error(`${what}: nothing after ${ms} ms`)), ms) })
  try {
    return await Promise.race([promise, expired])
  } finally {
    clearTimeout(timer)
  }
}

const running = new Set<ChildProcess>()
// A last resort for an exit that skips the teardowns.
process.once('exit', () => { for (const child of running) child.kill('SIGKILL') })

interface Child {
  readonly name: string
  readonly process: ChildProcess
  readonly exit: Promise<number | null>
  /** Resolves with the first JSON log line `match` accepts (including lines already seen). */
  line (match: (line: Mapping) => boolean, what: string, timeoutMs?: number): Promise<Mapping>
  output (): string
}

/** The TypeScript loader of this very test: tap's own (a second transpiler spoils its coverage), else tsx. */
function loaderArgs (): string[] {
  if (process.execArgv.some((arg) => arg.includes('@tapjs/typescript'))) return process.execArgv
  return ['--import', import.meta.resolve('tsx')]
}

/** Runs `switchyard <args>` from the sources, as the image's ENTRYPOINT would run it from dist/. */
function runSwitchyard (t: Test, name: string, args: readonly string[], env: Readonly<Record<string, string>>, cwd: string): Child {
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('SWITCHYARD_')))
  const child = spawn(process.execPath, [...loaderArgs(), RUN_TS, ...args], { cwd, env: { ...inherited, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  running.add(child)
  let output = ''
  const lines: Mapping[] = []
  const waiters = new Set<() => void>()
  let partial = ''
  let finished = false
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk
    const parts = (partial + chunk).split('\n')
    partial = parts.pop() as string
    for (const part of parts) {
      try {
        lines.push(mapping(JSON.parse(part), 'log line'))
      } catch {}
    }
    for (const wake of waiters) wake()
  })
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => { output += chunk })
  const exit = new Promise<number | null>((resolve) => {
    const ended = (code: number | null): void => {
      finished = true
      running.delete(child)
      resolve(code)
      for (const wake of waiters) wake()
    }
    child.once('exit', ended)
    child.once('error', (err) => {
      output += `\n${name} could not be started: ${err.message}\n`
      ended(null)
    })
  })

  t.teardown(async () => {
    if (finished) return
    child.kill('SIGTERM')
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
    await exit
    clearTimeout(timer)
  })

  const line = (match: (line: Mapping) => boolean, what: string, timeoutMs = START_MS): Promise<Mapping> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        const found = lines.find(match)
        if (found !== undefined) return done(() => resolve(found))
        if (finished) {
          done(() => reject(new Error(`${name} exited (${child.exitCode ?? child.signalCode ?? 'not started'}) before ${what}:\n${output}`)))
        }
      }
      const timer = setTimeout(() => done(() => reject(new Error(`${name}: no ${what} in ${timeoutMs} ms:\n${output}`))), timeoutMs)
      const done = (settle: () => void): void => {
        clearTimeout(timer)
        waiters.delete(check)
        settle()
      }
      waiters.add(check)
      check()
    })

  return { name, process: child, exit, line, output: () => output }
}

/** Runs a `node -e` health check the way the container runtime would, and returns its exit code. */
async function runHealthcheck (command: readonly string[], env: Readonly<Record<string, string>>): Promise<number | null> {
  const [program, ...args] = command
  if (program !== 'node') throw new Error(`health check runs ${String(program)}, not node`)
  const child = spawn(process.execPath, args, { env: { PATH: process.env.PATH ?? '', ...env }, stdio: 'ignore' })
  const exit = new Promise<number | null>((resolve, reject) => {
    child.once('exit', (code) => resolve(code))
    child.once('error', reject)
  })
  try {
    return await within(exit, STEP_MS, 'health check')
  } finally {
    child.kill('SIGKILL')
  }
}

async function http (method: 'GET' | 'POST', url: string, body?: string, headers: Record<string, string> = {}): Promise<{ status: number, headers: Record<string, unknown>, body: string }> {
  const res = await request(url, {
    method,
    headersTimeout: STEP_MS,
    bodyTimeout: STEP_MS,
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    body: body ?? null
  })
  return { status: res.statusCode, headers: res.headers, body: await res.body.text() }
}

// ---- the tests ----------------------------------------------------------------------------------

t.test('docker-compose.yml: services, ports, token, volume', async (t) => {
  const profiled = (name: string): boolean => service(name).profiles !== undefined
  t.same(Object.keys(SERVICES).filter((name) => !profiled(name)).sort(), ['blue', 'green', 'prometheus', 'switchyard'], 'the four services `docker compose up` starts')
  t.same(Object.keys(SERVICES).filter(profiled).sort(), REDIS_PROFILE, 'and the redis profile\'s three')

  for (const name of ['blue', 'green', 'switchyard']) {
    t.equal(service(name).build, '.', `${name} is built from this repo's Dockerfile`)
    t.equal(service(name).image, service('switchyard').image, `${name} uses the one switchyard image`)
  }

  const models: Record<string, { model: string, version: string, port: string }> = {
    blue: { model: 'logistic', version: 'v1', port: '5001' },
    green: { model: 'forest', version: 'v2', port: '5002' }
  }
  for (const [name, want] of Object.entries(models)) {
    const command = strings(service(name).command, `${name}.command`)
    t.equal(command[0], 'model-server', `${name} runs the model server`)
    t.same(Object.fromEntries(flags(command)), { ...want, host: '0.0.0.0' }, `${name}: ${want.model} ${want.version} on 0.0.0.0:${want.port}`)
    t.notOk('ports' in service(name), `${name} is not published on the host`)
    const check = strings(mapping(service(name).healthcheck, `${name}.healthcheck`).test, `${name}.healthcheck.test`)
    t.equal(check[0], 'CMD', `${name} has its own health check (the image's targets the admin port)`)
    t.match(check.join(' '), new RegExp(`port: ${want.port}, path: '/ping'`), `${name}'s health check asks its own /ping`)
  }

  const sy = service('switchyard')
  t.same(sy.command, ['serve'])
  const env = environment('switchyard')
  for (const name of Object.keys(env)) t.ok(leafForEnv(name), `${name} is a switchyard setting`)
  t.equal(env.SWITCHYARD_UPSTREAMS_BLUE_URL, 'http://blue:5001', 'blue upstream is the blue service on its --port')
  t.equal(env.SWITCHYARD_UPSTREAMS_GREEN_URL, 'http://green:5002', 'green upstream is the green service on its --port')
  t.equal(env.SWITCHYARD_ADMIN_HOST, '0.0.0.0', 'admin binds 0.0.0.0 so Prometheus can scrape it')

  const rawToken = mapping(mapping(mapping(RAW_COMPOSE.services, 'services').switchyard, 'switchyard').environment, 'environment').SWITCHYARD_ADMIN_TOKEN
  t.equal(rawToken, '${SWITCHYARD_ADMIN_TOKEN:?set SWITCHYARD_ADMIN_TOKEN}', 'the token comes from the caller, required')
  t.throws(() => interpolate(RAW_COMPOSE, {}), /SWITCHYARD_ADMIN_TOKEN.*set SWITCHYARD_ADMIN_TOKEN/, 'compose refuses to start without a token')
  t.throws(() => interpolate(RAW_COMPOSE, { SWITCHYARD_ADMIN_TOKEN: '' }), /SWITCHYARD_ADMIN_TOKEN/, 'or with an empty one')
  t.equal(env.SWITCHYARD_ADMIN_TOKEN, TOKEN, 'and passes the one it is given')

  // Loaded the way the container loads it: /app holds config/default.yaml, env beats the file.
  const cwd = t.testdir({ config: { 'default.yaml': read('config/default.yaml') } })
  const loaded = loadConfigWithWarnings({ cwd, env, args: [] })
  t.same(loaded.warnings, [], 'no variable is ignored')
  t.match(loaded.config, {
    listen: { host: '0.0.0.0', port: 8080 },
    admin: { host: '0.0.0.0', port: 8081, token: TOKEN },
    upstreams: { blue: { url: 'http://blue:5001' }, green: { url: 'http://green:5002' } },
    state: { store: 'file', path: '/app/data/state.json' }
  })

  const ports = strings(sy.ports, 'switchyard.ports').map(portMapping)
  t.same(ports.find((p) => p.target === env.SWITCHYARD_LISTEN_PORT), { ip: undefined, published: '8080', target: '8080' }, 'the stable endpoint is published on 8080')
  t.same(ports.find((p) => p.target === env.SWITCHYARD_ADMIN_PORT), { ip: '127.0.0.1', published: '8081', target: '8081' }, 'the admin API is published on host loopback only')
  t.equal(ports.length, 2)

  const volumes = strings(sy.volumes, 'switchyard.volumes').map((spec) => spec.split(':'))
  const data = volumes.find(([, target]) => target === '/app/data')
  t.ok(data, 'a volume is mounted on /app/data')
  const [volumeName] = data ?? []
  t.ok(volumeName !== undefined && !volumeName.startsWith('.') && !volumeName.startsWith('/'), 'it is a named volume')
  t.ok(Object.hasOwn(mapping(COMPOSE.volumes, 'volumes'), volumeName as string), `${String(volumeName)} is declared under volumes:`)
  t.equal(posix.dirname(env.SWITCHYARD_STATE_PATH as string), '/app/data', 'the state file lives on that volume')
  t.match(service('switchyard').depends_on, { blue: {}, green: {} })

  const prometheus = service('prometheus')
  t.match(prometheus.image, /^prom\/prometheus:v\d+\.\d+\.\d+$/, 'prometheus is pinned to a release')
  t.ok(strings(prometheus.volumes, 'prometheus.volumes').includes('./config/prometheus.yml:/etc/prometheus/prometheus.yml:ro'), 'prometheus reads config/prometheus.yml')
  t.same(strings(prometheus.ports, 'prometheus.ports').map(portMapping), [{ ip: '127.0.0.1', published: '9090', target: '9090' }])
})

t.test('Dockerfile: two stages on node 20 slim, non-root, entrypoint, ports, health check', async (t) => {
  const froms = DOCKERFILE.filter((i) => i.keyword === 'FROM').map((i) => i.args)
  t.equal(froms.length, 2, 'a build stage and a runtime stage')
  t.match(froms[0], /^node:20(-bookworm)?-slim AS build$/)
  t.match(froms[1], /^node:20(-bookworm)?-slim$/)

  const build = DOCKERFILE.filter((i) => i.stage === 0 && i.keyword === 'RUN').map((i) => i.args).join(' && ')
  t.match(build, /npm ci\b.*&& npm prune --omit=dev/, 'build: npm ci (compiles via prepare), then drop dev deps')
  const copiedBeforeCi = DOCKERFILE.filter((i) => i.stage === 0 && i.keyword === 'COPY').map((i) => i.args).join(' ')
  for (const needed of ['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json', 'src']) {
    t.match(copiedBeforeCi, new RegExp(`(^| )${needed.replace('.', '\\.')}( |$)`), `the build stage has ${needed} before npm ci`)
  }

  const copies = runtime('COPY').map((i) => i.args)
  t.ok(copies.includes('--from=build /app/node_modules ./node_modules'), 'runtime: the pruned node_modules')
  t.ok(copies.includes('--from=build /app/dist ./dist'), 'runtime: the compiled dist')
  for (const path of ['package.json', 'bin', 'config']) t.ok(copies.some((c) => c.startsWith(`${path} `)), `runtime: ${path}`)
  t.match(read('bin/switchyard.js'), /import '\.\.\/dist\/cli\/run\.js'/, 'bin/switchyard.js runs dist/cli/run.js, compiled from src/cli/run.ts')

  t.equal(only(runtime('WORKDIR'), 'WORKDIR').args, '/app')
  const users = runtime('USER')
  t.equal(users.at(-1)?.args, 'node', 'runs as the non-root node user')
  t.ok(DOCKERFILE.indexOf(users.at(-1) as Instruction) < DOCKERFILE.indexOf(only(runtime('ENTRYPOINT'), 'ENTRYPOINT')), 'USER comes before ENTRYPOINT')
  t.ok(runtime('RUN').some((i) => /mkdir -p \/app\/data && chown node:node \/app\/data/.test(i.args)), '/app/data is writable by node')
  t.ok(runtime('ENV').some((i) => i.args === 'NODE_ENV=production'))

  t.same(JSON.parse(only(runtime('ENTRYPOINT'), 'ENTRYPOINT').args), ['node', 'bin/switchyard.js'])
  t.same(JSON.parse(only(runtime('CMD'), 'CMD').args), ['serve'])
  t.same(only(runtime('EXPOSE'), 'EXPOSE').args.split(' '), [String(DEFAULTS.listen.port), String(DEFAULTS.admin.port)], 'EXPOSE the default listen and admin ports')
  t.same([String(DEFAULTS.listen.port), String(DEFAULTS.admin.port)], [environment('switchyard').SWITCHYARD_LISTEN_PORT, environment('switchyard').SWITCHYARD_ADMIN_PORT], 'which compose uses too')

  const check = healthcheck()
  t.match(check.options, /--interval=\S+ .*--timeout=\S+/)
  t.equal(check.command[0], 'node', 'the health check uses node (slim images have no curl)')
  t.match(check.command.join(' '), /\/healthz/, 'and asks the admin /healthz')
})

t.test('.dockerignore keeps the context to what the Dockerfile copies', async (t) => {
  const rules = read('.dockerignore').split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'))
  t.equal(rules[0], '*', 'an allowlist: everything is ignored first')
  const allowed = new Set(rules.slice(1).map((rule) => rule.replace(/^!/, '').replace(/\/$/, '')))
  const sources = DOCKERFILE.filter((i) => i.keyword === 'COPY' && !i.args.startsWith('--from')).flatMap((i) => i.args.split(' ').slice(0, -1))
  for (const source of sources) {
    t.ok(allowed.has(source.replace(/\/$/, '')), `${source} is in the context`)
    t.ok(existsSync(join(ROOT, source)), `${source} exists`)
  }
  for (const never of ['node_modules', 'dist', 'data', '.git', '.tap', 'test']) t.notOk(allowed.has(never), `${never} stays out`)
})

t.test('config/prometheus.yml scrapes the switchyard admin listener', async (t) => {
  const job = scrapeJob('switchyard')
  t.equal(job.scrape_interval, '5s')
  t.equal(job.metrics_path ?? '/metrics', '/metrics')
  const targets = strings(mapping((job.static_configs as unknown[])[0], 'static_configs[0]').targets, 'targets')
  t.same(targets, [`switchyard:${environment('switchyard').SWITCHYARD_ADMIN_PORT}`], 'the switchyard service on its admin port')
  t.same(service('switchyard').command, ['serve'], 'and that service is the one that serves /metrics')
})

t.test('the compose services run as plain processes: blue answers, a switch moves traffic to green', async (t) => {
  const cwd = t.testdir({ config: { 'default.yaml': read('config/default.yaml') } })
  const imageEnv = Object.fromEntries(runtime('ENV').map((i) => i.args.split('=') as [string, string]))

  // blue and green, from their compose commands
  const models = new Map<string, { child: Child, url: string, composeOrigin: string, version: string }>()
  await Promise.all(['blue', 'green'].map(async (name) => {
    const command = strings(service(name).command, `${name}.command`)
    const given = flags(command)
    const args = command.map((arg, i) => command[i - 1] === '--host' ? '127.0.0.1' : command[i - 1] === '--port' ? '0' : arg)
    const child = runSwitchyard(t, name, args, imageEnv, cwd)
    const listening = await child.line((l) => l.msg === 'model server listening', 'model server listening')
    models.set(name, { child, url: text(listening.url, 'url'), composeOrigin: `http://${name}:${given.get('port') as string}`, version: given.get('version') as string })
  }))

  // switchyard, from its compose command and environment
  const composeEnv = environment('switchyard')
  const env: Record<string, string> = { ...imageEnv }
  for (const [key, value] of Object.entries(composeEnv)) {
    const model = [...models.values()].find((m) => m.composeOrigin === value)
    if (model !== undefined) env[key] = model.url
    else if (key.endsWith('_HOST') && value === '0.0.0.0') env[key] = '127.0.0.1'
    else if (key.endsWith('_PORT')) env[key] = '0'
    else if (key === 'SWITCHYARD_STATE_PATH') env[key] = join(cwd, 'data', posix.relative('/app/data', value))
    else env[key] = value
  }
  t.not(env.SWITCHYARD_UPSTREAMS_BLUE_URL, composeEnv.SWITCHYARD_UPSTREAMS_BLUE_URL, 'blue URL mapped to the blue process')
  t.not(env.SWITCHYARD_UPSTREAMS_GREEN_URL, composeEnv.SWITCHYARD_UPSTREAMS_GREEN_URL, 'green URL mapped to the green process')
  const sy = runSwitchyard(t, 'switchyard', strings(service('switchyard').command, 'switchyard.command'), env, cwd)
  const listening = await sy.line((l) => l.msg === 'switchyard listening', 'switchyard listening')
  const proxy = text(listening.proxy, 'proxy')
  const admin = text(listening.admin, 'admin')
  t.match(listening, { active: 'blue', store: 'file' })
  const blue = models.get('blue')
  const green = models.get('green')
  if (blue === undefined || green === undefined) throw new Error('model servers did not start')

  // Health probes run every interval; the switch below probes green itself.
  await sy.line((l) => l.msg === 'upstream health changed' && l.colour === 'blue' && l.healthy === true, 'blue healthy', STEP_MS)

  const first = await http('POST', `${proxy}/invocations`, IRIS_SETOSA)
  t.equal(first.status, 200, 'a prediction through switchyard')
  t.equal(first.headers['x-model-version'], blue.version, 'answered by blue')
  t.same(JSON.parse(first.body), { predictions: [0] }, 'setosa')

  const denied = await http('POST', `${admin}/admin/switch`, JSON.stringify({ to: 'green' }))
  t.equal(denied.status, 401, 'no switch without the token')
  const switched = await http('POST', `${admin}/admin/switch`, JSON.stringify({ to: 'green' }), { authorization: `Bearer ${composeEnv.SWITCHYARD_ADMIN_TOKEN as string}` })
  t.equal(switched.status, 200, 'the compose token is accepted')
  t.match(JSON.parse(switched.body), { active: 'green', previous: 'blue', changed: true })

  const second = await http('POST', `${proxy}/invocations`, IRIS_SETOSA)
  t.equal(second.status, 200)
  t.equal(second.headers['x-model-version'], green.version, 'now answered by green')

  const saved = JSON.parse(readFileSync(env.SWITCHYARD_STATE_PATH as string, 'utf8')) as Mapping
  t.match(saved, { active: 'green', previous: 'blue' }, 'the state is written where the volume is mounted')

  const job = scrapeJob('switchyard')
  const metrics = await http('GET', `${admin}${String(job.metrics_path ?? '/metrics')}`)
  t.equal(metrics.status, 200, 'the path Prometheus scrapes is served, without a token')
  t.match(metrics.headers['content-type'], /^text\/plain/)
  t.match(metrics.body, /^switchyard_active_colour\{colour="green"\} 1$/m)

  // The image's HEALTHCHECK and the model servers' compose health checks, against the processes.
  const adminPort = new URL(admin).port
  t.equal(await runHealthcheck(healthcheck().command, { SWITCHYARD_ADMIN_PORT: adminPort }), 0, 'the image health check passes against serve')
  for (const [name, model] of models) {
    const check = strings(mapping(service(name).healthcheck, `${name}.healthcheck`).test, `${name}.healthcheck.test`).slice(1)
    const composePort = flags(strings(service(name).command, `${name}.command`)).get('port') as string
    const local = check.map((arg) => arg.replace(`port: ${composePort}`, `port: ${new URL(model.url).port}`))
    t.equal(await runHealthcheck(local, {}), 0, `${name}'s health check passes`)
  }

  // `docker stop` sends SIGTERM: each process stops gracefully and exits 0.
  for (const child of [sy, blue.child, green.child]) {
    child.process.kill('SIGTERM')
    t.equal(await within(child.exit, STEP_MS, `${child.name} stopping`), 0, `${child.name} exits 0 on SIGTERM`)
  }
  t.match(sy.output(), /"msg":"stopped"/)
  t.equal(await runHealthcheck(healthcheck().command, { SWITCHYARD_ADMIN_PORT: adminPort }), 1, 'the health check fails once serve is gone')
})

t.test('docker-compose.yml, the redis profile: Redis and two replicas sharing their state', async (t) => {
  const redis = service('redis')
  t.match(redis.image, /^redis:\d+\.\d+\.\d+-bookworm$/, 'redis is pinned to a release')
  t.same(redis.profiles, ['redis'])
  t.notOk('ports' in redis, 'redis is not published on the host')
  t.same(redis.expose, ['6379'])
  const redisOrigin = `redis://redis:${strings(redis.expose, 'redis.expose')[0] as string}`
  t.same(strings(mapping(redis.healthcheck, 'redis.healthcheck').test, 'redis.healthcheck.test'), ['CMD', 'redis-cli', 'ping'])
  const redisVolume = strings(redis.volumes, 'redis.volumes')[0]?.split(':')[0] ?? ''
  t.ok(Object.hasOwn(mapping(COMPOSE.volumes, 'volumes'), redisVolume), `${redisVolume} is declared under volumes:`)

  const single = environment('switchyard')
  const published = new Set(strings(service('switchyard').ports, 'switchyard.ports').map((spec) => portMapping(spec).published))
  const dataVolumes = new Set<string>(['switchyard-data'])
  for (const name of REPLICAS) {
    const replica = service(name)
    t.same(replica.profiles, ['redis'], `${name} is in the redis profile`)
    t.equal(replica.build, '.', `${name} is built from this repo's Dockerfile`)
    t.equal(replica.image, service('switchyard').image, `${name} uses the one switchyard image`)
    t.same(replica.command, ['serve'])
    const env = environment(name)
    for (const key of Object.keys(env)) t.ok(leafForEnv(key), `${name}: ${key} is a switchyard setting`)
    t.match(env, { SWITCHYARD_STATE_STORE: 'redis', SWITCHYARD_STATE_REDIS_URL: redisOrigin, SWITCHYARD_STATE_REDIS_KEY: 'switchyard' }, `${name} keeps its state in the redis service`)
    const { SWITCHYARD_STATE_REDIS_URL: _url, SWITCHYARD_STATE_REDIS_KEY: _key, ...rest } = env
    t.same(rest, { ...single, SWITCHYARD_STATE_STORE: 'redis' }, `${name}: otherwise the same settings as switchyard (upstreams, token, listeners, state.path)`)

    const cwd = t.testdir({ config: { 'default.yaml': read('config/default.yaml') } })
    const loaded = loadConfigWithWarnings({ cwd, env, args: [] })
    t.same(loaded.warnings, [], `${name}: no variable is ignored`)
    t.match(loaded.config.state, { store: 'redis', path: '/app/data/state.json', redis: { url: 'redis://redis:6379', key: 'switchyard', startOffline: true } })

    const ports = strings(replica.ports, `${name}.ports`).map(portMapping)
    const proxy = ports.find((p) => p.target === env.SWITCHYARD_LISTEN_PORT)
    const admin = ports.find((p) => p.target === env.SWITCHYARD_ADMIN_PORT)
    t.equal(proxy?.ip, undefined, `${name}'s endpoint is published`)
    t.equal(admin?.ip, '127.0.0.1', `${name}'s admin API on host loopback only`)
    for (const port of [proxy, admin]) {
      t.notOk(published.has(port?.published ?? ''), `${name}: host port ${String(port?.published)} is its own`)
      published.add(port?.published ?? '')
    }
    const data = strings(replica.volumes, `${name}.volumes`).map((spec) => spec.split(':')).find(([, target]) => target === '/app/data')
    const volume = data?.[0] ?? ''
    t.notOk(dataVolumes.has(volume), `${name} keeps its last-known state file on a volume of its own (${volume})`)
    dataVolumes.add(volume)
    t.ok(Object.hasOwn(mapping(COMPOSE.volumes, 'volumes'), volume), `${volume} is declared under volumes:`)
    t.match(replica.depends_on, { redis: { condition: 'service_healthy' }, blue: {}, green: {} }, `${name} starts once redis answers`)
    t.equal(replica.stop_grace_period, service('switchyard').stop_grace_period)
  }
})

t.test('the redis profile as plain processes: a switch through one replica moves traffic on both', async (t) => {
  const redis = await startRedis(t)
  const imageEnv = Object.fromEntries(runtime('ENV').map((i) => i.args.split('=') as [string, string]))
  const modelsDir = replicaDir(t)

  const models = new Map<string, { child: Child, url: string, composeOrigin: string, version: string }>()
  await Promise.all(['blue', 'green'].map(async (name) => {
    const command = strings(service(name).command, `${name}.command`)
    const given = flags(command)
    const args = command.map((arg, i) => command[i - 1] === '--host' ? '127.0.0.1' : command[i - 1] === '--port' ? '0' : arg)
    const child = runSwitchyard(t, name, args, imageEnv, modelsDir)
    const listening = await child.line((l) => l.msg === 'model server listening', 'model server listening', START_MS)
    models.set(name, { child, url: text(listening.url, 'url'), composeOrigin: `http://${name}:${given.get('port') as string}`, version: given.get('version') as string })
  }))
  const redisOrigin = `redis://redis:${strings(service('redis').expose, 'redis.expose')[0] as string}`

  const replicas: Array<{ child: Child, proxy: string, admin: string, env: Record<string, string> }> = []
  // One after the other, as compose would start them once redis is healthy.
  for (const name of REPLICAS) {
    const cwd = replicaDir(t)
    const env: Record<string, string> = { ...imageEnv }
    for (const [key, value] of Object.entries(environment(name))) {
      const model = [...models.values()].find((m) => m.composeOrigin === value)
      if (model !== undefined) env[key] = model.url
      else if (key === 'SWITCHYARD_STATE_REDIS_URL' && value === redisOrigin) env[key] = redis.url
      else if (key.endsWith('_HOST') && value === '0.0.0.0') env[key] = '127.0.0.1'
      else if (key.endsWith('_PORT')) env[key] = '0'
      else if (key === 'SWITCHYARD_STATE_PATH') env[key] = join(cwd, 'data', posix.relative('/app/data', value))
      else env[key] = value
    }
    t.equal(env.SWITCHYARD_STATE_REDIS_URL, redis.url, `${name}: the redis URL mapped to the local redis-server`)
    const child = runSwitchyard(t, name, strings(service(name).command, `${name}.command`), env, cwd)
    const listening = await child.line((l) => l.msg === 'switchyard listening', 'switchyard listening', START_MS)
    t.match(listening, { active: 'blue', store: 'redis' })
    replicas.push({ child, proxy: text(listening.proxy, 'proxy'), admin: text(listening.admin, 'admin'), env })
  }
  const [a, b] = replicas as [typeof replicas[0], typeof replicas[0]]
  const blue = models.get('blue')
  const green = models.get('green')
  if (blue === undefined || green === undefined) throw new Error('model servers did not start')
  for (const replica of replicas) await replica.child.line((l) => l.msg === 'in sync with the shared state in Redis', 'in sync', STEP_MS)

  const before = await http('POST', `${b.proxy}/invocations`, IRIS_SETOSA)
  t.equal(before.headers['x-model-version'], blue.version, 'b answers with blue')
  const switched = await http('POST', `${a.admin}/admin/switch`, JSON.stringify({ to: 'green', force: true }), { authorization: `Bearer ${a.env.SWITCHYARD_ADMIN_TOKEN as string}` })
  t.equal(switched.status, 200, 'switched through a')
  await b.child.line((l) => l.msg === 'active colour changed' && l.to === 'green', 'b follows', STEP_MS)
  const after = await http('POST', `${b.proxy}/invocations`, IRIS_SETOSA)
  t.equal(after.status, 200)
  t.equal(after.headers['x-model-version'], green.version, 'b now answers with green')
  t.match(JSON.parse((await http('GET', `${b.admin}/admin/status`)).body), { active: 'green', version: 2, store: 'redis' })
  const metrics = await http('GET', `${b.admin}/metrics`)
  t.match(metrics.body, /^switchyard_state_synced 1$/m, 'b reports it is in sync')
  const saved = JSON.parse(readFileSync(b.env.SWITCHYARD_STATE_PATH as string, 'utf8')) as Mapping
  t.match(saved, { active: 'green', version: 2 }, 'b keeps its last-known copy where its volume is mounted')

  for (const child of [...replicas.map((r) => r.child), blue.child, green.child]) {
    child.process.kill('SIGTERM')
    t.equal(await within(child.exit, STEP_MS, `${child.name} stopping`), 0, `${child.name} exits 0 on SIGTERM`)
  }
})

t.test('the compose environment without a token: switchyard refuses to expose the admin API', async (t) => {
  const cwd = t.testdir()
  const env: Record<string, string> = { ...environment('switchyard') }
  delete env.SWITCHYARD_ADMIN_TOKEN
  // Ports 0 and memory state: it must fail before it binds or writes anything.
  const sy = runSwitchyard(t, 'switchyard', ['serve'], { ...env, SWITCHYARD_LISTEN_PORT: '0', SWITCHYARD_ADMIN_PORT: '0', SWITCHYARD_STATE_STORE: 'memory' }, cwd)
  t.equal(await within(sy.exit, START_MS, 'switchyard without a token'), 1, 'it exits 1 instead of listening')
  t.match(sy.output(), /admin\.host is 0\.0\.0\.0.*set SWITCHYARD_ADMIN_TOKEN/)
})

// The `smoke` setting: the requests a colour must answer as expected before a switch sends it
// traffic. Written inline in the config file, as JSON in SWITCHYARD_SMOKE or --smoke, or as the
// path of a YAML file that holds the list (config/smoke/iris.yaml). Checked at load time, body
// files included, so a typo stops start-up rather than a switch.
import { readFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { parse as parseYaml } from 'yaml'
import { show } from '../config/problems.js'
import { parseDuration, type Parsed } from '../config/units.js'

export interface SmokeExpect {
  readonly status: number
  /** The exact predictions expected (compared as JSON); undefined: not checked. */
  readonly predictions?: unknown
  /** How many predictions are expected; undefined: not checked. */
  readonly predictionsLength?: number
}

export interface SmokeRequest {
  readonly name: string
  readonly method: SmokeMethod
  /** Path (and query) on the colour's upstream, e.g. /invocations. */
  readonly path: string
  readonly contentType: string
  /** The request body, read from bodyFile at load time when one was named; '' for none. */
  readonly body: string
  /** Milliseconds the upstream may take to answer in full. */
  readonly timeout: number
  readonly expect: SmokeExpect
}

export const SMOKE_METHODS = ['POST', 'PUT', 'GET'] as const
export type SmokeMethod = typeof SMOKE_METHODS[number]

export const SMOKE_DEFAULT_TIMEOUT = 5000
const ITEM_KEYS = ['name', 'method', 'path', 'contentType', 'body', 'bodyFile', 'timeout', 'expect']
const EXPECT_KEYS = ['status', 'predictions', 'predictionsLength']

class Problem extends Error {}

function isMapping (value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/**
 * The smoke list from a setting's value: a list, a JSON list in a string, or the path of a YAML
 * (or JSON) file holding a list or a mapping with a `smoke:` list. Relative paths (the file, and
 * each bodyFile) are taken from `cwd`, or from the directory of the file that names them.
 */
export function parseSmoke (value: unknown, label: string, cwd: string = process.cwd()): Parsed<SmokeRequest[]> {
  try {
    if (Array.isArray(value)) return { ok: true, value: parseList(value, label, cwd) }
    const text = String(value).trim()
    if (text === '') return { ok: true, value: [] }
    if (text.startsWith('[')) {
      let list: unknown
      try {
        list = JSON.parse(text)
      } catch {
        return { ok: false, problem: `${label}: must be a JSON list of smoke requests or the path of a YAML file (got ${show(text)})` }
      }
      if (!Array.isArray(list)) return { ok: false, problem: `${label}: must be a list of smoke requests` }
      return { ok: true, value: parseList(list, label, cwd) }
    }
    return { ok: true, value: parseFile(text, label, cwd) }
  } catch (err) {
    if (err instanceof Problem) return { ok: false, problem: err.message }
    throw err
  }
}

function parseFile (given: string, label: string, cwd: string): SmokeRequest[] {
  const file = resolve(cwd, given)
  const where = `${label}: smoke file ${given}`
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (err) {
    throw new Problem(`${where}: cannot be read (${String((err as NodeJS.ErrnoException).code ?? (err as Error).message)})`)
  }
  let doc: unknown
  try {
    doc = parseYaml(text)
  } catch (err) {
    throw new Problem(`${where}: invalid YAML: ${String((err as Error).message.split('\n')[0])}`)
  }
  const list = isMapping(doc) && Object.keys(doc).length === 1 && 'smoke' in doc ? doc.smoke : doc
  if (!Array.isArray(list)) throw new Problem(`${where}: must hold a list of smoke requests, or a mapping with one key, smoke: [...]`)
  return parseList(list, `${where}: smoke`, dirname(file))
}

function parseList (list: readonly unknown[], label: string, base: string): SmokeRequest[] {
  const out: SmokeRequest[] = []
  const names = new Set<string>()
  for (const [i, item] of list.entries()) {
    const request = parseItem(item, `${label}[${i}]`, base)
    if (names.has(request.name)) throw new Problem(`${label}[${i}].name: ${JSON.stringify(request.name)} is used twice; each smoke request needs its own name`)
    names.add(request.name)
    out.push(request)
  }
  return out
}

function parseItem (item: unknown, where: string, base: string): SmokeRequest {
  if (!isMapping(item)) throw new Problem(`${where}: must be a mapping {name, path, body | bodyFile, expect} (got ${show(item)})`)
  const unknown = Object.keys(item).find(key => !ITEM_KEYS.includes(key))
  if (unknown !== undefined) throw new Problem(`${where}.${unknown}: unknown key (allowed: ${ITEM_KEYS.join(', ')})`)

  const name = item.name
  if (typeof name !== 'string' || name.trim() === '') throw new Problem(`${where}.name: must be a non-empty string (got ${show(name)})`)
  const path = item.path
  if (typeof path !== 'string' || !path.startsWith('/')) throw new Problem(`${where}.path: must be a path starting with "/" (got ${show(path)})`)
  const method = item.method ?? 'POST'
  if (!(SMOKE_METHODS as readonly unknown[]).includes(method)) throw new Problem(`${where}.method: must be one of ${SMOKE_METHODS.join(', ')} (got ${show(method)})`)
  const contentType = item.contentType ?? 'application/json'
  if (typeof contentType !== 'string' || contentType.trim() === '') throw new Problem(`${where}.contentType: must be a non-empty string (got ${show(contentType)})`)

  if (item.body !== undefined && item.bodyFile !== undefined) throw new Problem(`${where}: give body or bodyFile, not both`)
  let body = ''
  if (item.bodyFile !== undefined) {
    if (typeof item.bodyFile !== 'string' || item.bodyFile === '') throw new Problem(`${where}.bodyFile: must be a file path (got ${show(item.bodyFile)})`)
    try {
      body = readFileSync(resolve(base, item.bodyFile), 'utf8')
    } catch (err) {
      throw new Problem(`${where}.bodyFile: ${item.bodyFile} cannot be read (${String((err as NodeJS.ErrnoException).code ?? (err as Error).message)})`)
    }
  } else if (typeof item.body === 'string') {
    body = item.body
  } else if (item.body !== undefined && item.body !== null && typeof item.body === 'object') {
    // A YAML mapping or list is sent as the JSON it stands for.
    body = JSON.stringify(item.body)
  } else if (item.body !== undefined) {
    throw new Problem(`${where}.body: must be a string, a mapping or a list (got ${show(item.body)})`)
  }
  if (method !== 'GET' && item.body === undefined && item.bodyFile === undefined) throw new Problem(`${where}: a ${String(method)} needs body or bodyFile`)

  let timeout = SMOKE_DEFAULT_TIMEOUT
  if (item.timeout !== undefined) {
    const parsed = parseDuration(item.timeout, `${where}.timeout`)
    if (!parsed.ok) throw new Problem(parsed.problem)
    if (parsed.value <= 0) throw new Problem(`${where}.timeout: must be more than 0 ms (got ${show(item.timeout)})`)
    timeout = parsed.value
  }

  return { name, method: method as SmokeMethod, path, contentType, body, timeout, expect: parseExpect(item.expect, `${where}.expect`) }
}

function parseExpect (value: unknown, where: string): SmokeExpect {
  if (value === undefined || value === null) return { status: 200 }
  if (!isMapping(value)) throw new Problem(`${where}: must be a mapping {status, predictions | predictionsLength} (got ${show(value)})`)
  const unknown = Object.keys(value).find(key => !EXPECT_KEYS.includes(key))
  if (unknown !== undefined) throw new Problem(`${where}.${unknown}: unknown key (allowed: ${EXPECT_KEYS.join(', ')})`)
  const status = value.status ?? 200
  if (!Number.isInteger(status) || (status as number) < 100 || (status as number) > 599) throw new Problem(`${where}.status: must be an integer from 100 to 599 (got ${show(status)})`)
  const expect: { status: number, predictions?: unknown, predictionsLength?: number } = { status: status as number }
  if (value.predictions !== undefined) expect.predictions = value.predictions
  if (value.predictionsLength !== undefined) {
    const n = value.predictionsLength
    if (!Number.isSafeInteger(n) || (n as number) < 0) throw new Problem(`${where}.predictionsLength: must be an integer of at least 0 (got ${show(n)})`)
    if (Array.isArray(expect.predictions) && expect.predictions.length !== n) throw new Problem(`${where}: predictions has ${expect.predictions.length} items but predictionsLength is ${String(n)}`)
    expect.predictionsLength = n as number
  }
  return expect
}

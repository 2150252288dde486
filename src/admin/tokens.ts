// The admin tokens: admin.token (label "admin"), admin.tokens and the lines of admin.tokensFile,
// each with a label the audit trail names it by. The file is re-read when it changes (and on
// SIGHUP), so tokens rotate without a restart; a broken file keeps the tokens in force.
//
// Nothing here ever puts a token in a message: problems name the place (key, file, line) only.
import { createHash, timingSafeEqual } from 'node:crypto'
import { watch, readFileSync, type FSWatcher } from 'node:fs'
import { dirname } from 'node:path'
import type { Logger } from 'pino'
import type { AdminToken } from '../config/schema.js'
import { CONFIG_INVALID } from '../errors.js'

export type { AdminToken } from '../config/schema.js'

/** The label admin.token goes by. */
export const SINGLE_TOKEN_LABEL = 'admin'

const LABEL = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/
export const LABEL_EXPECTED = 'must be 1 to 64 letters, digits, ".", "_", "@" or "-", starting with a letter or digit'
const TOKEN = /^\S{1,4096}$/
export const TOKEN_EXPECTED = 'must be 1 to 4096 characters with no spaces'

export type TokensResult = { ok: true, tokens: AdminToken[] } | { ok: false, problem: string }
/** A tokens file's tokens, with the line each stands on. */
export type FileTokensResult = { ok: true, tokens: AdminToken[], lines: number[] } | { ok: false, problem: string }

/** admin.tokens as written: a list of {label, token}, or its JSON from a variable or a flag. */
export function parseTokenList (value: unknown, label: string): TokensResult {
  let list: unknown = value
  if (typeof value === 'string') {
    try {
      list = value.trim() === '' ? [] : JSON.parse(value)
    } catch {
      return { ok: false, problem: `${label}: must be a JSON list of {label, token} (got a string that is not JSON, not shown)` }
    }
  }
  if (!Array.isArray(list)) return { ok: false, problem: `${label}: must be a list of {label, token}` }
  const tokens: AdminToken[] = []
  for (const [i, item] of list.entries()) {
    const where = `${label}[${i}]`
    if (typeof item !== 'object' || item === null || Array.isArray(item)) return { ok: false, problem: `${where}: must be a mapping {label, token}` }
    const entry = item as Record<string, unknown>
    const unknown = Object.keys(entry).find((key) => key !== 'label' && key !== 'token')
    if (unknown !== undefined) return { ok: false, problem: `${where}.${unknown}: unknown key (allowed: label, token)` }
    if (typeof entry.label !== 'string' || !LABEL.test(entry.label)) return { ok: false, problem: `${where}.label: ${LABEL_EXPECTED} (got ${typeof entry.label === 'string' ? JSON.stringify(entry.label) : typeof entry.label})` }
    if (typeof entry.token !== 'string' || !TOKEN.test(entry.token)) return { ok: false, problem: `${where}.token: ${TOKEN_EXPECTED} (not shown)` }
    tokens.push({ label: entry.label, token: entry.token })
  }
  return { ok: true, tokens }
}

/**
 * A tokens file: one `label token` per line; blank lines and lines starting with "#" are
 * skipped. Problems name the line, never its text.
 */
export function parseTokensText (text: string, file: string): FileTokensResult {
  const tokens: AdminToken[] = []
  const lines: number[] = []
  for (const [i, raw] of text.split(/\r?\n/).entries()) {
    const line = raw.trim()
    if (line === '' || line.startsWith('#')) continue
    const where = `${file}, line ${i + 1}`
    const fields = line.split(/\s+/)
    if (fields.length !== 2) return { ok: false, problem: `${where}: expected "label token" (2 fields, got ${fields.length})` }
    const [label, token] = fields as [string, string]
    if (!LABEL.test(label)) return { ok: false, problem: `${where}: the label ${LABEL_EXPECTED}` }
    if (!TOKEN.test(token)) return { ok: false, problem: `${where}: the token ${TOKEN_EXPECTED}` }
    tokens.push({ label, token })
    lines.push(i + 1)
  }
  if (tokens.length === 0) return { ok: false, problem: `${file}: holds no token (a tokens file must hold at least one "label token" line)` }
  return { ok: true, tokens, lines }
}

/** The tokens file as a source, each token named by its line. */
export function fileSource (file: string, parsed: { tokens: readonly AdminToken[], lines: readonly number[] }, key = ''): TokenSource {
  return { where: (i) => `${key}${file}, line ${String(parsed.lines[i])}`, tokens: parsed.tokens }
}

export function readTokensFile (file: string): FileTokensResult {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (err) {
    return { ok: false, problem: `${file}: cannot be read (${String((err as NodeJS.ErrnoException).code)})` }
  }
  return parseTokensText(text, file)
}

/** Where each token came from, for problems: 'admin.token', 'admin.tokens[1]', 'tokens.txt'. */
export interface TokenSource {
  readonly where: (index: number) => string
  readonly tokens: readonly AdminToken[]
}

/** Every token once and every label once, across all sources; problems name both places. */
export function duplicateProblems (sources: readonly TokenSource[]): string[] {
  const problems: string[] = []
  const labels = new Map<string, string>()
  const digests = new Map<string, string>()
  for (const source of sources) {
    for (const [i, { label, token }] of source.tokens.entries()) {
      const here = source.where(i)
      const labelAt = labels.get(label)
      if (labelAt !== undefined) problems.push(`${here}: the label ${JSON.stringify(label)} is already used by ${labelAt}`)
      else labels.set(label, here)
      const digest = sha256(token).toString('hex')
      const tokenAt = digests.get(digest)
      if (tokenAt !== undefined) problems.push(`${here}: the same token as ${tokenAt} (each label needs its own token)`)
      else digests.set(digest, here)
    }
  }
  return problems
}

/** admin.token and admin.tokens as sources, in that order. */
export function configSources (token: string | null, tokens: readonly AdminToken[]): TokenSource[] {
  const sources: TokenSource[] = []
  if (token !== null) sources.push({ where: () => 'admin.token', tokens: [{ label: SINGLE_TOKEN_LABEL, token }] })
  if (tokens.length > 0) sources.push({ where: (i) => `admin.tokens[${i}]`, tokens })
  return sources
}

function sha256 (value: string): Buffer {
  return createHash('sha256').update(value).digest()
}

interface Entry {
  readonly label: string
  readonly digest: Buffer
}

export interface AdminTokensOptions {
  token: string | null
  tokens: readonly AdminToken[]
  tokensFile: string | null
  logger: Logger
}

const BEARER = /^Bearer\s+(.+)$/i
/** Editors and `cp` write a file in several steps: wait for them to settle before reading. */
const SETTLE_MS = 100

/**
 * The tokens in force. match() compares in constant time: the presented token and every token
 * are hashed (SHA-256), and each comparison is made, whichever matches, so neither the length,
 * a prefix, nor which label matched leaks through timing.
 */
export class AdminTokens {
  /** True when any token is configured: mutations then need one. A tokens file always counts. */
  readonly required: boolean
  readonly file: string | null
  readonly #fixed: readonly TokenSource[]
  readonly #logger: Logger
  #entries: readonly Entry[] = []
  #text: string | null = null
  #watcher: FSWatcher | null = null
  #timer: NodeJS.Timeout | null = null

  constructor (options: AdminTokensOptions) {
    this.#fixed = configSources(options.token, options.tokens)
    this.file = options.tokensFile
    this.#logger = options.logger
    this.required = this.#fixed.length > 0 || this.file !== null
    const problem = this.#load()
    // The loader checked the file moments ago; if it broke since, start-up stops here.
    if (problem !== null) throw CONFIG_INVALID(`admin.tokensFile: ${problem}`)
  }

  /** The labels in force, for logs (never the tokens). */
  get labels (): string[] {
    return this.#entries.map((entry) => entry.label)
  }

  /** The label of the token an `Authorization: Bearer <token>` header carries, or null. */
  match (authorization: string | undefined): string | null {
    const presented = authorization === undefined ? null : BEARER.exec(authorization)
    if (presented === null) return null
    const digest = sha256((presented[1] as string).trim())
    let found: string | null = null
    for (const entry of this.#entries) {
      if (timingSafeEqual(digest, entry.digest) && found === null) found = entry.label
    }
    return found
  }

  /**
   * Re-reads the tokens file. A file that cannot be read or parsed (or repeats a label or a
   * token) changes nothing: the tokens in force stay, and the problem is logged with the file
   * and line. Returns whether the tokens changed.
   */
  reload (): boolean {
    if (this.file === null) return false
    const before = this.#text
    const problem = this.#load()
    if (problem !== null) {
      this.#logger.error({ file: this.file, problem }, `admin tokens file not reloaded, the previous tokens stay in force: ${problem}`)
      return false
    }
    if (this.#text === before) return false
    this.#logger.info({ file: this.file, labels: this.labels }, 'admin tokens reloaded')
    return true
  }

  /**
   * Re-reads the file when anything in its directory changes: a rename over it (the safe way to
   * replace a file) and Kubernetes' secret volumes (a symlink swap) both show up there.
   */
  watch (): void {
    if (this.file === null || this.#watcher !== null) return
    try {
      this.#watcher = watch(dirname(this.file), { persistent: false }, () => this.#settle())
      this.#watcher.on('error', (err) => {
        this.#logger.error({ file: this.file, err: err.message }, 'admin tokens file: watching stopped; send SIGHUP to reload it')
      })
    } catch (err) {
      this.#logger.error({ file: this.file, err: (err as Error).message }, 'admin tokens file cannot be watched; send SIGHUP to reload it')
    }
  }

  close (): void {
    this.#watcher?.close()
    this.#watcher = null
    if (this.#timer !== null) clearTimeout(this.#timer)
    this.#timer = null
  }

  #settle (): void {
    if (this.#timer !== null) clearTimeout(this.#timer)
    this.#timer = setTimeout(() => {
      this.#timer = null
      this.reload()
    }, SETTLE_MS)
    this.#timer.unref()
  }

  /** Reads the file (if any) and puts the tokens in force; the problem, or null. */
  #load (): string | null {
    const sources = [...this.#fixed]
    let text: string | null = null
    if (this.file !== null) {
      const file = this.file
      try {
        text = readFileSync(file, 'utf8')
      } catch (err) {
        return `${file}: cannot be read (${String((err as NodeJS.ErrnoException).code)})`
      }
      if (text === this.#text) return null
      const parsed = parseTokensText(text, file)
      if (!parsed.ok) return parsed.problem
      sources.push(fileSource(file, parsed))
    }
    const duplicates = duplicateProblems(sources)
    if (duplicates.length > 0) return duplicates[0] as string
    this.#entries = sources.flatMap((source) => source.tokens.map(({ label, token }) => ({ label, digest: sha256(token) })))
    this.#text = text
    return null
  }
}

// Loads the configuration from, lowest precedence first: the defaults, one YAML file, the
// SWITCHYARD_* environment variables, the command-line flags. Every problem in any layer is
// gathered and thrown as one CONFIG_INVALID error, one line per problem, sorted by key.
//
// Two entry points: loadConfig() returns just the Config; loadConfigWithWarnings() also returns
// the warnings (SWITCHYARD_* variables that name no setting) for the caller to log, since this
// module has no logger.
import { existsSync } from 'node:fs'
import { resolve as resolvePath } from 'node:path'
import type { Layer } from './layer.js'
import type { Config } from './schema.js'
import { readArgs } from './args.js'
import { readEnv } from './env.js'
import { readConfigFile } from './file.js'
import { invalid } from './problems.js'
import { resolve } from './resolve.js'

export { envNameFor } from './keys.js'
export { describeConfig, type ConfigKeyInfo } from './describe.js'
export { DEFAULTS, type Config } from './schema.js'

/** Read when neither options.file nor --config names a file, if it exists. */
export const DEFAULT_FILE = 'config/default.yaml'

export interface LoadOptions {
  /** YAML file to read (relative to cwd); --config in args overrides it. Must exist. */
  file?: string | undefined
  /** Defaults to process.env; pass {} in tests. */
  env?: Readonly<Record<string, string | undefined>> | undefined
  /** The flags only, without the command name. Defaults to none. */
  args?: readonly string[] | undefined
  /** Defaults to process.cwd(). */
  cwd?: string | undefined
}

export interface LoadedConfig {
  readonly config: Config
  /** One line per SWITCHYARD_* variable that names no setting and was ignored. */
  readonly warnings: string[]
  /** The absolute path of the YAML file read, or undefined when none was. */
  readonly file: string | undefined
}

export function loadConfigWithWarnings (options: LoadOptions = {}): LoadedConfig {
  const cwd = options.cwd ?? process.cwd()
  const flags = readArgs(options.args ?? [])
  const env = readEnv(options.env ?? process.env)

  const named = flags.file ?? options.file
  const fallback = resolvePath(cwd, DEFAULT_FILE)
  const file = named !== undefined ? resolvePath(cwd, named) : existsSync(fallback) ? fallback : undefined
  const yaml: Layer = file === undefined ? { entries: [], problems: [] } : readConfigFile(file)

  const resolution = resolve([...yaml.entries, ...env.entries, ...flags.entries])
  const problems = [...yaml.problems, ...env.problems, ...flags.problems]
  if (!resolution.ok) problems.push(...resolution.problems)
  if (problems.length > 0 || !resolution.ok) throw invalid(problems)

  const warnings = env.unknown.map(name => `${name} is not a switchyard setting and was ignored`)
  return { config: resolution.config, warnings, file }
}

/** The configuration only; use loadConfigWithWarnings() to also learn of ignored variables. */
export function loadConfig (options: LoadOptions = {}): Config {
  return loadConfigWithWarnings(options).config
}

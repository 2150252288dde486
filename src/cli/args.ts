/** Minimal flag parsing for the CLI: `--name value`, `--name=value`, boolean flags, positionals. */
export interface ParsedArgs {
  positionals: string[]
  flags: Map<string, string | true>
}

export function parseArgs (argv: readonly string[], booleans: ReadonlySet<string>, allowed: readonly string[]): ParsedArgs {
  const positionals: string[] = []
  const flags = new Map<string, string | true>()
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string
    if (!arg.startsWith('--') || arg === '--') {
      positionals.push(arg)
      continue
    }
    const eq = arg.indexOf('=')
    const name = eq === -1 ? arg.slice(2) : arg.slice(2, eq)
    if (!allowed.includes(name)) throw new Error(`unknown option --${name}`)
    if (eq !== -1) {
      flags.set(arg.slice(2, eq), arg.slice(eq + 1))
    } else if (booleans.has(arg.slice(2))) {
      flags.set(arg.slice(2), true)
    } else {
      const value = argv[i + 1]
      if (value === undefined || value.startsWith('--')) throw new Error(`${arg} needs a value`)
      flags.set(arg.slice(2), value)
      i++
    }
  }
  return { positionals, flags }
}

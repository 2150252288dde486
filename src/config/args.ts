// The flags layer, highest precedence:
//   --config FILE | --config=FILE        the YAML file to read (instead of config/default.yaml)
//   --set key.path=value                 any setting; repeatable
//   --key.path value | --key.path=value  the same, one flag per setting
// A boolean setting may stand alone (--log.requests means true). The arguments are the flags only:
// the caller removes the command name ("serve") first.
import type { Layer } from './layer.js'
import { coerce, isBoolean, isBooleanWord } from './coerce.js'
import { leafForKey } from './keys.js'

export interface ArgsLayer extends Layer {
  /** The --config file, if one was given (the last one wins). */
  file: string | undefined
}

export function readArgs (args: readonly string[]): ArgsLayer {
  const layer: ArgsLayer = { entries: [], problems: [], file: undefined }
  const fail = (key: string, text: string): void => { layer.problems.push({ key, text }) }
  const set = (key: string, raw: string, label: string): void => {
    const leaf = leafForKey(key)
    if (leaf === undefined) fail(key, `${label}: unknown option`)
    else layer.entries.push({ key, value: coerce(leaf.schema, raw), label })
  }

  for (let i = 0; i < args.length; i++) {
    const arg = args[i]
    if (!arg.startsWith('--')) {
      fail(arg, `${JSON.stringify(arg)}: unexpected argument`)
      continue
    }
    const eq = arg.indexOf('=')
    const name = eq === -1 ? arg.slice(2) : arg.slice(2, eq)
    const flag = `--${name}`
    const leaf = leafForKey(name)
    const next = args[i + 1]
    // The value follows "=", or is the next argument unless that is another flag. A boolean may
    // stand alone, so it takes the next argument only when that is true/false/1/0.
    let value: string | undefined
    if (eq !== -1) {
      value = arg.slice(eq + 1)
    } else if (leaf !== undefined && isBoolean(leaf.schema)) {
      value = next !== undefined && isBooleanWord(next) ? args[++i] : 'true'
    } else if (next !== undefined && !next.startsWith('--')) {
      value = args[++i]
    }

    if (name === 'config') {
      if (value === undefined || value === '') fail('', `${flag}: needs a file name`)
      else layer.file = value
    } else if (name === 'set') {
      const at = value?.indexOf('=') ?? -1
      if (value === undefined || at < 1) fail('', `${flag}: needs key.path=value (got ${JSON.stringify(value ?? '')})`)
      else set(value.slice(0, at), value.slice(at + 1), `${flag} ${value.slice(0, at)}`)
    } else if (leaf === undefined) {
      fail(name, `${flag}: unknown option`)
    } else if (value === undefined) {
      fail(name, `${flag}: needs a value`)
    } else {
      set(name, value, flag)
    }
  }
  return layer
}

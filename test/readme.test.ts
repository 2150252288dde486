// The README is the front door: its tables must say what the code does.
import { readFileSync } from 'node:fs'
import t from 'tap'
import { configTable, replaceBetween } from '../src/config/table.js'
import { allErrorKinds } from '../src/errors.js'

const root = new URL('../', import.meta.url)
const readme = readFileSync(new URL('README.md', root), 'utf8')
const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as { scripts: Record<string, string>, bin: Record<string, string> }

t.test('the configuration table is the one the schema generates', async (t) => {
  t.equal(replaceBetween(readme, 'config-table', configTable()), readme, 'run `npm run docs:config -- --write` after changing the schema')
})

t.test('every error code is in the error table with its status', async (t) => {
  for (const kind of allErrorKinds()) {
    const status = kind.statusCode === 1 ? 'exit 1' : String(kind.statusCode)
    t.match(readme, new RegExp(`\\| \`${kind.code}\` \\| ${status} \\|`), kind.code)
  }
})

t.test('every npm script the README names exists', async (t) => {
  const named = new Set([...readme.matchAll(/npm run ([a-z:]+)/g)].map((m) => m[1] as string))
  t.ok(named.size >= 4)
  for (const script of named) t.ok(pkg.scripts[script] !== undefined, `npm run ${script}`)
  t.ok(pkg.scripts.test !== undefined && readme.includes('npm test'))
  t.equal(pkg.bin.switchyard, 'bin/switchyard.js')
})

t.test('replaceBetween needs both markers', async (t) => {
  t.throws(() => replaceBetween('no markers here', 'x', 'y'), /markers <!-- x:start -->/)
})

// Prints the configuration table; with --write, puts it into README.md between its markers.
import { readFileSync, writeFileSync } from 'node:fs'
import { configTable, replaceBetween } from '../src/config/table.js'

if (process.argv.includes('--write')) {
  const readme = readFileSync('README.md', 'utf8')
  writeFileSync('README.md', replaceBetween(readme, 'config-table', configTable()))
} else {
  process.stdout.write(configTable() + '\n')
}

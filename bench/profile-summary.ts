// Summarises a .cpuprofile written by `node --cpu-prof`:
//   node --import tsx bench/profile-summary.ts /tmp/switchyard-prof-XXXX/CPU.*.cpuprofile [top]
import { summarise, summaryMarkdown } from './lib/cpuprofile.js'

const [file, top] = process.argv.slice(2)
if (file === undefined) {
  console.error('usage: node --import tsx bench/profile-summary.ts FILE.cpuprofile [top]')
  process.exit(2)
}
console.log(summaryMarkdown(summarise(file, top === undefined ? 15 : Number(top))))

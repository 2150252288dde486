// The process entry of the `switchyard` command (bin/switchyard.js loads the compiled copy).
import { main } from './main.js'

main(process.argv.slice(2)).then((code) => { process.exitCode = code })

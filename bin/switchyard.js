#!/usr/bin/env node
// `npm ci` compiles src/ to dist/ (the prepare script); this shim keeps the bin path stable.
import '../dist/cli/run.js'

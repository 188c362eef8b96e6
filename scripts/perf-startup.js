#!/usr/bin/env node
// Measures how long `kbench --version` takes from the compiled build, the floor of every
// command's latency. Prints each run and the median; run `npm run build` first.
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const runs = Number(process.env.RUNS ?? 10)
const bin = fileURLToPath(new URL('../bin/run.js', import.meta.url))
const manifest = fileURLToPath(new URL('../oclif.manifest.json', import.meta.url))

if (!existsSync(manifest)) {
  console.error('oclif.manifest.json is missing: run `npm run build` first')
  process.exit(1)
}

const timings = []
for (let i = 0; i < runs; i++) {
  const started = process.hrtime.bigint()
  const result = spawnSync(process.execPath, [bin, '--version'], { encoding: 'utf8' })
  const ms = Number(process.hrtime.bigint() - started) / 1e6

  if (result.status !== 0) {
    console.error(result.stderr)
    process.exit(1)
  }
  timings.push(ms)
}

timings.sort((a, b) => a - b)
const median = (timings[Math.floor((runs - 1) / 2)] + timings[Math.ceil((runs - 1) / 2)]) / 2
console.log(`runs: ${timings.map((ms) => ms.toFixed(0)).join(' ')} ms`)
console.log(`kbench --version startup: median ${median.toFixed(0)} ms over ${runs} runs`)

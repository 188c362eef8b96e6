/**
 * Runs consumer modes side by side on one workload, several rounds, alternating the order of
 * modes in each round so that a noisy neighbour hurts every mode alike. Prints each run, the
 * median throughput per mode and each mode's ratio to the first one listed.
 *
 *   MODES=baseline,process WORK=cpu:2 MESSAGES=5000 KEYS=1000 PARTITIONS=8 RUNS=5 \
 *     npx tsx scripts/compare-modes.ts
 *
 * Mode settings: SETTINGS='{"async":{"concurrency":100}}'. Brokers: KBENCH_BROKERS, else a
 * local broker started for the script.
 */
import { resetKafka } from '../src/kafka/reset/reset.js'
import { silentLogger } from '../src/logging.js'
import { runBenchmark } from '../src/harness/run-benchmark.js'
import { resolveModeSettings } from '../src/modes/flags.js'
import type { ConsumerMode } from '../src/modes/types.js'
import { asyncMode } from '../src/plugins/async/async-mode.js'
import { baselineMode } from '../src/plugins/baseline/mode.js'
import { processMode } from '../src/plugins/process/process-mode.js'
import type { WorkloadSettings } from '../src/workload/settings.js'
import { median, scriptCluster } from './script-cluster.js'

const bundled = new Map<string, ConsumerMode>(
  [baselineMode, asyncMode, processMode].map((mode) => [mode.name, mode as ConsumerMode]),
)
const names = (process.env.MODES ?? 'baseline,async,process').split(',')
const runs = Number(process.env.RUNS ?? 3)
const settings = JSON.parse(process.env.SETTINGS ?? '{}') as Record<string, Record<string, unknown>>
const partitions = Number(process.env.PARTITIONS ?? 8)
const topic = 'kbench-compare'

const workload: WorkloadSettings = {
  shape: 'backlog',
  messages: Number(process.env.MESSAGES ?? 5000),
  payloadBytes: Number(process.env.PAYLOAD_BYTES ?? 256),
  keys: Number(process.env.KEYS ?? 1000),
  keyDistribution: 'uniform',
  zipfExponent: 1.1,
  partitions,
  work: process.env.WORK ?? 'noop',
  warmupMessages: 0,
  acks: -1,
  compression: 'none',
  timeoutMs: 600_000,
  seed: 1,
}

const cluster = await scriptCluster()
const connection = { brokers: cluster.brokers }
const rates = new Map<string, number[]>(names.map((name) => [name, []]))
const peaks = new Map<string, number[]>(names.map((name) => [name, []]))

try {
  for (let round = 1; round <= runs; round++) {
    const order = round % 2 === 1 ? names : [...names].reverse()

    for (const name of order) {
      const mode = bundled.get(name)
      if (!mode) throw new Error(`unknown mode ${name}; known: ${[...bundled.keys()].join(', ')}`)
      const group = `${topic}-${name}`

      await resetKafka({
        connection,
        topics: { [topic]: { partitions } },
        groups: [group],
        confirmed: true,
      })
      const result = await runBenchmark({
        mode,
        modeFlags: resolveModeSettings(name, mode.flags, {}, settings[name]),
        connection,
        topic,
        groupId: group,
        workload,
        logger: silentLogger,
      })
      if (!result.complete || result.counts.lost > 0) {
        throw new Error(
          `${name} run ${round} failed: ${result.error ?? `${result.counts.lost} lost`}`,
        )
      }

      rates.get(name)?.push(result.throughput.msgsPerSec)
      peaks.get(name)?.push(result.resources.peakRssMb)
      console.log(
        `round ${round} ${name}: ${Math.round(result.throughput.msgsPerSec)} msg/s, lost ${result.counts.lost}, order violations ${result.counts.orderViolations}, duplicates ${result.counts.duplicates}`,
      )
    }
  }
} finally {
  await cluster.release()
}

const first = median(rates.get(names[0] as string) ?? [])
console.log(
  `\nworkload: ${workload.messages} messages, ${workload.keys} keys, ${partitions} partitions, work ${workload.work}, ${runs} rounds`,
)
for (const name of names) {
  const rate = median(rates.get(name) ?? [])
  console.log(
    `${name.padEnd(10)} median ${Math.round(rate)} msg/s  ×${(rate / first).toFixed(2)} of ${names[0]}`,
  )
}

/**
 * Soak run: two million 100-byte messages through bench:async with no work per message,
 * while this process samples its own resident set size. Reports the peak RSS while producing
 * and while consuming, the throughput, and whether anything was lost.
 *
 *   npx tsx scripts/soak.ts            # starts a local broker and stops it afterwards
 *   KBENCH_BROKERS=127.0.0.1:9092 npx tsx scripts/soak.ts
 *   SOAK_MESSAGES=200000 npx tsx scripts/soak.ts
 *
 * It runs outside the test suite: it takes minutes, and its figures depend on the machine.
 */
import { randomUUID } from 'node:crypto'

import { resolveWorkload } from '../src/cli/workload-flags.js'
import { configSchema } from '../src/config/schema.js'
import { runBenchmark } from '../src/harness/run-benchmark.js'
import { resetKafka } from '../src/kafka/reset/reset.js'
import { streamLogger } from '../src/logging.js'
import { asyncMode } from '../src/plugins/async/async-mode.js'
import { scriptCluster } from './script-cluster.js'

const MESSAGES = Number(process.env.SOAK_MESSAGES ?? 2_000_000)
const PARTITIONS = 8
const SAMPLE_INTERVAL_MS = 250

const megabytes = (bytes: number) => Math.round(bytes / 1024 / 1024)

/** Samples this process's RSS; the phase decides which peak a sample counts towards. */
class RssSampler {
  phase: 'producing' | 'consuming' = 'producing'
  readonly peaks = { producing: 0, consuming: 0 }
  readonly #timer: NodeJS.Timeout

  constructor() {
    this.#timer = setInterval(() => this.sample(), SAMPLE_INTERVAL_MS)
  }

  sample(): void {
    const rss = process.memoryUsage.rss()
    this.peaks[this.phase] = Math.max(this.peaks[this.phase], rss)
  }

  stop(): void {
    clearInterval(this.#timer)
    this.sample()
  }
}

async function main(): Promise<void> {
  const logger = streamLogger(process.stderr, { verbose: false })
  const cluster = await scriptCluster()
  const topic = `kbench-soak-${randomUUID().slice(0, 8)}`
  const groupId = `${topic}-group`
  const connection = { brokers: cluster.brokers, clientId: 'kbench-soak' }

  try {
    await resetKafka({
      connection,
      topics: { [topic]: { partitions: PARTITIONS } },
      groups: [groupId],
      // A broker started a moment ago is still loading its group coordinator: let the time
      // budget of each step, not the count of attempts, decide when to give up.
      retries: 20,
      timeoutMs: 60_000,
      logger,
    })

    const workload = resolveWorkload(
      { messages: MESSAGES, 'payload-bytes': 100, work: 'noop', timeout: 30 * 60_000 },
      configSchema.parse({}),
      PARTITIONS,
    )
    const sampler = new RssSampler()
    const baseline = process.memoryUsage.rss()
    const started = Date.now()

    const result = await runBenchmark({
      mode: asyncMode,
      modeFlags: {},
      connection,
      topic,
      groupId,
      workload,
      logger,
      onConsumeProgress: (processed, total) => {
        sampler.phase = 'consuming'
        logger.debug(`consumed ${processed} of ${total}`)
      },
    })
    sampler.stop()

    const report = {
      messages: MESSAGES,
      complete: result.complete,
      lost: result.counts.lost,
      duplicates: result.counts.duplicates,
      produceSeconds: result.timings.produceMs / 1000,
      produceMsgsPerSec: Math.round(MESSAGES / (result.timings.produceMs / 1000)),
      consumeSeconds: result.timings.consumeMs / 1000,
      consumeMsgsPerSec: result.throughput.msgsPerSec,
      consumeMbPerSec: result.throughput.mbPerSec,
      wallSeconds: (Date.now() - started) / 1000,
      rssBeforeMb: megabytes(baseline),
      peakRssProducingMb: megabytes(sampler.peaks.producing),
      peakRssConsumingMb: megabytes(sampler.peaks.consuming),
      peakRssMb: megabytes(Math.max(sampler.peaks.producing, sampler.peaks.consuming)),
      ...(result.error ? { error: result.error } : {}),
    }
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`)
    if (!result.complete || result.counts.lost > 0) process.exitCode = 1
  } finally {
    await cluster.release()
  }
}

await main()

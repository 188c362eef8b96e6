/**
 * Measures the process pool against its two limits: the IPC cost per message (noop through
 * two workers, one message per IPC message against batches of 64) and the speedup of cpu:2 on
 * two workers over the same handler run in this process. Prints every run and the median.
 *
 *   npx tsx scripts/bench-process-pool.ts
 *
 * RUNS, NOOP_MESSAGES and CPU_MESSAGES override the defaults.
 */
import os from 'node:os'

import type { Executor } from '../src/engine/executor.js'
import { createProcessPool } from '../src/engine/executors/process-pool.js'
import type { HandlerMessage } from '../src/workload/handler.js'
import { createHandler, parseWorkSpec } from '../src/workload/work.js'

const runs = Number(process.env.RUNS ?? 5)
const noopMessages = Number(process.env.NOOP_MESSAGES ?? 20_000)
const cpuMessages = Number(process.env.CPU_MESSAGES ?? 300)

const value = Buffer.alloc(100, 1)

function message(offset: number): HandlerMessage {
  return {
    topic: 'bench',
    partition: offset % 8,
    offset: String(offset),
    key: null,
    value,
    headers: {},
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = (sorted.length - 1) / 2

  return ((sorted[Math.floor(middle)] as number) + (sorted[Math.ceil(middle)] as number)) / 2
}

/** Runs `count` messages through the executor, `inFlight` at a time; returns the elapsed ms. */
async function drive(executor: Executor, count: number, inFlight: number): Promise<number> {
  let next = 0
  const lane = async (): Promise<void> => {
    while (next < count) await executor.execute(message(next++))
  }

  const started = performance.now()
  await Promise.all(Array.from({ length: Math.min(inFlight, count) }, lane))

  return performance.now() - started
}

async function inlineExecutor(workSpec: string): Promise<Executor> {
  const handler = await createHandler(parseWorkSpec(workSpec))

  return {
    async execute(handled) {
      const startedAt = performance.now()
      await handler(handled)

      return { startedAt, finishedAt: performance.now() }
    },
    async close() {},
  }
}

/** noop messages per second; `inFlight` plays the engine's concurrency limit. */
async function noopThroughput(batchSize: number, inFlight: number): Promise<number[]> {
  const pool = await createProcessPool({ workSpec: 'noop', workers: 2, batchSize })
  await drive(pool, 2000, inFlight)

  const rates: number[] = []
  for (let run = 0; run < runs; run++) {
    const elapsed = await drive(pool, noopMessages, inFlight)
    rates.push((noopMessages / elapsed) * 1000)
  }

  await pool.close()
  return rates
}

/**
 * Alternates runs inline and on the pool, so that a change in the machine's load falls on
 * both; returns each side's elapsed ms and the speedup of each pair.
 */
async function cpuSpeedup(): Promise<{ inline: number[]; pooled: number[]; speedups: number[] }> {
  const inline = await inlineExecutor('cpu:2')
  const pool = await createProcessPool({ workSpec: 'cpu:2', workers: 2 })
  await drive(inline, 20, 16)
  await drive(pool, 20, 16)

  const result = { inline: [] as number[], pooled: [] as number[], speedups: [] as number[] }
  for (let run = 0; run < runs; run++) {
    const alone = await drive(inline, cpuMessages, 16)
    const pooled = await drive(pool, cpuMessages, 16)
    result.inline.push(alone)
    result.pooled.push(pooled)
    result.speedups.push(alone / pooled)
  }

  await pool.close()
  return result
}

const format = (values: number[], digits = 0) => values.map((v) => v.toFixed(digits)).join(' ')

console.log(
  `node ${process.version}, ${os.availableParallelism()} cores, load ${os.loadavg()[0]?.toFixed(1)}`,
)
console.log(`${runs} runs each; medians`)

for (const inFlight of [16, 256]) {
  for (const batchSize of [1, 64]) {
    const rates = await noopThroughput(batchSize, inFlight)
    console.log(
      `noop, 2 workers, ${inFlight} in flight, batch size ${batchSize}: ${median(rates).toFixed(0)} messages/s (runs: ${format(rates)})`,
    )
  }
}

const cpu = await cpuSpeedup()
console.log(
  `cpu:2 x ${cpuMessages}, inline: ${median(cpu.inline).toFixed(0)} ms (runs: ${format(cpu.inline)})`,
)
console.log(
  `cpu:2 x ${cpuMessages}, 2 workers: ${median(cpu.pooled).toFixed(0)} ms (runs: ${format(cpu.pooled)})`,
)
console.log(
  `cpu:2 speedup of 2 workers over inline: ${median(cpu.speedups).toFixed(2)}x (runs: ${format(cpu.speedups, 2)})`,
)

import type { LatencySummary } from '../../src/metrics/recorder.js'
import type { BenchResult } from '../../src/results/result.js'

/** What a test varies in a fixture result; the rest is a plausible, verified run. */
export interface FixtureFigures {
  mode: string
  msgsPerSec: number
  e2eP50?: number
  e2eP99?: number
  processingP99?: number
  seconds?: number
}

function latency(p50: number, p99: number): LatencySummary {
  return {
    count: 1000,
    p50,
    p90: p50 + (p99 - p50) * 0.5,
    p95: p50 + (p99 - p50) * 0.75,
    p99,
    p999: p99 * 1.5,
    max: p99 * 2,
    mean: p50 * 1.1,
  }
}

/** A complete, verified result of 1000 messages whose figures a test chooses. */
export function fixtureResult(figures: FixtureFigures): BenchResult {
  const seconds = figures.seconds ?? 4
  const perSecond = Math.round(1000 / seconds)
  const e2eP50 = figures.e2eP50 ?? 5
  const e2eP99 = figures.e2eP99 ?? 20
  const processingP99 = figures.processingP99 ?? 1.2

  return {
    schemaVersion: 1,
    mode: figures.mode,
    complete: true,
    startedAt: '2026-01-05T10:00:00.000Z',
    finishedAt: '2026-01-05T10:00:05.000Z',
    workload: {
      topic: 'kbench-fixture',
      groupId: 'kbench-fixture-group',
      shape: 'backlog',
      messages: 1000,
      payloadBytes: 256,
      keys: 10,
      keyDistribution: 'uniform',
      zipfExponent: 1.1,
      partitions: 4,
      work: 'sleep:1',
      warmupMessages: 0,
      acks: -1,
      compression: 'none',
      timeoutMs: 60_000,
      seed: 1,
    },
    modeSettings: {},
    ordering: 'key',
    counts: {
      produced: 1000,
      processed: 1000,
      duplicates: 0,
      lost: 0,
      orderViolations: 0,
      keyOrderViolations: 0,
      partitionOrderViolations: 0,
      failed: 0,
      foreign: 0,
    },
    commits: {
      matchesEndOffsets: true,
      partitions: [0, 1, 2, 3].map((partition) => ({ partition, committed: '250', end: '250' })),
    },
    throughput: { msgsPerSec: figures.msgsPerSec, mbPerSec: (figures.msgsPerSec * 256) / 1e6 },
    latency: {
      e2e: latency(e2eP50, e2eP99),
      processing: latency(1.05, processingP99),
      queueWait: latency(0.2, 3),
    },
    timings: { produceMs: 300, joinMs: 3000, consumeMs: seconds * 1000, totalMs: 8000 },
    resources: {
      cpuUserMs: 400,
      cpuSystemMs: 100,
      childCpuMs: 0,
      peakRssMb: 120,
      eventLoopDelayP99Ms: 12,
    },
    timeseries: Array.from({ length: seconds }, (_, index) => ({
      second: index + 1,
      processed: perSecond,
      lag: Math.max(0, 1000 - perSecond * (index + 1)),
    })),
    env: {
      kbench: '0.1.0',
      node: 'v24.0.0',
      kafkajs: '2.2.4',
      broker: '4.4.0',
      cpuModel: 'fixture',
      cpuCount: 4,
      platform: 'linux x64',
      gitCommit: null,
    },
  }
}

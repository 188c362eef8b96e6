import type { BenchResult } from '../result.js'
import type { ModeRuns, RunFolder } from './run-folder.js'

/** The mode the others are measured against: `baseline` when it ran, otherwise none. */
export function baselineOf(folder: RunFolder): ModeRuns | undefined {
  return folder.modes.find(({ mode }) => mode === 'baseline')
}

/** Median throughput of a mode divided by the baseline's; null without a baseline. */
export function ratioToBaseline(mode: ModeRuns, baseline: ModeRuns | undefined): number | null {
  const base = baseline?.aggregate.throughput.msgsPerSec.median
  if (!base) return null

  return mode.aggregate.throughput.msgsPerSec.median / base
}

/** The run whose throughput is closest to the median: the one whose time series is charted. */
export function representativeRun(mode: ModeRuns): BenchResult {
  const target = mode.aggregate.throughput.msgsPerSec.median
  const distance = (result: BenchResult) => Math.abs(result.throughput.msgsPerSec - target)
  const [closest] = [...mode.runs].sort((a, b) => distance(a.result) - distance(b.result))

  return (closest ?? mode.runs[0])!.result
}

/** How many runs each mode had, as one phrase: "3 runs each" or "1 to 3 runs". */
export function describeRunCounts(folder: RunFolder): string {
  const counts = folder.modes.map(({ runs }) => runs.length)
  const low = Math.min(...counts)
  const high = Math.max(...counts)
  if (low !== high) return `${low} to ${high} runs per mode`

  return low === 1 ? 'one run per mode' : `${low} runs per mode`
}

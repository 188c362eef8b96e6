import * as hdr from 'hdr-histogram-js'

/** Percentiles of one distribution, in milliseconds. */
export interface LatencySummary {
  count: number
  p50: number
  p90: number
  p95: number
  p99: number
  p999: number
  max: number
  mean: number
}

/** Values are recorded in microseconds, so sub-millisecond work keeps its resolution. */
const MICROS = 1000

let webAssembly: Promise<void> | undefined

/**
 * Loads HdrHistogram's WebAssembly build once per process: recording costs about a third of
 * the JavaScript build's, and the recorder runs three times for every message.
 */
export function loadHistograms(): Promise<void> {
  webAssembly ??= hdr.initWebAssembly()
  return webAssembly
}

function newHistogram(): hdr.Histogram {
  return hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 3_600_000 * MICROS,
    numberOfSignificantValueDigits: 3,
    autoResize: true,
    useWebAssembly: webAssembly !== undefined,
  })
}

function summarize(histogram: hdr.Histogram): LatencySummary {
  const ms = (micros: number) => Math.round((micros / MICROS) * 1000) / 1000
  if (histogram.totalCount === 0) {
    return { count: 0, p50: 0, p90: 0, p95: 0, p99: 0, p999: 0, max: 0, mean: 0 }
  }

  return {
    count: histogram.totalCount,
    p50: ms(histogram.getValueAtPercentile(50)),
    p90: ms(histogram.getValueAtPercentile(90)),
    p95: ms(histogram.getValueAtPercentile(95)),
    p99: ms(histogram.getValueAtPercentile(99)),
    p999: ms(histogram.getValueAtPercentile(99.9)),
    max: ms(histogram.maxValue),
    mean: ms(histogram.mean),
  }
}

/** One second of the run. */
export interface SecondSample {
  /** Seconds since the consumer joined. */
  second: number
  /** Messages processed during this second. */
  processed: number
  /** Produced but not yet processed at the end of this second. */
  lag: number
  inFlight?: number
  buffered?: number
  pausedPartitions?: number
}

/**
 * HdrHistograms of end-to-end latency (intended send → processed), processing time and queue
 * wait (received → handler start), plus the per-second series. Duplicates and warm-up
 * messages are kept out by the caller. Call `loadHistograms()` first for the fast build.
 */
export class LatencyRecorder {
  readonly #e2e = newHistogram()
  readonly #processing = newHistogram()
  readonly #queueWait = newHistogram()
  readonly #series: SecondSample[] = []
  #processedThisSecond = 0
  #bytes = 0
  #destroyed = false

  record(e2eMs: number, processingMs: number, queueWaitMs: number, bytes: number): void {
    // A mode that failed to stop in time may still report; its figures are no longer wanted.
    if (this.#destroyed) return

    this.#e2e.recordValue(Math.max(0, Math.round(e2eMs * MICROS)))
    this.#processing.recordValue(Math.max(0, Math.round(processingMs * MICROS)))
    this.#queueWait.recordValue(Math.max(0, Math.round(queueWaitMs * MICROS)))
    this.#bytes += bytes
  }

  /** Counts a processed message for the per-second series, warm-up included. */
  tick(): void {
    this.#processedThisSecond++
  }

  /** Closes the current second of the series. */
  sample(sample: Omit<SecondSample, 'processed' | 'second'>): void {
    this.#series.push({
      second: this.#series.length + 1,
      processed: this.#processedThisSecond,
      ...sample,
    })
    this.#processedThisSecond = 0
  }

  /** Closes a last, partial second, if it processed anything since the last sample. */
  sampleRemainder(sample: Omit<SecondSample, 'processed' | 'second'>): void {
    if (this.#processedThisSecond > 0) this.sample(sample)
  }

  get bytes(): number {
    return this.#bytes
  }

  summary(): { e2e: LatencySummary; processing: LatencySummary; queueWait: LatencySummary } {
    return {
      e2e: summarize(this.#e2e),
      processing: summarize(this.#processing),
      queueWait: summarize(this.#queueWait),
    }
  }

  series(): SecondSample[] {
    return [...this.#series]
  }

  /** Frees the histograms' WebAssembly memory; the recorder is unusable afterwards. */
  destroy(): void {
    this.#destroyed = true
    this.#e2e.destroy()
    this.#processing.destroy()
    this.#queueWait.destroy()
  }
}

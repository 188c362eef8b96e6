import type { Spread } from '../aggregate.js'

/** A number with thousands separators and a fixed count of decimals. */
export function formatNumber(value: number, digits = 0): string {
  return value.toLocaleString('en-US', {
    maximumFractionDigits: digits,
    minimumFractionDigits: digits,
  })
}

/** A fraction as a percentage: 0.123 → 12.3%. */
export function formatPercent(fraction: number, digits = 1): string {
  return `${formatNumber(fraction * 100, digits)}%`
}

/** A signed percentage change: +4.2%, -30.0%. */
export function formatChange(percent: number): string {
  const sign = percent > 0 ? '+' : ''

  return `${sign}${formatNumber(percent, 1)}%`
}

/** Decimals that keep a latency readable: 0.012, 1.25, 12.5, 1,250. */
export function latencyDigits(ms: number): number {
  if (ms < 0.1) return 3
  if (ms < 10) return 2
  if (ms < 100) return 1

  return 0
}

export function formatLatency(ms: number): string {
  return formatNumber(ms, latencyDigits(ms))
}

/** The median, followed by ± half the spread when runs were repeated: 1,020 ±4.1%. */
export function formatMedian(spread: Spread, runs: number, format = formatNumber): string {
  if (runs < 2) return format(spread.median)

  return `${format(spread.median)} ±${formatPercent(spread.spread / 2)}`
}

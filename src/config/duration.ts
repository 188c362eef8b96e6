import ms, { type StringValue } from 'ms'

/**
 * Parses a duration such as `500ms`, `10s`, `2m` or `1.5h`, or a bare number of
 * milliseconds. Returns undefined for anything else, so callers can name the bad input.
 */
export function parseDuration(value: string | number): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value : undefined

  const trimmed = value.trim()
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed)
  if (!/^\d+(\.\d+)?\s*[a-z]+$/i.test(trimmed)) return undefined

  const parsed = ms(trimmed as StringValue)
  return Number.isFinite(parsed) && parsed >= 0 ? parsed : undefined
}

/** The help text fragment that explains the duration syntax. */
export const DURATION_SYNTAX =
  'a duration such as 500ms, 10s or 2m (a bare number means milliseconds)'

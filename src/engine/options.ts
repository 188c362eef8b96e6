import { parseDuration } from '../config/duration.js'
import { ExitCode, KbenchError } from '../errors.js'
import type { Executor } from './executor.js'
import { ORDERINGS, type Ordering } from './scheduler.js'

/** What happens to a message whose handler still fails after every retry. */
export type FailurePolicy = 'fail' | 'skip'

export const FAILURE_POLICIES: readonly FailurePolicy[] = ['fail', 'skip']

/** How the parallel consumer engine runs. Only `executor` is required. */
export interface EngineOptions {
  /** Runs the handler on each dispatched message. The engine closes it when the run ends. */
  executor: Executor
  /** The most messages processed at once. */
  concurrency?: number
  /** `key` (default), `partition` or `unordered`. */
  ordering?: Ordering
  /** The most messages queued or in flight; partitions are paused at this bound. */
  maxBuffered?: number
  /** Milliseconds between commits of completed offsets. */
  commitIntervalMs?: number
  /** Retries of a failing handler before the message fails for good. */
  maxRetries?: number
  /** The wait before the first retry; it doubles with each further retry. */
  retryBackoffMs?: number
  /** `fail` stops the run at the first message that fails for good; `skip` reports it and goes on. */
  onFailure?: FailurePolicy
  /** How long in-flight work may take to finish once the run is stopping. */
  shutdownTimeoutMs?: number
  /** The longest the broker holds a fetch open; also how soon a resumed partition is fetched. */
  fetchMaxWaitMs?: number
  /** The most bytes one fetch returns; messages beyond the buffer bound are fetched again. */
  fetchMaxBytes?: number
}

/** The engine's defaults. `maxBuffered` defaults to `bufferPerConcurrency × concurrency`. */
export const ENGINE_DEFAULTS = {
  concurrency: 64,
  ordering: 'key' as Ordering,
  bufferPerConcurrency: 4,
  commitIntervalMs: 1000,
  maxRetries: 3,
  retryBackoffMs: 100,
  onFailure: 'fail' as FailurePolicy,
  shutdownTimeoutMs: 10_000,
  fetchMaxWaitMs: 20,
  fetchMaxBytes: 256 * 1024,
} as const

/**
 * The engine's command-line flags as plain data, so that every mode built on the engine
 * declares them the same way (a command maps each entry to an oclif flag). Durations are
 * milliseconds or a duration such as `2s`.
 */
export const ENGINE_FLAGS = {
  concurrency: {
    kind: 'integer',
    summary: 'Messages processed at once.',
    default: ENGINE_DEFAULTS.concurrency,
    min: 1,
  },
  ordering: {
    kind: 'option',
    summary:
      'key: one message at a time per key, in offset order; partition: one at a time per partition; unordered: no ordering.',
    default: ENGINE_DEFAULTS.ordering,
    options: ORDERINGS,
  },
  'max-buffered': {
    kind: 'integer',
    summary: `Messages queued or in flight before partitions are paused [default: ${ENGINE_DEFAULTS.bufferPerConcurrency} × concurrency].`,
    default: undefined,
    min: 1,
  },
  'commit-interval': {
    kind: 'duration',
    summary: 'How often completed offsets are committed.',
    default: ENGINE_DEFAULTS.commitIntervalMs,
  },
  'max-retries': {
    kind: 'integer',
    summary: 'Retries of a failing handler, with exponential backoff, before the message fails.',
    default: ENGINE_DEFAULTS.maxRetries,
    min: 0,
  },
  'on-failure': {
    kind: 'option',
    summary:
      'fail: stop the run at a message that fails after every retry; skip: report it as failed and go on.',
    default: ENGINE_DEFAULTS.onFailure,
    options: FAILURE_POLICIES,
  },
} as const

/** The engine's options with every default applied. */
export type ResolvedEngineOptions = Required<EngineOptions>

function invalidOption(name: string, value: unknown, expected: string): KbenchError {
  return new KbenchError(
    'INVALID_ENGINE_OPTION',
    `${name} is ${String(value)}; expected ${expected}.`,
    {
      exitCode: ExitCode.Usage,
      suggestions: [`Pass ${expected} for ${name}.`],
    },
  )
}

function wholeNumber(name: string, value: number, min: number): number {
  if (!Number.isInteger(value) || value < min) {
    throw invalidOption(name, value, `a whole number of at least ${min}`)
  }

  return value
}

function milliseconds(name: string, value: number, min: number): number {
  if (!Number.isFinite(value) || value < min) {
    throw invalidOption(name, value, `a number of milliseconds of at least ${min}`)
  }

  return value
}

/** Applies the defaults and rejects values the engine cannot run with. */
export function resolveEngineOptions(options: EngineOptions): ResolvedEngineOptions {
  const concurrency = wholeNumber(
    'concurrency',
    options.concurrency ?? ENGINE_DEFAULTS.concurrency,
    1,
  )

  const ordering = options.ordering ?? ENGINE_DEFAULTS.ordering
  if (!ORDERINGS.includes(ordering)) throw invalidOption('ordering', ordering, ORDERINGS.join(', '))

  const onFailure = options.onFailure ?? ENGINE_DEFAULTS.onFailure
  if (!FAILURE_POLICIES.includes(onFailure)) {
    throw invalidOption('on-failure', onFailure, FAILURE_POLICIES.join(' or '))
  }

  const maxBuffered = wholeNumber(
    'max-buffered',
    options.maxBuffered ?? ENGINE_DEFAULTS.bufferPerConcurrency * concurrency,
    1,
  )

  return {
    executor: options.executor,
    concurrency,
    ordering,
    maxBuffered,
    commitIntervalMs: milliseconds(
      'commit-interval',
      options.commitIntervalMs ?? ENGINE_DEFAULTS.commitIntervalMs,
      1,
    ),
    maxRetries: wholeNumber('max-retries', options.maxRetries ?? ENGINE_DEFAULTS.maxRetries, 0),
    retryBackoffMs: milliseconds(
      'retry-backoff',
      options.retryBackoffMs ?? ENGINE_DEFAULTS.retryBackoffMs,
      0,
    ),
    onFailure,
    shutdownTimeoutMs: milliseconds(
      'shutdown-timeout',
      options.shutdownTimeoutMs ?? ENGINE_DEFAULTS.shutdownTimeoutMs,
      0,
    ),
    fetchMaxWaitMs: wholeNumber(
      'fetch-max-wait',
      options.fetchMaxWaitMs ?? ENGINE_DEFAULTS.fetchMaxWaitMs,
      1,
    ),
    fetchMaxBytes: wholeNumber(
      'fetch-max-bytes',
      options.fetchMaxBytes ?? ENGINE_DEFAULTS.fetchMaxBytes,
      1024,
    ),
  }
}

function numberFlag(flags: Record<string, unknown>, name: string): number | undefined {
  const value = flags[name]
  if (value === undefined || value === null || value === '') return undefined
  if (typeof value === 'number') return value

  const parsed = Number(value)
  if (!Number.isFinite(parsed)) throw invalidOption(name, value, 'a number')

  return parsed
}

function durationFlag(flags: Record<string, unknown>, name: string): number | undefined {
  const value = flags[name]
  if (value === undefined || value === null || value === '') return undefined
  if (typeof value !== 'number' && typeof value !== 'string') {
    throw invalidOption(name, value, 'a duration')
  }

  const parsed = parseDuration(value)
  if (parsed === undefined) throw invalidOption(name, value, 'a duration such as 500ms or 2s')

  return parsed
}

/**
 * Reads the engine's options from a mode's parsed flags (the names in `ENGINE_FLAGS`).
 * Flags that are absent keep the engine's defaults, or `defaults` where a mode has its own.
 */
export function engineOptionsFromFlags(
  flags: Record<string, unknown>,
  executor: Executor,
  defaults: Partial<Omit<EngineOptions, 'executor'>> = {},
): EngineOptions {
  return {
    ...defaults,
    executor,
    concurrency: numberFlag(flags, 'concurrency') ?? defaults.concurrency,
    ordering: (flags.ordering as Ordering | undefined) ?? defaults.ordering,
    maxBuffered: numberFlag(flags, 'max-buffered') ?? defaults.maxBuffered,
    commitIntervalMs: durationFlag(flags, 'commit-interval') ?? defaults.commitIntervalMs,
    maxRetries: numberFlag(flags, 'max-retries') ?? defaults.maxRetries,
    onFailure: (flags['on-failure'] as FailurePolicy | undefined) ?? defaults.onFailure,
  }
}

import { Flags } from '@oclif/core'
import { z } from 'zod'

import { type BenchConfig, duration } from '../config/schema.js'
import { DURATION_SYNTAX, parseDuration } from '../config/duration.js'
import { ExitCode, KbenchError } from '../errors.js'
import type { WorkloadSettings } from '../workload/settings.js'
import { parseWorkSpec, WORK_SYNTAX } from '../workload/work.js'

/** kbench's workload when neither flags nor configuration say otherwise. */
export const WORKLOAD_DEFAULTS = {
  messages: 10_000,
  payloadBytes: 256,
  keys: 100,
  keyDistribution: 'uniform',
  zipfExponent: 1.1,
  work: 'sleep:1',
  timeoutMs: 300_000,
  warmup: '0',
  acks: 'all',
  compression: 'none',
  seed: 1,
} as const

/** A flag value its parser refuses: oclif adds the flag's name, the exit code stays 2. */
function usageError(message: string): KbenchError {
  return new KbenchError('INVALID_FLAG', message, { exitCode: ExitCode.Usage })
}

const durationFlag = Flags.custom<number>({
  parse: async (input) => {
    const ms = parseDuration(input)
    if (ms === undefined) throw usageError(`Expected ${DURATION_SYNTAX}, got "${input}".`)

    return ms
  },
})

const positiveNumber = Flags.custom<number>({
  parse: async (input) => {
    const value = Number(input)
    if (!Number.isFinite(value) || value <= 0)
      throw usageError(`Expected a number above 0, got "${input}".`)

    return value
  },
})

const workFlag = Flags.custom<string>({
  parse: async (input) => {
    parseWorkSpec(input)
    return input
  },
})

const GROUP = 'WORKLOAD'

/** The workload flags every bench command has. Each also reads a KBENCH_* variable. */
export const workloadFlags = {
  messages: Flags.integer({
    summary: `Messages to produce in the backlog shape [default: ${WORKLOAD_DEFAULTS.messages}].`,
    min: 1,
    env: 'KBENCH_MESSAGES',
    helpGroup: GROUP,
  }),
  'payload-bytes': Flags.integer({
    summary: `Size of each message value [default: ${WORKLOAD_DEFAULTS.payloadBytes}].`,
    min: 0,
    env: 'KBENCH_PAYLOAD_BYTES',
    helpGroup: GROUP,
  }),
  keys: Flags.integer({
    summary: `Distinct message keys [default: ${WORKLOAD_DEFAULTS.keys}].`,
    min: 1,
    env: 'KBENCH_KEYS',
    helpGroup: GROUP,
  }),
  'key-distribution': Flags.option({
    summary: `How keys are drawn [default: ${WORKLOAD_DEFAULTS.keyDistribution}].`,
    options: ['uniform', 'zipf'] as const,
    env: 'KBENCH_KEY_DISTRIBUTION',
    helpGroup: GROUP,
  })(),
  'zipf-exponent': positiveNumber({
    summary: `Skew of the zipf distribution [default: ${WORKLOAD_DEFAULTS.zipfExponent}].`,
    helpGroup: GROUP,
  }),
  work: workFlag({
    summary: `The handler applied to each message: ${WORK_SYNTAX} [default: ${WORKLOAD_DEFAULTS.work}].`,
    description:
      'sleep:<ms> waits asynchronously, like I/O; cpu:<ms> burns CPU calibrated on this machine; module:<path> loads your own handler (default export or export named handler).',
    env: 'KBENCH_WORK',
    helpGroup: GROUP,
  }),
  rate: positiveNumber({
    summary:
      'Produce this many messages per second while consuming (the rate shape) instead of a backlog.',
    helpGroup: GROUP,
    dependsOn: ['duration'],
  }),
  duration: durationFlag({
    summary: 'How long to produce in the rate shape, such as 30s.',
    helpGroup: GROUP,
    dependsOn: ['rate'],
  }),
  warmup: Flags.string({
    summary:
      'Leading messages left out of the statistics: a count (500) or, with --rate, a duration (5s).',
    helpGroup: GROUP,
  }),
  acks: Flags.option({
    summary: `Producer acknowledgements [default: ${WORKLOAD_DEFAULTS.acks}].`,
    options: ['all', '1', '0'] as const,
    helpGroup: GROUP,
  })(),
  compression: Flags.option({
    summary: `Producer compression [default: ${WORKLOAD_DEFAULTS.compression}].`,
    options: ['none', 'gzip'] as const,
    helpGroup: GROUP,
  })(),
  timeout: durationFlag({
    summary: 'Stop the whole run after this long and mark it incomplete [default: 5m].',
    env: 'KBENCH_TIMEOUT',
    helpGroup: GROUP,
  }),
  seed: Flags.integer({
    summary: `Seed of the key sequence, for reproducible workloads [default: ${WORKLOAD_DEFAULTS.seed}].`,
    helpGroup: GROUP,
  }),
}

/** The workload flags as parsed. */
export interface WorkloadFlagValues {
  messages?: number
  'payload-bytes'?: number
  keys?: number
  'key-distribution'?: 'uniform' | 'zipf'
  'zipf-exponent'?: number
  work?: string
  rate?: number
  duration?: number
  warmup?: string
  acks?: 'all' | '1' | '0'
  compression?: 'none' | 'gzip'
  timeout?: number
  seed?: number
}

/** The `workload` section of the configuration file. */
const workloadConfigSchema = z.strictObject({
  topic: z.string().optional(),
  group: z.string().optional(),
  partitions: z.number().int().positive().optional(),
  messages: z.number().int().positive().optional(),
  payloadBytes: z.number().int().min(0).optional(),
  keys: z.number().int().positive().optional(),
  keyDistribution: z.enum(['uniform', 'zipf']).optional(),
  zipfExponent: z.number().positive().optional(),
  work: z
    .string()
    .refine(
      (value) => {
        try {
          parseWorkSpec(value)
          return true
        } catch {
          return false
        }
      },
      { message: `expected ${WORK_SYNTAX}` },
    )
    .optional(),
  rate: z.number().positive().optional(),
  duration: duration.optional(),
  warmup: z.union([z.string(), z.number()]).optional(),
  acks: z.enum(['all', '1', '0']).optional(),
  compression: z.enum(['none', 'gzip']).optional(),
  timeout: duration.optional(),
  seed: z.number().int().optional(),
})

function configuredWorkload(config: BenchConfig, filepath?: string) {
  const parsed = workloadConfigSchema.safeParse(config.workload)
  if (parsed.success) return parsed.data

  const problems = parsed.error.issues.map(
    (issue) => `  - workload.${issue.path.join('.')}: ${issue.message}`,
  )
  throw new KbenchError(
    'CONFIG_INVALID',
    `Invalid configuration in ${filepath ?? 'the configuration'}:\n${problems.join('\n')}`,
    {
      exitCode: ExitCode.Config,
      suggestions: ['Fix the workload fields listed; the README lists them.'],
    },
  )
}

function parseWarmup(value: string | number, rate: number | undefined): number {
  const text = String(value).trim()
  if (/^\d+$/.test(text)) return Number(text)

  const ms = parseDuration(text)
  if (ms !== undefined && rate !== undefined) return Math.round((ms / 1000) * rate)

  throw new KbenchError(
    'INVALID_WARMUP',
    `--warmup "${text}" is invalid: give a number of messages, or with --rate a duration such as 5s.`,
    { exitCode: ExitCode.Usage },
  )
}

/** The run's workload: flags (and their KBENCH_* variables) win, then the file, then defaults. */
export function resolveWorkload(
  flags: WorkloadFlagValues,
  config: BenchConfig,
  partitions: number,
  filepath?: string,
): WorkloadSettings {
  const file = configuredWorkload(config, filepath)
  const rate = flags.rate ?? file.rate
  const durationMs = flags.duration ?? file.duration
  const acks = flags.acks ?? file.acks ?? WORKLOAD_DEFAULTS.acks

  if ((rate === undefined) !== (durationMs === undefined)) {
    throw new KbenchError('INVALID_RATE', 'The rate shape needs both --rate and --duration.', {
      exitCode: ExitCode.Usage,
      suggestions: ['Pass --rate 2000 --duration 30s, or neither for the backlog shape.'],
    })
  }

  return {
    shape: rate !== undefined ? 'rate' : 'backlog',
    messages: flags.messages ?? file.messages ?? WORKLOAD_DEFAULTS.messages,
    payloadBytes: flags['payload-bytes'] ?? file.payloadBytes ?? WORKLOAD_DEFAULTS.payloadBytes,
    keys: flags.keys ?? file.keys ?? WORKLOAD_DEFAULTS.keys,
    keyDistribution:
      flags['key-distribution'] ?? file.keyDistribution ?? WORKLOAD_DEFAULTS.keyDistribution,
    zipfExponent: flags['zipf-exponent'] ?? file.zipfExponent ?? WORKLOAD_DEFAULTS.zipfExponent,
    partitions,
    work: flags.work ?? file.work ?? WORKLOAD_DEFAULTS.work,
    ...(rate !== undefined ? { rate, durationMs } : {}),
    warmupMessages: parseWarmup(flags.warmup ?? file.warmup ?? WORKLOAD_DEFAULTS.warmup, rate),
    acks: acks === 'all' ? -1 : acks === '1' ? 1 : 0,
    compression: flags.compression ?? file.compression ?? WORKLOAD_DEFAULTS.compression,
    timeoutMs: flags.timeout ?? file.timeout ?? WORKLOAD_DEFAULTS.timeoutMs,
    seed: flags.seed ?? file.seed ?? WORKLOAD_DEFAULTS.seed,
  }
}

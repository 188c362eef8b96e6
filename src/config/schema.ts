import { z } from 'zod'

import { DURATION_SYNTAX, parseDuration } from './duration.js'

/** A duration in the config: `10s`, `500ms`, or milliseconds as a number. Parsed to ms. */
export const duration = z.union([z.string(), z.number()]).transform((value, context) => {
  const parsed = parseDuration(value)
  if (parsed === undefined) {
    context.addIssue({
      code: 'custom',
      message: `expected ${DURATION_SYNTAX}, found ${JSON.stringify(value)}`,
    })
    return z.NEVER
  }

  return parsed
})

/** Kafka's own topic name rule: 1 to 249 of [a-zA-Z0-9._-], and not "." or "..". */
export const TOPIC_NAME = /^(?!\.{1,2}$)[a-zA-Z0-9._-]{1,249}$/

export const topicName = z.string().regex(TOPIC_NAME, {
  message: 'expected a Kafka topic name: 1 to 249 letters, digits, ".", "_" or "-"',
})

const secret = z.strictObject({
  /** The name of the environment variable that holds the secret. */
  env: z.string().min(1),
})

const saslSchema = z.strictObject({
  mechanism: z.enum(['plain', 'scram-sha-256', 'scram-sha-512']),
  username: z.string().min(1),
  /** A literal password, or { env: NAME } to read it from the environment. Prefer env. */
  password: z.union([z.string(), secret]),
})

const sslSchema = z.union([
  z.boolean(),
  z.strictObject({
    rejectUnauthorized: z.boolean().default(true),
    /** Paths of PEM files. */
    caFile: z.string().optional(),
    certFile: z.string().optional(),
    keyFile: z.string().optional(),
    /** The private key's passphrase, literal or { env: NAME }. */
    passphrase: z.union([z.string(), secret]).optional(),
  }),
])

const localClusterSchema = z.strictObject({
  /** An unpacked Kafka installation to run instead of fetching one. */
  kafkaHome: z.string().optional(),
  cacheDir: z.string().optional(),
  version: z.string().optional(),
  heap: z
    .string()
    .regex(/^\d+[kmg]$/i, { message: 'expected a JVM heap size such as 512m or 1g' })
    .optional(),
})

export const kafkaSchema = z.strictObject({
  brokers: z.union([z.string(), z.array(z.string().min(1)).min(1)]).optional(),
  clientId: z.string().min(1).default('kbench'),
  ssl: sslSchema.optional(),
  sasl: saslSchema.optional(),
  connectionTimeout: duration.default(3000),
  requestTimeout: duration.default(30_000),
  local: localClusterSchema.prefault({}),
})

export const topicSchema = z.strictObject({
  partitions: z.number().int().positive(),
  replicationFactor: z.number().int().positive().optional(),
  /** Topic-level configs, such as { "retention.ms": "600000" }. */
  configs: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
})

export const resetSchema = z.strictObject({
  retries: z.number().int().min(0).default(3),
  /** Time budget of each step (group check, deletions, creation, verification). */
  timeout: duration.default(10_000),
  backoff: z
    .strictObject({
      initial: duration.default(200),
      max: duration.default(5000),
      factor: z.number().min(1).default(2),
    })
    .prefault({}),
  /** Topics matching this regular expression may be emptied without --yes. */
  allowPattern: z
    .string()
    .refine(
      (value) => {
        try {
          new RegExp(value)
          return true
        } catch {
          return false
        }
      },
      { message: 'expected a valid regular expression' },
    )
    .default('^(kbench-|bench-)'),
  replicationFactor: z.number().int().positive().default(1),
})

export const validateStepSchema = z.strictObject({
  name: z.string().min(1),
  command: z.string().min(1),
})

export const configSchema = z.strictObject({
  $schema: z.string().optional(),
  kafka: kafkaSchema.prefault({}),
  topics: z.record(topicName, topicSchema).default({}),
  groups: z.array(z.string().min(1)).default([]),
  reset: resetSchema.prefault({}),
  /** Workload settings shared by every bench command; validated by the workload layer. */
  workload: z.record(z.string(), z.unknown()).default({}),
  /** Per-mode settings, keyed by mode name; each mode validates its own. */
  modes: z.record(z.string(), z.record(z.string(), z.unknown())).default({}),
  validate: z.strictObject({ steps: z.array(validateStepSchema).optional() }).prefault({}),
  journal: z
    .strictObject({
      path: z.string().default('benchmarks/JOURNAL.md'),
      enabled: z.boolean().default(true),
    })
    .prefault({}),
  results: z.strictObject({ outputDir: z.string().default('benchmarks/results') }).prefault({}),
})

export type BenchConfig = z.output<typeof configSchema>
export type BenchConfigInput = z.input<typeof configSchema>
export type TopicSettings = z.output<typeof topicSchema>
export type ResetSettings = z.output<typeof resetSchema>

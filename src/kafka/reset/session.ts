import pRetry from 'p-retry'

import { ExitCode, KbenchError, isKbenchError } from '../../errors.js'
import { type Logger, silentLogger, trace } from '../../logging.js'
import { createKafka } from '../client.js'
import {
  type Classification,
  classifyFailure,
  describeCause,
  isAuthenticationFailure,
} from './classify.js'
import { manualCleanup } from './cleanup.js'
import {
  DEFAULT_ALLOW_PATTERN,
  DEFAULT_BACKOFF,
  DEFAULT_RESET_RETRIES,
  DEFAULT_RESET_TIMEOUT_MS,
  type ResetAdmin,
  type ResetBackoff,
  type ResetTarget,
  type ResetTopic,
} from './options.js'

const debug = trace('reset')

/** The steps of a reset, in the order they run. */
export type ResetStep =
  | 'connect'
  | 'inspect'
  | 'check-groups'
  | 'delete-groups'
  | 'delete-topics'
  | 'create-topics'
  | 'verify'

const STEP_DESCRIPTIONS: Record<ResetStep, string> = {
  connect: 'connect to the cluster',
  inspect: 'inspect the topics and groups',
  'check-groups': 'check that the consumer groups have no active members',
  'delete-groups': 'delete the consumer groups',
  'delete-topics': 'delete the topics',
  'create-topics': 'create the topics',
  verify: 'verify the clean slate',
}

/** The topics and groups a step works on, named in its log line and in its failure. */
export interface StepSubject {
  topics?: string[]
  groups?: string[]
}

/** How long one step took and how many admin calls it needed, transient failures included. */
export interface StepRecord {
  step: ResetStep
  durationMs: number
  attempts: number
}

/** A reset target with every default applied and its names checked. */
export interface ResolvedTarget {
  brokers: string[]
  topics: Record<string, ResetTopic>
  groups: string[]
  replicationFactor: number
  timeoutMs: number
  retries: number
  backoff: ResetBackoff
  allowPattern: RegExp
  logger: Logger
}

/** What a step can do within its time budget. */
export interface StepContext {
  /** Runs one admin call, retrying transient failures with backoff; counts every attempt. */
  attempt<T>(call: () => Promise<T>): Promise<T>
  /** Polls until `probe` returns a value; transient failures of the probe are polled over. */
  waitFor<T>(probe: () => Promise<T | undefined>, onTimeout: () => Error): Promise<T>
}

/** A failure that carries the topics or groups it concerns, so the report can name them. */
export class SubjectFailure extends Error {
  readonly subject: StepSubject

  constructor(message: string, subject: StepSubject, options: { cause?: unknown } = {}) {
    super(message, options)
    this.name = 'SubjectFailure'
    this.subject = subject
  }
}

/** An attempt that did not finish before its step ran out of time. */
class StepTimeout extends Error {
  constructor(timeoutMs: number) {
    super(`no answer within the step's ${timeoutMs} ms budget`)
    this.name = 'StepTimeout'
  }
}

const POLL_INTERVAL_MS = 100

/** Checks names and fills in defaults; refuses Kafka's internal topics and groups. */
export function resolveTarget(target: ResetTarget): ResolvedTarget {
  const internal = [...Object.keys(target.topics), ...target.groups].filter((name) =>
    name.startsWith('__'),
  )
  if (internal.length > 0) {
    throw new KbenchError(
      'RESET_INTERNAL_NAME',
      `Refusing to reset ${internal.join(', ')}: names starting with "__" belong to Kafka itself (consumer offsets, transactions, cluster metadata), and deleting them would break the cluster.`,
      {
        exitCode: ExitCode.Usage,
        suggestions: ['Name the benchmark topics and groups you own, such as kbench-orders.'],
      },
    )
  }

  for (const [topic, shape] of Object.entries(target.topics)) {
    if (!Number.isInteger(shape.partitions) || shape.partitions < 1) {
      throw new KbenchError(
        'RESET_INVALID_PARTITIONS',
        `Topic ${topic} cannot be created with ${shape.partitions} partitions: a topic needs a whole number of partitions, 1 or more.`,
        { exitCode: ExitCode.Usage },
      )
    }
  }

  const pattern = target.allowPattern ?? DEFAULT_ALLOW_PATTERN

  return {
    brokers: target.connection.brokers,
    topics: target.topics,
    groups: [...new Set(target.groups)],
    replicationFactor: target.replicationFactor ?? 1,
    timeoutMs: target.timeoutMs ?? DEFAULT_RESET_TIMEOUT_MS,
    retries: target.retries ?? DEFAULT_RESET_RETRIES,
    backoff: { ...DEFAULT_BACKOFF, ...target.backoff },
    allowPattern: typeof pattern === 'string' ? new RegExp(pattern) : pattern,
    logger: target.logger ?? silentLogger,
  }
}

/**
 * One connection to the cluster for the duration of a reset or a plan, and the runner of its
 * steps. Each step has its own time budget; transient failures are retried here, with
 * kafkajs's own retrier turned off, so that attempts never multiply.
 */
export class ResetSession {
  readonly admin: ResetAdmin
  readonly target: ResolvedTarget
  readonly steps: StepRecord[] = []

  /** Who the session authenticates as, for a refusal of the credentials; never the secret. */
  readonly #identity: { mechanism: string; username: string } | undefined

  private constructor(
    admin: ResetAdmin,
    target: ResolvedTarget,
    identity?: { mechanism: string; username: string },
  ) {
    this.admin = admin
    this.target = target
    this.#identity = identity
  }

  /** Connects an admin client, within the time budget of the `connect` step. */
  static async open(target: ResetTarget, resolved: ResolvedTarget): Promise<ResetSession> {
    const connection = {
      ...target.connection,
      retries: 0,
      requestTimeoutMs: Math.min(target.connection.requestTimeoutMs ?? 30_000, resolved.timeoutMs),
    }
    const admin = target.createAdmin
      ? target.createAdmin(connection)
      : createKafka(connection).admin()
    const sasl = target.connection.sasl as { mechanism: string; username?: string } | undefined
    const identity = sasl ? { mechanism: sasl.mechanism, username: sasl.username ?? '' } : undefined
    const session = new ResetSession(admin, resolved, identity)

    await session.run('connect', {}, (step) => step.attempt(() => admin.connect()))

    return session
  }

  async close(): Promise<void> {
    await this.admin.disconnect().catch((error: unknown) => debug('disconnect failed: %O', error))
  }

  /** The total number of admin calls made so far. */
  get attempts(): number {
    return this.steps.reduce((sum, record) => sum + record.attempts, 0)
  }

  /**
   * Runs one step within its time budget, logs one line naming its subject and duration,
   * and turns a failure into an error that names the step, the subject, the Kafka error and
   * the manual cleanup.
   */
  async run<T>(
    step: ResetStep,
    subject: StepSubject,
    work: (context: StepContext) => Promise<T>,
  ): Promise<T> {
    const { timeoutMs, logger } = this.target
    const started = performance.now()
    const deadline = Date.now() + timeoutMs
    const record: StepRecord = { step, durationMs: 0, attempts: 0 }
    this.steps.push(record)

    const context: StepContext = {
      attempt: (call) => this.#attempt(step, call, deadline, record),
      waitFor: (probe, onTimeout) => this.#waitFor(probe, onTimeout, deadline),
    }

    try {
      const result = await work(context)
      record.durationMs = Math.round(performance.now() - started)
      logger.info(`Reset: ${describeStepDone(step, subject)} in ${record.durationMs} ms`)

      return result
    } catch (error) {
      record.durationMs = Math.round(performance.now() - started)
      throw this.#failure(step, subject, error, record)
    }
  }

  async #attempt<T>(
    step: ResetStep,
    call: () => Promise<T>,
    deadline: number,
    record: StepRecord,
  ): Promise<T> {
    const { retries, backoff, logger } = this.target

    return pRetry(
      async () => {
        record.attempts += 1

        return withDeadline(call(), deadline, this.target.timeoutMs)
      },
      {
        retries,
        factor: backoff.factor,
        minTimeout: backoff.initial,
        maxTimeout: backoff.max,
        randomize: false,
        maxRetryTime: Math.max(0, deadline - Date.now()),
        shouldRetry: ({ error }) => classifyFailure(error).kind === 'transient',
        onFailedAttempt: ({ error, attemptNumber, retriesLeft }) => {
          const causes = classifyFailure(error).causes.map(describeCause).join('; ')
          debug(
            '%s attempt %d failed (%d retries left): %s',
            step,
            attemptNumber,
            retriesLeft,
            causes,
          )
          if (retriesLeft > 0)
            logger.debug(`Reset: ${step} attempt ${attemptNumber} failed: ${causes}`)
        },
      },
    )
  }

  async #waitFor<T>(
    probe: () => Promise<T | undefined>,
    onTimeout: () => Error,
    deadline: number,
  ): Promise<T> {
    for (;;) {
      try {
        const value = await withDeadline(probe(), deadline, this.target.timeoutMs)
        if (value !== undefined) return value
      } catch (error) {
        if (error instanceof StepTimeout) throw onTimeout()
        if (classifyFailure(error).kind !== 'transient') throw error
      }

      if (Date.now() + POLL_INTERVAL_MS > deadline) throw onTimeout()
      await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS))
    }
  }

  #failure(step: ResetStep, subject: StepSubject, error: unknown, record: StepRecord): Error {
    if (isKbenchError(error)) return error

    const classification = classifyFailure(error)
    const named = subjectOf(error) ?? subject
    const brokers = this.target.brokers.join(',')
    const causes = classification.causes.map(describeCause).join('; ')
    const tries = `${record.attempts} attempt${record.attempts === 1 ? '' : 's'}`

    if (isAuthenticationFailure(error)) {
      return credentialsRefused(this.target.brokers, this.#identity, causes, error)
    }

    if (classification.kind === 'authorization') return authorizationFailure(step, named, causes)

    // Once connected, the cluster is reachable: a broker lost mid-reset is a failed step.
    if (classification.connection && step === 'connect') {
      return new KbenchError(
        'BROKER_UNREACHABLE',
        `Could not ${STEP_DESCRIPTIONS[step]}: no answer from the Kafka broker at ${brokers} (${causes}) after ${tries} in ${record.durationMs} ms.`,
        {
          exitCode: ExitCode.Connection,
          cause: error,
          suggestions: [
            `Check that a broker listens on ${brokers}, or start one with \`kbench kafka:start\`.`,
            'Point kbench at another cluster with --brokers or KBENCH_BROKERS.',
          ],
        },
      )
    }

    const cleanup = manualCleanup(this.target).map((line) => `  ${line}`)

    return new KbenchError(
      'RESET_FAILED',
      [
        `Reset failed to ${STEP_DESCRIPTIONS[step]}${describeSubject(named)}: ${causes} (${describeOutcome(classification, tries)}).`,
        'To clean up by hand, run:',
        ...cleanup,
      ].join('\n'),
      {
        exitCode: ExitCode.Reset,
        cause: error,
        suggestions: [
          'Run the reset again once the cluster is healthy, or raise reset.retries and reset.timeout.',
          'Use --skip-reset to run a benchmark on the topic as it is.',
        ],
      },
    )
  }
}

/** The cluster refused who kbench claimed to be: exit 4, naming the mechanism and the user. */
export function credentialsRefused(
  brokers: string[],
  identity: { mechanism: string; username: string } | undefined,
  causes: string,
  cause?: unknown,
): KbenchError {
  const who = identity
    ? `the credentials of user "${identity.username}" with SASL mechanism ${identity.mechanism.toUpperCase()}`
    : 'the connection, which asks for SASL credentials'

  return new KbenchError(
    'AUTHENTICATION_FAILED',
    `The Kafka cluster at ${brokers.join(',')} refused ${who} (${causes}).`,
    {
      exitCode: ExitCode.Connection,
      cause,
      suggestions: [
        'Check kafka.sasl.username, kafka.sasl.mechanism and the password (or the environment variable kafka.sasl.password names) in the configuration.',
      ],
    },
  )
}

function authorizationFailure(step: ResetStep, subject: StepSubject, causes: string): KbenchError {
  return new KbenchError(
    'RESET_NOT_AUTHORIZED',
    `The cluster refused to let kbench ${STEP_DESCRIPTIONS[step]}${describeSubject(subject)}: ${causes}. Retrying cannot help.`,
    {
      exitCode: ExitCode.Reset,
      suggestions: [
        "Grant kbench's principal the ACLs a reset needs: Describe, Delete and Create on the topics, Describe and Delete on the groups, Describe on the cluster.",
        'Or run the benchmark with --skip-reset on topics prepared by an administrator.',
      ],
    },
  )
}

function describeOutcome(classification: Classification, tries: string): string {
  if (classification.kind === 'transient') return `still failing after ${tries}`

  return `not retried; ${tries}`
}

/** The topics or groups an error names, when kafkajs or a step recorded them. */
function subjectOf(error: unknown): StepSubject | undefined {
  if (error instanceof SubjectFailure) return error.subject

  const groups = (error as { groups?: Array<{ groupId?: unknown }> } | undefined)?.groups
  if (Array.isArray(groups)) {
    const names = groups.map((group) => group.groupId).filter((id) => typeof id === 'string')
    if (names.length > 0) return { groups: names }
  }

  const topics = classifyFailure(error)
    .causes.map((cause) => (cause as { topic?: unknown }).topic)
    .filter((topic) => typeof topic === 'string')
  if (topics.length > 0) return { topics: [...new Set(topics)] }

  return undefined
}

function describeSubject(subject: StepSubject): string {
  const parts: string[] = []
  if (subject.topics?.length) {
    parts.push(`${subject.topics.length === 1 ? 'topic' : 'topics'} ${subject.topics.join(', ')}`)
  }
  if (subject.groups?.length) {
    parts.push(`${subject.groups.length === 1 ? 'group' : 'groups'} ${subject.groups.join(', ')}`)
  }

  return parts.length > 0 ? ` (${parts.join('; ')})` : ''
}

function describeStepDone(step: ResetStep, subject: StepSubject): string {
  const topics = subject.topics?.join(', ') || 'none'
  const groups = subject.groups?.join(', ') || 'none'

  switch (step) {
    case 'connect':
      return 'connected'
    case 'inspect':
      return `inspected topics ${topics} and groups ${groups}`
    case 'check-groups':
      return `no active members in groups ${groups}`
    case 'delete-groups':
      return `deleted groups ${groups}`
    case 'delete-topics':
      return `deleted topics ${topics}`
    case 'create-topics':
      return `created topics ${topics}`
    case 'verify':
      return `verified empty topics ${topics} and no committed offsets in groups ${groups}`
  }
}

async function withDeadline<T>(work: Promise<T>, deadline: number, budgetMs: number): Promise<T> {
  const remaining = deadline - Date.now()
  let timer: NodeJS.Timeout | undefined

  const expiry = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new StepTimeout(budgetMs)), Math.max(0, remaining))
  })

  try {
    return await Promise.race([work, expiry])
  } finally {
    clearTimeout(timer)
    work.catch(() => {})
  }
}

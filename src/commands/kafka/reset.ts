import { Flags } from '@oclif/core'
import { createInterface } from 'node:readline/promises'

import { KbenchCommand } from '../../cli/base-command.js'
import { DEFAULT_PARTITIONS } from '../../cli/bench-target.js'
import { DURATION_SYNTAX, parseDuration } from '../../config/duration.js'
import type { BenchConfig } from '../../config/schema.js'
import { TOPIC_NAME } from '../../config/schema.js'
import { ExitCode, KbenchError, describeError } from '../../errors.js'
import { journalFlag, journalTarget } from '../../journal/flag.js'
import { appendJournalEntry } from '../../journal/journal.js'
import { type ResetTarget, type ResetTopic, resetTuning } from '../../kafka/reset/options.js'
import { type ResetPlan, planReset } from '../../kafka/reset/plan.js'
import { type ResetReport, resetKafka, topicsNeedingConfirmation } from '../../kafka/reset/reset.js'

type ResetFlags = {
  topics?: string
  groups?: string
  partitions?: number
  'replication-factor'?: number
  retries?: number
  timeout?: string
}

export default class KafkaReset extends KbenchCommand {
  static override summary =
    'Delete and recreate topics, delete consumer groups, and prove that nothing is left.'

  static override description = `Checks that no consumer is a member of the groups (waiting up to the step timeout for members to leave), deletes the groups, deletes the topics that exist, creates them with the requested partitions, replication factor and configs, and then verifies the clean slate: every partition's low and high watermark is 0 and no group has a committed offset.

Topics and groups default to the "topics" and "groups" of the configuration; flags win over the configuration, which wins over the defaults (${DEFAULT_PARTITIONS} partitions, replication factor 1, 3 retries, 10s per step). Transient Kafka errors (timeouts, leader or controller moves, coordinator loading, lost connections) are retried with exponential backoff; authorization errors stop at once.

Kafka's internal topics (names starting with "__") are always refused. A topic that holds messages and does not match reset.allowPattern (default ^(kbench-|bench-)) is only emptied after confirmation: --yes, or an answer on the terminal. Without a terminal and without --yes the reset is refused.`

  static override examples = [
    {
      description: 'Reset the topics and groups listed in the configuration',
      command: '<%= config.bin %> <%= command.id %>',
    },
    {
      description: 'Recreate two topics with 12 partitions each and delete a group',
      command:
        '<%= config.bin %> <%= command.id %> --topics kbench-a,kbench-b --groups kbench-g --partitions 12',
    },
    {
      description: 'Show what a reset would delete and create, changing nothing',
      command: '<%= config.bin %> <%= command.id %> --topics orders --dry-run',
    },
    {
      description: 'Empty a topic outside the allow pattern from a script',
      command: '<%= config.bin %> <%= command.id %> --topics orders --yes --json',
    },
  ]

  static override enableJsonFlag = true

  static override flags = {
    journal: journalFlag,
    topics: Flags.string({
      summary: 'Comma-separated topics to delete and recreate [default: the configured topics].',
      helpGroup: 'TARGET',
    }),
    groups: Flags.string({
      summary: 'Comma-separated consumer groups to delete [default: the configured groups].',
      helpGroup: 'TARGET',
    }),
    partitions: Flags.integer({
      summary: `Partitions of every recreated topic [default: topics.<name>.partitions, else ${DEFAULT_PARTITIONS}].`,
      helpGroup: 'TARGET',
    }),
    'replication-factor': Flags.integer({
      summary: 'Replication factor of every recreated topic [default: reset.replicationFactor, 1].',
      helpGroup: 'TARGET',
    }),
    retries: Flags.integer({
      summary: 'Further attempts per step after a transient error [default: reset.retries, 3].',
      helpGroup: 'RETRY',
    }),
    timeout: Flags.string({
      summary: 'Time budget of each step, such as 10s or 500ms [default: reset.timeout, 10s].',
      helpGroup: 'RETRY',
    }),
    'dry-run': Flags.boolean({
      summary: 'Print what would be deleted and created, and change nothing.',
      default: false,
    }),
    yes: Flags.boolean({
      char: 'y',
      summary: 'Empty topics that hold messages outside reset.allowPattern without asking.',
      default: false,
    }),
  }

  async run(): Promise<ResetPlan | ResetReport> {
    const { flags } = await this.parse(KafkaReset)
    const loaded = await this.loadSettings(flags)
    const settings = resetSettingsFromFlags(flags, loaded.config)

    const cluster = await this.connectCluster(flags, loaded)

    try {
      const target: ResetTarget = {
        ...settings,
        connection: cluster.connection,
        logger: this.logger,
      }

      if (flags['dry-run']) {
        const plan = await planReset(target)
        if (!this.jsonEnabled()) this.log(renderPlan(plan))

        return plan
      }

      const journal = journalTarget(flags.journal, loaded.config.journal)
      const names = Object.keys(target.topics).concat(target.groups).join(',')

      let report: ResetReport
      try {
        const confirmed = flags.yes || (await this.#confirmOnTerminal(target))
        report = await resetKafka({ ...target, confirmed })
      } catch (error) {
        if (journal)
          await this.#record(journal, `failed: ${describeError(error).split('\n')[0]}`, {
            reset: names,
          })
        throw error
      }

      if (!this.jsonEnabled()) this.log(renderReport(report))
      if (journal) {
        await this.#record(journal, 'passed', {
          reset: names,
          duration: `${Math.round(report.durationMs)} ms`,
          attempts: report.attempts,
        })
      }

      return report
    } finally {
      await cluster.release()
    }
  }

  /** Appends the reset's line to the journal; a journal that cannot be written only warns. */
  async #record(file: string, outcome: string, figures: Record<string, string | number>) {
    try {
      await appendJournalEntry({
        path: file,
        entry: { command: 'kafka:reset', outcome, figures },
        logger: this.logger,
      })
    } catch (error) {
      this.logger.warn(`Could not append to the journal ${file}: ${describeError(error)}`)
    }
  }

  /**
   * Asks on the terminal before emptying topics that hold messages outside the allow pattern.
   * Without a terminal nobody can answer: the reset then refuses, and its error says why.
   */
  async #confirmOnTerminal(target: ResetTarget): Promise<boolean> {
    if (!process.stdin.isTTY || !process.stderr.isTTY) return false

    const plan = await planReset({ ...target, logger: undefined })
    const risky = topicsNeedingConfirmation(plan)
    if (risky.length === 0) return false

    const listed = risky.map((topic) => `${topic.topic} (${topic.messages} messages)`).join(', ')
    const terminal = createInterface({ input: process.stdin, output: process.stderr })

    try {
      const answer = await terminal.question(
        `${listed} ${risky.length === 1 ? 'does' : 'do'} not match ${plan.allowPattern}. Delete these messages? [y/N] `,
      )
      if (/^y(es)?$/i.test(answer.trim())) return true

      throw new KbenchError('RESET_CANCELLED', `Reset cancelled: ${listed} left untouched.`, {
        exitCode: ExitCode.Reset,
      })
    } finally {
      terminal.close()
    }
  }
}

/**
 * The reset target without its connection: flags win over the configuration, which wins
 * over kbench's defaults. Invalid values are usage errors that name the flag and the fix.
 */
export function resetSettingsFromFlags(
  flags: ResetFlags,
  config: BenchConfig,
): Omit<ResetTarget, 'connection'> {
  const tuning = resetTuning(config.reset)
  const topicNames = flags.topics ? splitList(flags.topics) : Object.keys(config.topics)
  const groups = flags.groups ? splitList(flags.groups) : config.groups

  const invalid = topicNames.filter((name) => !TOPIC_NAME.test(name))
  if (invalid.length > 0) {
    throw usage(
      `--topics has invalid topic names: ${invalid.map((name) => JSON.stringify(name)).join(', ')}. A Kafka topic name is 1 to 249 letters, digits, ".", "_" or "-", and not "." or "..": for example --topics kbench-orders,kbench-payments.`,
    )
  }

  if (topicNames.length === 0 && groups.length === 0) {
    throw usage(
      'Nothing to reset: no topics or groups were given and the configuration lists none. Name them with --topics a,b and --groups g, or list them under "topics" and "groups" in .benchrc.json.',
    )
  }

  const partitions = positive(flags.partitions, '--partitions', 'the number of partitions', 12)
  const replicationFactor = positive(
    flags['replication-factor'],
    '--replication-factor',
    'the number of replicas of each partition, at most the number of brokers',
    1,
  )

  if (flags.retries !== undefined && flags.retries < 0) {
    throw usage(
      `--retries must be 0 or more, found ${flags.retries}: it counts the further attempts of a step after a transient error, for example --retries 3.`,
    )
  }

  let timeoutMs = tuning.timeoutMs
  if (flags.timeout !== undefined) {
    const parsed = parseDuration(flags.timeout)
    if (parsed === undefined || parsed <= 0) {
      throw usage(
        `--timeout expects ${DURATION_SYNTAX}, greater than zero; found ${JSON.stringify(flags.timeout)}. For example --timeout 10s.`,
      )
    }
    timeoutMs = parsed
  }

  const topics: Record<string, ResetTopic> = {}
  for (const name of topicNames) {
    const listed = config.topics[name]
    topics[name] = {
      partitions: partitions ?? listed?.partitions ?? DEFAULT_PARTITIONS,
      replicationFactor: replicationFactor ?? listed?.replicationFactor,
      configs: listed?.configs
        ? Object.fromEntries(Object.entries(listed.configs).map(([k, v]) => [k, String(v)]))
        : undefined,
    }
  }

  return {
    ...tuning,
    topics,
    groups,
    replicationFactor: replicationFactor ?? tuning.replicationFactor,
    retries: flags.retries ?? tuning.retries,
    timeoutMs,
  }
}

function positive(
  value: number | undefined,
  flag: string,
  meaning: string,
  example: number,
): number | undefined {
  if (value === undefined || value >= 1) return value

  throw usage(
    `${flag} must be 1 or more, found ${value}: it is ${meaning}. For example ${flag} ${example}.`,
  )
}

function usage(message: string): KbenchError {
  return new KbenchError('INVALID_FLAG', message, { exitCode: ExitCode.Usage })
}

function splitList(value: string): string[] {
  return [
    ...new Set(
      value
        .split(',')
        .map((entry) => entry.trim())
        .filter(Boolean),
    ),
  ]
}

function renderPlan(plan: ResetPlan): string {
  const lines = [`Dry run on ${plan.brokers.join(',')}: nothing was changed.`]

  for (const topic of plan.topics) {
    const now = topic.exists
      ? `exists with ${topic.currentPartitions} partitions and ${topic.messages} messages; would be deleted and`
      : 'does not exist; would be'
    const confirmation = topic.needsConfirmation
      ? ` (outside ${plan.allowPattern}: needs --yes)`
      : ''
    lines.push(
      `  topic ${topic.topic}: ${now} created with ${topic.create.partitions} partitions, replication factor ${topic.create.replicationFactor}${confirmation}`,
    )
  }

  for (const group of plan.groups) {
    const members = group.members.length > 0 ? `, members ${group.members.join(', ')}` : ''
    const action = group.exists ? 'would be deleted' : 'does not exist; nothing to delete'
    lines.push(`  group ${group.groupId}: ${group.state}${members}; ${action}`)
  }

  return lines.join('\n')
}

function renderReport(report: ResetReport): string {
  const lines = [
    `Reset done in ${report.durationMs} ms on ${report.brokers.join(',')} (${report.attempts} admin calls).`,
  ]

  for (const topic of report.topics) {
    const empty = topic.watermarks.every((p) => p.low === '0' && p.high === '0')
    lines.push(
      `  topic ${topic.topic}: ${topic.messagesDeleted} messages deleted; ${topic.partitions} partitions, replication factor ${topic.replicationFactor}; ${empty ? 'every partition empty (watermarks 0)' : 'NOT EMPTY'}`,
    )
  }

  for (const group of report.groups) {
    lines.push(
      `  group ${group.groupId}: ${group.existed ? `deleted (was ${group.stateBefore})` : 'did not exist'}; no committed offsets`,
    )
  }

  return lines.join('\n')
}

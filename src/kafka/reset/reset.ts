import { ExitCode, KbenchError } from '../../errors.js'
import { RetriableCondition, errorType, errorTypes } from './classify.js'
import type { ResetOptions } from './options.js'
import {
  type GroupPlan,
  IDLE_GROUP_STATES,
  type ResetPlan,
  describeGroups,
  inspectTarget,
} from './plan.js'
import { ResetSession, type StepRecord, SubjectFailure, resolveTarget } from './session.js'

/** One partition of a recreated topic, as verified after the reset. */
export interface PartitionState {
  partition: number
  leader: number
  low: string
  high: string
}

/** A topic after the reset: its shape, and proof that it is empty. */
export interface TopicOutcome {
  topic: string
  /** Whether it existed, and so was deleted, before being created. */
  existed: boolean
  /** Messages it held before the reset. */
  messagesDeleted: number
  partitions: number
  replicationFactor: number
  /** Low and high watermark of every partition: all 0 after a reset. */
  watermarks: PartitionState[]
}

/** A consumer group after the reset, and proof that it has no committed offsets. */
export interface GroupOutcome {
  groupId: string
  existed: boolean
  stateBefore: string
  /** Committed offsets found after the reset: always 0. */
  committedOffsets: number
}

/** What a reset did and the evidence that it left a clean slate. */
export interface ResetReport {
  brokers: string[]
  durationMs: number
  /** Admin calls made, transient failures included. */
  attempts: number
  steps: StepRecord[]
  topics: TopicOutcome[]
  groups: GroupOutcome[]
}

/** The topics that hold messages and lie outside the allow pattern. */
export function topicsNeedingConfirmation(plan: ResetPlan): ResetPlan['topics'] {
  return plan.topics.filter((topic) => topic.needsConfirmation)
}

/**
 * Resets topics and consumer groups to a clean slate and proves it: checks that no consumer
 * is a member of the groups, deletes the groups, deletes the topics that exist, creates them
 * with the requested partitions, replication factor and configs, and verifies that every
 * partition is empty and no group has a committed offset.
 *
 * Transient failures are retried per step with exponential backoff; authorization failures
 * stop at once. Names starting with `__` are refused, and a topic that holds messages and
 * does not match the allow pattern is only emptied when `confirmed` is true.
 */
export async function resetKafka(options: ResetOptions): Promise<ResetReport> {
  const started = performance.now()
  const target = resolveTarget(options)
  const session = await ResetSession.open(options, target)

  try {
    const plan = await inspectTarget(session)
    requireConfirmation(plan, options.confirmed ?? false)

    await waitForIdleGroups(session, plan.groups)
    await deleteGroups(session)
    await deleteTopics(session, plan)
    await createTopics(session)
    const verified = await verifyCleanSlate(session)

    return {
      brokers: target.brokers,
      durationMs: Math.round(performance.now() - started),
      attempts: session.attempts,
      steps: session.steps,
      topics: plan.topics.map((topic) => ({
        topic: topic.topic,
        existed: topic.exists,
        messagesDeleted: topic.messages,
        partitions: topic.create.partitions,
        replicationFactor: topic.create.replicationFactor,
        watermarks: verified.watermarks.get(topic.topic) ?? [],
      })),
      groups: plan.groups.map((group) => ({
        groupId: group.groupId,
        existed: group.exists,
        stateBefore: group.state,
        committedOffsets: 0,
      })),
    }
  } finally {
    await session.close()
  }
}

function requireConfirmation(plan: ResetPlan, confirmed: boolean): void {
  const unconfirmed = topicsNeedingConfirmation(plan)
  if (confirmed || unconfirmed.length === 0) return

  const listed = unconfirmed
    .map((topic) => `${topic.topic} (${topic.messages.toLocaleString('en-US')} messages)`)
    .join(', ')

  throw new KbenchError(
    'RESET_NOT_CONFIRMED',
    `Refusing to empty ${listed}: it holds messages and its name does not match the reset allow pattern ${plan.allowPattern}, so it may not be a benchmark topic.`,
    {
      exitCode: ExitCode.Reset,
      suggestions: [
        `If these messages may go, confirm: kbench kafka:reset --topics ${unconfirmed.map((topic) => topic.topic).join(',')} --yes`,
        'Or widen reset.allowPattern in the configuration, or name benchmark topics kbench-*.',
      ],
    },
  )
}

async function waitForIdleGroups(session: ResetSession, before: GroupPlan[]): Promise<void> {
  const { groups, timeoutMs, brokers } = session.target
  if (groups.length === 0) return

  await session.run('check-groups', { groups }, async (step) => {
    let latest = before
    const isIdle = () => latest.every((group) => IDLE_GROUP_STATES.has(group.state))
    if (isIdle()) return

    await step.waitFor(
      async () => {
        latest = await describeGroups(session, groups, step.attempt)
        return isIdle() ? true : undefined
      },
      () => {
        const active = latest.filter((group) => !IDLE_GROUP_STATES.has(group.state))
        const described = active
          .map(
            (group) =>
              `group ${group.groupId} is ${group.state} with ${group.members.length} member(s) (client ids: ${group.members.join(', ') || 'none reported'})`,
          )
          .join('; ')

        return new KbenchError(
          'RESET_GROUP_ACTIVE',
          `Consumers are still members after waiting ${timeoutMs} ms: ${described}. Deleting a group while consumers use it would let them commit offsets into the fresh topics.`,
          {
            exitCode: ExitCode.Reset,
            suggestions: [
              'Stop those consumers and run the reset again, or raise reset.timeout to wait longer for them to leave.',
              ...active.map(
                (group) =>
                  `See who they are: kafka-consumer-groups.sh --bootstrap-server ${brokers.join(',')} --describe --members --group ${group.groupId}`,
              ),
            ],
          },
        )
      },
    )
  })
}

/** Per-group failures of a deletion, minus the groups that simply did not exist. */
class GroupDeletionFailure extends Error {
  readonly groups: Array<{ groupId: string; error: unknown }>

  constructor(groups: Array<{ groupId: string; error: unknown }>) {
    super(`could not delete ${groups.map((group) => group.groupId).join(', ')}`)
    this.name = 'GroupDeletionFailure'
    this.groups = groups
  }
}

async function deleteGroups(session: ResetSession): Promise<void> {
  const { groups } = session.target
  if (groups.length === 0) return

  await session.run('delete-groups', { groups }, async (step) => {
    let remaining = groups

    await step.attempt(async () => {
      try {
        await session.admin.deleteGroups(remaining)
        remaining = []
      } catch (error) {
        const failed = (error as { groups?: Array<{ groupId: string; error: unknown }> }).groups
        if (!Array.isArray(failed)) throw error

        const left = failed.filter((group) => errorType(group.error) !== 'GROUP_ID_NOT_FOUND')
        remaining = left.map((group) => group.groupId)
        if (left.length > 0) throw new GroupDeletionFailure(left)
      }
    })
  })
}

async function deleteTopics(session: ResetSession, plan: ResetPlan): Promise<void> {
  const { admin, target } = session
  const wanted = new Set(Object.keys(target.topics))
  const existing = plan.topics.filter((topic) => topic.exists).map((topic) => topic.topic)

  await session.run('delete-topics', { topics: existing }, async (step) => {
    const present = (await step.attempt(() => admin.listTopics())).filter((t) => wanted.has(t))
    if (present.length === 0) return

    await step.attempt(async () => {
      try {
        await admin.deleteTopics({ topics: present, timeout: target.timeoutMs })
      } catch (error) {
        const types = errorTypes(error)
        const alreadyGone =
          types.length > 0 && types.every((type) => type === 'UNKNOWN_TOPIC_OR_PARTITION')
        if (!alreadyGone) throw error
      }
    })

    let lingering = present
    await step.waitFor(
      async () => {
        const listed = new Set(await admin.listTopics())
        lingering = present.filter((topic) => listed.has(topic))
        return lingering.length === 0 ? true : undefined
      },
      () =>
        new SubjectFailure(
          `the cluster still lists the deleted topics after ${target.timeoutMs} ms`,
          { topics: lingering },
        ),
    )
  })
}

async function createTopics(session: ResetSession): Promise<void> {
  const { admin, target } = session
  const topics = Object.keys(target.topics)
  if (topics.length === 0) return

  await session.run('create-topics', { topics }, async (step) => {
    const pending = new Set(topics)

    await step.attempt(async () => {
      const outcomes = await Promise.allSettled([...pending].map((topic) => createTopic(topic)))
      const failures = outcomes
        .filter((outcome) => outcome.status === 'rejected')
        .map((outcome) => outcome.reason as unknown)

      if (failures.length === 1) throw failures[0]
      if (failures.length > 1) throw new AggregateError(failures, 'could not create the topics')
    })

    let leaderless = topics
    await step.waitFor(
      async () => {
        leaderless = await topicsWithoutLeaders(session, topics)
        return leaderless.length === 0 ? true : undefined
      },
      () =>
        new SubjectFailure(`not every partition has a leader after ${target.timeoutMs} ms`, {
          topics: leaderless,
        }),
    )

    async function createTopic(topic: string): Promise<void> {
      const shape = target.topics[topic] ?? { partitions: 1 }
      let created: boolean

      try {
        created = await admin.createTopics({
          topics: [
            {
              topic,
              numPartitions: shape.partitions,
              replicationFactor: shape.replicationFactor ?? target.replicationFactor,
              configEntries: Object.entries(shape.configs ?? {}).map(([name, value]) => ({
                name,
                value,
              })),
            },
          ],
          waitForLeaders: false,
          timeout: target.timeoutMs,
        })
      } catch (error) {
        const types = errorTypes(error)
        if (types.length === 0 || types.some((type) => type !== 'TOPIC_ALREADY_EXISTS')) throw error
        created = false
      }

      // Right after a deletion the controller may still be removing the old topic.
      if (!created) {
        throw new RetriableCondition(
          'TOPIC_ALREADY_EXISTS',
          `topic ${topic} still exists after its deletion`,
          topic,
        )
      }

      pending.delete(topic)
    }
  })
}

/** Topics whose metadata is missing, has the wrong partition count, or lacks a leader. */
async function topicsWithoutLeaders(session: ResetSession, topics: string[]): Promise<string[]> {
  const metadata = await session.admin.fetchTopicMetadata({ topics })

  return topics.filter((topic) => {
    const found = metadata.topics.find((entry) => entry.name === topic)
    const wanted = session.target.topics[topic]?.partitions ?? 0

    return (
      !found ||
      found.partitions.length !== wanted ||
      found.partitions.some((partition) => partition.leader < 0)
    )
  })
}

async function verifyCleanSlate(
  session: ResetSession,
): Promise<{ watermarks: Map<string, PartitionState[]> }> {
  const { admin, target } = session
  const topics = Object.keys(target.topics)
  const groups = target.groups

  return session.run('verify', { topics, groups }, async (step) => {
    const watermarks = new Map<string, PartitionState[]>()
    const problems: string[] = []
    const dirty = { topics: new Set<string>(), groups: new Set<string>() }

    const metadata =
      topics.length > 0 ? await step.attempt(() => admin.fetchTopicMetadata({ topics })) : undefined

    for (const topic of topics) {
      const offsets = await step.attempt(() => admin.fetchTopicOffsets(topic))
      const leaders = metadata?.topics.find((entry) => entry.name === topic)?.partitions ?? []
      const states = offsets
        .map((entry) => ({
          partition: entry.partition,
          leader: leaders.find((p) => p.partitionId === entry.partition)?.leader ?? -1,
          low: entry.low,
          high: entry.high,
        }))
        .sort((a, b) => a.partition - b.partition)
      watermarks.set(topic, states)

      const wanted = target.topics[topic]?.partitions
      if (states.length !== wanted) {
        dirty.topics.add(topic)
        problems.push(`topic ${topic} has ${states.length} partitions, not ${wanted}`)
      }

      for (const state of states.filter((s) => s.low !== '0' || s.high !== '0')) {
        dirty.topics.add(topic)
        problems.push(
          `partition ${state.partition} of ${topic} has watermarks low ${state.low}, high ${state.high}`,
        )
      }
    }

    for (const groupId of groups) {
      const committed = await step.attempt(() => admin.fetchOffsets({ groupId }))
      const offsets = committed.flatMap((entry) =>
        entry.partitions
          .filter((partition) => partition.offset !== '-1')
          .map((partition) => `${entry.topic}[${partition.partition}]=${partition.offset}`),
      )

      if (offsets.length > 0) {
        dirty.groups.add(groupId)
        problems.push(`group ${groupId} still has committed offsets ${offsets.join(', ')}`)
      }
    }

    if (problems.length > 0) {
      throw new SubjectFailure(`the slate is not clean: ${problems.join('; ')}`, {
        topics: [...dirty.topics],
        groups: [...dirty.groups],
      })
    }

    return { watermarks }
  })
}

import { type ResetTarget } from './options.js'
import { ResetSession, type ResolvedTarget, resolveTarget } from './session.js'

/** A topic as it is now, and what the reset will make of it. */
export interface TopicPlan {
  topic: string
  exists: boolean
  /** Partitions it has now; 0 when it does not exist. */
  currentPartitions: number
  /** Messages it holds now: the sum of high minus low watermarks. */
  messages: number
  /** Whether the allow pattern lets the reset empty it without confirmation. */
  matchesAllowPattern: boolean
  /** True when emptying it needs the user's explicit confirmation. */
  needsConfirmation: boolean
  /** The shape it is recreated with. */
  create: { partitions: number; replicationFactor: number; configs?: Record<string, string> }
}

/** A consumer group as it is now. */
export interface GroupPlan {
  groupId: string
  /** False when the coordinator does not know the group (state Dead). */
  exists: boolean
  /** Empty, Dead, Stable, PreparingRebalance, CompletingRebalance... */
  state: string
  /** Client ids of its active members. */
  members: string[]
}

/** What a reset would do; computing it changes nothing on the cluster. */
export interface ResetPlan {
  brokers: string[]
  allowPattern: string
  topics: TopicPlan[]
  groups: GroupPlan[]
}

/** Consumer group states in which no consumer is a member. */
export const IDLE_GROUP_STATES = new Set(['Empty', 'Dead'])

/**
 * Looks at the cluster as a reset would, within the reset's `inspect` step: which topics
 * exist and how many messages they hold, which groups exist, in what state and with which
 * members.
 */
export async function inspectTarget(session: ResetSession): Promise<ResetPlan> {
  const target: ResolvedTarget = session.target
  const topics = Object.keys(target.topics)

  return session.run('inspect', { topics, groups: target.groups }, async (step) => {
    const existing = new Set(await step.attempt(() => session.admin.listTopics()))

    // One topic at a time: concurrent offset lookups on one kafkajs client mix up answers.
    const topicPlans: TopicPlan[] = []
    for (const topic of topics) {
      const shape = target.topics[topic] ?? { partitions: 1 }
      const exists = existing.has(topic)
      const offsets = exists ? await step.attempt(() => session.admin.fetchTopicOffsets(topic)) : []
      const messages = offsets.reduce(
        (sum, entry) => sum + Number(entry.high) - Number(entry.low),
        0,
      )
      const matchesAllowPattern = target.allowPattern.test(topic)

      topicPlans.push({
        topic,
        exists,
        currentPartitions: offsets.length,
        messages,
        matchesAllowPattern,
        needsConfirmation: messages > 0 && !matchesAllowPattern,
        create: {
          partitions: shape.partitions,
          replicationFactor: shape.replicationFactor ?? target.replicationFactor,
          configs: shape.configs,
        },
      })
    }

    const groupPlans = await describeGroups(session, target.groups, step.attempt)

    return {
      brokers: target.brokers,
      allowPattern: target.allowPattern.source,
      topics: topicPlans,
      groups: groupPlans,
    }
  })
}

/** The state and active members of each group. */
export async function describeGroups(
  session: ResetSession,
  groups: string[],
  attempt: <T>(call: () => Promise<T>) => Promise<T>,
): Promise<GroupPlan[]> {
  if (groups.length === 0) return []

  const described = await attempt(() => session.admin.describeGroups(groups))

  return groups.map((groupId) => {
    const group = described.groups.find((entry) => entry.groupId === groupId)
    const state = group?.state ?? 'Dead'

    return {
      groupId,
      exists: state !== 'Dead',
      state,
      members: (group?.members ?? []).map((member) => member.clientId),
    }
  })
}

/**
 * A dry run: what a reset of `target` would delete and create, and whether it would need
 * confirmation. Reads the cluster and changes nothing.
 */
export async function planReset(target: ResetTarget): Promise<ResetPlan> {
  const resolved = resolveTarget(target)
  const session = await ResetSession.open(target, resolved)

  try {
    return await inspectTarget(session)
  } finally {
    await session.close()
  }
}

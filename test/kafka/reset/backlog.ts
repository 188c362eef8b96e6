import type { Admin, Kafka } from 'kafkajs'

/** Creates `topic` and produces `count` small messages to it, spread over its partitions. */
export async function produceBacklog(
  kafka: Kafka,
  topic: string,
  count: number,
  partitions = 3,
): Promise<void> {
  const admin = kafka.admin()
  await admin.connect()
  await admin.createTopics({ topics: [{ topic, numPartitions: partitions }], waitForLeaders: true })
  await admin.disconnect()

  const producer = kafka.producer()
  await producer.connect()

  const batch = 1000
  for (let sent = 0; sent < count; sent += batch) {
    const size = Math.min(batch, count - sent)
    await producer.send({
      topic,
      messages: Array.from({ length: size }, (_, index) => ({
        key: `key-${(sent + index) % 50}`,
        value: `message ${sent + index}`,
      })),
    })
  }

  await producer.disconnect()
}

/** Commits the group's offsets at the end of every partition of `topic`, as a consumer would. */
export async function commitToEnd(admin: Admin, groupId: string, topic: string): Promise<void> {
  const offsets = await admin.fetchTopicOffsets(topic)

  await admin.setOffsets({
    groupId,
    topic,
    partitions: offsets.map(({ partition, high }) => ({ partition, offset: high })),
  })
}

/** Committed offsets of a group that point somewhere (anything but -1). */
export async function committedOffsets(admin: Admin, groupId: string): Promise<string[]> {
  const committed = await admin.fetchOffsets({ groupId })

  return committed.flatMap(({ topic, partitions }) =>
    partitions
      .filter(({ offset }) => offset !== '-1')
      .map(({ partition, offset }) => `${topic}[${partition}]=${offset}`),
  )
}

/** Messages held by a topic: the sum over its partitions of high minus low watermark. */
export async function messageCount(admin: Admin, topic: string): Promise<number> {
  const offsets = await admin.fetchTopicOffsets(topic)

  return offsets.reduce((sum, { high, low }) => sum + Number(high) - Number(low), 0)
}

import { randomUUID } from 'node:crypto'

import { createKafka } from '../../src/kafka/client.js'

/** The suite's broker list, set by the global fixture. */
export function testBrokers(): string[] {
  const value = process.env.KBENCH_TEST_BROKERS
  if (!value) throw new Error('KBENCH_TEST_BROKERS is not set: the global test fixture did not run')

  return value.split(',')
}

export function testKafka() {
  return createKafka({ brokers: testBrokers(), clientId: 'kbench-test' })
}

/** A topic or group name no other test uses, inside the default reset allow pattern. */
export function uniqueName(prefix: string): string {
  return `kbench-${prefix}-${randomUUID().slice(0, 8)}`
}

/** Polls until `condition` holds, failing with `what` after the deadline. */
export async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined | false>,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs

  for (;;) {
    const value = await probe()
    if (value) return value
    if (Date.now() > deadline)
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

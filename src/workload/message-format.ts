import type { IHeaders, KafkaMessage } from 'kafkajs'

import type { HandlerMessage } from './handler.js'

/**
 * Headers kbench stamps on every message it produces. Together they let the verifier account
 * for every message without storing any: the id indexes a bitmap, the key's sequence number
 * reveals reordering, and the intended send time anchors end-to-end latency.
 */
export const HEADER_ID = 'kbench-id'
export const HEADER_SEQUENCE = 'kbench-seq'
export const HEADER_SENT = 'kbench-sent'

/** What a produced message carries besides its payload. */
export interface MessageStamp {
  /** 0-based index of the message in the run. */
  id: number
  /** 0-based index of the key. */
  keyIndex: number
  /** 0-based sequence number of this message among those with the same key. */
  sequence: number
  /** When the message was meant to be sent, epoch milliseconds (fractional). */
  intendedSendTime: number
}

export function keyFor(keyIndex: number): string {
  return `k${keyIndex}`
}

export function stampHeaders(stamp: MessageStamp): IHeaders {
  return {
    [HEADER_ID]: String(stamp.id),
    [HEADER_SEQUENCE]: String(stamp.sequence),
    [HEADER_SENT]: stamp.intendedSendTime.toFixed(3),
  }
}

function headerText(headers: IHeaders | undefined, name: string): string | undefined {
  const value = headers?.[name]
  if (value === undefined) return undefined
  if (Array.isArray(value)) return value[0]?.toString()

  return value.toString()
}

/** Reads the stamp back from a consumed message; undefined for a message kbench did not produce. */
export function readStamp(
  key: Buffer | string | null | undefined,
  headers: IHeaders | undefined,
): MessageStamp | undefined {
  const id = Number(headerText(headers, HEADER_ID))
  const sequence = Number(headerText(headers, HEADER_SEQUENCE))
  const intendedSendTime = Number(headerText(headers, HEADER_SENT))
  const keyText = key?.toString()
  const keyIndex = keyText?.startsWith('k') ? Number(keyText.slice(1)) : NaN

  if (![id, sequence, intendedSendTime, keyIndex].every(Number.isFinite)) return undefined

  return { id, keyIndex, sequence, intendedSendTime }
}

/** Epoch milliseconds with sub-millisecond precision, on the same clock as performance.now(). */
export function epochNow(): number {
  return performance.timeOrigin + performance.now()
}

/** Converts a performance.now() reading of this process to epoch milliseconds. */
export function toEpoch(performanceTime: number): number {
  return performance.timeOrigin + performanceTime
}

/** kafkajs headers (Buffers, strings or arrays of them) as plain strings, for handlers. */
export function headersAsText(headers: IHeaders | undefined): Record<string, string> {
  const text: Record<string, string> = {}
  for (const name of Object.keys(headers ?? {})) {
    const value = headerText(headers, name)
    if (value !== undefined) text[name] = value
  }

  return text
}

/**
 * The message a handler sees for a fetched Kafka message. Header values become text only
 * when the handler reads them, so a handler that ignores headers costs nothing for them.
 */
export function toHandlerMessage(
  topic: string,
  partition: number,
  message: KafkaMessage,
): HandlerMessage {
  let headers: Record<string, string> | undefined

  return {
    topic,
    partition,
    offset: message.offset,
    key: message.key,
    value: message.value,
    get headers() {
      headers ??= headersAsText(message.headers)
      return headers
    },
  }
}

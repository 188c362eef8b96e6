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

/**
 * A non-negative decimal number (digits, at most one '.') read straight from a header's bytes.
 * The stamp is read for every consumed message, so it avoids making strings; NaN when the
 * value is anything else.
 */
function decimal(value: IHeaders[string] | Buffer | string | null | undefined, from = 0): number {
  const bytes = Array.isArray(value) ? value[0] : value
  if (bytes === undefined || bytes === null) return NaN
  if (typeof bytes === 'string') return bytes.length > from ? Number(bytes.slice(from)) : NaN
  if (bytes.length <= from) return NaN

  let whole = 0
  let fraction = 0
  let scale = 1
  let dot = false
  for (let i = from; i < bytes.length; i++) {
    const code = bytes[i] as number
    if (code === 46 && !dot) {
      dot = true
      continue
    }

    const digit = code - 48
    if (digit < 0 || digit > 9) return NaN
    if (dot) {
      scale /= 10
      fraction += digit * scale
    } else {
      whole = whole * 10 + digit
    }
  }

  return whole + fraction
}

const KEY_PREFIX = 'k'.charCodeAt(0)

/** Reads the stamp back from a consumed message; undefined for a message kbench did not produce. */
export function readStamp(
  key: Buffer | string | null | undefined,
  headers: IHeaders | undefined,
): MessageStamp | undefined {
  if (!headers || !key) return undefined

  const id = decimal(headers[HEADER_ID])
  const sequence = decimal(headers[HEADER_SEQUENCE])
  const intendedSendTime = decimal(headers[HEADER_SENT])
  const prefixed = typeof key === 'string' ? key.charCodeAt(0) : key[0]
  const keyIndex = prefixed === KEY_PREFIX ? decimal(key, 1) : NaN

  if (Number.isNaN(id) || Number.isNaN(sequence) || Number.isNaN(intendedSendTime)) return undefined
  if (Number.isNaN(keyIndex)) return undefined

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
class FetchedMessage implements HandlerMessage {
  readonly offset: string
  readonly key: Buffer | null
  readonly value: Buffer | null
  readonly #raw: KafkaMessage
  #headers: Record<string, string> | undefined

  constructor(
    readonly topic: string,
    readonly partition: number,
    raw: KafkaMessage,
  ) {
    this.offset = raw.offset
    this.key = raw.key
    this.value = raw.value
    this.#raw = raw
  }

  get headers(): Record<string, string> {
    this.#headers ??= headersAsText(this.#raw.headers)
    return this.#headers
  }
}

/** The handler's view of a fetched Kafka message. */
export function toHandlerMessage(
  topic: string,
  partition: number,
  message: KafkaMessage,
): HandlerMessage {
  return new FetchedMessage(topic, partition, message)
}

import type { IHeaders, KafkaMessage } from 'kafkajs'

import type { HandlerMessage } from '../workload/handler.js'

function headerText(value: IHeaders[string]): string | undefined {
  if (value === undefined) return undefined
  if (Array.isArray(value)) return headerText(value[value.length - 1])

  return typeof value === 'string' ? value : value.toString('utf8')
}

/**
 * The message a handler sees for a fetched Kafka message. Header values become UTF-8 text;
 * of a header repeated under one name, the last value wins.
 */
export function toHandlerMessage(
  topic: string,
  partition: number,
  message: KafkaMessage,
): HandlerMessage {
  const headers: Record<string, string> = {}
  for (const [name, value] of Object.entries(message.headers ?? {})) {
    const text = headerText(value)
    if (text !== undefined) headers[name] = text
  }

  return {
    topic,
    partition,
    offset: message.offset,
    key: message.key,
    value: message.value,
    headers,
  }
}

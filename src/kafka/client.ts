import { Kafka, type KafkaConfig, logLevel, type SASLOptions } from 'kafkajs'

import { trace } from '../logging.js'

const kafkajsTrace = trace('kafkajs')

/** How to reach and authenticate to a Kafka cluster. Secrets are resolved values, never logged. */
export interface ConnectionSettings {
  brokers: string[]
  clientId?: string
  ssl?: KafkaConfig['ssl']
  sasl?: SASLOptions
  /** Milliseconds to open a TCP connection to one broker. */
  connectionTimeoutMs?: number
  /** Milliseconds to wait for one request. */
  requestTimeoutMs?: number
  /** Retries of kafkajs's own retrier for each request; kbench retries whole steps itself. */
  retries?: number
}

/**
 * Creates a kafkajs client. Its log lines go to the `kbench:kafkajs` debug namespace: kbench
 * reports failures itself, with the topic or group they concern, instead of echoing
 * kafkajs's retry chatter.
 */
export function createKafka(settings: ConnectionSettings): Kafka {
  return new Kafka({
    brokers: settings.brokers,
    clientId: settings.clientId ?? 'kbench',
    ssl: settings.ssl,
    sasl: settings.sasl,
    connectionTimeout: settings.connectionTimeoutMs ?? 3000,
    requestTimeout: settings.requestTimeoutMs ?? 30_000,
    retry: { retries: settings.retries ?? 5, initialRetryTime: 100, maxRetryTime: 2000 },
    logLevel: logLevel.INFO,
    logCreator: () => (entry) => {
      const { message, ...extra } = entry.log
      kafkajsTrace('%s %s %s %o', logLevel[entry.level], entry.namespace, message, extra)
    },
  })
}

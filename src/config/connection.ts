import { readFileSync } from 'node:fs'

import { ExitCode, KbenchError } from '../errors.js'
import type { ConnectionSettings } from '../kafka/client.js'
import type { BenchConfig } from './schema.js'

type Secret = string | { env: string }

/** Reads a secret: a literal, or the environment variable it names. Never logs the value. */
export function resolveSecret(secret: Secret, field: string, env: NodeJS.ProcessEnv): string {
  if (typeof secret === 'string') return secret

  const value = env[secret.env]
  if (value === undefined || value === '') {
    throw new KbenchError(
      'SECRET_MISSING',
      `${field} is to be read from the environment variable ${secret.env}, which is not set.`,
      { exitCode: ExitCode.Config, suggestions: [`Export ${secret.env} before running kbench.`] },
    )
  }

  return value
}

function readPem(file: string, field: string): string {
  try {
    return readFileSync(file, 'utf8')
  } catch (error) {
    throw new KbenchError('TLS_FILE_UNREADABLE', `${field} names ${file}, which cannot be read.`, {
      exitCode: ExitCode.Config,
      cause: error,
      suggestions: [`Check the path in ${field}.`],
    })
  }
}

/**
 * The kafkajs connection settings for a broker list, with the configuration's client id,
 * TLS and SASL settings. Secrets come from the environment when the config names a variable.
 */
export function connectionSettings(
  config: BenchConfig,
  brokers: string[],
  env: NodeJS.ProcessEnv = process.env,
): ConnectionSettings {
  const { kafka } = config
  const settings: ConnectionSettings = {
    brokers,
    clientId: env.KBENCH_CLIENT_ID ?? kafka.clientId,
    connectionTimeoutMs: kafka.connectionTimeout,
    requestTimeoutMs: kafka.requestTimeout,
  }

  if (kafka.ssl === true) settings.ssl = true
  if (typeof kafka.ssl === 'object') {
    settings.ssl = {
      rejectUnauthorized: kafka.ssl.rejectUnauthorized,
      ca: kafka.ssl.caFile ? [readPem(kafka.ssl.caFile, 'kafka.ssl.caFile')] : undefined,
      cert: kafka.ssl.certFile ? readPem(kafka.ssl.certFile, 'kafka.ssl.certFile') : undefined,
      key: kafka.ssl.keyFile ? readPem(kafka.ssl.keyFile, 'kafka.ssl.keyFile') : undefined,
      passphrase: kafka.ssl.passphrase
        ? resolveSecret(kafka.ssl.passphrase, 'kafka.ssl.passphrase', env)
        : undefined,
    }
  }

  if (kafka.sasl) {
    const password = resolveSecret(kafka.sasl.password, 'kafka.sasl.password', env)
    const username = kafka.sasl.username
    settings.sasl =
      kafka.sasl.mechanism === 'plain'
        ? { mechanism: 'plain', username, password }
        : kafka.sasl.mechanism === 'scram-sha-256'
          ? { mechanism: 'scram-sha-256', username, password }
          : { mechanism: 'scram-sha-512', username, password }
  }

  return settings
}

/** The configured broker list, from a comma-separated string or an array. */
export function configuredBrokers(config: BenchConfig): string[] | undefined {
  const { brokers } = config.kafka
  if (brokers === undefined) return undefined

  return typeof brokers === 'string'
    ? brokers
        .split(',')
        .map((b) => b.trim())
        .filter(Boolean)
    : brokers
}

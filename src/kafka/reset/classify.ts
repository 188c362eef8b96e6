/**
 * How a failure of one Kafka admin call should be handled: tried again, refused at once, or
 * reported as it is. kafkajs wraps the error a broker returned (in
 * KafkaJSNumberOfRetriesExceeded, KafkaJSNonRetriableError, aggregate errors and per-group
 * results), so classification looks at the causes inside, never at the wrapper.
 */
export type FailureKind = 'transient' | 'authorization' | 'fatal'

export interface Classification {
  kind: FailureKind
  /** Every cause found inside the failure, broker error types first when there are any. */
  causes: Error[]
  /** True when every cause is a failure to reach a broker (refused, reset, timed out). */
  connection: boolean
}

/** Broker error types that go away by themselves: a leader or coordinator moves, loads, wakes. */
const TRANSIENT_TYPES = new Set([
  'REQUEST_TIMED_OUT',
  'NOT_CONTROLLER',
  'COORDINATOR_NOT_AVAILABLE',
  'GROUP_COORDINATOR_NOT_AVAILABLE',
  'COORDINATOR_LOAD_IN_PROGRESS',
  'GROUP_LOAD_IN_PROGRESS',
  'NOT_COORDINATOR',
  'NOT_COORDINATOR_FOR_GROUP',
  'LEADER_NOT_AVAILABLE',
  'NOT_LEADER_FOR_PARTITION',
  'NOT_LEADER_OR_FOLLOWER',
  'NETWORK_EXCEPTION',
  'REBALANCE_IN_PROGRESS',
  // A topic created a moment ago that not every broker knows yet.
  'UNKNOWN_TOPIC_OR_PARTITION',
])

const AUTHORIZATION_TYPES = new Set([
  'TOPIC_AUTHORIZATION_FAILED',
  'GROUP_AUTHORIZATION_FAILED',
  'CLUSTER_AUTHORIZATION_FAILED',
  'SASL_AUTHENTICATION_FAILED',
  'ILLEGAL_SASL_STATE',
  'UNSUPPORTED_SASL_MECHANISM',
])

/** kafkajs errors raised when no broker answered in time or the socket failed. */
const CONNECTION_ERROR_NAMES = new Set([
  'KafkaJSConnectionError',
  'KafkaJSConnectionClosedError',
  'KafkaJSRequestTimeoutError',
  'KafkaJSBrokerNotFound',
  'KafkaJSNoBrokerAvailableError',
])

/** kafkajs errors about its own view of the cluster, which a fresh attempt rebuilds. */
const TRANSIENT_ERROR_NAMES = new Set([
  'KafkaJSMetadataNotLoaded',
  'KafkaJSTopicMetadataNotLoaded',
  'KafkaJSStaleTopicMetadataAssignment',
  'KafkaJSGroupCoordinatorNotFound',
  'KafkaJSLockTimeout',
])

const SOCKET_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
])

const WRAPPER_NAMES = new Set(['KafkaJSNumberOfRetriesExceeded', 'KafkaJSNonRetriableError'])

/**
 * A failure that a fresh attempt may cure although the broker did not say so: a topic that is
 * still being deleted when it is created again, for instance.
 */
export class RetriableCondition extends Error {
  readonly type: string
  /** The topic the condition concerns, if one. */
  readonly topic?: string

  constructor(type: string, message: string, topic?: string) {
    super(message)
    this.name = 'RetriableCondition'
    this.type = type
    this.topic = topic
  }
}

/** The broker error type of a kafkajs error, such as `GROUP_ID_NOT_FOUND`, if it has one. */
export function errorType(error: unknown): string | undefined {
  const type = (error as { type?: unknown } | undefined)?.type

  return typeof type === 'string' ? type : undefined
}

/**
 * The innermost causes of a failure: the per-group errors of KafkaJSDeleteGroupsError, the
 * members of aggregate errors, and the `cause` of kafkajs's retry and non-retriable wrappers.
 */
export function causesOf(error: unknown, seen = new Set<unknown>()): Error[] {
  if (!(error instanceof Error) || seen.has(error)) return []
  seen.add(error)

  const nested = error as Error & { errors?: unknown; groups?: unknown }
  if (Array.isArray(nested.errors) && nested.errors.length > 0) {
    return nested.errors.flatMap((inner) => causesOf(toError(inner), seen))
  }

  if (Array.isArray(nested.groups) && nested.groups.length > 0) {
    const perGroup = nested.groups
      .map((group: { error?: unknown }) => group.error)
      .filter((inner) => inner !== undefined)
    if (perGroup.length > 0) return perGroup.flatMap((inner) => causesOf(inner, seen))
  }

  if (WRAPPER_NAMES.has(error.name) && error.cause instanceof Error && error.cause !== error) {
    return causesOf(error.cause, seen)
  }

  return [error]
}

/** Every broker error type found inside a failure. */
export function errorTypes(error: unknown): string[] {
  return causesOf(error)
    .map(errorType)
    .filter((type) => type !== undefined)
}

/** Decides whether a failure is retried, refused at once, or reported as it is. */
export function classifyFailure(error: unknown): Classification {
  const causes = causesOf(error)

  if (causes.length === 0) return { kind: 'fatal', causes: [toError(error)], connection: false }

  const kinds = causes.map(classifyCause)
  const connection = causes.every(isConnectionFailure)

  if (kinds.includes('authorization')) return { kind: 'authorization', causes, connection: false }
  if (kinds.every((kind) => kind === 'transient')) return { kind: 'transient', causes, connection }

  return { kind: 'fatal', causes, connection }
}

const AUTHENTICATION_TYPES = new Set([
  'SASL_AUTHENTICATION_FAILED',
  'ILLEGAL_SASL_STATE',
  'UNSUPPORTED_SASL_MECHANISM',
])

/**
 * True when the cluster refused the client's SASL credentials or mechanism: the client is
 * not who it claims to be, as opposed to lacking the ACLs for an operation.
 */
export function isAuthenticationFailure(error: unknown): boolean {
  return causesOf(error).some((cause) => {
    const type = errorType(cause)
    return (
      cause.name === 'KafkaJSSASLAuthenticationError' ||
      (type !== undefined && AUTHENTICATION_TYPES.has(type))
    )
  })
}

function classifyCause(cause: Error): FailureKind {
  const type = errorType(cause)

  if (cause.name === 'KafkaJSSASLAuthenticationError') return 'authorization'
  if (type !== undefined && AUTHORIZATION_TYPES.has(type)) return 'authorization'
  if (cause instanceof RetriableCondition) return 'transient'
  if (type !== undefined && TRANSIENT_TYPES.has(type)) return 'transient'
  if (TRANSIENT_ERROR_NAMES.has(cause.name)) return 'transient'
  if (isConnectionFailure(cause)) return 'transient'

  return 'fatal'
}

function isConnectionFailure(cause: Error): boolean {
  if (CONNECTION_ERROR_NAMES.has(cause.name)) return true

  const code = (cause as { code?: unknown }).code

  return typeof code === 'string' && SOCKET_ERROR_CODES.has(code)
}

/** One line that names a cause by its broker type when it has one: `TYPE: message`. */
export function describeCause(cause: Error): string {
  const type = errorType(cause)
  if (type === undefined || cause.message.includes(type)) return cause.message

  return `${type}: ${cause.message}`
}

function toError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value))
}

import { execFile } from 'node:child_process'
import path from 'node:path'
import { promisify } from 'node:util'

import { ExitCode, KbenchError } from '../../errors.js'

const run = promisify(execFile)

/** The oldest Java that Apache Kafka 4 runs on. */
export const MINIMUM_JAVA_MAJOR = 17

const INSTALL_HINT =
  'Install a Java 17+ runtime and Maven (on Debian or Ubuntu: apt-get install openjdk-17-jre-headless maven), ' +
  'or point KAFKA_HOME (or kafka.local.kafkaHome in the configuration) at an unpacked Apache Kafka 4.x ' +
  'installation, or give the address of an existing cluster with --brokers.'

/** The java executable: $JAVA_HOME/bin/java when JAVA_HOME is set, else `java` on the PATH. */
export function javaExecutable(env: NodeJS.ProcessEnv = process.env): string {
  if (env.JAVA_HOME) return path.join(env.JAVA_HOME, 'bin', 'java')

  return 'java'
}

/** Parses the major version out of `java -version` output ("17.0.15", "1.8.0_402", "21"). */
export function parseJavaMajor(versionOutput: string): number | undefined {
  const match = /version "(\d+)(?:\.(\d+))?/.exec(versionOutput)
  if (!match) return undefined

  const first = Number(match[1])
  if (first === 1 && match[2]) return Number(match[2])

  return first
}

/** Checks that Java 17 or newer is available and returns its executable. */
export async function requireJava(env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const java = javaExecutable(env)

  let output: string
  try {
    const { stderr, stdout } = await run(java, ['-version'], { env })
    output = `${stderr}${stdout}`
  } catch (error) {
    throw new KbenchError(
      'JAVA_NOT_FOUND',
      `Java was not found (tried "${java}"). The local Kafka broker needs Java ${MINIMUM_JAVA_MAJOR} or newer.`,
      { exitCode: ExitCode.Environment, suggestions: [INSTALL_HINT], cause: error },
    )
  }

  const major = parseJavaMajor(output)
  if (major === undefined || major < MINIMUM_JAVA_MAJOR) {
    throw new KbenchError(
      'JAVA_TOO_OLD',
      `"${java}" is Java ${major ?? 'of an unknown version'}; the local Kafka broker needs Java ${MINIMUM_JAVA_MAJOR} or newer.`,
      { exitCode: ExitCode.Environment, suggestions: [INSTALL_HINT] },
    )
  }

  return java
}

/** Checks that Maven is available, for fetching Kafka's jars, and returns its executable. */
export async function requireMaven(env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const mvn = env.KBENCH_MVN ?? 'mvn'

  try {
    await run(mvn, ['--version'], { env })
  } catch (error) {
    throw new KbenchError(
      'MAVEN_NOT_FOUND',
      `Maven was not found (tried "${mvn}"). kbench uses it to fetch Apache Kafka's jars from Maven Central.`,
      { exitCode: ExitCode.Environment, suggestions: [INSTALL_HINT], cause: error },
    )
  }

  return mvn
}

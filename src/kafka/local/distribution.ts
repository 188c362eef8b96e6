import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'

import { ExitCode, KbenchError } from '../../errors.js'
import { type Logger, silentLogger } from '../../logging.js'
import { requireMaven } from './toolchain.js'

const run = promisify(execFile)

/** The Apache Kafka release kbench fetches when none is given. */
export const DEFAULT_KAFKA_VERSION = '4.4.0'

const SLF4J_VERSION = '2.0.17'
const LOG4J_VERSION = '2.24.3'

/** A runnable Apache Kafka: the classpath of its jars and where they came from. */
export interface KafkaDistribution {
  version: string
  /** A Java classpath with a wildcard entry, such as `/cache/kafka-4.4.0/libs/*`. */
  classpath: string
  /** `maven` when kbench fetched it, `kafka-home` when it is an existing installation. */
  source: 'maven' | 'kafka-home'
  location: string
}

export interface DistributionOptions {
  version?: string
  cacheDir?: string
  kafkaHome?: string
  logger?: Logger
  env?: NodeJS.ProcessEnv
}

/** Where kbench keeps fetched Kafka releases: $KBENCH_CACHE_DIR, else ~/.cache/kbench. */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.KBENCH_CACHE_DIR) return path.resolve(env.KBENCH_CACHE_DIR)

  const base = env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache')
  return path.join(base, 'kbench')
}

/**
 * Finds Kafka's jars: an existing installation when one is given (option or KAFKA_HOME),
 * else a release cached earlier, else a fresh fetch of the release and its runtime
 * dependencies from Maven Central.
 */
export async function resolveDistribution(
  options: DistributionOptions = {},
): Promise<KafkaDistribution> {
  const env = options.env ?? process.env
  const kafkaHome = options.kafkaHome ?? env.KAFKA_HOME
  if (kafkaHome) return fromKafkaHome(path.resolve(kafkaHome))

  const version = options.version ?? DEFAULT_KAFKA_VERSION
  const cacheDir = options.cacheDir ?? defaultCacheDir(env)
  const releaseDir = path.join(cacheDir, `kafka-${version}`)
  const libs = path.join(releaseDir, 'libs')

  if (!existsSync(libs)) await fetchRelease(version, cacheDir, releaseDir, options)

  return { version, classpath: path.join(libs, '*'), source: 'maven', location: releaseDir }
}

async function fromKafkaHome(home: string): Promise<KafkaDistribution> {
  const libs = path.join(home, 'libs')
  const jars = await fs.readdir(libs).catch(() => [] as string[])
  const core = jars.find(
    (name) => /^kafka_2\.\d+-[\w.-]+\.jar$/.test(name) && !name.includes('-test'),
  )

  if (!core) {
    throw new KbenchError(
      'KAFKA_HOME_INVALID',
      `KAFKA_HOME is set to ${home}, but ${libs} holds no kafka_2.13-<version>.jar.`,
      {
        exitCode: ExitCode.Environment,
        suggestions: [
          'Point KAFKA_HOME at the folder of an unpacked Apache Kafka 4.x release (the one holding bin/ and libs/), or unset it to let kbench fetch Kafka itself.',
        ],
      },
    )
  }

  const version = core.replace(/^kafka_2\.\d+-/, '').replace(/\.jar$/, '')
  return { version, classpath: path.join(libs, '*'), source: 'kafka-home', location: home }
}

function releasePom(version: string): string {
  const dependency = (group: string, artifact: string, v: string) =>
    `    <dependency><groupId>${group}</groupId><artifactId>${artifact}</artifactId><version>${v}</version></dependency>`

  return [
    '<project xmlns="http://maven.apache.org/POM/4.0.0">',
    '  <modelVersion>4.0.0</modelVersion>',
    '  <groupId>kbench.local</groupId>',
    `  <artifactId>kafka-runtime-${version}</artifactId>`,
    '  <version>1</version>',
    '  <packaging>pom</packaging>',
    '  <dependencies>',
    dependency('org.apache.kafka', 'kafka_2.13', version),
    // The POMs bring the SLF4J API but no binding, so the broker would log nothing.
    dependency('org.slf4j', 'slf4j-api', SLF4J_VERSION),
    dependency('org.apache.logging.log4j', 'log4j-slf4j2-impl', LOG4J_VERSION),
    dependency('org.apache.logging.log4j', 'log4j-core', LOG4J_VERSION),
    '  </dependencies>',
    '</project>',
    '',
  ].join('\n')
}

async function fetchRelease(
  version: string,
  cacheDir: string,
  releaseDir: string,
  options: DistributionOptions,
): Promise<void> {
  const logger = options.logger ?? silentLogger
  const mvn = await requireMaven(options.env)

  await fs.mkdir(cacheDir, { recursive: true })
  // Fetch into a private folder and rename it into place, so that a concurrent fetch or an
  // interrupted one never leaves a half-filled release behind.
  const staging = await fs.mkdtemp(path.join(cacheDir, `.kafka-${version}-`))
  await fs.writeFile(path.join(staging, 'pom.xml'), releasePom(version))

  logger.info(`Fetching Apache Kafka ${version} from Maven Central into ${releaseDir} (once)`)
  const started = Date.now()

  try {
    await run(
      mvn,
      [
        '-B',
        '-q',
        'dependency:copy-dependencies',
        '-DincludeScope=runtime',
        '-DoutputDirectory=libs',
      ],
      { cwd: staging, env: options.env ?? process.env, maxBuffer: 64 * 1024 * 1024 },
    )
  } catch (error) {
    await fs.rm(staging, { recursive: true, force: true })
    const output = error as { stdout?: string; stderr?: string }
    const tail = `${output.stdout ?? ''}${output.stderr ?? ''}`
      .trim()
      .split('\n')
      .slice(-8)
      .join('\n')

    throw new KbenchError(
      'KAFKA_FETCH_FAILED',
      `Fetching Apache Kafka ${version} (org.apache.kafka:kafka_2.13:${version}) with Maven failed:\n${tail}`,
      {
        exitCode: ExitCode.Environment,
        cause: error,
        suggestions: [
          'Check that this machine reaches Maven Central and that the version exists, or set KAFKA_HOME to an unpacked Kafka release.',
        ],
      },
    )
  }

  try {
    await fs.rename(staging, releaseDir)
  } catch (error) {
    await fs.rm(staging, { recursive: true, force: true })
    // Another process finished the same fetch first; its copy is as good as ours.
    if (!existsSync(path.join(releaseDir, 'libs'))) throw error
  }

  logger.info(`Fetched Apache Kafka ${version} in ${((Date.now() - started) / 1000).toFixed(1)} s`)
}

import { expect } from 'chai'

import { parseJavaMajor } from '../../../src/kafka/local/toolchain.js'

describe('parseJavaMajor', () => {
  it('reads modern version strings', () => {
    expect(parseJavaMajor('openjdk version "17.0.15" 2025-04-15')).to.equal(17)
    expect(parseJavaMajor('openjdk version "21" 2023-09-19')).to.equal(21)
  })

  it('reads the legacy 1.x scheme as its minor number', () => {
    expect(parseJavaMajor('java version "1.8.0_402"')).to.equal(8)
  })

  it('returns undefined for output that names no version', () => {
    expect(parseJavaMajor('bash: java: command not found')).to.equal(undefined)
  })
})

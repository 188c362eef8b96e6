import { expect } from 'chai'

import {
  keyFor,
  readStamp,
  stampHeaders,
  toHandlerMessage,
} from '../../src/workload/message-format.js'

/** Headers as a consumer receives them: every value a Buffer. */
function asConsumed(headers: Record<string, unknown>) {
  return Object.fromEntries(
    Object.entries(headers).map(([name, value]) => [name, Buffer.from(String(value))]),
  )
}

describe('the message stamp', () => {
  it('reads back from consumed bytes exactly what the producer stamped', () => {
    const stamp = {
      id: 123_456,
      keyIndex: 42,
      sequence: 7,
      intendedSendTime: 1_796_302_759_055.125,
    }

    const read = readStamp(Buffer.from(keyFor(42)), asConsumed(stampHeaders(stamp)))

    expect(read?.id).to.equal(123_456)
    expect(read?.keyIndex).to.equal(42)
    expect(read?.sequence).to.equal(7)
    expect(read?.intendedSendTime).to.be.closeTo(stamp.intendedSendTime, 0.001)
  })

  it('ignores messages that kbench did not produce', () => {
    const stamped = asConsumed(
      stampHeaders({ id: 1, keyIndex: 1, sequence: 0, intendedSendTime: 1 }),
    )

    expect(readStamp(Buffer.from('order-17'), stamped)).to.equal(undefined)
    expect(readStamp(Buffer.from('k1'), {})).to.equal(undefined)
    expect(readStamp(Buffer.from('k1'), { ...stamped, 'kbench-id': Buffer.from('12x') })).to.equal(
      undefined,
    )
    expect(readStamp(null, stamped)).to.equal(undefined)
  })

  it('gives handlers the headers as text when they read them', () => {
    const message = toHandlerMessage('t', 3, {
      key: Buffer.from('k1'),
      value: Buffer.from('v'),
      offset: '9',
      timestamp: '0',
      attributes: 0,
      headers: { trace: Buffer.from('abc'), many: [Buffer.from('x'), Buffer.from('y')] },
    })

    expect(message).to.include({ topic: 't', partition: 3, offset: '9' })
    expect(message.headers).to.deep.equal({ trace: 'abc', many: 'x' })
  })
})

import type { Clock } from '../../src/domain/clock.js'

/** A clock tests move by hand. */
export class TestClock implements Clock {
  private current: number
  constructor(start = Date.now()) {
    this.current = start
  }
  now(): Date {
    return new Date(this.current)
  }
  advance(ms: number): void {
    this.current += ms
  }
}

import { encodeHeartbeat } from './frame-codec'

/**
 * Sends the constant hb frame on an interval while a socket is open. Douyin closes sockets that
 * stay silent; browsers and every working client send one every ~10 s.
 */
export class Heartbeat {
  private timer: ReturnType<typeof setInterval> | undefined
  private readonly frame = encodeHeartbeat()

  constructor(
    private readonly intervalMs: number,
    private readonly send: (bytes: Uint8Array) => void,
    private readonly onSent: () => void = () => {},
  ) {}

  start(): void {
    this.stop()
    this.timer = setInterval(() => {
      this.send(this.frame)
      this.onSent()
    }, this.intervalMs)
  }

  stop(): void {
    clearInterval(this.timer)
    this.timer = undefined
  }
}

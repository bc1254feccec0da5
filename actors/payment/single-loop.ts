/**
 * A loop that runs one at a time per actor instance: a call while it runs asks it to go round
 * once more instead of starting a second loop (alarms fire again while a handler awaits).
 */
export class SingleLoop {
  private running_now = false;
  private again = false;

  get running(): boolean {
    return this.running_now;
  }

  async run(body: () => Promise<void>): Promise<void> {
    if (this.running_now) {
      this.again = true;
      return;
    }
    this.running_now = true;
    try {
      do {
        this.again = false;
        await body();
      } while (this.again);
    } finally {
      this.running_now = false;
    }
  }
}

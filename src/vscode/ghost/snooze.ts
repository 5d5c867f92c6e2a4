import * as vscode from 'vscode';

/** "Snooze for N minutes": ghost text pauses everywhere until the time is up, then resumes by itself. */
export class Snooze implements vscode.Disposable {
  private until = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly emitter = new vscode.EventEmitter<boolean>();
  readonly onDidChange = this.emitter.event;

  get active(): boolean {
    return Date.now() < this.until;
  }

  get remainingMinutes(): number {
    return Math.max(0, Math.ceil((this.until - Date.now()) / 60000));
  }

  start(minutes: number): void {
    this.until = Date.now() + minutes * 60000;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.stop(), minutes * 60000);
    this.emitter.fire(true);
  }

  stop(): void {
    this.until = 0;
    clearTimeout(this.timer);
    this.emitter.fire(false);
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.emitter.dispose();
  }
}

/**
 * The live changes that arrive while a list is being fetched. The fetch answers with the list as
 * it was when the request left, so those changes are applied again after it: a slow fetch cannot
 * undo a pushed alert. `begin` before the request; `note` each live change; `end` when the answer
 * is in: it returns every change noted since the first `begin` of loads that overlap, and stops
 * collecting when the last of them ends (an earlier load's answer cannot end the collecting a
 * later one still needs).
 */
export class DuringLoad<T> {
  #pending: T[] = [];
  #loads = 0;

  begin(): void {
    if (this.#loads++ === 0) this.#pending = [];
  }

  note(change: T): void {
    if (this.#loads > 0) this.#pending.push(change);
  }

  end(): T[] {
    const pending = this.#pending;
    this.#loads = Math.max(0, this.#loads - 1);
    if (this.#loads === 0) this.#pending = [];
    return pending.slice();
  }
}

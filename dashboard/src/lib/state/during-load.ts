/**
 * The live changes that arrive while a list is being fetched. The fetch answers with the list as
 * it was when the request left, so those changes are applied again after it: a slow fetch cannot
 * undo a pushed alert. `begin` before the request; `note` each live change; `end` returns what
 * arrived meanwhile (and stops collecting).
 */
export class DuringLoad<T> {
  #pending: T[] | undefined;

  begin(): void {
    this.#pending = [];
  }

  note(change: T): void {
    this.#pending?.push(change);
  }

  end(): T[] {
    const pending = this.#pending ?? [];
    this.#pending = undefined;
    return pending;
  }
}

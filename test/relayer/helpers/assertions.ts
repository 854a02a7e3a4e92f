import { expect } from "chai";

/**
 * Awaits `promise` and checks it rejects with an instance of `errorClass` (and, if given, a
 * message matching `message`). Returns the error for further checks. chai-as-promised's
 * `rejectedWith` works at runtime under hardhat-chai-matchers but has no types here.
 */
export async function expectRejection<E extends Error>(
  promise: Promise<unknown>,
  errorClass: abstract new (...args: never[]) => E,
  message?: RegExp,
): Promise<E> {
  try {
    await promise;
  } catch (error) {
    expect(error).to.be.instanceOf(errorClass);
    if (message !== undefined) expect((error as Error).message).to.match(message);
    return error as E;
  }
  return expect.fail(`expected a rejection with ${errorClass.name}`);
}
